"""Cluster commands (issue 8: ``listener worker``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app (none yet)."""
