"""Alertmanager's rules, scenario by scenario, on the pure dispatch core (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from listener.dispatch import Planner, labels, route_for
from listener.errors import ConfigError
from listener.records import AlertRow, NotificationRow, SilenceRow
from listener.settings import AlertSettings, parse_settings

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
MIN = timedelta(minutes=1)


def alerts_settings(**route: Any) -> AlertSettings:
    data = {
        "alerts": {
            "receivers": [
                {"name": "pr", "kind": "log"},
                {"name": "oncall", "kind": "log"},
            ],
            "route": {
                "receiver": "pr",
                "group_wait": "30s",
                "group_interval": "5m",
                "repeat_interval": "4h",
                "routes": [{"match": {"severity": "critical"}, "receiver": "oncall"}],
                **route,
            },
        }
    }
    return parse_settings(data).alerts


def alert(id: int, brand: str = "Acme", **kw: Any) -> AlertRow:
    values: dict[str, Any] = {
        "id": id,
        "brand": brand,
        "kind": "flash_revolt",
        "severity": "warning",
        "state": "firing",
        "started_at": T0,
        "fired_at": T0,
        "resolved_at": None,
        "summary": f"revolt {id}",
        "explanation": {},
        "outpost": None,
    }
    values.update(kw)
    return AlertRow(**values)


class Outbox:
    """A stand-in for the outbox table: rows become sent once due."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self.rows: list[NotificationRow] = []
        self.silences: list[SilenceRow] = []

    def step(self, now: datetime, alerts: list[AlertRow]) -> list[str]:
        """Plan, enqueue, deliver what is due; return the idempotency keys delivered now."""
        groups: dict[tuple[str, str], datetime] = {}
        for r in self.rows:
            slot = (r.receiver, r.group_key)
            groups[slot] = max(groups.get(slot, r.due_at), r.due_at)
        planner = Planner(self.settings, alerts, self.rows, groups, self.silences, now)
        for item, _, _ in planner.plan():
            self.rows.append(NotificationRow(**vars(item), created_at=now))
        sent = []
        for i, r in enumerate(self.rows):
            if r.state == "pending" and r.due_at <= now:
                self.rows[i] = replace(r, state="sent", sent_at=now)
                sent.append(f"{r.receiver}:{r.idempotency_key}@{int((now - T0) / S)}s")
        return sent


def test_a_new_group_waits_group_wait_then_later_events_wait_group_interval() -> None:
    box = Outbox(alerts_settings())
    a1 = alert(1)
    assert box.step(T0, [a1]) == []
    assert box.step(T0 + 10 * S, [a1, alert(2, kind="source_failing")]) == []  # joins the flush
    assert box.step(T0 + 30 * S, [a1, alert(2, kind="source_failing")]) == [
        "pr:alert-1-firing@30s",
        "pr:alert-2-firing@30s",
    ]
    a3 = alert(3, kind="other")
    assert box.step(T0 + 60 * S, [a1, a3]) == []  # group flushed at 30s: wait 5m after it
    assert box.step(T0 + 330 * S, [a1, a3]) == ["pr:alert-3-firing@330s"]


def test_groups_are_per_brand_and_do_not_delay_each_other() -> None:
    box = Outbox(alerts_settings())
    box.step(T0, [alert(1)])
    box.step(T0 + 30 * S, [alert(1)])
    assert box.step(T0 + 40 * S, [alert(1), alert(2, brand="Beta")]) == []
    assert box.step(T0 + 70 * S, [alert(1), alert(2, brand="Beta")]) == ["pr:alert-2-firing@70s"]


