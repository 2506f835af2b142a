"""A local HTTP endpoint standing in for webhooks: records every request it gets."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class Receiver:
    """``with Receiver(status=200) as r: ... r.url ... r.received``.

    ``status`` may be changed while it runs. While ``hold`` is set, each request from the
    ``hold_from``-th on (counting from 0) is recorded and then left unanswered until
    ``release()`` (a receiver that stalls).
    """

    def __init__(self, status: int = 200, port: int = 0) -> None:
        self.status = status
        self.hold = threading.Event()
        self.hold_from = 0
        self._released = threading.Event()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner._lock:
                    owner.received.append((dict(self.headers.items()), body))
                    index = len(owner.received) - 1
                if owner.hold.is_set() and index >= owner.hold_from:
                    owner._released.wait(timeout=30)
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(body) for _, body in self.received]

    def keys(self) -> list[str]:
        """The Idempotency-Key header of every request, in arrival order."""
        with self._lock:
            return [headers.get("Idempotency-Key", "") for headers, _ in self.received]

    def release(self) -> None:
        """Answer the held requests and stop holding."""
        self.hold.clear()
        self._released.set()

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
