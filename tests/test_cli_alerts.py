"""``listener alerts`` (list, ack, outbox) and ``listener silence add|list|expire``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from listener.cli import app
from listener.outbox import enqueue_due
from listener.records import NewAlert
from listener.settings import load_settings
from listener.storage import Storage

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def setup(tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "listener.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "l.db"}"\n')
    storage = Storage(load_settings(path).storage.url)
    storage.upgrade()
    now = datetime.now(UTC)
    alert = NewAlert("Acme", "flash_revolt", "warning", now, now, "Flash revolt on Acme", {})
    alert_id = storage.open_alert(alert).id
    storage.close()
    return str(path), alert_id


def test_alerts_still_lists_and_ack_records_who(tmp_path: Path) -> None:
    config, alert_id = setup(tmp_path)
    code, out, _ = invoke("alerts", "--config", config, "--state", "firing", "--format", "json")
    assert code == 0 and [a["id"] for a in json.loads(out)] == [alert_id]
    assert json.loads(out)[0]["acked_at"] is None
    code, out, _ = invoke("alerts", "ack", str(alert_id), "--config", config, "--by", "ana")
    assert code == 0 and "acknowledged" in out
    code, out, _ = invoke("alerts", "ack", str(alert_id), "--config", config, "--by", "bob")
    assert code == 0 and "was acked" in out
    code, out, _ = invoke("alerts", "--config", config, "--format", "json")
    assert json.loads(out)[0]["acked_by"] == "ana"
    code, _, err = invoke("alerts", "ack", "999", "--config", config)
    assert code == 1 and "999" in err


def test_silence_add_list_expire(tmp_path: Path) -> None:
    config, _ = setup(tmp_path)
    args = ("--brand", "Acme", "--for", "2h", "--reason", "launch", "--config", config)
    code, out, _ = invoke("silence", "add", *args)
    assert code == 0 and out.startswith("silence 1 until")
    code, out, _ = invoke("silence", "list", "--config", config, "--format", "json")
    [silence] = json.loads(out)
    assert (silence["brand"], silence["kind"], silence["reason"]) == ("Acme", None, "launch")
    assert invoke("silence", "expire", "1", "--config", config)[0] == 0
    assert json.loads(invoke("silence", "list", "--config", config, "--format", "json")[1]) == []
    code, out, _ = invoke("silence", "list", "--all", "--config", config, "--format", "json")
    assert len(json.loads(out)) == 1
    code, _, err = invoke("silence", "expire", "1", "--config", config)
    assert code == 1 and "no silence 1" in err


def test_silence_add_needs_a_matcher_and_a_duration(tmp_path: Path) -> None:
    config, _ = setup(tmp_path)
    code, _, err = invoke("silence", "add", "--for", "2h", "--reason", "x", "--config", config)
    assert code == 2 and "--brand" in err
    code, _, err = invoke(
        "silence", "add", "--brand", "Acme", "--for", "soon", "--reason", "x", "--config", config
    )
    assert code == 2 and "--for" in err


def test_outbox_lists_queued_notifications(tmp_path: Path) -> None:
    config, alert_id = setup(tmp_path)
    settings = load_settings(config)
    storage = Storage(settings.storage.url)
    enqueue_due(settings.alerts, storage, datetime.now(UTC))
    storage.close()
    code, out, _ = invoke("alerts", "outbox", "--config", config, "--format", "json")
    [row] = json.loads(out)
    assert code == 0 and row["receiver"] == "log" and row["state"] == "pending"
    assert row["idempotency_key"] == f"alert-{alert_id}-firing"