def test_resolved_is_sent_once_after_a_firing_and_never_without_one() -> None:
    box = Outbox(alerts_settings(group_wait="1s", group_interval="1m"))
    box.step(T0, [alert(1)])
    assert box.step(T0 + S, [alert(1)]) == ["pr:alert-1-firing@1s"]
    resolved = alert(1, state="resolved", resolved_at=T0 + 2 * MIN)
    assert box.step(T0 + 2 * MIN, [resolved]) == ["pr:alert-1-resolved@120s"]
    assert box.step(T0 + 3 * MIN, [resolved]) == []
    never_fired = alert(2, brand="Beta", state="resolved", resolved_at=T0)
    assert box.step(T0 + 4 * MIN, [never_fired]) == []


def test_repeat_interval_repeats_a_firing_alert_until_it_is_acknowledged() -> None:
    box = Outbox(alerts_settings(group_wait="1s", repeat_interval="1h"))
    a1 = alert(1)
    box.step(T0, [a1])
    box.step(T0 + S, [a1])
    assert box.step(T0 + 30 * MIN, [a1]) == []
    assert box.step(T0 + 61 * MIN, [a1]) == ["pr:alert-1-repeat-1@3660s"]
    acked = replace(a1, acked_at=T0 + 70 * MIN, acked_by="ana")
    assert box.step(T0 + 3 * 60 * MIN, [acked]) == []
    resolved = replace(acked, state="resolved", resolved_at=T0 + 4 * 60 * MIN)
    box.step(T0 + 4 * 60 * MIN, [resolved])  # the group was idle past repeat_interval: it
    assert box.step(T0 + 4 * 60 * MIN + S, [resolved]) == ["pr:alert-1-resolved@14401s"]  # waits


def test_no_repeat_piles_up_while_a_notification_is_still_pending() -> None:
    box = Outbox(alerts_settings(group_wait="2h", repeat_interval="1h"))
    box.step(T0, [alert(1)])
    box.step(T0 + 90 * MIN, [alert(1)])
    assert [r.event for r in box.rows] == ["firing"]


def test_critical_routes_to_oncall_and_an_escalation_is_an_update() -> None:
    box = Outbox(alerts_settings(group_wait="1s"))
    box.step(T0, [alert(1)])
    box.step(T0 + S, [alert(1)])
    critical = alert(1, severity="critical")
    box.step(T0 + 10 * MIN, [critical])
    sent = box.step(T0 + 10 * MIN + S, [critical])
    # The child route inherits group_wait=1s; the warning went to pr, the critical to oncall.
    assert sent == ["oncall:alert-1-firing@601s"]
    assert box.step(T0 + 20 * MIN, [critical]) == []


def test_escalation_on_the_same_receiver_sends_updated() -> None:
    settings = alerts_settings(group_wait="1s", routes=[])
    box = Outbox(settings)
    box.step(T0, [alert(1)])
    box.step(T0 + S, [alert(1)])
    critical = alert(1, severity="critical")
    assert box.step(T0 + 10 * MIN, [critical]) == ["pr:alert-1-updated-critical@600s"]


def test_a_silence_mutes_matching_alerts_until_it_ends() -> None:
    box = Outbox(alerts_settings(group_wait="1s"))
    box.silences = [
        SilenceRow(T0, T0 + 2 * 60 * MIN, "launch", "ana", brand="Acme", id=1),
    ]
    acme, beta = alert(1), alert(2, brand="Beta")
    box.step(T0, [acme, beta])
    assert box.step(T0 + S, [acme, beta]) == ["pr:alert-2-firing@1s"]
    assert box.step(T0 + 60 * MIN, [acme, beta]) == []
    box.step(T0 + 2 * 60 * MIN, [acme, beta])
    assert box.step(T0 + 2 * 60 * MIN + S, [acme, beta]) == ["pr:alert-1-firing@7201s"]


