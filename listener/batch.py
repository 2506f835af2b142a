"""File-in, file-out commands: ``listener analyze`` and ``listener detect``."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from listener.errors import InputFileError
from listener.jsonlines import json_objects
from listener.settings import Settings
from listener.times import parse_time

BATCH = 256


class BatchError(InputFileError):
    """The input file cannot be processed; the message says where and why."""


def analyze_file(path: Path, text_column: str, settings: Settings, out: IO[str]) -> int:
    """One JSON object per input row, in order: sentiment and topics."""
    from listener.app import build_analyzer

    analyzer = build_analyzer(settings)
    rows = _texts(path, text_column)
    count = 0
    while batch := list(islice(rows, BATCH)):
        for analysis in analyzer.analyse_many(batch):
            s = analysis.sentiment
            doc: dict[str, Any] = {
                "sentiment": {"label": s.label, "score": s.score, "scored": s.scored},
                "topics": list(analysis.topics),
                "lang": analysis.lang,
            }
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            count += 1
    return count


def _texts(path: Path, column: str) -> Iterator[str]:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _jsonl_texts(path, column)
    return _csv_texts(path, column)


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as e:
        raise BatchError(f"{path}: {e.strerror}") from None


def _csv_texts(path: Path, column: str) -> Iterator[str]:
    with _open(path) as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or column not in reader.fieldnames:
            have = ", ".join(reader.fieldnames or [])
            raise BatchError(f"{path}: no column {column!r} (columns: {have or 'none'})")
        for row in reader:
            yield row.get(column) or ""


def _jsonl_texts(path: Path, column: str) -> Iterator[str]:
    with _open(path) as f:
        for number, doc in json_objects(f, str(path)):
            if column not in doc:
                raise BatchError(f"{path}:{number}: no field {column!r}")
            yield "" if doc[column] is None else str(doc[column])


def detect_file(
    path: Path, timestamp_column: str, value_column: str, sensitivity: str, out: IO[str]
) -> int:
    """Causal anomaly scores for a timestamp,value CSV."""
    from alerts.series import score_series

    if sensitivity not in ("fewer", "balanced", "more"):
        raise BatchError("--sensitivity must be fewer, balanced or more")
    rows = _series(path, timestamp_column, value_column)
    points = [(moment, value) for _, _, moment, value in rows]
    scores = score_series(points, sensitivity=sensitivity)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "value", "anomaly_score"])
    for (stamp, raw, _, _), score in zip(rows, scores, strict=True):
        writer.writerow([stamp, raw, f"{score:.6f}"])
    return len(rows)


def _series(path: Path, ts_col: str, value_col: str) -> list[tuple[str, str, datetime, float]]:
    rows = []
    with _open(path) as f:
        reader = csv.DictReader(f)
        for col in (ts_col, value_col):
            if reader.fieldnames is None or col not in reader.fieldnames:
                raise BatchError(
                    f"{path}: no column {col!r} (columns: {', '.join(reader.fieldnames or [])})"
                )
        for number, row in enumerate(reader, 2):
            rows.append(
                (row[ts_col], row[value_col], *_point(path, number, row[ts_col], row[value_col]))
            )
    return rows


def _point(path: Path, line: int, stamp: str, raw: str) -> tuple[datetime, float]:
    try:
        moment = parse_time(stamp)
        value = float(raw)
    except ValueError as e:
        raise BatchError(f"{path}:{line}: {e}") from None
    return moment, value
