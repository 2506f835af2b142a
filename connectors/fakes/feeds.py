"""A fake RSS 2.0 / Atom server on 127.0.0.1, for tests and the offline demo.

It speaks real HTTP (ETag, Last-Modified, 304, Retry-After) so the connector is driven through
httpx and feedparser unchanged::

    with FeedServer() as srv:
        srv.add_entry("/acme.xml", id="1", title="Hi", summary="<p>Hello</p>", published=t)
        srv.fail("/acme.xml", 429, headers={"Retry-After": "120"})
        url = srv.url("/acme.xml")

Text is XML-escaped, so any text XML 1.0 can carry round-trips through a feed parser; control
characters XML cannot carry are refused when added. Feed parsers strip leading and trailing
whitespace, so tests should not rely on it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from connectors.fakes._server import FakeServer, Fault, Reply, Request

__all__ = ["FeedEntry", "FeedServer", "Request"]

FeedFormat = Literal["rss", "atom"]

# XML 1.0 cannot carry these characters, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One item of a fake feed; ``id`` or ``link`` may be None to test fallbacks."""

    id: str | None
    title: str
    summary: str
    link: str | None
    author: str | None
    published: datetime


@dataclass(frozen=True)
class _Raw:
    body: bytes
    headers: Mapping[str, str]


@dataclass
class _Feed:
    format: FeedFormat = "rss"
    entries: list[FeedEntry] = field(default_factory=list)
    raw: _Raw | None = None


