"""Read JSON Lines input: one object per non-blank line, errors naming the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from listener.errors import InputFileError


def json_objects(lines: Iterable[str], where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line of ``lines`` (read from ``where``);
    raises :class:`InputFileError` at the first line that is not a JSON object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputFileError(f"{where}:{number}: not JSON ({e.msg})") from None
        if not isinstance(record, dict):
            raise InputFileError(f"{where}:{number}: expected a JSON object")
        yield number, record
