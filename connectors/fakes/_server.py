"""What every fake platform server shares: a threaded HTTP server on 127.0.0.1 (ephemeral port)
in a daemon thread, a thread-safe request log, fault injection and a start/stop lifecycle.

Subclasses implement ``handle(request) -> Reply``; the base answers GET, HEAD and POST with it::

    with MyFake() as fake:          # start() ... stop()
        fake.url("/x")              # http://127.0.0.1:<port>/x
        fake.requests               # what the fake saw, oldest first
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    """One request as the fake saw it: ``path`` without the query string, which is parsed
    into ``query``; header names lower-cased (HTTP header names are case-insensitive)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Fault:
    """Answer ``times`` requests for ``path`` (or under it when ``prefix``) with ``reply``,
    after letting ``skip`` through and ``delay`` seconds of silence; a ``reply`` of None
    answers normally after the delay (a stall)."""

    path: str
    reply: Reply | None
    times: int = 1
    skip: int = 0
    delay: float = 0.0
    prefix: bool = False

    def matches(self, path: str) -> bool:
        """Whether this fault applies to a request for ``path``."""
        return path.startswith(self.path) if self.prefix else path == self.path


class FakeServer:
    """Base of the fakes: serves ``handle`` once started; use it as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the request log and the faults
        self._log: list[Request] = []
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self._server = _Httpd(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def start(self) -> Self:
        """Start serving in a daemon thread (the port is bound already)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release delayed requests and close the socket."""
        self._stopping.set()
        if self._thread.is_alive():  # shutdown() would wait forever for a loop never started
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def requests(self) -> list[Request]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def handle(self, request: Request) -> Reply:
        """Answer one request; subclasses implement the platform."""
        raise NotImplementedError

    def add_fault(self, fault: Fault) -> None:
        """Queue ``fault``; of the faults matching a request, the oldest applies."""
        with self._lock:
            self._faults.append(fault)

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self._log.append(request)
            fault = self._take_fault(request.path)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.reply is not None:
            return fault.reply
        return self.handle(request)

    def _take_fault(self, path: str) -> Fault | None:
        """The fault this request gets, counted as used (call with the lock held)."""
        fault = next((f for f in self._faults if f.matches(path)), None)
        if fault is not None and fault.skip > 0:
            fault.skip -= 1
            return None
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        return fault


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that stops reading (size caps, timeouts) is expected; anything else is not.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # headers and body leave in one write: no Nagle/delayed-ACK stalls

        def _serve(self) -> None:
            request = self._read()
            reply = fake._dispatch(request)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            if request.headers.get("connection", "").lower() == "close":
                self.send_header("connection", "close")  # tells the client not to reuse it
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        def _read(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            return Request(self.command, parts.path, query, headers, body)

        do_GET = do_HEAD = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet: tests read ``FakeServer.requests`` instead."""

    return Handler
