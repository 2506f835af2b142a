"""Email over SMTP: plain text and HTML alternatives, the chart as an inline PNG.

Everything shown from a mention is HTML-escaped. ``Message-ID`` is derived from the event's
idempotency key, so a copy sent again after a crash is recognisable as the same message.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from alerts import render
from alerts.chart import bar_chart_png
from alerts.notify import NotifyError

CHART_CID = "chart"


def html_body(event: Mapping[str, Any], chart: bool) -> str:
    """The HTML alternative; ``chart`` adds the inline image reference."""
    parts = [f"<h2>{html.escape(render.title(event))}</h2>"]
    if why := render.why(event):
        parts.append(f"<p>{html.escape(why)}</p>")
    if chart:
        parts.append(f'<p><img src="cid:{CHART_CID}" alt="mentions per bucket"></p>')
    if posts := render.top_posts(event):
        items = "".join(f"<li>{_post_html(p)}</li>" for p in posts)
        parts.append(f"<h3>Answer first</h3><ul>{items}</ul>")
    return "<html><body>" + "".join(parts) + "</body></html>"


def _post_html(post: Mapping[str, Any]) -> str:
    text = html.escape(str(post.get("text", ""))[:300])
    who = html.escape(f"{post.get('author') or 'someone'} ({post.get('outpost') or ''})")
    url = str(post.get("url") or "")
    if url.startswith(("http://", "https://")):
        text = f'<a href="{html.escape(url, quote=True)}">{text}</a>'
    return f"{text} — {who}"


def build_message(event: Mapping[str, Any], sender: str, to: Sequence[str]) -> EmailMessage:
    """The email for an event: text, HTML, and the chart inline when there is a series."""
    msg = EmailMessage()
    msg["Subject"] = render.title(event)[:200]
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    key = str(event.get("idempotency_key", ""))
    msg["Message-ID"] = make_msgid(idstring=key or None, domain="listener.invalid")
    msg["X-Listener-Idempotency-Key"] = key
    msg.set_content(render.plain_text(event))
    totals = render.series_totals(event)
    msg.add_alternative(html_body(event, chart=bool(totals)), subtype="html")
    if totals:
        html_part = msg.get_body(("html",))
        if html_part is not None:
            png = bar_chart_png(totals)
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{CHART_CID}>")
    return msg


class EmailNotifier:
    """Sends each event as one email; SMTP failures raise NotifyError."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        sender: str,
        to: Sequence[str],
        *,
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self._host, self._port, self._sender, self._to = host, port, sender, tuple(to)
        self._starttls, self._login = starttls, (username, password)
        self._timeout = timeout

    def send(self, event: Mapping[str, Any]) -> None:
        message = build_message(event, self._sender, self._to)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                username, password = self._login
                if username and password:
                    smtp.login(username, password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as e:
            raise NotifyError(self.name, f"{type(e).__name__} while sending mail") from e
