"""Replay: a mention stream through the real pipeline in simulated time, and its scoring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors import Post
from listener.cli import app
from listener.errors import InputFileError
from listener.replay import (
    ReplayConnector,
    brands_for,
    posts_from_script,
    replay_settings,
    run_replay,
    sim_moments,
)
from listener.replay_jsonl import ReplayError, StreamPost, read_jsonl
from listener.replay_score import AlertTiming, Window, score_alerts
from listener.scenario import build_script
from listener.settings import Settings

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
runner = CliRunner()


def post(at: datetime, text: str = "Acme is fine", external_id: str = "1") -> Post:
    return Post(platform="twitter", external_id=external_id, text=text, created_at=at)


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


# --- the real pipeline -------------------------------------------------------------------


def test_scripted_revolt_raises_one_alert_soon_after_onset_and_none_before(tmp_path: Path) -> None:
    script = build_script(END, hours=4.0)
    stream = posts_from_script(script)
    settings = replay_settings(
        Settings(), brands_for(stream, ["Acme"]), f"sqlite:///{tmp_path}/r.db"
    )
    revolt = Window(script.revolt_start, script.revolt_end, "Acme")
    result = run_replay(settings, stream, [revolt])
    fired = [e.alert for e in result.events if e.event == "firing"]
    assert len(fired) == 1
    assert script.revolt_start <= fired[0].fired_at < script.revolt_end
    delay = result.figures.detections[0].delay_minutes
    assert delay is not None and 0 < delay <= 30
    assert result.figures.false_alerts == () and result.figures.repeats == 0
    assert result.stored == result.posts == len(script.posts)
    assert fired[0].explanation["top_posts"]  # the alert explains itself, as in production


def test_normal_traffic_alone_raises_nothing(tmp_path: Path) -> None:
    script = build_script(END, hours=4.0, revolt_at=1.0)  # the revolt starts as the script ends
    stream = posts_from_script(script)
    settings = replay_settings(
        Settings(), brands_for(stream, ["Acme"]), f"sqlite:///{tmp_path}/r.db"
    )
    result = run_replay(settings, stream)
    assert result.events == ()
    assert result.figures.false_per_week == 0.0
    assert result.figures.normal >= timedelta(hours=4)


def test_replay_connector_releases_posts_as_the_clock_passes_them() -> None:
    posts = [post(T0 + i * MINUTE, external_id=str(i)) for i in (3, 1, 2, 7)]
    connector = ReplayConnector(posts)
    first = connector.poll({}, T0 + 2 * MINUTE)
    assert [p.external_id for p in first.posts] == ["1", "2"]
    again = connector.poll(first.cursor, T0 + 2 * MINUTE)
    assert again.posts == ()
    later = connector.poll(first.cursor, T0 + 10 * MINUTE)
    assert [p.external_id for p in later.posts] == ["3", "7"]


def test_sim_moments_step_by_bucket_from_the_bucket_after_the_start() -> None:
    moments = sim_moments(T0 + 7 * MINUTE, T0 + 21 * MINUTE, timedelta(minutes=5))
    assert moments == [T0 + m * MINUTE for m in (10, 15, 20, 25)]


def test_brands_come_from_the_option_or_the_brand_fields() -> None:
    stream = [
        StreamPost(post(T0), "Acme"),
        StreamPost(
            Post("reddit", "2", "hello", T0, outpost="reddit:r/globex"),
            "Globex",
        ),
    ]
    brands = brands_for(stream)
    assert [b.name for b in brands] == ["Acme", "Globex"]
    assert brands[1].outposts == ("reddit:r/globex",) and brands[0].outposts == ()
    assert brands_for(stream, ["Initech"], ["initech corp"])[0].keywords == (
        "Initech",
        "initech corp",
    )
    with pytest.raises(ReplayError, match="--brand"):
        brands_for([StreamPost(post(T0))])


# --- JSONL import ------------------------------------------------------------------------


def test_jsonl_import_reads_required_and_optional_fields(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            {"created_at": "2026-11-23T10:00:00Z", "text": "Acme broke", "reach": 12},
            "",
            {
                "created_at": "2026-11-23T12:00:00+02:00",
                "text": "Acme ok",
                "platform": "reddit",
                "external_id": 99,
                "author": "ann",
                "url": "https://example.invalid/1",
                "outpost": "reddit:r/acme",
                "brand": "Acme",
                "likes": 3,
            },
        ],
    )
    first, second = read_jsonl(path)
    assert first.post.platform == "replay" and first.post.external_id == "line-1"
    assert first.post.reach == 12 and first.brand is None
    assert second.post.created_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert (second.post.platform, second.post.external_id) == ("reddit", "99")
    assert second.post.outpost == "reddit:r/acme" and second.brand == "Acme"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("{not json", r":2: not JSON"),
        ("[1, 2]", r":2: expected a JSON object"),
        ({"text": "Acme"}, r":2: field 'created_at': required"),
        ({"created_at": "yesterday", "text": "Acme"}, r":2: field 'created_at': 'yesterday'"),
        ({"created_at": "2026-11-23T10:00:00Z"}, r":2: field 'text': required"),
        ({"created_at": "2026-11-23T10:00:00Z", "text": "a", "reach": -1}, r"field 'reach'"),
        ({"created_at": "2026-11-23T10:00:00Z", "text": "a", "author": []}, r"field 'author'"),
        ({"created_at": "2026-11-23T10:00:00Z", "text": "a", "outpost": "x"}, r"field 'outpost'"),
    ],
)
def test_jsonl_errors_name_the_line_and_the_field(
    tmp_path: Path, record: Any, message: str
) -> None:
    good = {"created_at": "2026-11-23T10:00:00Z", "text": "Acme"}
    path = write_jsonl(tmp_path / "bad.jsonl", [good, record])
    with pytest.raises(InputFileError, match=message) as caught:
        read_jsonl(path)
    assert str(path) in str(caught.value)


def test_jsonl_missing_file_is_a_replay_error(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"missing\.jsonl"):
        read_jsonl(tmp_path / "missing.jsonl")


# --- scoring (pure) ----------------------------------------------------------------------


def test_score_alerts_delays_misses_repeats_and_false_alerts_per_week() -> None:
    start, end = T0, T0 + timedelta(days=7)
    caught = Window(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1), "Acme")
    missed = Window(T0 + timedelta(days=3), T0 + timedelta(days=3, hours=1), "Acme")
    alerts = [
        AlertTiming("Acme", caught.start, caught.start + 15 * MINUTE),
        AlertTiming("Acme", caught.start, caught.end + 30 * MINUTE),  # same revolt, again
        AlertTiming("Globex", missed.start, missed.start + 10 * MINUTE),  # other brand: false
        AlertTiming("Acme", T0 + timedelta(days=5), T0 + timedelta(days=5)),  # quiet time: false
    ]
    f = score_alerts(alerts, [caught, missed], start, end)
    assert [d.delay_minutes for d in f.detections] == [15.0, None]
    assert f.missed == 1 and f.repeats == 1 and len(f.false_alerts) == 2
    assert f.normal == timedelta(days=7) - 2 * timedelta(hours=2)  # each window plus an hour
    assert f.false_per_week == pytest.approx(2 / (f.normal / timedelta(days=7)))


def test_alert_before_the_onset_is_false_and_overlapping_windows_count_once() -> None:
    a = Window(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    b = Window(T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    early = AlertTiming("Acme", T0, T0 + 30 * MINUTE)
    f = score_alerts([early], [a, b], T0, T0 + timedelta(hours=10))
    assert f.false_alerts == (early,)
    assert f.normal == timedelta(hours=10) - timedelta(hours=3)  # 01:00 to 04:00 covered


# --- the command -------------------------------------------------------------------------


def stream_records(hours: float = 4.0) -> tuple[list[dict[str, Any]], str]:
    script = build_script(END, hours=hours)
    records = [
        {"created_at": p.at.isoformat(), "text": f"{p.title}. {p.body}", "brand": "Acme"}
        for p in script.posts
    ]
    return records, f"{script.revolt_start.isoformat()}/{script.revolt_end.isoformat()}"


def test_replay_command_prints_alerts_delay_and_totals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no listener.toml here: built-in detector settings
    monkeypatch.delenv("LISTENER_CONFIG", raising=False)
    records, revolt = stream_records()
    path = write_jsonl(tmp_path / "s.jsonl", records)
    database = f"sqlite:///{tmp_path / 'out.db'}"
    args = ["replay", str(path), "--revolt", revolt, "--database", database]
    result = runner.invoke(app, [*args, "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2  # a named config that does not exist is an error
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"replayed {len(records)} posts" in result.output
    assert "delay_min" in result.output
    assert "revolts: 1, detected: 1, missed: 0" in result.output
    assert "false alerts: 0" in result.output
    assert (tmp_path / "out.db").exists()


def test_replay_command_reports_bad_input_with_its_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", [{"created_at": "2026-11-23T10:00:00Z"}])
    result = runner.invoke(app, ["replay", str(path), "--brand", "Acme"])
    assert result.exit_code == 2
    assert "s.jsonl:1: field 'text'" in result.output
    result = runner.invoke(app, ["replay", str(path), "--revolt", "2026-11-23T10:00"])
    assert result.exit_code == 2 and "--revolt" in result.output
    result = runner.invoke(app, ["replay", str(path), "--bucket", "soon"])
    assert result.exit_code == 2 and "--bucket" in result.output
