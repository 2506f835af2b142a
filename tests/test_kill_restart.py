"""Kill ``listener run`` in the middle of a delivery, restart it: nothing lost, nothing doubled.

Three alerts fire; two receivers get every event. Receiver ``b`` is down (nothing listens on its
port) when the service starts; receiver ``a`` answers the first request and stalls on the
second, and the service is SIGKILLed while that request is in flight. After ``b`` comes up and
the service restarts, each receiver must hold exactly one notification per alert event by
idempotency key. The one request in flight at the kill reaches ``a`` a second time with the same
key (delivery is at least once; the key is how a receiver drops the copy) and nothing else does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from listener.records import NewAlert
from listener.settings import load_settings
from listener.storage import Storage
from tests.receivers import Receiver

ROOT = Path(__file__).resolve().parents[1]
BRANDS = ("Acme", "Beta", "Gamma")
DEADLINE = 30.0  # generous: two starts load spaCy on a possibly busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path, a_url: str, b_port: int) -> Path:
    brands = "".join(f'[[brands]]\nname = "{b}"\nkeywords = ["{b.lower()}"]\n' for b in BRANDS)
    path = tmp_path / "listener.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite:///{tmp_path / "l.db"}"
{brands}
[alerts]
delivery_interval = "0.2s"
retry_initial = "0.3s"
retry_max = "0.6s"

[[alerts.receivers]]
name = "a"
kind = "webhook"
url = "{a_url}"

[[alerts.receivers]]
name = "b"
kind = "webhook"
url = "http://127.0.0.1:{b_port}/hook"

[alerts.route]
receiver = "a"
group_wait = "0.1s"
group_interval = "0.1s"
[[alerts.route.routes]]
match = {{}}
receiver = "b"
continue = true
[[alerts.route.routes]]
match = {{}}
receiver = "a"
"""
    )
    return path


def seed_alerts(config: Path) -> list[str]:
    storage = Storage(load_settings(config).storage.url)
    storage.upgrade()
    now = datetime.now(UTC)
    ids = [
        storage.open_alert(NewAlert(b, "flash_revolt", "warning", now, now, f"revolt {b}", {})).id
        for b in BRANDS
    ]
    storage.close()
    return [f"alert-{i}-firing" for i in ids]


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "listener", "run", "--config", str(config)],
            cwd=config.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; log:\n{log.read_text()}")
        time.sleep(0.05)


def test_sigkill_mid_delivery_then_restart_sends_each_event_once(tmp_path: Path) -> None:
    b_port = free_port()
    log = tmp_path / "run.log"
    with Receiver() as a:
        config = write_config(tmp_path, a.url, b_port)
        expected = seed_alerts(config)
        a.hold_from = 1  # a answers one request, then stalls: the kill lands mid-delivery
        a.hold.set()
        first = start(config, log)
        try:
            wait_for(lambda: len(a.received) == 2, "a's second notification", log)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        in_flight = a.keys()[1]
        a.release()
        with Receiver(port=b_port) as b:  # b comes back
            second = start(config, log)
            try:
                wait_for(lambda: len(set(a.keys())) == 3, "every event at a", log)
                wait_for(lambda: len(set(b.keys())) == 3, "every event at b", log)
                time.sleep(1.0)  # a few more delivery passes: any duplicate would show now
            finally:
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=10) == 0
    assert "receiver 'b': ConnectError" in log.read_text()  # b really was down at first
    assert Counter(b.keys()) == dict.fromkeys(expected, 1)
    assert Counter(a.keys()) == {**dict.fromkeys(expected, 1), in_flight: 2}
    for receiver in (a, b):
        events = receiver.events()
        assert all(e["idempotency_key"] in expected for e in events)
    storage = Storage(load_settings(config).storage.url)
    rows = storage.list_notifications()
    storage.close()
    assert sorted((r.receiver, r.state) for r in rows) == [("a", "sent")] * 3 + [("b", "sent")] * 3
