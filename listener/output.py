"""Write records as a terminal table, JSON, JSON Lines or CSV.

Mention text is untrusted: tables show it as plain text (no Rich markup, control characters made
visible); JSON and CSV carry it verbatim.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

Format = Literal["table", "json", "jsonl", "csv"]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe_cell(value: Any, width: int | None = None) -> Text:
    """A table cell that cannot inject markup, escape sequences or direction overrides."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\n", " ")
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text)


def write(
    rows: Iterable[Mapping[str, Any]],
    fmt: Format,
    out: IO[str],
    *,
    columns: Sequence[str],
    title: str = "",
    widths: Mapping[str, int] | None = None,
) -> int:
    """Write ``rows`` in ``fmt``; ``columns`` orders CSV and table output. Returns the count."""
    if fmt == "json":
        return _json(rows, out)
    if fmt == "jsonl":
        return _jsonl(rows, out)
    if fmt == "csv":
        return _csv(rows, out, columns)
    return _table(rows, out, columns, title, widths or {})


def _json(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    count = 0
    out.write("[")
    for row in rows:  # streamed: constant memory for any size
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _jsonl(rows: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def _csv(rows: Iterable[Mapping[str, Any]], out: IO[str], columns: Sequence[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: _flat(row.get(k)) for k in columns})
        count += 1
    return count


def _flat(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False)
    return value


def _table(
    rows: Iterable[Mapping[str, Any]],
    out: IO[str],
    columns: Sequence[str],
    title: str,
    widths: Mapping[str, int],
) -> int:
    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*(safe_cell(_cell(row.get(c)), widths.get(c)) for c in columns))
        count += 1
    Console(file=out, width=200 if not out.isatty() else None).print(table)
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return " ".join(f"{v}" for v in value.values())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value
