"""``StorageError`` and the one place database exceptions are translated into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from listener.errors import ListenerError


class StorageError(ListenerError):
    """The database refused or could not be reached; ``operation`` names what was attempted."""

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(f"storage {operation}: {message}")
        self.operation = operation
        self.message = message


def _describe(error: Exception) -> str:
    # The driver's own message, first line only: SQLAlchemy's str() repeats SQL and parameters,
    # which may hold 20 KB of untrusted mention text.
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Re-raise SQLAlchemy and Alembic failures inside the block as ``StorageError``."""
    try:
        yield
    except (SQLAlchemyError, CommandError) as e:
        raise StorageError(operation, _describe(e)) from e
