"""The pipeline: fetch -> match brands -> analyse -> store -> detect -> alert.

``run_once(now)`` is what the scheduler, ``poll --once``, the demo and the tests call. One source
failing never stops the others; its error is recorded in source health and reported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from connectors import AuthError, Connector, ConnectorError, PollResult, Post, RateLimited
from listener.alerting import Alerter, AlertEvent
from listener.matching import BrandMatcher
from listener.outbox import Deliverer, DeliveryReport, enqueue_due
from listener.records import BrandLink, NewMention, PollHealth
from listener.settings import Settings
from listener.storage import Storage
from nlp import Analysis

log = logging.getLogger("listener.pipeline")

Matched = tuple[Post, tuple[BrandLink, ...]]
Status = Literal["ok", "partial", "failed", "rate_limited", "waiting"]


class AnalyzerLike(Protocol):
    def analyse_many(self, texts: Sequence[str], *, platform: str = "") -> list[Analysis]: ...


@dataclass(frozen=True)
class SourceOutcome:
    """How one source's poll went, for the CLI and the logs."""

    source: str
    status: Status
    fetched: int = 0
    new: int = 0
    kept: int = 0  # posts that matched a brand
    messages: tuple[str, ...] = ()
    until: datetime | None = None  # rate limited until

    @property
    def failed(self) -> bool:
        return self.status in ("partial", "failed")


@dataclass(frozen=True)
class CycleReport:
    outcomes: tuple[SourceOutcome, ...]
    events: tuple[AlertEvent, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)


