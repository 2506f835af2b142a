"""Brand-aware sentiment on VADER's lexicon and rules, with per-mention drivers.

A re-implementation of VADER's scoring over one token list (so each word's contribution is
known, and the cost is linear) with general fixes for social brand text: brand names carry no
sentiment, negation reaches to the end of its clause, "but" works per sentence, complaint and
praise phrases with no lexicon word count, praise inside questions is damped, and praise next
to a complaint reads as sarcasm. Input is the analysis copy made by ``nlp.prepare``.
"""

from __future__ import annotations

import bisect
import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import B_INCR, C_INCR, N_SCALAR, normalize, scalar_inc_dec

from nlp.lexicon import Lexicon, load_lexicon
from nlp.records import Sentiment, SentimentLabel
from nlp.tokens import PARAGRAPH, Tokens, tokenize

_PUNCT = string.punctuation
_SENTENCE_ENDS = frozenset({".", "!", "?", PARAGRAPH})
_CLAUSE_ENDS = frozenset({",", ";", ":", "(", ")", "-", '"'})
_BOUNDARIES = _SENTENCE_ENDS | _CLAUSE_ENDS | {"but"}  # "but" opens a new clause
_SARCASM_MARK = re.compile(r"(?<!\S)/s(?!\S)")  # the "/s" that closes an ironic post
_ELONGATED = re.compile(r"(\w)\1{2,}")
NEGATION_WINDOW = 5  # words a negator reaches back over, within its clause (VADER: 3)
BUT_BEFORE, BUT_AFTER = 0.5, 1.5  # VADER's weights around a contrastive "but"
QUESTION_PRAISE = 0.5  # "is the new phone any good?" asks, it does not praise
SARCASM = -0.5  # "love being on hold for 2 hours": praise beside a complaint flips
MAX_DRIVERS = 5


@dataclass(frozen=True)
class Cutoffs:
    """Label thresholds on the compound: positive at or above ``positive``, negative at or
    below minus ``negative``, neutral between."""

    positive: float = 0.05
    negative: float = 0.05

    def label(self, compound: float) -> SentimentLabel:
        """The label for a compound score."""
        if compound >= self.positive:
            return "positive"
        if compound <= -self.negative:
            return "negative"
        return "neutral"


RAW_VADER_CUTOFFS = Cutoffs(0.05, 0.05)
# Chosen on the calibration halves (`python bench/sentiment_eval.py --calibrate`): wide for
# praise, since news, ads and reviews use positive words without praising anyone.
CALIBRATED_CUTOFFS = Cutoffs(0.3, 0.05)


@dataclass
class _Tokens:
    words: list[str]  # as written (for ALL CAPS); punctuation marks are tokens too
    lowers: list[str]  # lowercased, elongation undone ("sooooo" -> "so")
    clause_ends: list[int]  # indexes of tokens closing a clause: negation stops there
    sentence_ends: list[int]  # indexes of tokens closing a sentence
    questions: set[int]  # sentence numbers that end with "?"
    emphasised: set[int]  # token indexes that were elongated

    def clause_start(self, i: int) -> int:
        """Index of the first token of token ``i``'s clause."""
        k = bisect.bisect_left(self.clause_ends, i)
        return self.clause_ends[k - 1] + 1 if k else 0

    def sentence_of(self, i: int) -> int:
        """Sentence number of token ``i``."""
        return bisect.bisect_left(self.sentence_ends, i)


def _known(low: str, lex: Lexicon) -> bool:
    return low in lex.words or low in lex.boosters or low in lex.negators


def _unelongate(low: str, lex: Lexicon) -> str:
    for candidate in (_ELONGATED.sub(r"\1\1", low), _ELONGATED.sub(r"\1", low)):
        if _known(candidate, lex):
            return candidate
    return _ELONGATED.sub(r"\1\1", low)


