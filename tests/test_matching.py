from datetime import UTC, datetime

import pytest

from connectors import Post
from listener.matching import BrandMatcher
from listener.records import BrandLink
from listener.settings import Brand

ACME = Brand(
    name="Acme",
    keywords=("acme", "acme corp"),
    exclude=("roadrunner",),
    outposts=("reddit:r/acme",),
)
GLOBEX = Brand(name="Globex", keywords=("globex",))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def post(text: str, outpost: str | None = None) -> Post:
    return Post("reddit", "t3_1", text, NOW, outpost=outpost)


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("I love Acme's kettles", True),
        ("#acme rocks", True),
        ("ACME!", True),
        ("acme\ncorp merger", True),
        ("welcome to acmeville", False),
        ("ask @acmehelp", False),
        ("acme_fans unite", False),
        ("Ünïcode ACME café", True),
    ],
)
def test_keyword_word_boundaries(text: str, matches: bool) -> None:
    assert bool(BrandMatcher([ACME]).match(post(text))) is matches


def test_exclusion_drops_keyword_match() -> None:
    assert BrandMatcher([ACME]).match(post("acme and the Roadrunner")) == ()


def test_outpost_post_is_kept_without_keyword_and_marked() -> None:
    links = BrandMatcher([ACME]).match(post("my kettle broke", outpost="reddit:r/acme"))
    assert links == (BrandLink("Acme", "reddit:r/acme"),)


def test_two_brands_both_counted() -> None:
    links = BrandMatcher([ACME, GLOBEX]).match(post("Acme vs Globex"))
    assert links == (BrandLink("Acme"), BrandLink("Globex"))


def test_other_brands_outpost_does_not_mark() -> None:
    links = BrandMatcher([ACME, GLOBEX]).match(post("globex is better", outpost="reddit:r/acme"))
    assert links == (BrandLink("Acme", "reddit:r/acme"), BrandLink("Globex"))
