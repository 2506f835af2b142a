"""Read a mention stream for ``listener replay`` from JSON Lines.

One JSON object per line: ``created_at`` (ISO 8601, UTC when no offset) and ``text`` are
required; ``platform``, ``external_id``, ``author``, ``url``, ``reach``, ``outpost`` and ``brand``
are optional; other fields are ignored. Errors name the file, the line and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from connectors import Post
from listener.errors import InputFileError
from listener.jsonlines import json_objects
from listener.settings import Brand
from listener.times import parse_time

DEFAULT_PLATFORM = "replay"
Complaint = Callable[[str, str], "ReplayError"]  # (field, reason) -> the error to raise
_OPTIONAL_TEXT = ("platform", "external_id", "author", "url", "outpost", "brand")


class ReplayError(InputFileError):
    """The replay input is unusable; the message says where (file, line, field) and why."""


@dataclass(frozen=True)
class StreamPost:
    """One post of a replayed stream, with the brand it was collected for (if known)."""

    post: Post
    brand: str | None = None


def read_jsonl(path: Path) -> list[StreamPost]:
    """Every post of the file, in file order; raises :class:`InputFileError` (a
    :class:`ReplayError` for a bad field) on the first bad line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return list(_parse_lines(handle, str(path)))
    except OSError as e:
        raise ReplayError(f"{path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise ReplayError(f"{path}: not UTF-8 ({e.reason})") from None


def _parse_lines(lines: Iterator[str], where: str) -> Iterator[StreamPost]:
    for number, record in json_objects(lines, where):
        yield parse_record(record, f"{where}:{number}", default_id=f"line-{number}")


def parse_record(record: Mapping[str, Any], where: str, *, default_id: str) -> StreamPost:
    """One JSON object as a post; ``where`` prefixes error messages ("file:line")."""

    def bad(field: str, reason: str) -> ReplayError:
        return ReplayError(f"{where}: field {field!r}: {reason}")

    fields = {name: _text_field(record, name, bad) for name in _OPTIONAL_TEXT}
    text = _text_field(record, "text", bad)
    if not text or not text.strip():
        raise bad("text", "required, a non-empty string")
    created = _created_at(record.get("created_at"), bad)
    outpost = fields["outpost"]
    if outpost is not None and not _valid_outpost(outpost):
        raise bad("outpost", f"{outpost!r} is not reddit:r/NAME, twitter:@HANDLE or rss:URL")
    platform = fields["platform"] or DEFAULT_PLATFORM
    post = Post(
        platform=platform,
        external_id=fields["external_id"] or default_id,
        text=text,
        created_at=created,
        url=fields["url"],
        author=fields["author"],
        reach=_reach(record.get("reach"), bad),
        outpost=outpost,
    )
    return StreamPost(post, fields["brand"])


def _text_field(record: Mapping[str, Any], name: str, bad: Complaint) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad(name, f"expected a string, got {type(value).__name__}")
    return str(value)


def _created_at(value: Any, bad: Complaint) -> datetime:
    if not isinstance(value, str):
        raise bad("created_at", "required, an ISO 8601 time")
    try:
        return parse_time(value).astimezone(UTC)
    except ValueError:
        raise bad("created_at", f"{value!r} is not an ISO 8601 time") from None


def _reach(value: Any, bad: Complaint) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad("reach", f"expected a whole number >= 0, got {value!r}")
    return value


def _valid_outpost(outpost: str) -> bool:
    try:
        Brand(name="check", keywords=("check",), outposts=(outpost,))
    except ValidationError:
        return False
    return True
