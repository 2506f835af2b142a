"""The durable outbox on SQLite and PostgreSQL: enqueue, deliver, retry, give up, silences, ack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.notify import WebhookNotifier
from listener.outbox import Deliverer, enqueue_due
from listener.records import NewAlert, NewSilence, PollHealth
from listener.settings import AlertSettings, parse_settings
from listener.source_alerts import FAILING, SourceHealth, silent
from listener.storage import Storage
from tests.receivers import Receiver

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def settings(**alerts: Any) -> AlertSettings:
    data = {
        "alerts": {
            "receivers": [
                {"name": "pr", "kind": "webhook", "url": "http://127.0.0.1:9/unused"},
                {"name": "ops", "kind": "webhook", "url": "http://127.0.0.1:9/unused"},
            ],
            "route": {"receiver": "pr", "group_wait": "1s", "group_interval": "1m"},
            **alerts,
        }
    }
    return parse_settings(data).alerts


def fire(storage: Storage, brand: str = "Acme", at: datetime = T0) -> int:
    alert = NewAlert(
        brand=brand,
        kind="flash_revolt",
        severity="warning",
        started_at=at,
        fired_at=at,
        summary=f"Flash revolt on {brand}",
        explanation={"why": "surge"},
    )
    return storage.open_alert(alert).id


def test_enqueueing_again_adds_nothing(storage: Storage) -> None:
    alert_id = fire(storage)
    assert enqueue_due(settings(), storage, T0) == 1
    assert enqueue_due(settings(), storage, T0 + S) == 0
    [row] = storage.list_notifications()
    assert (row.receiver, row.idempotency_key, row.state) == (
        "pr",
        f"alert-{alert_id}-firing",
        "pending",
    )
    assert row.due_at == T0 + S  # group_wait
    assert row.payload["alert"]["brand"] == "Acme" and row.payload["event"] == "firing"


def test_a_sent_row_is_never_sent_again(storage: Storage) -> None:
    fire(storage)
    with Receiver() as r:
        deliverer = Deliverer(settings(), storage, {"pr": WebhookNotifier("pr", r.url)})
        enqueue_due(settings(), storage, T0)
        assert deliverer.deliver(T0).sent == 0  # group_wait not over
        assert deliverer.deliver(T0 + S).sent == 1
        for i in range(2, 5):
            enqueue_due(settings(), storage, T0 + i * S)
            assert deliverer.deliver(T0 + i * S).sent == 0
    assert len(r.received) == 1
    assert storage.list_notifications("sent")[0].sent_at == T0 + S


def test_a_receiver_down_for_an_hour_is_probed_gently_and_gets_each_event_once(
    storage: Storage,
) -> None:
    config = settings(retry_initial="10s", retry_max="10m")
    ids = [fire(storage, brand) for brand in ("Acme", "Beta", "Gamma")]
    with Receiver(status=503) as r:
        deliverer = Deliverer(config, storage, {"pr": WebhookNotifier("pr", r.url)})
        now = T0
        while now < T0 + timedelta(hours=1):
            enqueue_due(config, storage, now)
            deliverer.deliver(now)
            now += 30 * S
        probes = len(r.received)
        r.status = 200
        for _ in range(25):  # the next retry is at most retry_max away
            deliverer.deliver(now)
            now += 30 * S
    assert probes <= 12  # 10s, 20s, 40s... capped at 10m: not one request per pass (120)
    delivered = r.keys()[probes:]
    assert sorted(delivered) == sorted(f"alert-{i}-firing" for i in ids)
    assert [n.state for n in storage.list_notifications()] == ["sent"] * 3


def test_a_row_failing_past_give_up_after_is_dead(storage: Storage) -> None:
    config = settings(retry_initial="1m", retry_max="1m", give_up_after="10m")
    fire(storage)
    enqueue_due(config, storage, T0)
    with Receiver(status=500) as r:
        deliverer = Deliverer(config, storage, {"pr": WebhookNotifier("pr", r.url)})
        reports = [deliverer.deliver(T0 + i * timedelta(minutes=1) + S) for i in range(12)]
    assert sum(rep.dead for rep in reports) == 1
    [row] = storage.list_notifications()
    assert row.state == "dead" and row.last_error == "receiver 'pr': HTTP 500"
    assert row.attempts == len(r.received)


def test_a_receiver_without_its_secret_keeps_its_rows(storage: Storage) -> None:
    fire(storage)
    enqueue_due(settings(), storage, T0)
    report = Deliverer(settings(), storage, {}).deliver(T0 + S)
    assert report.failed == 1
    assert storage.list_notifications()[0].state == "pending"


def test_silences_are_listed_until_they_end_and_can_be_expired(storage: Storage) -> None:
    silence = NewSilence(T0, T0 + timedelta(hours=2), "launch", "ana", brand="Acme")
    added = storage.add_silence(silence)
    assert [s.reason for s in storage.silences(T0 + S)] == ["launch"]
    assert storage.expire_silence(added.id, T0 + timedelta(hours=1))
    assert not storage.expire_silence(added.id, T0 + timedelta(hours=1))
    assert storage.silences(T0 + timedelta(hours=1)) == []
    [ended] = storage.silences(T0, include_expired=True)
    assert ended.ends_at == T0 + timedelta(hours=1)


def test_a_silenced_alert_is_not_enqueued(storage: Storage) -> None:
    fire(storage, "Acme")
    fire(storage, "Beta")
    storage.add_silence(NewSilence(T0, T0 + timedelta(hours=2), "launch", "ana", brand="Acme"))
    enqueue_due(settings(), storage, T0)
    assert [n.payload["alert"]["brand"] for n in storage.list_notifications()] == ["Beta"]


def test_ack_is_kept_once_and_stops_repeats(storage: Storage) -> None:
    alert_id = fire(storage)
    config = settings(route={"receiver": "pr", "group_wait": "1s", "repeat_interval": "1h"})
    enqueue_due(config, storage, T0)
    assert storage.ack_alert(alert_id, "ana", T0 + S)
    assert not storage.ack_alert(alert_id, "bob", T0 + 2 * S)
    acked = storage.get_alert(alert_id)
    assert acked is not None and acked.acked_by == "ana"
    with Receiver() as r:
        deliverer = Deliverer(config, storage, {"pr": WebhookNotifier("pr", r.url)})
        deliverer.deliver(T0 + S)
        enqueue_due(config, storage, T0 + timedelta(hours=3))
        deliverer.deliver(T0 + timedelta(hours=3))
    assert r.keys() == [f"alert-{alert_id}-firing"]


def test_a_source_failing_in_a_row_fires_then_resolves(storage: Storage) -> None:
    config = parse_settings({"alerts": {"source_failures": 2}})
    health = SourceHealth(config, storage)
    storage.record_failure("feeds", PollHealth(polled_at=T0, error="HTTP 500"))
    assert health.evaluate(T0) == []
    storage.record_failure("feeds", PollHealth(polled_at=T0 + S, error="HTTP 500"))
    [fired] = health.evaluate(T0 + S)
    assert (fired.event, fired.alert.brand, fired.alert.kind) == ("firing", "source:feeds", FAILING)
    assert "HTTP 500" in fired.alert.explanation["why"]
    storage.store_poll("feeds", [], {}, PollHealth(polled_at=T0 + 2 * S))
    [resolved] = health.evaluate(T0 + 2 * S)
    assert resolved.event == "resolved" and resolved.alert.resolved_at == T0 + 2 * S


def test_a_source_without_new_mentions_for_too_long_is_silent() -> None:
    config = parse_settings({"alerts": {"source_silent_after": "6h"}})
    assert silent("feeds", T0, T0 + timedelta(hours=6), config).firing
    assert not silent("feeds", T0, T0 + timedelta(hours=5), config).firing
    assert not silent("feeds", None, T0 + timedelta(days=9), config).firing  # never had one
    off = parse_settings({})
    assert not silent("feeds", T0, T0 + timedelta(days=9), off).firing  # not configured
