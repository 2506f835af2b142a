"""VADER's lexicon plus a small, general extension for brand complaints and praise.

VADER stays the base (its word valences, boosters, negators and constants); the extension adds
what real brand tweets say with no lexicon word in them ("charged twice", "still waiting").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from nlp.tokens import token_pattern

_WORD = re.compile(r"\w+(?:['-]\w+)*")

# Single words VADER lacks that people use for service failures or praise.
EXTRA_WORDS: Mapping[str, float] = {
    "canceled": -1.0,  # VADER has only the British "cancelled"
    "overcharged": -2.0,
    "outage": -1.8,
    "outages": -1.8,
    "ripoff": -2.5,
    "rip-off": -2.5,
    "glitch": -1.2,
    "glitchy": -1.5,
    "buggy": -1.5,
    "crashed": -1.5,
    "crashing": -1.5,
    "laggy": -1.3,
    "unusable": -2.3,
    "unresponsive": -1.5,
    "delays": -1.3,
    "shoutout": 1.8,
}

# Multi-word phrases scored as one unit. A phrase may carry its own negation ("doesn't work"):
# then the words before it are not searched for a negator. Valence 0.0 marks promotional
# boilerplate whose lexicon words ("win", "free") say nothing about how people feel.
PHRASES: Mapping[str, float] = {
    "still waiting": -1.8,
    "been waiting": -1.5,
    "on hold": -1.5,
    "charged twice": -2.3,
    "charged me twice": -2.3,
    "double charged": -2.3,
    "no refund": -2.3,
    "still no": -1.5,
    "no response": -2.0,
    "no reply": -1.8,
    "no answer": -1.5,
    "never again": -2.5,
    "never received": -2.3,
    "never arrived": -2.3,
    "never showed up": -2.0,
    "never got": -1.5,
    "doesn't work": -2.0,
    "does not work": -2.0,
    "don't work": -2.0,
    "didn't work": -2.0,
    "not working": -2.0,
    "isn't working": -2.0,
    "stopped working": -2.0,
    "won't work": -2.0,
    "can't log": -1.8,
    "cannot log": -1.8,
    "can't login": -1.8,
    "can't access": -1.8,
    "cancelled my": -2.0,
    "canceled my": -2.0,
    "lost my": -1.8,
    "waste of time": -2.3,
    "waste of money": -2.5,
    "thanks for nothing": -2.5,
    "what a joke": -2.0,
    "false advertising": -2.0,
    "down again": -1.8,
    "still down": -1.8,
    "taking forever": -1.5,
    "takes forever": -1.5,
    "where is my": -1.3,
    "where's my": -1.3,
    "fix this": -1.3,
    "fix your": -1.3,
    "shout out": 1.8,
    "well done": 2.0,
    "above and beyond": 2.8,
    "game changer": 2.3,
    "chance to win": 0.0,
    "enter to win": 0.0,
    "win a": 0.0,
    "win a free": 0.0,
    "enter to win a free": 0.0,
    "chance to win a free": 0.0,
    "for free": 0.0,
    "free shipping": 0.0,
    "free trial": 0.0,
    "free delivery": 0.0,
}

# Words that open a negation scope (VADER's list plus informal spellings).
EXTRA_NEGATORS = frozenset({"no", "nobody", "nah", "dont", "cant", "wont"})


@dataclass(frozen=True)
class Lexicon:
    """Everything the scorer looks up, built once per process."""

    words: Mapping[str, float]
    phrases: Mapping[str, tuple[tuple[tuple[str, ...], float], ...]]  # first word -> phrases
    boosters: Mapping[str, float]
    negators: frozenset[str]
    special: Mapping[str, float]
    emoji: Mapping[str, float]  # emoji character -> valence of its description
    emoji_chars: str  # every single-character emoji VADER describes, for the preparation
    emoticons: frozenset[str]  # lexicon entries that are not words: ":)", "<3", ":-("
    tokens: re.Pattern[str]  # the shared tokeniser's pattern, emoticons included


def _index_phrases(
    phrases: Mapping[str, float],
) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
    by_first: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for phrase, valence in phrases.items():
        words = tuple(phrase.split())
        by_first.setdefault(words[0], []).append((words, valence))
    # longest first, so "charged me twice" wins over a shorter overlapping phrase
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in by_first.items()}


def _emoji_valence(description: str, words: Mapping[str, float]) -> float:
    total = sum(words.get(w, 0.0) for w in description.lower().split())
    return max(-3.0, min(3.0, total))


@functools.cache
def load_lexicon() -> Lexicon:
    """VADER's resources plus the extension; cached, so every Analyzer shares one copy."""
    vader = SentimentIntensityAnalyzer()
    emoji = {e: _emoji_valence(d, vader.lexicon) for e, d in vader.emojis.items() if len(e) == 1}
    scored_emoji = {e: v for e, v in emoji.items() if v != 0.0}
    words = {**vader.lexicon, **EXTRA_WORDS, **scored_emoji}
    emoticons = frozenset(w for w in words if not _WORD.fullmatch(w))
    return Lexicon(
        words=words,
        phrases=_index_phrases(PHRASES),
        boosters=dict(BOOSTER_DICT),
        negators=frozenset(NEGATE) | EXTRA_NEGATORS,
        special=dict(SPECIAL_CASES),
        emoji=scored_emoji,
        emoji_chars="".join(emoji),
        emoticons=emoticons,
        tokens=token_pattern(emoticons),
    )
