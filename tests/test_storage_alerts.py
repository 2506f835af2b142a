"""Alert lifecycle on both dialects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from listener.records import NewAlert
from listener.storage import Storage, StorageError

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXPLANATION = {"z": 4.2, "series": [1, 2, 30], "top": [{"text": "<b>angry</b> \U0001f621"}]}
REVOLT = NewAlert(
    brand="acme",
    kind="flash_revolt",
    severity="warning",
    started_at=T0,
    fired_at=T0 + timedelta(minutes=5),
    summary="30 negative mentions in 15 min",
    explanation=EXPLANATION,
    outpost="reddit:r/acme",
)


def test_alert_lifecycle(storage: Storage) -> None:
    opened = storage.open_alert(REVOLT)
    assert (opened.state, opened.resolved_at, opened.outpost) == ("firing", None, "reddit:r/acme")
    assert opened.explanation == EXPLANATION and opened.fired_at == REVOLT.fired_at
    assert storage.firing_alert("acme", "flash_revolt") == opened

    storage.update_alert(opened.id, severity="critical", summary="worse", explanation={"z": 9})
    updated = storage.firing_alert("acme", "flash_revolt")
    assert updated is not None
    assert (updated.severity, updated.summary, updated.explanation) == (
        "critical",
        "worse",
        {"z": 9},
    )

    resolved_at = T0 + timedelta(hours=1)
    storage.resolve_alert(opened.id, resolved_at)
    storage.resolve_alert(opened.id, resolved_at + timedelta(hours=1))  # no effect
    assert storage.firing_alert("acme", "flash_revolt") is None
    (resolved,) = storage.list_alerts("resolved")
    assert (resolved.id, resolved.state, resolved.resolved_at) == (
        opened.id,
        "resolved",
        resolved_at,
    )


def test_opening_twice_returns_the_alert_already_firing(storage: Storage) -> None:
    first = storage.open_alert(REVOLT)
    again = storage.open_alert(replace(REVOLT, severity="critical", summary="other"))

    assert again == first
    assert len(storage.list_alerts()) == 1


def test_a_new_alert_can_fire_after_the_previous_one_resolved(storage: Storage) -> None:
    first = storage.open_alert(REVOLT)
    storage.resolve_alert(first.id, T0 + timedelta(hours=1))
    second = storage.open_alert(replace(REVOLT, fired_at=T0 + timedelta(hours=2)))

    assert second.id != first.id
    assert storage.firing_alert("acme", "flash_revolt") == second


def test_list_alerts_filters_by_state_newest_first(storage: Storage) -> None:
    brands = ["a", "b", "c", "d"]
    opened = [
        storage.open_alert(replace(REVOLT, brand=b, fired_at=T0 + timedelta(minutes=i)))
        for i, b in enumerate(brands)
    ]
    storage.resolve_alert(opened[1].id, T0 + timedelta(hours=1))

    assert [a.brand for a in storage.list_alerts()] == ["d", "c", "b", "a"]
    assert [a.brand for a in storage.list_alerts("firing")] == ["d", "c", "a"]
    assert [a.brand for a in storage.list_alerts("resolved")] == ["b"]
    assert [a.brand for a in storage.list_alerts(limit=2)] == ["d", "c"]


def test_unknown_alert_ids_raise_storage_error(storage: Storage) -> None:
    with pytest.raises(StorageError, match="no alert with id 404") as caught:
        storage.resolve_alert(404, T0)
    assert caught.value.operation == "resolve_alert"
    with pytest.raises(StorageError, match="no alert with id 404"):
        storage.update_alert(404, severity="x", summary="x", explanation={})


def test_naive_times_and_non_json_explanations_are_refused(storage: Storage) -> None:
    with pytest.raises(ValueError, match="fired_at must be timezone-aware"):
        storage.open_alert(replace(REVOLT, fired_at=datetime(2026, 3, 1)))
    with pytest.raises(ValueError, match="explanation must be JSON-serialisable"):
        storage.open_alert(replace(REVOLT, explanation={"when": T0}))
    assert storage.list_alerts() == []
