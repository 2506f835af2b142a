"""Real Celery workers, Redis and PostgreSQL for the cluster tests.

Each test gets its own PostgreSQL schema and its own queue (which also prefixes every Redis
key), so tests never see each other's tasks. Without Redis or PostgreSQL the tests skip, unless
``LISTENER_REQUIRE_CLUSTER=1``, which makes that a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
import redis

REQUIRE_CLUSTER_ENV = "LISTENER_REQUIRE_CLUSTER"
REDIS_URL_ENV = "LISTENER_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parent.parent


def unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_CLUSTER_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_CLUSTER_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def shared_redis_url() -> str:
    """The local Redis for tests, or skip (fail when required) when it does not answer."""
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as e:
        unavailable(f"Redis at {url} does not answer ({e}); set {REDIS_URL_ENV}")
    finally:
        client.close()
    return url


def queue_name() -> str:
    return f"t-{secrets.token_hex(5)}"


def drop_queue_keys(url: str, queue: str) -> None:
    """Delete every Redis key the test's queue prefix made."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{queue}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Worker:
    """``listener worker`` in its own process group, logging to a file."""

    def __init__(self, config: Path, log: Path, concurrency: int = 1) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listener", "worker", "--config", str(config),
                 "--concurrency", str(concurrency)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class RedisServer:
    """A private ``redis-server`` on a free port, without persistence, restartable."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            wait_for(lambda: _pings(client), 10, "redis-server to start")
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
