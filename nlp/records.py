"""The frozen results the nlp package hands back: no spaCy object leaks past it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SentimentLabel = Literal["positive", "neutral", "negative"]


@dataclass(frozen=True)
class Sentiment:
    """A mention's sentiment: label, VADER-style compound in [-1, 1] and the words behind it."""

    label: SentimentLabel
    score: float  # VADER-style compound in [-1, 1]; 0.0 when not scored
    scored: bool = True  # False when the language is not English (VADER is English-only)
    drivers: tuple[tuple[str, float], ...] = ()  # the words that drove the score, with weight


@dataclass(frozen=True)
class Analysis:
    """Everything the analyser found in one mention."""

    sentiment: Sentiment
    topics: tuple[str, ...]  # hashtags, keyphrases, entities, taxonomy categories
    lang: str | None  # detected language code, None if too short to tell
    categories: tuple[str, ...] = ()  # taxonomy categories matched, e.g. ("billing",)


@dataclass(frozen=True)
class RisingTerm:
    """A term that rose in a window against its baseline; ``score`` is Dunning's G²."""

    term: str
    window_count: int
    baseline_count: int
    score: float


NOT_SCORED = Sentiment(label="neutral", score=0.0, scored=False)
