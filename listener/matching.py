"""Which brands a post counts for: keywords, exclusions and outposts (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors import BrandWatch, Post
from listener.records import BrandLink
from listener.settings import Brand


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any term on Unicode word boundaries.

    "Acme's" and "#acme" match "acme"; "acmeville" and "@acmehelp" do not. Inside a phrase any
    run of white space matches.
    """
    parts = [r"\s+".join(re.escape(w) for w in term.split()) for term in terms if term.split()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # longest first, so phrases win over their first word
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _CompiledBrand:
    name: str
    keywords: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    outposts: frozenset[str]


class BrandMatcher:
    """Turns a post into the brand links it deserves (empty: drop it)."""

    def __init__(self, brands: Sequence[Brand]) -> None:
        self._brands = tuple(
            _CompiledBrand(
                b.name, term_pattern(b.keywords), term_pattern(b.exclude), frozenset(b.outposts)
            )
            for b in brands
        )

    def match(self, post: Post) -> tuple[BrandLink, ...]:
        """Outpost posts are kept for their brand whatever they say; elsewhere a keyword must
        match and no exclusion may."""
        return tuple(link for b in self._brands if (link := _link(b, post)) is not None)


def _link(brand: _CompiledBrand, post: Post) -> BrandLink | None:
    if post.outpost is not None and post.outpost in brand.outposts:
        return BrandLink(brand.name, post.outpost)
    if brand.keywords is None or not brand.keywords.search(post.text):
        return None
    if brand.exclude is not None and brand.exclude.search(post.text):
        return None
    return BrandLink(brand.name, None)


def watches(brands: Sequence[Brand]) -> tuple[BrandWatch, ...]:
    """What connectors look for, per brand."""
    return tuple(BrandWatch(b.name, b.keywords, b.exclude, b.outposts) for b in brands)
