"""Web app commands (issue 7: ``listener serve``, ``listener user add``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app (none yet)."""