def test_a_brand_wide_alert_inhibits_that_brands_per_outpost_alerts() -> None:
    box = Outbox(alerts_settings(group_wait="1s"))
    brand_wide = alert(1)
    outpost = alert(2, kind="outpost_revolt", outpost="twitter:@acme")
    other = alert(3, brand="Beta", kind="outpost_revolt", outpost="twitter:@beta")
    box.step(T0, [brand_wide, outpost, other])
    sent = box.step(T0 + S, [brand_wide, outpost, other])
    assert sent == ["pr:alert-1-firing@1s", "pr:alert-3-firing@1s"]
    resolved = replace(brand_wide, state="resolved", resolved_at=T0 + MIN)
    assert box.step(T0 + 10 * MIN, [resolved, outpost, other]) == [
        "pr:alert-1-resolved@600s",
        "pr:alert-2-firing@600s",
    ]


def test_without_a_route_every_receiver_gets_every_alert() -> None:
    settings = parse_settings(
        {"alerts": {"receivers": [{"name": "a", "kind": "log"}, {"name": "b", "kind": "log"}]}}
    ).alerts
    box = Outbox(settings)
    box.step(T0, [alert(1)])
    assert box.step(T0 + 30 * S, [alert(1)]) == ["a:alert-1-firing@30s", "b:alert-1-firing@30s"]


def test_child_routes_match_on_labels_and_inherit_timing() -> None:
    settings = alerts_settings(
        group_wait="10s",
        routes=[
            {"match": {"brand": "Acme", "kind": "source_failing"}, "receiver": "oncall"},
            {"match": {"severity": "critical"}, "receiver": "oncall", "group_wait": "0.5s"},
        ],
    )
    assert settings.route is not None
    failing = route_for(settings.route, labels(alert(1, kind="source_failing")))
    assert (failing.receiver, failing.group_wait) == ("oncall", 10 * S)
    critical = route_for(settings.route, labels(alert(1, severity="critical")))
    assert critical.group_wait == S / 2
    assert route_for(settings.route, labels(alert(1))).receiver == "pr"


def test_an_undefined_receiver_is_a_config_error_naming_it() -> None:
    data = {
        "alerts": {
            "receivers": [{"name": "pr-slack", "kind": "log"}],
            "route": {
                "receiver": "pr-slack",
                "routes": [{"match": {"severity": "critical"}, "receiver": "oncall-email"}],
            },
        }
    }
    with pytest.raises(ConfigError, match="oncall-email") as e:
        parse_settings(data, "listener.toml")
    assert e.value.key == "alerts.route"


@pytest.mark.parametrize(
    ("receiver", "missing"),
    [
        ({"kind": "slack"}, "webhook_url_env"),
        ({"kind": "email", "smtp_host": "mail"}, "smtp_host, from and to"),
        ({"kind": "apprise"}, "url_env"),
        ({"kind": "webhook"}, "url or url_env"),
    ],
)
def test_each_receiver_kind_names_the_keys_it_needs(receiver: dict[str, Any], missing: str) -> None:
    data = {"alerts": {"receivers": [{"name": "r", **receiver}]}}
    with pytest.raises(ConfigError, match=missing):
        parse_settings(data)


def test_unknown_route_keys_are_rejected_with_their_key() -> None:
    data = {"alerts": {"route": {"receiver": "log", "group_wiat": "1s"}}}
    with pytest.raises(ConfigError) as e:
        parse_settings(data, "listener.toml")
    assert e.value.key == "alerts.route.group_wiat"


def test_continue_sends_to_the_next_matching_sibling_too() -> None:
    settings = alerts_settings(
        group_wait="1s",
        routes=[
            {"match": {"brand": "Acme"}, "receiver": "pr", "continue": True},
            {"match": {}, "receiver": "oncall"},
            {"match": {}, "receiver": "pr"},  # never reached: the one before does not continue
        ],
        receiver="pr",
    )
    box = Outbox(settings)
    box.step(T0, [alert(1), alert(2, brand="Beta")])
    assert box.step(T0 + S, [alert(1), alert(2, brand="Beta")]) == [
        "pr:alert-1-firing@1s",
        "oncall:alert-1-firing@1s",
        "oncall:alert-2-firing@1s",
    ]