class FeedServer(FakeServer):
    """A threaded HTTP server serving fake feeds; use it as a context manager.

    ``clock`` (simulated time) hides entries published after ``clock()``; each feed shows at
    most ``max_entries`` newest entries, like real feeds.
    """

    def __init__(
        self, *, clock: Callable[[], datetime] | None = None, max_entries: int = 50
    ) -> None:
        super().__init__()
        self._clock = clock
        self._max_entries = max_entries
        self._feeds_lock = threading.Lock()
        self._feeds: dict[str, _Feed] = {}

    def add_entry(
        self,
        path: str,
        *,
        id: str | None,
        title: str,
        summary: str,
        link: str | None = None,
        author: str | None = None,
        published: datetime,
    ) -> FeedEntry:
        """Add an entry to the feed at ``path`` (created as RSS 2.0 if new)."""
        if published.tzinfo is None:
            raise ValueError("published must be timezone-aware")
        for text in (id, title, summary, link, author):
            if text is not None and _NOT_XML.search(text):
                raise ValueError(f"XML 1.0 cannot carry a character of {text[:40]!r}")
        entry = FeedEntry(id, title, summary, link, author, published)
        with self._feeds_lock:
            self._feed(path).entries.append(entry)
        return entry

    def set_format(self, path: str, fmt: FeedFormat) -> None:
        """Serve the feed at ``path`` as ``"rss"`` (2.0) or ``"atom"``."""
        with self._feeds_lock:
            self._feed(path).format = fmt

    def set_raw(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/xml",
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Serve ``body`` verbatim at ``path`` (malformed XML, HTML, gzip bombs...).

        ``headers`` are added to the answer, e.g. ``{"Content-Encoding": "gzip"}``.
        """
        with self._feeds_lock:
            self._feed(path).raw = _Raw(body, {"Content-Type": content_type, **(headers or {})})

    def fail(
        self, path: str, status: int, *, times: int = 1, headers: Mapping[str, str] | None = None
    ) -> None:
        """Answer the next ``times`` requests for ``path`` with ``status`` and ``headers``.

        A 3xx status with a ``Location`` header makes a redirect.
        """
        reply = Reply(status, f"fault {status}\n".encode(), dict(headers or {}))
        self._fault(Fault(path, reply, times))

    def stall(self, path: str, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next ``times`` requests (client timeouts)."""
        self._fault(Fault(path, None, times, delay=seconds))

    def _fault(self, fault: Fault) -> None:
        with self._feeds_lock:
            self._feed(fault.path)  # a feed that fails exists: empty once the faults are used
        self.add_fault(fault)

    def _feed(self, path: str) -> _Feed:
        return self._feeds.setdefault(path, _Feed())

    def handle(self, request: Request) -> Reply:
        """The feed at ``request.path``, or 304 when the client's validators still match."""
        with self._feeds_lock:
            feed = self._feeds.get(request.path)
            reply = self._render(request.path, feed) if feed else None
        if reply is None:
            return Reply(404, b"no such feed\n", {"Content-Type": "text/plain"})
        return _conditional(reply, request.headers)

    def _render(self, path: str, feed: _Feed) -> Reply:
        if feed.raw is not None:
            raw = feed.raw
            return Reply(200, raw.body, {**raw.headers, "ETag": _etag(raw.body)})
        entries = self._visible(feed.entries)
        if feed.format == "atom":
            body, content_type = _atom(self.url(path), entries), "application/atom+xml"
        else:
            body, content_type = _rss(self.url(path), entries), "application/rss+xml"
        headers = {"Content-Type": f"{content_type}; charset=utf-8", "ETag": _etag(body)}
        if entries:
            headers["Last-Modified"] = format_datetime(entries[0].published.astimezone(UTC), True)
        return Reply(200, body, headers)

    def _visible(self, entries: list[FeedEntry]) -> list[FeedEntry]:
        now = self._clock() if self._clock else None
        shown = [e for e in entries if now is None or e.published <= now]
        shown.sort(key=lambda e: e.published, reverse=True)
        return shown[: self._max_entries]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _conditional(reply: Reply, lowered: Mapping[str, str]) -> Reply:
    """Turn a 200 into a 304 when the client's validators still match (If-None-Match wins);
    ``lowered`` are the request's headers, names lower-cased."""
    validators = {k: v for k, v in reply.headers.items() if k in ("ETag", "Last-Modified")}
    if "if-none-match" in lowered:
        tags = {t.strip().removeprefix("W/") for t in lowered["if-none-match"].split(",")}
        fresh = "*" in tags or reply.headers["ETag"] in tags
    else:
        fresh = _not_modified_since(reply.headers.get("Last-Modified"), lowered)
    return Reply(304, headers=validators) if fresh else reply


def _not_modified_since(last_modified: str | None, request: Mapping[str, str]) -> bool:
    since = request.get("if-modified-since")
    if last_modified is None or since is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


# Escape CR too, or XML parsers would normalise "\r\n" to "\n".
_CR = {"\r": "&#13;"}


def _x(text: str) -> str:
    return escape(text, _CR)


def _rss(feed_url: str, entries: list[FeedEntry]) -> bytes:
    items = "".join(_rss_item(e) for e in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{_x(feed_url)}</title><link>{_x(feed_url)}</link>"
        f"<description>Fake feed</description>\n{items}</channel></rss>\n"
    ).encode()


def _rss_item(e: FeedEntry) -> str:
    parts = [f"<title>{_x(e.title)}</title>", f"<description>{_x(e.summary)}</description>"]
    if e.id is not None:
        parts.append(f'<guid isPermaLink="false">{_x(e.id)}</guid>')
    if e.link is not None:
        parts.append(f"<link>{_x(e.link)}</link>")
    if e.author is not None:
        parts.append(f"<author>{_x(e.author)}</author>")
    parts.append(f"<pubDate>{format_datetime(e.published.astimezone(UTC), True)}</pubDate>")
    return "<item>" + "".join(parts) + "</item>\n"


def _atom(feed_url: str, entries: list[FeedEntry]) -> bytes:
    updated = entries[0].published if entries else datetime(1970, 1, 1, tzinfo=UTC)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{_x(feed_url)}</title><id>{_x(feed_url)}</id>"
        f"<updated>{_iso(updated)}</updated>\n{''.join(_atom_entry(e) for e in entries)}</feed>\n"
    ).encode()


def _atom_entry(e: FeedEntry) -> str:
    parts = [f'<title type="text">{_x(e.title)}</title>']
    parts.append(f'<summary type="html">{_x(e.summary)}</summary>')
    if e.id is not None:
        parts.append(f"<id>{_x(e.id)}</id>")
    if e.link is not None:
        parts.append(f'<link rel="alternate" href={quoteattr(e.link, _CR)}/>')
    if e.author is not None:
        parts.append(f"<author><name>{_x(e.author)}</name></author>")
    stamp = _iso(e.published)
    parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
    return "<entry>" + "".join(parts) + "</entry>\n"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
