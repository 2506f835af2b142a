"""The Analyzer: preparation, language, sentiment and topics for each mention."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from nlp.langid import detect_language
from nlp.lexicon import load_lexicon
from nlp.prepare import Prepared, emoji_pattern, prepare
from nlp.records import NOT_SCORED, Analysis
from nlp.sentiment import SentimentScorer
from nlp.tokens import Tokens, tokenize

if TYPE_CHECKING:
    from spacy.tokens import Doc

BATCH_SIZE = 256
SCORED_LANGS = frozenset({"en"})  # VADER is English-only; None (too short) is scored as English


class Analyzer:
    """Sentiment and topics for mentions. Build once per process: it loads spaCy."""

    def __init__(
        self,
        *,
        brand_terms: Sequence[str] = (),
        taxonomy: Mapping[str, Sequence[str]] = {},
        spacy_model: str | None = None,
    ) -> None:
        from nlp import topics  # spaCy loads here, not at "import nlp"

        lexicon = load_lexicon()
        self._emoji = emoji_pattern(lexicon.emoji_chars)
        self._tokens = lexicon.tokens
        self._scorer = SentimentScorer(brand_terms, lexicon=lexicon)
        self._nlp, lemmas = topics.load_pipeline(spacy_model)
        stop_words = self._nlp.Defaults.stop_words
        self._keyphrases = topics.Keyphrases(_brand_words(brand_terms), stop_words, lemmas)
        self._taxonomy = topics.Taxonomy(
            self._nlp, taxonomy, lemmas if lemmas is not None else topics.LookupLemmas(None)
        )
        self._topics = topics
        self._statistical = bool(spacy_model)

    def analyse(self, text: str, *, platform: str = "") -> Analysis:
        """Analyse one stored mention text (``platform`` says how it was assembled)."""
        return self.analyse_many([text], platform=platform)[0]

    def analyse_many(self, texts: Sequence[str], *, platform: str = "") -> list[Analysis]:
        """Analyse many mentions, in order, with batched spaCy passes (``nlp.pipe``).

        Identical texts (retweets, cross-posts) are analysed once: the results are frozen.
        """
        unique = list(dict.fromkeys(texts))
        with _collector_paused():
            results = self._analyse_many(unique, platform)
        if len(unique) == len(texts):
            return results
        by_text = dict(zip(unique, results, strict=True))
        return [by_text[text] for text in texts]

    def _analyse_many(self, texts: Sequence[str], platform: str) -> list[Analysis]:
        prepared = [prepare(t, platform, self._emoji) for t in texts]
        if self._statistical:
            docs = self._nlp.pipe((p.text for p in prepared), batch_size=BATCH_SIZE)
            return [self._from_doc(p, doc) for p, doc in zip(prepared, docs, strict=True)]
        tokens = [tokenize(p.text, self._tokens) for p in prepared]
        need = [i for i, t in enumerate(tokens) if self._taxonomy.may_match(t.lowers)]
        docs = self._nlp.pipe((prepared[i].text for i in need), batch_size=BATCH_SIZE)
        categories = dict(zip(need, map(self._taxonomy.categories, docs), strict=True))
        return [
            self._analysis(p, t, categories.get(i, ()))
            for i, (p, t) in enumerate(zip(prepared, tokens, strict=True))
        ]

    def _analysis(
        self, prepared: Prepared, tokens: Tokens, categories: tuple[str, ...]
    ) -> Analysis:
        lang = detect_language(prepared.text, tokens.lowers)
        if not _scored(lang):  # keyphrases use English stop words and lemmas
            return Analysis(NOT_SCORED, (*prepared.hashtags, *categories), lang, categories)
        found = [*prepared.hashtags, *self._keyphrases(tokens.lowers), *categories]
        sentiment = self._scorer.score_tokens(tokens, prepared.text)
        return Analysis(sentiment, tuple(dict.fromkeys(found)), lang, categories)

    def _from_doc(self, prepared: Prepared, doc: Doc) -> Analysis:
        lowers = [t.lower_ for t in doc]
        categories = self._taxonomy.categories(doc)
        lang = detect_language(prepared.text, lowers)
        if not _scored(lang):
            return Analysis(NOT_SCORED, (*prepared.hashtags, *categories), lang, categories)
        found = [*prepared.hashtags, *self._keyphrases.from_doc(doc)]
        found += self._topics.entities(doc, self._keyphrases.brand_words)
        found += categories
        sentiment = self._scorer.score(prepared.text)
        return Analysis(sentiment, tuple(dict.fromkeys(found)), lang, categories)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic GC for one batch: it creates no cycles, and with spaCy's large heap
    loaded the collector's full passes cost about a third of the analysis time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _scored(lang: str | None) -> bool:
    return lang is None or lang in SCORED_LANGS


def _brand_words(brand_terms: Sequence[str]) -> frozenset[str]:
    return frozenset(w.strip("#@").lower() for term in brand_terms for w in term.split())
