"""Slack incoming webhooks with Block Kit: the explanation, a sparkline, top posts with links.

Mention text is untrusted: ``&``, ``<`` and ``>`` are escaped as Slack asks, so a post cannot
ping ``@channel`` or forge a link. Slack cannot fetch an image from a self-hosted instance, so
the chart is a text sparkline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from alerts import render
from alerts.notify import NotifyError

SECTION_CHARS = 2900  # Slack refuses section text over 3000 characters


def escape(text: str) -> str:
    """Text safe inside Slack mrkdwn (no mentions, no links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: Any, label: str) -> str:
    url = str(url or "")
    if not url.startswith(("http://", "https://")) or any(c in url for c in "<>| "):
        return label
    return f"<{url}|{label}>"


def _post_line(post: Mapping[str, Any]) -> str:
    where = escape(str(post.get("outpost") or post.get("platform") or ""))
    text = escape(" ".join(str(post.get("text", "")).split())[:150]) or "(no text)"
    author = escape(str(post.get("author") or "someone"))
    return f"• {_link(post.get('url'), text)} — {author} ({where})"


def blocks(event: Mapping[str, Any]) -> dict[str, Any]:
    """The Slack message body for an alert event."""
    alert = event["alert"]
    title = render.title(event)
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
    ]
    if why := render.why(event):
        body.append(_section(escape(why)))
    if spark := render.sparkline(render.series_totals(event)):
        body.append(_section(f"Mentions per bucket: `{spark}`"))
    if posts := render.top_posts(event):
        body.append(_section("*Answer first*\n" + "\n".join(_post_line(p) for p in posts)))
    labels = f"{alert['brand']} · {alert['kind']} · {alert['severity']} · alert {alert['id']}"
    body.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(labels)}]})
    return {"text": escape(title), "blocks": body}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_CHARS]}}


class SlackNotifier:
    """POSTs Block Kit to an incoming-webhook URL; anything but 2xx raises NotifyError."""

    def __init__(
        self,
        name: str,
        webhook_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._url = webhook_url
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, event: Mapping[str, Any]) -> None:
        body = json.dumps(blocks(event), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        headers["Idempotency-Key"] = str(event.get("idempotency_key", ""))
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as e:  # the webhook URL is a secret: keep it out of messages
            raise NotifyError(self.name, f"{type(e).__name__} while posting") from e
        if not response.is_success:
            raise NotifyError(self.name, f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