def _index(tokens: Tokens, text: str, lex: Lexicon) -> _Tokens:
    """Clause and sentence boundaries, question sentences, and undone elongations."""
    lowers = list(tokens.lowers)
    marks = [i for i, w in enumerate(lowers) if w in _BOUNDARIES]
    toks = _Tokens(tokens.words, lowers, marks, [], set(), set())
    for i in marks:
        if lowers[i] in _SENTENCE_ENDS:
            if lowers[i] == "?":
                toks.questions.add(len(toks.sentence_ends))
            if i + 1 >= len(lowers) or lowers[i + 1] not in _SENTENCE_ENDS:
                toks.sentence_ends.append(i)
    if _ELONGATED.search(text):
        for i, low in enumerate(lowers):
            if len(low) > 3 and not _known(low, lex) and _ELONGATED.search(low):
                toks.emphasised.add(i)
                lowers[i] = _unelongate(low, lex)
    return toks


def _brand_terms(brand_terms: Sequence[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for term in brand_terms:
        words = tuple(w.strip(_PUNCT).lower() for w in term.split())
        words = tuple(w for w in words if w)
        if words:
            by_first.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


def _match_at(lowers: list[str], i: int, options: Sequence[tuple[str, ...]]) -> int:
    """Length of the first option that matches the words from ``i`` on (0 when none)."""
    for words in options:
        if tuple(lowers[i : i + len(words)]) == words:
            return len(words)
    return 0


@dataclass
class _Scored:
    values: dict[int, float]  # token index -> valence (a phrase's sits on its first word)
    labels: dict[int, str]  # token index -> what to call it in the drivers
    complaint_sentences: set[int]  # sentences holding a complaint phrase


class SentimentScorer:
    """Scores prepared text; ``brand_terms`` (names, keywords, products) carry no sentiment."""

    def __init__(
        self,
        brand_terms: Sequence[str] = (),
        cutoffs: Cutoffs = CALIBRATED_CUTOFFS,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.lex = lexicon if lexicon is not None else load_lexicon()
        self.cutoffs = cutoffs
        self._brands = _brand_terms(brand_terms)
        # any token that may start a score, a phrase or a brand name
        self._starts = frozenset(self.lex.words).union(self.lex.phrases, self._brands)

    def score(self, text: str) -> Sentiment:
        """The sentiment of the analysis copy ``text`` (see ``nlp.prepare``)."""
        return self.score_tokens(tokenize(text, self.lex.tokens), text)

    def score_tokens(self, tokens: Tokens, text: str) -> Sentiment:
        """The sentiment of ``text`` already split by ``nlp.tokens.tokenize``."""
        toks = _index(tokens, text, self.lex)
        scored = self._valences(toks)
        self._adjust(toks, scored, text)
        total = sum(scored.values.values())
        if total:
            total += math.copysign(_punctuation_emphasis(text), total)
        compound = round(normalize(total), 4)
        return Sentiment(self.cutoffs.label(compound), compound, True, _drivers(scored))

    def _valences(self, toks: _Tokens) -> _Scored:
        scored = _Scored({}, {}, set())
        lowers, starts = toks.lowers, self._starts
        consumed = 0  # tokens before this index belong to a brand name or phrase
        for i in [i for i, low in enumerate(lowers) if low in starts]:
            low = lowers[i]
            if i < consumed:
                continue
            if low in self._brands and (span := _match_at(lowers, i, self._brands[low])):
                consumed = i + span  # brand names are not opinions: "Virgin", "Best Buy"
            elif low in self.lex.phrases and (span := self._phrase(toks, i, scored)):
                consumed = i + span
            elif valence := self._word(toks, i):
                scored.values[i] = valence
                scored.labels[i] = low
        return scored

    def _phrase(self, toks: _Tokens, i: int, scored: _Scored) -> int:
        for words, valence in self.lex.phrases[toks.lowers[i]]:
            if tuple(toks.lowers[i : i + len(words)]) != words:
                continue
            if valence and not any(_is_negator(w, self.lex) for w in words):
                valence *= self._negation(toks, i)
            scored.values[i] = valence
            scored.labels[i] = " ".join(words)
            if valence < 0:
                scored.complaint_sentences.add(toks.sentence_of(i))
            return len(words)
        return 0

    def _word(self, toks: _Tokens, i: int) -> float:
        low = toks.lowers[i]
        valence = self.lex.words.get(low, 0.0)
        if not valence or low in self.lex.boosters:
            return 0.0
        if low == "no" and i + 1 < len(toks.lowers) and toks.lowers[i + 1] in self.lex.words:
            return 0.0  # "no" negates the next word instead (VADER)
        cap_diff = toks.words[i].isupper() and _cap_differential(toks.words)
        if cap_diff or i in toks.emphasised:
            valence += math.copysign(C_INCR if i not in toks.emphasised else B_INCR, valence)
        valence += self._boost(toks, i, valence)
        valence *= self._negation(toks, i)
        if (
            i > 0
            and toks.lowers[i - 1] == "least"
            and (i < 2 or toks.lowers[i - 2] not in ("at", "very"))
        ):
            valence *= N_SCALAR
        return valence

    def _boost(self, toks: _Tokens, i: int, valence: float) -> float:
        boost = 0.0
        start = toks.clause_start(i)
        for distance, damp in ((1, 1.0), (2, 0.95), (3, 0.9)):
            j = i - distance
            if j < start:
                break
            if toks.lowers[j] in self.lex.boosters and toks.lowers[j] not in self.lex.words:
                boost += scalar_inc_dec(toks.lowers[j], valence, False) * damp
                if toks.words[j].isupper() and _cap_differential(toks.words):
                    boost += math.copysign(C_INCR, valence) * damp
        return boost

    def _negation(self, toks: _Tokens, i: int) -> float:
        """The factor for negators before token ``i`` within its clause: N_SCALAR or 1."""
        for j in range(i - 1, max(toks.clause_start(i), i - NEGATION_WINDOW) - 1, -1):
            low = toks.lowers[j]
            if _is_negator(low, self.lex):
                if low == "never" and j + 1 < i and toks.lowers[j + 1] in ("so", "this"):
                    return 1.25  # "never so good" intensifies (VADER)
                if low == "without" and j + 1 < i and toks.lowers[j + 1] == "doubt":
                    return 1.0
                return N_SCALAR
        return 1.0

    def _adjust(self, toks: _Tokens, scored: _Scored, text: str) -> None:
        """Sentence-level rules: "but" weights, praise in questions, praise beside complaints."""
        buts: dict[int, int] = {}
        if "but" in toks.lowers:
            for i in [i for i, low in enumerate(toks.lowers) if low == "but"]:
                buts.setdefault(toks.sentence_of(i), i)
        sarcastic = "sarcasm" in toks.lowers or _SARCASM_MARK.search(text) is not None
        for i, value in scored.values.items():
            sent = toks.sentence_of(i)
            if sent in buts:
                value *= BUT_BEFORE if i < buts[sent] else BUT_AFTER
            if value > 0 and (sarcastic or sent in scored.complaint_sentences):
                value *= SARCASM
            elif value > 0 and sent in toks.questions:
                value *= QUESTION_PRAISE
            scored.values[i] = value


def _is_negator(low: str, lex: Lexicon) -> bool:
    return low in lex.negators or "n't" in low


def _cap_differential(words: list[str]) -> bool:
    alpha = [w for w in words if w.isalpha()]
    caps = sum(1 for w in alpha if w.isupper())
    return 0 < caps < len(alpha)


def _punctuation_emphasis(text: str) -> float:
    """VADER's emphasis from "!" (up to 4) and "?" (2 or more)."""
    marks = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions > 1:
        marks += questions * 0.18 if questions <= 3 else 0.96
    return marks


def _drivers(scored: _Scored) -> tuple[tuple[str, float], ...]:
    weights: dict[str, float] = {}
    for i, value in scored.values.items():
        label = scored.labels[i]
        weights[label] = weights.get(label, 0.0) + value
    ranked = sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return tuple((label, round(w, 3)) for label, w in ranked[:MAX_DRIVERS] if w)
