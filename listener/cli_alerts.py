"""``listener alerts`` (list, ``ack``, ``outbox``) and ``listener silence add|list|expire``."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from listener.cli_common import (
    DEFAULT_CONFIG,
    ConfigOption,
    FormatOption,
    emit_rows,
    fail,
    load_config,
    open_db,
)
from listener.settings import parse_duration

if TYPE_CHECKING:
    from listener.records import NotificationRow, SilenceRow
    from listener.storage import Storage

T = TypeVar("T")
SILENCE_COLUMNS = ("id", "brand", "kind", "outpost", "starts_at", "ends_at", "reason", "created_by")
OUTBOX_COLUMNS = (
    "id",
    "receiver",
    "event",
    "idempotency_key",
    "state",
    "attempts",
    "due_at",
    "sent_at",
    "last_error",
)
ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: your user name).")]

alerts_app = typer.Typer(help="List alerts; acknowledge them; inspect the outbox.")
silence_app = typer.Typer(help="Mute alerts for a while, with a reason.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app."""
    app.add_typer(alerts_app, name="alerts", invoke_without_command=True)
    app.add_typer(silence_app, name="silence")


@alerts_app.callback()
def alerts_command(
    ctx: typer.Context,
    config: ConfigOption = Path(DEFAULT_CONFIG),
    state: Annotated[str, typer.Option(help="firing, resolved or all.")] = "all",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: FormatOption = "table",
) -> None:
    """List alerts, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from listener.alerting import alert_json
    from listener.summary import ALERT_COLUMNS, ALERT_WIDTHS, alert_row

    if state not in ("firing", "resolved", "all"):
        raise fail("--state must be firing, resolved or all")

    def rows(st: Storage) -> Any:
        alerts = st.list_alerts(state, limit=limit)  # type: ignore[arg-type]
        return (alert_row(a) if fmt == "table" else alert_json(a) for a in alerts)

    emit_rows(config, fmt, rows, ALERT_COLUMNS, "Alerts", ALERT_WIDTHS)


def _with_storage(config: Path, action: Callable[[Storage], T]) -> T:
    storage = open_db(load_config(config, defaults_if_missing=True))
    try:
        return action(storage)
    finally:
        storage.close()


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (a bare container)
        return "cli"


@alerts_app.command("ack")
def ack_command(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert's id.")],
    config: ConfigOption = Path(DEFAULT_CONFIG),
    by: ByOption = None,
) -> None:
    """Acknowledge an alert: someone is on it, so it is not repeated (resolved is still sent)."""
    from listener.storage import StorageError

    try:
        changed = _with_storage(config, lambda st: st.ack_alert(alert_id, _who(by), _now()))
    except StorageError as e:
        raise fail(str(e), 1) from None
    typer.echo(f"alert {alert_id} acknowledged" if changed else f"alert {alert_id} was acked")


@alerts_app.command("outbox")
def outbox_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    state: Annotated[str | None, typer.Option(help="pending, sent or dead.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: FormatOption = "table",
) -> None:
    """Notifications queued and sent, newest first."""
    if state not in (None, "pending", "sent", "dead"):
        raise fail("--state must be pending, sent or dead")

    def rows(st: Storage) -> Any:
        return (_outbox_row(n) for n in st.list_notifications(state, limit))

    emit_rows(config, fmt, rows, OUTBOX_COLUMNS, "Outbox", {"last_error": 40})


def _outbox_row(n: NotificationRow) -> dict[str, Any]:
    from listener.times import iso

    row = {k: getattr(n, k) for k in OUTBOX_COLUMNS}
    row["due_at"] = iso(n.due_at)
    row["sent_at"] = iso(n.sent_at) if n.sent_at else ""
    row["last_error"] = n.last_error or ""
    return row


@silence_app.command("add")
def silence_add(
    duration: Annotated[str, typer.Option("--for", help="How long, e.g. 2h.")],
    reason: Annotated[str, typer.Option(help="Why (shown in `silence list`).")],
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of alert.")] = None,
    outpost: Annotated[str | None, typer.Option(help="Only this outpost.")] = None,
    config: ConfigOption = Path(DEFAULT_CONFIG),
    by: ByOption = None,
) -> None:
    """Mute alerts matching every given label, from now for ``--for``."""
    from listener.records import NewSilence

    if not (brand or kind or outpost):
        raise fail("name at least one of --brand, --kind, --outpost")
    if not reason.strip():
        raise fail("--reason must not be empty")
    try:
        length = parse_duration(duration)
    except ValueError as e:
        raise fail(f"--for: {e}") from None
    now = _now()
    silence = NewSilence(now, now + length, reason.strip(), _who(by), brand, kind, outpost)
    added = _with_storage(config, lambda st: st.add_silence(silence))
    typer.echo(f"silence {added.id} until {added.ends_at.isoformat(timespec='minutes')}")


@silence_app.command("list")
def silence_list(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    include_expired: Annotated[bool, typer.Option("--all", help="Expired ones too.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Silences in force (or all), newest first."""

    def rows(st: Storage) -> Any:
        return (_silence_row(s, fmt == "table") for s in st.silences(_now(), include_expired))

    emit_rows(config, fmt, rows, SILENCE_COLUMNS, "Silences", {"reason": 50})


def _silence_row(s: SilenceRow, table: bool) -> dict[str, Any]:
    from listener.times import iso

    empty = "" if table else None  # "any" shows blank in a table, null in JSON
    row: dict[str, Any] = {k: getattr(s, k) or empty for k in SILENCE_COLUMNS}
    row["id"] = s.id
    row["starts_at"], row["ends_at"] = iso(s.starts_at), iso(s.ends_at)
    return row


@silence_app.command("expire")
def silence_expire(
    silence_id: Annotated[int, typer.Argument(metavar="ID", help="The silence's id.")],
    config: ConfigOption = Path(DEFAULT_CONFIG),
) -> None:
    """End a silence now."""
    if not _with_storage(config, lambda st: st.expire_silence(silence_id, _now())):
        raise fail(f"no silence {silence_id} in force", 1)
    typer.echo(f"silence {silence_id} expired")


def _now() -> datetime:
    return datetime.now(UTC)
