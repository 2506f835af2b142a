"""`listener poll --once` with the X and Reddit config keys, against the fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.fakes.reddit import FakeReddit
from connectors.fakes.twitter import FakeX
from listener.cli import app

ENV = {
    "X_BEARER_TOKEN": "x-token",
    "REDDIT_CLIENT_ID": "r-id",
    "REDDIT_CLIENT_SECRET": "r-secret",
}


@pytest.fixture
def x() -> Iterator[FakeX]:
    with FakeX(bearer_token=ENV["X_BEARER_TOKEN"]) as fake:
        yield fake


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    with FakeReddit(ENV["REDDIT_CLIENT_ID"], ENV["REDDIT_CLIENT_SECRET"]) as fake:
        yield fake


def config(tmp_path: Path, x: FakeX, reddit: FakeReddit) -> Path:
    path = tmp_path / "listener.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / "l.db"}"

[[brands]]
name = "Acme"
keywords = ["acme", "acme corp"]
exclude = ["roadrunner"]
outposts = ["reddit:r/acme", "twitter:@acme"]

[[sources]]
name = "x"
kind = "twitter"
bearer_token_env = "X_BEARER_TOKEN"
api_base_url = "{x.base_url}"
interval = "2m"

[[sources]]
name = "reddit"
kind = "reddit"
client_id_env = "REDDIT_CLIENT_ID"
client_secret_env = "REDDIT_CLIENT_SECRET"
user_agent = "listener/0.1 (by u/acme)"
api_base_url = "{reddit.base_url}"
interval = "5m"
"""
    )
    return path


def poll(path: Path, env: dict[str, str] = ENV) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["poll", "--once", "--config", str(path)], env=env)
    return result.exit_code, result.stderr


def stored(path: Path) -> list[dict[str, object]]:
    args = ["mentions", "--config", str(path), "--format", "jsonl", "--limit", "0"]
    out = CliRunner().invoke(app, args).stdout
    return [json.loads(line) for line in out.splitlines()]


def ago(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def seed(x: FakeX, reddit: FakeReddit) -> None:
    x.add_tweet("I love my Acme kettle", author="ann", created_at=ago(30))
    x.add_tweet("@acme my order is late", author="bob", created_at=ago(20))
    x.add_tweet("acme and the roadrunner &lt;3", author="cat", created_at=ago(10))
    post = reddit.add_post("acme", "Kettle lid question", "It rattles.", created_at=ago(25))
    reddit.add_comment(post, "Same here", created_at=ago(15))
    reddit.add_post("gadgets", "Acme Rocket review", "Solid.", created_at=ago(12))


def test_polls_store_each_item_once_with_outposts_and_exclusions(
    tmp_path: Path, x: FakeX, reddit: FakeReddit
) -> None:
    path = config(tmp_path, x, reddit)
    seed(x, reddit)
    assert poll(path) == (0, "")
    x.add_tweet("Acme support fixed it, thanks", author="dan", created_at=ago(1))
    reddit.add_post("acme", "New colours!", "", created_at=ago(1))
    assert poll(path)[0] == 0
    assert poll(path)[0] == 0  # nothing new: nothing stored twice
    rows = stored(path)
    by_text = {r["text"]: r for r in rows}
    assert len(rows) == len(by_text) == 7
    assert by_text["@acme my order is late"]["outpost"] == "twitter:@acme"
    assert by_text["I love my Acme kettle"]["outpost"] is None
    assert by_text["Kettle lid question\n\nIt rattles."]["outpost"] == "reddit:r/acme"
    assert by_text["Same here"]["outpost"] == "reddit:r/acme"
    assert by_text["Acme Rocket review\n\nSolid."]["outpost"] is None
    assert not any("roadrunner" in str(t) for t in by_text)
    assert {r["brand"] for r in rows} == {"Acme"}
    searches = [r.query for r in x.requests if r.path == "/2/tweets/search/recent"]
    assert any("since_id" in q for q in searches[-2:])
    listings = [r.query for r in reddit.requests if r.path.startswith("/r/acme/new")]
    assert "before" not in listings[0]  # the first poll backfills
    assert sum("before" in q for q in listings) >= 2  # later polls ask only for newer items


def test_missing_secret_names_the_variable_and_others_still_poll(
    tmp_path: Path, x: FakeX, reddit: FakeReddit
) -> None:
    path = config(tmp_path, x, reddit)
    seed(x, reddit)
    code, err = poll(path, {**ENV, "X_BEARER_TOKEN": ""})
    assert code == 3 and "x:" in err and "X_BEARER_TOKEN" in err
    assert {r["platform"] for r in stored(path)} == {"reddit"}


def test_wrong_secret_is_an_auth_error_naming_it(
    tmp_path: Path, x: FakeX, reddit: FakeReddit
) -> None:
    code, err = poll(config(tmp_path, x, reddit), {**ENV, "X_BEARER_TOKEN": "wrong"})
    assert code == 3 and "X_BEARER_TOKEN" in err


def test_429_waits_without_failing_or_hammering(
    tmp_path: Path, x: FakeX, reddit: FakeReddit
) -> None:
    path = config(tmp_path, x, reddit)
    seed(x, reddit)
    reset = int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
    x.inject("/2/tweets", 429, times=50, headers={"x-rate-limit-reset": str(reset)})
    assert poll(path)[0] == 0  # a 429 is not a failure
    asked = len(x.requests)
    assert poll(path)[0] == 0
    assert len(x.requests) == asked  # inside the window: no request at all
    sources = CliRunner().invoke(app, ["sources", "--config", str(path), "--format", "json"])
    state = {s["source"]: s for s in json.loads(sources.stdout)}
    assert state["x"]["rate_limited_until"].startswith(str(datetime.now(UTC).year))
    assert {r["platform"] for r in stored(path)} == {"reddit"}


def test_a_5xx_once_loses_nothing(tmp_path: Path, x: FakeX, reddit: FakeReddit) -> None:
    path = config(tmp_path, x, reddit)
    seed(x, reddit)
    x.inject("/2/tweets/search/recent", 503, times=1)
    assert poll(path)[0] == 0
    assert sum(r["platform"] == "twitter" for r in stored(path)) == 2