class Pipeline:
    """Wires connectors, matching, analysis, storage and alerting together."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        connectors: Mapping[str, Connector | ConnectorError],
        analyzer: AnalyzerLike,
        alerter: Alerter,
        deliverer: Deliverer,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.connectors = dict(connectors)
        self.analyzer = analyzer
        self.alerter = alerter
        self.deliverer = deliverer
        self._matcher = BrandMatcher(settings.brands)
        # spaCy pipelines and the detector are not shared across threads
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()  # one delivery pass at a time

    def run_once(self, now: datetime, only: str | None = None) -> CycleReport:
        """Poll every source (or ``only``), detect for every brand, deliver what is due."""
        names = [only] if only else list(self.connectors)
        outcomes = tuple(self.poll_source(name, now) for name in names)
        events = tuple(self.detect(now))
        self.deliver(now, plan=False)  # detect has just planned the outbox
        return CycleReport(outcomes, events)

    def detect(self, now: datetime) -> list[AlertEvent]:
        """Raise and resolve alerts, then put the notifications they need in the outbox."""
        with self._lock:
            events = self.alerter.evaluate(now)
            enqueue_due(self.settings.alerts, self.storage, now)
        return events

    def deliver(self, now: datetime, *, plan: bool = True) -> DeliveryReport:
        """Plan what became due without a detection (group_wait over, repeats, silences
        ended) unless ``plan`` is False, then send the due outbox rows (``listener.outbox``)."""
        with self._deliver_lock:
            if plan:
                enqueue_due(self.settings.alerts, self.storage, now)
            return self.deliverer.deliver(now)

    def poll_source(self, name: str, now: datetime) -> SourceOutcome:
        """One poll of one source; never raises for the source's own failures."""
        connector = self.connectors[name]
        if isinstance(connector, ConnectorError):
            return self._fail(name, now, connector.message)
        waiting = self._rate_limited_until(name, now)
        if waiting is not None:
            return SourceOutcome(name, "waiting", until=waiting, messages=(_waiting(waiting),))
        try:
            result = connector.poll(self.storage.load_cursor(name), now)
        except RateLimited as e:
            return self._rate_limited(name, now, e.until)
        except AuthError as e:
            return self._fail(name, now, e.message)
        except ConnectorError as e:
            return self._fail(name, now, e.message)
        except Exception as e:  # an unexpected bug in one source must not stop the others
            log.exception("source %s crashed", name)
            return self._fail(name, now, f"unexpected {type(e).__name__}: {e}")
        return self._store(name, now, result)

    def _store(self, name: str, now: datetime, result: PollResult) -> SourceOutcome:
        mentions = self._mentions(name, result.posts)
        messages = tuple(f"{p.where}: {p.message}" for p in result.problems)
        health = PollHealth(
            polled_at=now,
            fetched=len(result.posts),
            error="; ".join(messages) or None,
            rate_limited_until=result.rate_limited_until,
        )
        stored = self.storage.store_poll(name, mentions, result.cursor, health)
        status: Status = "partial" if messages else "ok"
        if result.rate_limited_until is not None and not messages:
            status = "rate_limited"
            messages = (_waiting(result.rate_limited_until),)
        for message in messages:
            log.warning("source %s: %s", name, message)
        return SourceOutcome(
            name,
            status,
            fetched=len(result.posts),
            new=stored.new,
            kept=len(mentions),
            messages=messages,
            until=result.rate_limited_until,
        )

    def _mentions(self, source: str, posts: Sequence[Post]) -> list[NewMention]:
        matched: list[Matched] = [
            (post, links) for post in posts if (links := self._matcher.match(post))
        ]
        matched = self._unseen(matched)
        with self._lock:
            analyses = self.analyze_posts([post for post, _ in matched])
        return [
            _mention(source, post, links, analysis)
            for (post, links), analysis in zip(matched, analyses, strict=True)
        ]

    def _unseen(self, matched: list[Matched]) -> list[Matched]:
        """Drop posts stored before with the same brand links: feeds repeat their entries on
        every poll, and analysing them again would only cost time."""
        known: dict[tuple[str, str, str], set[str | None]] = {}
        for platform in {post.platform for post, _ in matched}:
            ids = [post.external_id for post, _ in matched if post.platform == platform]
            for external_id, brand, outpost in self.storage.known_links(platform, ids):
                known.setdefault((platform, external_id, brand), set()).add(outpost)
        return [(post, links) for post, links in matched if not _covered(post, links, known)]

    def analyze_posts(self, posts: Sequence[Post]) -> list[Analysis]:
        """Analyse posts in batches, one batch per platform, keeping their order."""
        results: dict[int, Analysis] = {}
        for platform in {p.platform for p in posts}:
            indexes = [i for i, p in enumerate(posts) if p.platform == platform]
            texts = [posts[i].text for i in indexes]
            analyses = self.analyzer.analyse_many(texts, platform=platform)
            results.update(zip(indexes, analyses, strict=True))
        return [results[i] for i in range(len(posts))]

    def _rate_limited_until(self, name: str, now: datetime) -> datetime | None:
        state = self.storage.source_state(name)
        until = state.rate_limited_until if state else None
        return until if until is not None and until > now else None

    def _rate_limited(self, name: str, now: datetime, until: datetime) -> SourceOutcome:
        self.storage.record_failure(
            name, PollHealth(polled_at=now, error="rate limited", rate_limited_until=until)
        )
        log.warning("source %s: %s", name, _waiting(until))
        return SourceOutcome(name, "rate_limited", until=until, messages=(_waiting(until),))

    def _fail(self, name: str, now: datetime, message: str) -> SourceOutcome:
        self.storage.record_failure(name, PollHealth(polled_at=now, error=message))
        log.error("source %s failed: %s", name, message)
        return SourceOutcome(name, "failed", messages=(message,))


def _covered(
    post: Post, links: tuple[BrandLink, ...], known: Mapping[tuple[str, str, str], set[str | None]]
) -> bool:
    """Every link is stored already (an outpost link also covers a keyword link)."""
    for link in links:
        stored = known.get((post.platform, post.external_id, link.brand))
        if not stored or (link.outpost is not None and link.outpost not in stored):
            return False
    return True


def _waiting(until: datetime) -> str:
    return f"rate limited until {until.isoformat(timespec='seconds')}; nothing lost"


def _mention(
    source: str, post: Post, links: tuple[BrandLink, ...], analysis: Analysis
) -> NewMention:
    sentiment = analysis.sentiment
    return NewMention(
        source=source,
        platform=post.platform,
        external_id=post.external_id,
        text=post.text,
        created_at=post.created_at,
        brands=links,
        url=post.url,
        author=post.author,
        title=post.title,
        reach=post.reach,
        lang=analysis.lang or post.lang,
        sentiment_label=sentiment.label,
        sentiment_score=sentiment.score,
        sentiment_scored=sentiment.scored,
        topics=analysis.topics,
        extra=post.extra,
    )
