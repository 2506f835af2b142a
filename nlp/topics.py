"""Topics with spaCy: keyphrases, entities and taxonomy categories. Imports spaCy: load lazily.

The default pipeline is ``spacy.blank("en")`` plus lookup lemmas when spacy-lookups-data is
installed (rule lemmas otherwise); entities only come from a statistical pipeline the
operator configures (``spacy_model``, a package name or a path).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

log = logging.getLogger("nlp")

MAX_PHRASE_WORDS = 3  # longer runs of content words are split into single words
MAX_KEYPHRASES = 8
MIN_WORD_LEN = 3
CACHE_SIZE = 200_000  # lemma cache entries: bounded, mention text is unbounded
MAX_VARIANTS = 32
_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")
ENTITY_LABELS = frozenset(
    {"ORG", "PRODUCT", "PERSON", "GPE", "LOC", "EVENT", "WORK_OF_ART", "FAC", "NORP"}
)


def load_pipeline(spacy_model: str | None) -> tuple[Language, LookupLemmas | None]:
    """The pipeline, and a lemma function when the pipeline sets no lemmas itself.

    The default pipeline is the tokenizer alone: lemmas come from the lookup table straight,
    for content words only, which is several times cheaper than a lemmatizer component.
    Logs one line saying which pipeline and lemmas are in use.
    """
    if spacy_model:
        try:
            nlp = spacy.load(spacy_model)
        except OSError as e:
            raise OSError(f"cannot load spaCy pipeline {spacy_model!r}: {e}") from e
        lemmas = "lemmatizer" in nlp.pipe_names
        log.info("nlp: spaCy pipeline %r (%s): entities on", spacy_model, ", ".join(nlp.pipe_names))
        return nlp, None if lemmas else LookupLemmas(_lookup_table())
    table = _lookup_table()
    if table is None:
        log.warning(
            "nlp: blank English pipeline with rule lemmas (spacy-lookups-data not installed);"
            " no entities"
        )
    else:
        log.info("nlp: blank English pipeline with lookup lemmas (spacy-lookups-data); no entities")
    nlp = spacy.blank("en")
    nlp.tokenizer = FastTokenizer(nlp.vocab)
    return nlp, LookupLemmas(table)


def words(text: str) -> list[str]:
    """The default tokenisation: words, numbers and single punctuation marks."""
    return _TOKEN.findall(text)


class FastTokenizer:
    """Words (with inner apostrophes and hyphens), numbers and single punctuation marks.

    The analysis copy is already cleaned (no URLs, handles or HTML), so spaCy's full rule
    set buys nothing here and costs about as much as the sentiment scoring.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        """Tokenise ``text`` into a Doc."""
        return Doc(self.vocab, words=_TOKEN.findall(text))


def _lookup_table() -> Any | None:
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, OSError, ImportError, KeyError):
        return None


def rule_lemma(low: str) -> str:
    """A crude English lemma for when no lookup table is installed (plurals only)."""
    if len(low) > 4 and low.endswith("ies"):
        return low[:-3] + "y"
    if len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return low[:-1]
    return low


class LookupLemmas:
    """Lowercase word -> lemma from spaCy's lookup table (rule lemmas without one), cached."""

    def __init__(self, table: Any | None) -> None:
        self._table = table
        self._cache: dict[str, str] = {}

    def __call__(self, low: str) -> str:
        """The lemma of lowercase word ``low``."""
        lemma = self._cache.get(low)
        if lemma is None:
            found = self._table.get(low) if self._table is not None else None
            lemma = found.lower() if isinstance(found, str) else rule_lemma(low)
            if len(self._cache) < CACHE_SIZE:
                self._cache[low] = lemma
        return lemma

    def forms(self, word: str) -> list[str]:
        """``word``, its lemma and the lemma's regular inflections ("charged" -> "charge",
        "charges", "charging"...), kept only when they lemmatise back to the same lemma."""
        low = word.lower()
        base = self(low)
        stem = base[:-1] if base.endswith("e") else base
        guesses = [
            base,
            base + "s",
            base + "es",
            base + "d",
            base + "ed",
            stem + "ing",
            stem + "ed",
        ]
        if base.endswith("y"):
            guesses += [base[:-1] + "ies", base[:-1] + "ied"]
        return [low, *(g for g in dict.fromkeys(guesses) if g != low and self(g) == base)]


