"""Slack, email and Apprise channels against real local receivers (HTTP, aiosmtpd)."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerts.apprise_channel import AppriseNotifier
from alerts.notify import NotifyError
from alerts.slack import SlackNotifier
from alerts.smtp import EmailNotifier
from tests.receivers import Receiver

HOSTILE = "Refund now <!channel> & <https://evil.example|click> <script>alert(1)</script>"
EVENT: dict[str, Any] = {
    "event": "firing",
    "idempotency_key": "alert-7-firing",
    "receiver": "pr",
    "group_key": "pr:{brand=Acme}",
    "alert": {
        "id": 7,
        "brand": "Acme",
        "kind": "flash_revolt",
        "severity": "critical",
        "state": "firing",
        "outpost": None,
        "summary": "Flash revolt on Acme: 40 mentions in one bucket",
        "explanation": {
            "why": "Negative mentions of Acme surged: 30 in the last 5 min against 2.0 expected",
            "top_posts": [
                {
                    "platform": "twitter",
                    "url": "https://x.example/acme/1",
                    "author": "angry<b>",
                    "text": HOSTILE,
                    "outpost": "twitter:@acme",
                }
            ],
            "series": [{"total": n} for n in (3, 4, 3, 5, 40)],
        },
    },
}


def test_slack_gets_block_kit_with_escaped_text_and_a_sparkline() -> None:
    with Receiver() as r:
        SlackNotifier("pr-slack", r.url).send(EVENT)
    message = r.events()[0]
    assert message["text"].startswith("ALERT critical: Flash revolt on Acme")
    text = str(message["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example|click>" not in text
    assert "<https://x.example/acme/1|" in text  # the post is linked
    assert "▁" in text and "█" in text  # sparkline: the spike is the tallest bar
    assert message["blocks"][0]["type"] == "header"
    assert r.keys() == ["alert-7-firing"]


def test_slack_down_raises_notify_error_without_the_secret_url() -> None:
    with Receiver(status=500) as r, pytest.raises(NotifyError) as e:
        SlackNotifier("pr-slack", r.url + "/T000/SECRET").send(EVENT)
    assert "pr-slack" in str(e.value) and "SECRET" not in str(e.value)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_email_has_text_html_and_the_chart_inline(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    EmailNotifier(
        "oncall", "127.0.0.1", port, "listener@acme.test", ["pr@acme.test"], starttls=False
    ).send(EVENT)
    [message] = inbox.messages
    assert message["To"] == "pr@acme.test"
    assert message["Subject"].startswith("ALERT critical")
    assert message["X-Listener-Idempotency-Key"] == "alert-7-firing"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert HOSTILE in plain and "https://x.example/acme/1" in plain
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'src="cid:chart"' in html
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<chart>"
    assert images[0].get_content().startswith(b"\x89PNG")


def test_email_to_a_dead_server_raises_notify_error() -> None:
    notifier = EmailNotifier("oncall", "127.0.0.1", 9, "a@b.test", ["c@d.test"], timeout=1)
    with pytest.raises(NotifyError, match="oncall"):
        notifier.send(EVENT)


def test_apprise_delivers_through_its_json_plugin() -> None:
    with Receiver() as r:
        port = r.url.split(":")[2].split("/")[0]
        AppriseNotifier("discord", f"json://127.0.0.1:{port}/hook").send(EVENT)
    body = r.events()[0]
    assert body["title"].startswith("ALERT critical")
    assert HOSTILE in body["message"]


def test_apprise_failure_is_a_notify_error() -> None:
    with Receiver(status=503) as r, pytest.raises(NotifyError, match="teams"):
        port = r.url.split(":")[2].split("/")[0]
        AppriseNotifier("teams", f"json://127.0.0.1:{port}/hook").send(EVENT)


def test_apprise_refuses_a_url_it_does_not_know() -> None:
    with pytest.raises(NotifyError, match="does not understand"):
        AppriseNotifier("odd", "nosuchservice://token")
