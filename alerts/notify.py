"""Deliver alert events: a log line, or a signed JSON webhook.

The webhook body is the event as JSON (schema in README "Alert webhook"). When a secret is set,
``X-Listener-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` lets the receiver verify it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

SIGNATURE_HEADER = "X-Listener-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class NotifyError(Exception):
    """A receiver could not be reached or refused the event."""

    def __init__(self, receiver: str, message: str) -> None:
        super().__init__(f"receiver {receiver!r}: {message}")
        self.receiver = receiver


class Notifier(Protocol):
    name: str

    def send(self, event: Mapping[str, Any]) -> None: ...


class LogNotifier:
    """Writes one line per event to the ``listener.alerts`` logger."""

    def __init__(self, name: str = "log", logger: logging.Logger | None = None) -> None:
        self.name = name
        self._log = logger or logging.getLogger("listener.alerts")

    def send(self, event: Mapping[str, Any]) -> None:
        alert = event["alert"]
        self._log.warning("ALERT %s [%s] %s", event["event"].upper(), alert["id"], alert["summary"])


def sign(body: bytes, secret: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    """POSTs the event as JSON; 2xx is success, anything else raises NotifyError."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: bytes | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._url = url
        self._secret = secret
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, event: Mapping[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        headers[IDEMPOTENCY_HEADER] = str(event.get("idempotency_key", ""))
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(body, self._secret)
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as e:  # the URL may hold a token: never put it in the message
            raise NotifyError(self.name, f"{type(e).__name__} while posting") from e
        if not response.is_success:
            raise NotifyError(self.name, f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
