"""``listener alerts``: list alerts (issue 6 adds ack and silences here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listener.cli_common import DEFAULT_CONFIG, ConfigOption, FormatOption, emit_rows, fail

if TYPE_CHECKING:
    from listener.storage import Storage


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app."""
    app.command("alerts")(alerts_command)


def alerts_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    state: Annotated[str, typer.Option(help="firing, resolved or all.")] = "all",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: FormatOption = "table",
) -> None:
    """List alerts, newest first."""
    from listener.alerting import alert_json
    from listener.summary import ALERT_COLUMNS, ALERT_WIDTHS, alert_row

    if state not in ("firing", "resolved", "all"):
        raise fail("--state must be firing, resolved or all")

    def rows(st: Storage) -> Any:
        alerts = st.list_alerts(state, limit=limit)  # type: ignore[arg-type]
        return (alert_row(a) if fmt == "table" else alert_json(a) for a in alerts)

    emit_rows(config, fmt, rows, ALERT_COLUMNS, "Alerts", ALERT_WIDTHS)
