"""The CLI contract: commands, options, exit codes and output fields."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.fakes.feeds import FeedServer
from listener.cli import app

runner = CliRunner()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def config(tmp_path: Path, feeds: FeedServer, *urls: str) -> Path:
    path = tmp_path / "listener.toml"
    feed_list = ", ".join(f'"{u}"' for u in (feeds.url("/news.rss"), *urls))
    path.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / "l.db"}"
[[brands]]
name = "Acme"
keywords = ["acme"]
exclude = ["roadrunner"]
outposts = ["rss:{feeds.url("/forum.rss")}"]
[[sources]]
name = "news"
kind = "rss"
feeds = [{feed_list}]
"""
    )
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add(feeds: FeedServer, path: str, n: int, title: str) -> None:
    feeds.add_entry(
        path, id=f"urn:{n}", title=title, summary="<p>body</p>", link=f"https://e.test/{n}",
        author="ann", published=datetime.now(UTC) - timedelta(minutes=n),
    )  # fmt: skip


def test_init_writes_config_and_database(tmp_path: Path) -> None:
    path = tmp_path / "listener.toml"
    code, out, _ = invoke("init", "--config", str(path))
    assert code == 0 and path.exists() and (tmp_path / "listener.db").exists()
    code, out, _ = invoke("check-config", "--config", str(path))
    assert code == 0 and "brand Acme" in out


def test_check_config_typo_exit_2_names_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[storage]\nurl = "sqlite:///x.db"\n[[brands]]\nname = "A"\nkeywordz = ["a"]\n')
    code, _, err = invoke("check-config", "--config", str(path))
    assert code == 2
    assert str(path) in err and "brands[0].keywordz" in err


def test_config_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTENER_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = invoke("check-config")
    assert code == 2 and "missing.toml" in err


def test_poll_once_then_mentions_jsonl(tmp_path: Path, feeds: FeedServer) -> None:
    add(feeds, "/news.rss", 1, "Acme is wonderful")
    add(feeds, "/forum.rss", 2, "kettle question")
    path = config(tmp_path, feeds)
    code, out, err = invoke("poll", "--once", "--config", str(path))
    assert code == 0, err
    code, out, _ = invoke("mentions", "--config", str(path), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["external_id"] for r in rows} == {"urn:1", "urn:2"}
    row = next(r for r in rows if r["external_id"] == "urn:1")
    for key in ("source", "platform", "external_id", "url", "author", "text", "created_at",
                "brand", "outpost", "sentiment", "topics"):  # fmt: skip
        assert key in row
    assert row["created_at"].endswith("Z") and row["outpost"] is None
    assert row["sentiment"]["label"] == "positive" and isinstance(row["sentiment"]["score"], float)
    assert row["text"] == "Acme is wonderful\n\n<p>body</p>"
    outpost = next(r for r in rows if r["external_id"] == "urn:2")["outpost"]
    assert outpost == f"rss:{feeds.url('/forum.rss')}"


def test_mentions_filters_and_formats(tmp_path: Path, feeds: FeedServer) -> None:
    add(feeds, "/news.rss", 1, "Acme is wonderful")
    add(feeds, "/news.rss", 2, "Acme is awful and broken, terrible")
    path = config(tmp_path, feeds)
    invoke("poll", "--once", "--config", str(path))
    code, out, _ = invoke(
        "mentions", "--config", str(path), "--sentiment", "negative", "--format", "json"
    )
    assert [r["external_id"] for r in json.loads(out)] == ["urn:2"]
    code, out, _ = invoke("mentions", "--config", str(path), "--query", "WONDER", "--format", "csv")
    assert [r["external_id"] for r in csv.DictReader(io.StringIO(out))] == ["urn:1"]
    code, out, _ = invoke("mentions", "--config", str(path), "--limit", "1", "--format", "jsonl")
    assert len(out.splitlines()) == 1
    code, out, _ = invoke("mentions", "--config", str(path))
    assert code == 0 and "Acme is wonderful" in out
    code, _, err = invoke("mentions", "--config", str(path), "--since", "yesterday-ish")
    assert code == 2 and "--since" in err


def test_poll_partial_failure_exit_3(tmp_path: Path, feeds: FeedServer) -> None:
    add(feeds, "/news.rss", 1, "Acme one")
    feeds.fail("/down.rss", 500)
    path = config(tmp_path, feeds, feeds.url("/down.rss"))
    code, _, err = invoke("poll", "--once", "--config", str(path))
    assert code == 3
    assert "news:" in err and "down.rss" in err
    code, out, _ = invoke("mentions", "--config", str(path), "--format", "jsonl")
    assert len(out.splitlines()) == 1


def test_poll_unknown_source(tmp_path: Path, feeds: FeedServer) -> None:
    code, _, err = invoke(
        "poll", "--once", "--source", "nope", "--config", str(config(tmp_path, feeds))
    )
    assert code == 2 and "nope" in err


def test_sources_and_alerts_tables(tmp_path: Path, feeds: FeedServer) -> None:
    path = config(tmp_path, feeds)
    invoke("poll", "--once", "--config", str(path))
    code, out, _ = invoke("sources", "--config", str(path), "--format", "json")
    assert code == 0 and json.loads(out)[0]["source"] == "news"
    code, out, _ = invoke("alerts", "--config", str(path), "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_analyze_csv_and_jsonl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no listener.toml here: analyze needs none
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,I love this so much!\n2,This is the worst. #refund\n3,\n")
    code, out, err = invoke("analyze", str(src), "--text-column", "body")
    assert code == 0, err
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["sentiment"]["label"] for d in docs] == ["positive", "negative", "neutral"]
    assert "#refund" in docs[1]["topics"]
    jl = tmp_path / "in.jsonl"
    jl.write_text('{"t": "great stuff"}\n{"t": "awful stuff"}\n')
    code, out, _ = invoke("analyze", str(jl), "--text-column", "t", "--format", "jsonl")
    assert [json.loads(x)["sentiment"]["label"] for x in out.splitlines()] == [
        "positive",
        "negative",
    ]
    code, _, err = invoke("analyze", str(src), "--text-column", "text")
    assert code == 2 and "'text'" in err and "body" in err


def test_detect_is_causal(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1)
    values = [10.0 + (i % 7) for i in range(300)] + [200.0] + [10.0] * 50
    lines = ["timestamp,value"] + [
        f"{(start + timedelta(minutes=5 * i)):%Y-%m-%d %H:%M:%S},{v}" for i, v in enumerate(values)
    ]
    full, part = tmp_path / "full.csv", tmp_path / "part.csv"
    full.write_text("\n".join(lines) + "\n")
    part.write_text("\n".join(lines[:302]) + "\n")
    code, out_full, err = invoke("detect", str(full))
    assert code == 0, err
    _, out_part, _ = invoke("detect", str(part))
    rows = list(csv.DictReader(io.StringIO(out_full)))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score"]
    assert len(rows) == len(values)
    assert out_full.splitlines()[:302] == out_part.splitlines()[:302]
    scores = [float(r["anomaly_score"]) for r in rows]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[300] == max(scores) and scores[300] > 0.5
