import hashlib
import hmac
import logging

import pytest

from alerts.notify import SIGNATURE_HEADER, LogNotifier, NotifyError, WebhookNotifier
from tests.receivers import Receiver

EVENT = {
    "event": "firing",
    "idempotency_key": "alert-1-firing",
    "alert": {"id": 1, "summary": "Flash revolt on Acme <script>x</script>", "brand": "Acme"},
}


def test_webhook_posts_signed_json() -> None:
    with Receiver() as r:
        WebhookNotifier("hook", r.url, secret=b"s3cret").send(EVENT)
        headers, body = r.received[0]
    assert r.events() == [EVENT]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert headers["Idempotency-Key"] == "alert-1-firing"


def test_webhook_error_names_receiver_not_url() -> None:
    with Receiver(status=503) as r, pytest.raises(NotifyError) as e:
        WebhookNotifier("pr-hook", r.url + "?token=abc").send(EVENT)
    assert "pr-hook" in str(e.value) and "503" in str(e.value)
    assert "abc" not in str(e.value)


def test_webhook_unreachable_raises_notify_error() -> None:
    with pytest.raises(NotifyError, match="pr-hook"):
        WebhookNotifier("pr-hook", "http://127.0.0.1:9/hook", timeout=1).send(EVENT)


def test_log_notifier_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="listener.alerts"):
        LogNotifier().send(EVENT)
    assert len(caplog.records) == 1
    assert "FIRING" in caplog.text and "Flash revolt on Acme" in caplog.text