class Keyphrases:
    """Runs of content words between stop words and punctuation, lemmatised and lowercased.

    Brand words are never content. ``lemmas`` is None when the pipeline sets lemmas itself.
    """

    def __init__(
        self, brand_words: frozenset[str], stop_words: Iterable[str], lemmas: LookupLemmas | None
    ) -> None:
        self.brand_words = brand_words
        self._stop = frozenset(stop_words)
        self._lemmas = lemmas
        self._cache: dict[str, str] = {}  # lowercase word -> lemma, "" when not content

    def _content(self, low: str) -> str:
        lemma = self._cache.get(low)
        if lemma is None:
            content = low.isalpha() and len(low) >= MIN_WORD_LEN and low not in self._stop
            content = content and low not in self.brand_words
            lemma = (self._lemmas(low) if self._lemmas is not None else low) if content else ""
            if len(self._cache) < CACHE_SIZE:
                self._cache[low] = lemma
        return lemma

    def from_doc(self, doc: Doc) -> list[str]:
        """The keyphrases of a parsed ``doc`` (a statistical pipeline's lemmas when it has them)."""
        if self._lemmas is not None:
            return self([t.lower_ for t in doc])
        return self([t.lower_ for t in doc], [t.lemma_.lower() for t in doc])

    def __call__(self, lowers: Sequence[str], lemmas: Sequence[str] | None = None) -> list[str]:
        """The keyphrases of lowercase tokens ``lowers``, first-seen order, at most
        MAX_KEYPHRASES; ``lemmas`` overrides the lookup lemmas token by token."""
        cache = self._cache
        lemmas_ = [cache[w] if w in cache else self._content(w) for w in lowers]
        if lemmas is not None:
            lemmas_ = [lemmas[i] or lem if lem else "" for i, lem in enumerate(lemmas_)]
        runs = [list(run) for content, run in itertools.groupby(lemmas_, key=bool) if content]
        phrases: dict[str, None] = {}
        for run in runs:
            parts = [" ".join(run)] if len(run) <= MAX_PHRASE_WORDS else run
            phrases.update(dict.fromkeys(p for p in parts if p))
        return list(phrases)[:MAX_KEYPHRASES]


def entities(doc: Doc, brand_words: frozenset[str]) -> list[str]:
    """Named entities of a statistical pipeline, lowercased; brand names left out."""
    found: dict[str, None] = {}
    for ent in doc.ents:
        text = ent.text.lower().strip()
        if ent.label_ in ENTITY_LABELS and text and not set(text.split()) <= brand_words:
            found[text] = None
    return list(found)


class Taxonomy:
    """Categories matched by a lowercase PhraseMatcher; each term also matches its regular
    inflections ("refund" finds "refunds", "charged twice" finds "charge twice")."""

    def __init__(
        self, nlp: Language, taxonomy: Mapping[str, Sequence[str]], lemmas: LookupLemmas
    ) -> None:
        self.order = list(taxonomy)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.first_words: set[str] = set()  # a text without any of these cannot match
        for category, terms in taxonomy.items():
            patterns = [nlp.make_doc(p) for term in terms for p in _variants(term, lemmas)]
            self.matcher.add(category, patterns)
            self.first_words.update(d[0].lower_ for d in patterns if len(d))

    def may_match(self, lowers: Iterable[str]) -> bool:
        """False when no pattern can match tokens ``lowers`` (spares building a Doc)."""
        return not self.first_words.isdisjoint(lowers)

    def categories(self, doc: Doc) -> tuple[str, ...]:
        """The categories whose terms occur in ``doc``, in taxonomy order."""
        if not self.order:
            return ()
        names = {doc.vocab.strings[m[0]] for m in self.matcher(doc)}
        return tuple(c for c in self.order if c in names)


def _variants(term: str, lemmas: LookupLemmas) -> list[str]:
    """The term with each word in each of its forms (capped: taxonomies are short phrases)."""
    variants = [""]
    for word in term.lower().split():
        forms = lemmas.forms(word) if word.isalpha() else [word]
        variants = [f"{v} {f}".strip() for v in variants for f in forms][:MAX_VARIANTS]
    return variants
