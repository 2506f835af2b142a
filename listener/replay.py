"""Replay a mention stream through the real pipeline in simulated time.

The simulated clock steps one detector bucket at a time; at each step the pipeline runs
``run_once(now)`` as in production (match brands, analyse, store, detect, alert). A
:class:`ReplayConnector` releases the stream's posts as the clock passes them; the demo steps
the same way but lets its fake HTTP servers release posts to the real connectors. The outcome
is scored by :func:`listener.replay_score.score_alerts`: detection delay and false alerts per week.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors import Connector, ConnectorError, Cursor, PollResult, Post
from listener.alerting import AlertEvent, bucket_floor
from listener.app import build_pipeline, close_pipeline, open_storage
from listener.pipeline import CycleReport, Pipeline
from listener.replay_jsonl import ReplayError, StreamPost
from listener.replay_score import AlertTiming, ReplayFigures, Window, score_alerts
from listener.scenario import Script
from listener.settings import AlertSettings, Brand, Settings

REPLAY_SOURCE = "replay"
TAIL_BUCKETS = 12  # steps after the last post, so a late alert can still fire and resolve
_CHANNEL_PLATFORM = {"news": "rss", "forum": "rss", "x": "twitter", "reddit": "reddit"}


class ReplayConnector:
    """An in-process source: releases each post once the clock reaches its ``created_at``.

    The cursor is the number of posts released, so a replay resumes like any source.
    """

    name = REPLAY_SOURCE

    def __init__(self, posts: Iterable[Post]) -> None:
        self._posts = sorted(posts, key=lambda p: p.created_at)
        self._times = [p.created_at for p in self._posts]

    def poll(self, cursor: Cursor, now: datetime) -> PollResult:
        """Posts created after the last poll's and at or before ``now``."""
        released = int(cursor.get("released", 0))
        upto = bisect_right(self._times, now)
        return PollResult(tuple(self._posts[released:upto]), {"released": max(released, upto)})

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did and how it scored."""

    start: datetime
    end: datetime
    posts: int  # posts in the stream
    stored: int  # posts kept by brand matching and stored
    events: tuple[AlertEvent, ...]
    figures: ReplayFigures


def posts_from_script(script: Script) -> list[StreamPost]:
    """The demo script's posts as a stream, one platform per channel."""
    return [
        StreamPost(
            Post(
                platform=_CHANNEL_PLATFORM.get(p.channel, p.channel),
                external_id=p.id,
                text=f"{p.title}. {p.body}",
                created_at=p.at,
                author=p.author,
                reach=p.reach,
                title=p.title,
            )
        )
        for p in script.posts
    ]


def brands_for(
    stream: Sequence[StreamPost], names: Sequence[str] = (), keywords: Sequence[str] = ()
) -> tuple[Brand, ...]:
    """Brands to watch: ``names`` or else every ``brand`` field of the stream.

    Each brand's keywords are its name plus ``keywords``; outposts named by its posts count.
    """
    names = list(names) or sorted({s.brand for s in stream if s.brand})
    if not names:
        raise ReplayError("no brand to watch: pass --brand NAME or give posts a 'brand' field")
    return tuple(_brand(name, stream, keywords, single=len(names) == 1) for name in names)


def _brand(name: str, stream: Sequence[StreamPost], keywords: Sequence[str], single: bool) -> Brand:
    outposts = sorted(
        {
            s.post.outpost
            for s in stream
            if s.post.outpost and (s.brand == name or (single and s.brand is None))
        }
    )
    return Brand(name=name, keywords=(name, *keywords), outposts=tuple(outposts))


def replay_settings(base: Settings, brands: Sequence[Brand], database_url: str) -> Settings:
    """``base``'s detector and NLP settings with the replay's brands and database.

    No receivers: a replay of old or generated traffic must not page anyone.
    """
    return base.model_copy(
        update={
            "brands": tuple(brands),
            "sources": (),
            "storage": base.storage.model_copy(update={"url": database_url}),
            "alerts": AlertSettings(receivers=()),
        }
    )


def sim_moments(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """Clock readings from the bucket after ``start``'s to the first at or after ``end``."""
    moment = bucket_floor(start, step) + step
    moments = [moment]
    while moment < end:
        moment += step
        moments.append(moment)
    return moments


def step_through(
    pipeline: Pipeline,
    moments: Iterable[datetime],
    *,
    before: Callable[[datetime], None] | None = None,
    after: Callable[[CycleReport, datetime], None] | None = None,
) -> list[AlertEvent]:
    """``run_once`` at each moment (``before`` sets clocks, ``after`` shows); all alert events."""
    events: list[AlertEvent] = []
    for moment in moments:
        if before is not None:
            before(moment)
        report = pipeline.run_once(moment)
        events.extend(report.events)
        if after is not None:
            after(report, moment)
    return events


def alert_timings(events: Iterable[AlertEvent]) -> list[AlertTiming]:
    """Onset and firing time of every alert that fired."""
    return [
        AlertTiming(e.alert.brand, e.alert.started_at, e.alert.fired_at)
        for e in events
        if e.event == "firing"
    ]


def run_replay(
    settings: Settings,
    stream: Sequence[StreamPost],
    revolts: Sequence[Window] = (),
    *,
    after: Callable[[CycleReport, datetime], None] | None = None,
) -> ReplayResult:
    """Replay ``stream`` into ``settings``' database (brands and detector from ``settings``)."""
    if not stream:
        raise ReplayError("the stream has no posts")
    posts = [s.post for s in stream]
    start = min(p.created_at for p in posts)
    bucket = settings.detector.bucket
    end = max(p.created_at for p in posts) + TAIL_BUCKETS * bucket
    storage = open_storage(settings)
    connectors: dict[str, Connector | ConnectorError] = {REPLAY_SOURCE: ReplayConnector(posts)}
    pipeline = build_pipeline(settings, storage, connectors=connectors, env={})
    stored = 0

    def count(report: CycleReport, moment: datetime) -> None:
        nonlocal stored
        stored += sum(o.new for o in report.outcomes)
        if after is not None:
            after(report, moment)

    try:
        moments = sim_moments(start, end, bucket)
        events = step_through(pipeline, moments, after=count)
    finally:
        close_pipeline(pipeline)
        storage.close()
    span_start = bucket_floor(start, bucket)
    figures = score_alerts(alert_timings(events), revolts, span_start, moments[-1])
    return ReplayResult(span_start, moments[-1], len(posts), stored, tuple(events), figures)
