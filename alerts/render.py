"""Text pieces every channel shares: a title, a sparkline, the top posts. Pure.

The event is the outbox payload (README "Alert webhook"): ``{"event", "idempotency_key",
"receiver", "group_key", "alert": {...}}``. Mention text is untrusted: channels escape it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BARS = "▁▂▃▄▅▆▇█"
HEADLINES = {
    "firing": "ALERT",
    "updated": "ESCALATED",
    "repeat": "STILL FIRING",
    "resolved": "RESOLVED",
}


def title(event: Mapping[str, Any]) -> str:
    """One line: what happened, e.g. ``ALERT critical: Flash revolt on Acme...``."""
    alert = event["alert"]
    head = HEADLINES.get(str(event.get("event")), str(event.get("event")).upper())
    if event.get("event") == "resolved":
        return f"{head}: spike subsided ({alert['brand']}, alert {alert['id']})"
    return f"{head} {alert['severity']}: {alert['summary']}"


def sparkline(values: Sequence[float]) -> str:
    """``▁▂▇█``-style bars scaled between the series' min and max."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    return "".join(BARS[int((v - low) / span * (len(BARS) - 1))] for v in values)


def series_totals(event: Mapping[str, Any]) -> list[float]:
    """Mentions per bucket from the alert's explanation (empty for source alerts)."""
    series = event["alert"].get("explanation", {}).get("series", [])
    return [float(point.get("total", 0)) for point in series]


def why(event: Mapping[str, Any]) -> str:
    return str(event["alert"].get("explanation", {}).get("why", ""))


def top_posts(event: Mapping[str, Any], limit: int = 5) -> list[Mapping[str, Any]]:
    posts = event["alert"].get("explanation", {}).get("top_posts", [])
    return list(posts)[:limit]


def plain_text(event: Mapping[str, Any]) -> str:
    """The whole notification as plain text (email body, Apprise message)."""
    lines = [title(event)]
    if why(event):
        lines += ["", why(event)]
    if spark := sparkline(series_totals(event)):
        lines += ["", f"mentions per bucket: {spark}"]
    posts = top_posts(event)
    if posts:
        lines += ["", "Answer first:"]
        lines += [
            f"- [{p.get('outpost') or p.get('platform')}] {p.get('author')}: "
            f"{str(p.get('text', ''))[:200]} {p.get('url') or ''}"
            for p in posts
        ]
    return "\n".join(lines)
