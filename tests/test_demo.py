"""The offline demo: the scripted revolt raises one alert, during the revolt and not before."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from listener.app import open_storage
from listener.demo import run_demo
from listener.records import MentionFilter
from listener.sandbox import Sandbox
from listener.scenario import build_script
from listener.settings import default_settings

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOURS = 4.0


def test_demo_raises_the_revolt_alert_and_nothing_before(tmp_path: Path) -> None:
    settings = default_settings(tmp_path, env={})
    out = io.StringIO()
    code = run_demo(settings, 5, Console(file=out, width=120), end=END, hours=HOURS)
    assert code == 0
    script = build_script(END, hours=HOURS, channels=Sandbox.CHANNELS)
    storage = open_storage(settings)
    try:
        alerts = storage.list_alerts("all")
        mentions = storage.query_mentions(MentionFilter(brand="Acme", limit=None))
    finally:
        storage.close()
    assert [a.kind for a in alerts] == ["flash_revolt"]
    alert = alerts[0]
    assert script.revolt_start - timedelta(minutes=5) <= alert.started_at < script.revolt_end
    assert alert.fired_at <= script.revolt_start + timedelta(minutes=30)
    x = alert.explanation
    assert x["top_posts"] and x["rising_topics"]
    # The story is the episode's peak, not whatever the last refresh saw as the spike decayed.
    episode = [p["negative"] for p in x["series"] if p["start"] >= x["window"]["start"]]
    assert x["negative"]["observed"] == max(episode) > 10
    assert f"surged: {max(episode)} in the 5 min" in x["why"]
    assert {m.platform for m in mentions} == {"rss", "twitter", "reddit"}
    assert any(m.outpost == "twitter:@acme" for m in mentions)
    assert "ALERT" in out.getvalue() and "answer first" in out.getvalue()
    assert "scripted revolt: caught" in out.getvalue()
