"""Shared data for the web app tests: mentions (one hostile), an alert, users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listener.records import BrandLink, NewAlert, NewMention, PollHealth
from listener.storage import Storage

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOSTILE = 'Acme hacked <script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def mention(
    n: int,
    text: str,
    *,
    brand: str = "Acme",
    outpost: str | None = None,
    sentiment: str = "neutral",
    topics: tuple[str, ...] = (),
    url: str | None = None,
) -> NewMention:
    return NewMention(
        source="feeds",
        platform="rss",
        external_id=f"p{n}",
        text=text,
        created_at=T0 + timedelta(minutes=n),
        brands=(BrandLink(brand, outpost),),
        url=url or f"https://example.com/{n}",
        author=f"author{n}",
        sentiment_label=sentiment,  # type: ignore[arg-type]
        topics=topics,
    )


MENTIONS = (
    mention(1, "Acme support is slow today", sentiment="negative", topics=("support",)),
    mention(2, "Loving the new Acme blender", sentiment="positive", topics=("blender",)),
    mention(3, "Refund please, Acme!", outpost="rss:https://acme.example/feed",
            sentiment="negative", topics=("refund",)),
    mention(4, HOSTILE, sentiment="negative", url="javascript:alert(1)"),
    mention(5, "Globex blender beats them all", brand="Globex", topics=("blender",)),
)  # fmt: skip


def seed(storage: Storage) -> None:
    """Store ``MENTIONS`` and one firing alert on Acme covering minutes 3 to 6."""
    storage.store_poll("feeds", MENTIONS, {}, PollHealth(polled_at=T0 + timedelta(hours=1)))
    storage.open_alert(
        NewAlert(
            brand="Acme",
            kind="flash_revolt",
            severity="warning",
            started_at=T0 + timedelta(minutes=3),
            fired_at=T0 + timedelta(minutes=5),
            summary="Flash revolt on Acme: <b>4 mentions</b>",
            explanation={
                "why": "volume and negativity surged",
                "window": {"start": "2026-11-20T12:03:00Z", "end": "2026-11-20T12:06:00Z"},
                "rising_topics": [{"term": "refund", "window": 3, "baseline": 0, "score": 9}],
                "top_posts": [{"text": HOSTILE, "url": "javascript:alert(1)", "platform": "rss"}],
                "series": [
                    {"start": "2026-11-20T12:00:00Z", "total": 1, "negative": 0,
                     "expected_total": 1.0},
                    {"start": "2026-11-20T12:05:00Z", "total": 4, "negative": 3,
                     "expected_total": 1.2},
                ],
            },
        )
    )  # fmt: skip
