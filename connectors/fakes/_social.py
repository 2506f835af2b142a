"""What the fake X and Reddit servers share: a threaded HTTP server with a request log and
fault injection, and a matcher for the search-query subset our connectors generate."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers and body bytes."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One request as the fake saw it (the ``requests`` log holds these)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class _Fault:
    prefix: str
    status: int
    times: int
    headers: dict[str, str]
    malformed: bool
    skip: int
    delay: float


class FakeServer:
    """Base of the fakes: serves ``handle`` on 127.0.0.1 (ephemeral port) in a daemon thread."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._log: list[Request] = []
        self._faults: list[_Fault] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Request]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def inject(
        self,
        path_prefix: str,
        status: int = 200,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        malformed: bool = False,
        skip: int = 0,
        delay: float = 0.0,
    ) -> None:
        """Answer ``times`` requests under ``path_prefix`` with ``status`` (and a body that is
        not JSON when ``malformed``) instead of the normal reply, after letting ``skip`` through;
        ``delay`` seconds of silence first make client timeouts testable."""
        fault = _Fault(path_prefix, status, times, dict(headers or {}), malformed, skip, delay)
        with self._lock:
            self._faults.append(fault)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def handle(self, request: Request) -> Reply:
        """Answer one request; subclasses implement the platform."""
        raise NotImplementedError

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self._log.append(request)
            fault = next((f for f in self._faults if request.path.startswith(f.prefix)), None)
            if fault is not None and fault.skip > 0:
                fault.skip -= 1
                fault = None
            elif fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        if fault is None:
            return self.handle(request)
        time.sleep(fault.delay)
        body = b'{"data": [truncated' if fault.malformed else b'{"errors": ["injected"]}'
        headers = {"content-type": "application/json", **fault.headers}
        return Reply(fault.status, body, headers)


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # headers and body leave in one write: no Nagle/delayed-ACK stalls

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = fake._dispatch(Request(self.command, parts.path, query, headers, body))
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            if headers.get("connection", "").lower() == "close":
                self.send_header("connection", "close")  # tells the client not to reuse it
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


# ---- the search-query subset: words, "phrases", OR, -x / NOT x, (groups), @handle, to:x


Matcher = Callable[[Mapping[str, str]], bool]
_TOKEN = re.compile(r'\s*(\(|\)|-?"[^"]*"|-?[^\s()"]+)')


def parse_query(query: str) -> Matcher:
    """Compile a search query into a predicate over ``{"text": ..., "to": ...}`` items."""
    tokens = [t for t in _TOKEN.findall(query) if t]
    matcher, rest = _parse_or(tokens)
    if rest:
        raise ValueError(f"unexpected {rest[0]!r} in query")
    return matcher


def _parse_or(tokens: list[str]) -> tuple[Matcher, list[str]]:
    left, tokens = _parse_and(tokens)
    options = [left]
    while tokens and tokens[0] == "OR":
        right, tokens = _parse_and(tokens[1:])
        options.append(right)
    return (lambda item: any(m(item) for m in options)), tokens


def _parse_and(tokens: list[str]) -> tuple[Matcher, list[str]]:
    parts: list[Matcher] = []
    while tokens and tokens[0] not in ("OR", ")"):
        part, tokens = _parse_unary(tokens)
        parts.append(part)
    if not parts:
        raise ValueError("empty query term")
    return (lambda item: all(m(item) for m in parts)), tokens


def _parse_unary(tokens: list[str]) -> tuple[Matcher, list[str]]:
    token = tokens[0]
    if token == "NOT" or (token.startswith("-") and len(token) > 1):
        inner, rest = _parse_unary(tokens[1:] if token == "NOT" else [token[1:], *tokens[1:]])
        return (lambda item: not inner(item)), rest
    if token == "(":
        inner, rest = _parse_or(tokens[1:])
        if not rest or rest[0] != ")":
            raise ValueError("unbalanced parentheses")
        return inner, rest[1:]
    return _atom(token), tokens[1:]


def _atom(token: str) -> Matcher:
    if token.lower().startswith("to:"):
        handle = token[3:].lower()
        return lambda item: item.get("to", "").lower() == handle
    if token.lower().startswith("lang:"):
        lang = token[5:].lower()
        return lambda item: item.get("lang", "").lower() == lang
    words = token.strip('"')
    pattern = re.compile(r"(?<![\w@])" + re.escape(words) + r"(?!\w)", re.IGNORECASE)
    return lambda item: pattern.search(item.get("text", "")) is not None
