"""The durable side of alerting: fill the outbox from the alert table, deliver what is due.

Delivery is **at least once, with an idempotency key**. A row is marked ``sent`` only after its
receiver answered; if the process dies between the two, the row is sent again after restart with
the same ``Idempotency-Key`` header and ``idempotency_key`` field, so receivers that keep the keys
they saw (or a relay in front of Slack or email) drop the copy. Rows marked sent are never sent
again, and nothing is forgotten: the outbox and the alerts are in the database.

A failing receiver is retried with exponential backoff (``retry_initial`` doubling up to
``retry_max``); all its due rows wait with it, so a receiver down for an hour sees one probe per
retry, and, when it is back, each event once (in order, ``BATCH`` per pass) and no pile of
repeats. A row still failing ``give_up_after`` after it was created is marked ``dead``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from alerts.notify import Notifier, NotifyError
from listener.alerting import alert_json
from listener.dispatch import Planner, Target
from listener.records import AlertRow, NewNotification, NotificationRow
from listener.settings import AlertSettings
from listener.storage import Storage

log = logging.getLogger("listener.alerts")

LIVE_WINDOW = timedelta(days=1)  # resolved alerts older than this need no more notifications
BATCH = 50  # rows per receiver per delivery pass


def payload(item: NewNotification, alert: AlertRow, target: Target) -> dict[str, Any]:
    """The JSON document every receiver gets (README, "Alert webhook")."""
    return {
        "event": item.event,
        "idempotency_key": item.idempotency_key,
        "receiver": target.receiver,
        "group_key": item.group_key,
        "alert": alert_json(alert),
    }


def enqueue_due(settings: AlertSettings, storage: Storage, now: datetime) -> int:
    """Reconcile the outbox with the alerts; returns how many rows were added."""
    alerts = storage.live_alerts(now - LIVE_WINDOW)
    planner = Planner(
        settings,
        alerts,
        storage.notifications_for([a.id for a in alerts]),
        storage.group_flushes(),
        storage.silences(now),
        now,
    )
    items = [
        replace(item, payload=payload(item, alert, target))
        for item, alert, target in planner.plan()
    ]
    return storage.enqueue_notifications(items, now) if items else 0


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def backoff(attempts: int, settings: AlertSettings) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling from retry_initial, capped."""
    wait = settings.retry_initial * (2 ** min(max(attempts - 1, 0), 30))
    return min(wait, settings.retry_max)


class Deliverer:
    """Sends due outbox rows through the notifiers, one receiver at a time."""

    def __init__(
        self, settings: AlertSettings, storage: Storage, notifiers: Mapping[str, Notifier]
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.notifiers = dict(notifiers)

    def deliver(self, now: datetime) -> DeliveryReport:
        """One pass over the due rows; a failing receiver never holds up the others."""
        by_receiver: dict[str, list[NotificationRow]] = {}
        for row in self.storage.due_notifications(now, limit=BATCH * 10):
            by_receiver.setdefault(row.receiver, []).append(row)
        totals = [self._receiver(name, rows[:BATCH], now) for name, rows in by_receiver.items()]
        return DeliveryReport(*(sum(t[i] for t in totals) for i in range(3)))

    def _receiver(
        self, name: str, rows: list[NotificationRow], now: datetime
    ) -> tuple[int, int, int]:
        sent = 0
        for row in rows:
            try:
                self._send(name, row)
            except NotifyError as e:
                return sent, 1, self._failed(row, str(e), now)
            except Exception as e:  # a bug in one channel must not block the others
                log.exception("receiver %s crashed", name)
                return sent, 1, self._failed(row, f"unexpected {type(e).__name__}", now)
            sent += self.storage.mark_sent(row.id, now)
        return sent, 0, 0

    def _send(self, name: str, row: NotificationRow) -> None:
        notifier = self.notifiers.get(name)
        if notifier is None:  # e.g. its environment variable is not set: keep the row, retry
            raise NotifyError(name, "receiver is not configured (see the log at start)")
        notifier.send(row.payload)

    def _failed(self, row: NotificationRow, error: str, now: datetime) -> int:
        if row.created_at is not None and now - row.created_at >= self.settings.give_up_after:
            log.error("%s; giving up on %s", error, row.idempotency_key)
            self.storage.mark_failed(row.id, error, None)
            return 1
        retry_at = now + backoff(row.attempts + 1, self.settings)
        log.warning("%s; retrying at %s", error, retry_at.isoformat(timespec="seconds"))
        self.storage.mark_failed(row.id, error, retry_at)
        self.storage.defer_receiver(row.receiver, retry_at)
        return 0
