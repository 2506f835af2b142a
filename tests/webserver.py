"""Serve the web app with uvicorn on 127.0.0.1, port 0, in a thread (for API and browser tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import uvicorn

from listener.storage import Storage
from listener.web import create_app


@contextmanager
def serving(storage: Storage, clock: Callable[[], datetime]) -> Iterator[str]:
    """Yield the base URL of the running app; stop it afterwards."""
    app = create_app(storage, "test-secret-key", clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
