"""Topics, taxonomy, language marking, the pipeline loading path and the package façade."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nlp
from nlp import Analysis, Analyzer
from nlp.langid import detect_language

TAXONOMY = {"billing": ["refund", "charged twice", "invoice"], "delays": ["delay", "late"]}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(brand_terms=("Acme Air", "#AcmeAir"), taxonomy=TAXONOMY)


def analyse(analyzer: Analyzer, text: str, platform: str = "twitter") -> Analysis:
    return analyzer.analyse(text, platform=platform)


def test_exports_are_the_documented_api() -> None:
    assert sorted(nlp.__all__) == [
        "Analysis",
        "Analyzer",
        "RisingTerm",
        "Sentiment",
        "rising_terms",
    ]


def test_import_nlp_does_not_import_spacy() -> None:
    code = "import sys, nlp; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_hashtags_and_lemmatised_keyphrases(analyzer: Analyzer) -> None:
    a = analyse(analyzer, "Lost luggage and cancelled flights again #NeverAgain https://t.co/x")
    assert a.topics[0] == "#neveragain"
    assert "lose luggage" in a.topics or "lost luggage" in a.topics
    assert "cancel flight" in a.topics
    assert not any("http" in t or "t.co" in t for t in a.topics)


def test_brand_terms_stop_words_and_handles_are_not_topics(analyzer: Analyzer) -> None:
    a = analyse(analyzer, "@AcmeAir the Acme Air lounge is nice #AcmeAir")
    assert "lounge" in " ".join(a.topics)
    assert not any("acme" in t and t != "#acmeair" for t in a.topics)
    assert "the" not in a.topics


def test_taxonomy_categories_match_lowercase_and_inflections(analyzer: Analyzer) -> None:
    a = analyse(analyzer, "Still no REFUNDS and my flight was late")
    assert a.categories == ("billing", "delays")
    assert a.topics[-2:] == ("billing", "delays")
    assert analyse(analyzer, "they charge twice every month").categories == ("billing",)
    assert analyse(analyzer, "lovely crew").categories == ()


def test_english_is_scored_and_other_languages_are_marked(analyzer: Analyzer) -> None:
    fr = analyse(analyzer, "Le vol a été annulé et je ne suis pas content du tout #AcmeAir")
    assert fr.lang == "fr"
    assert fr.sentiment == nlp.Sentiment(label="neutral", score=0.0, scored=False)
    assert fr.topics == ("#acmeair",)
    en = analyse(analyzer, "The flight was cancelled and I am not happy")
    assert (en.lang, en.sentiment.scored, en.sentiment.label) == ("en", True, "negative")


@pytest.mark.parametrize(
    "text",
    ["Great flight!", "worst. service. ever.", "Monster energy rocks", "A la carte menu is great"],
)
def test_short_english_is_never_called_foreign(text: str) -> None:
    assert detect_language(text) in ("en", None)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("El vuelo fue cancelado y no hay reembolso para mi", "es"),
        ("Der Flug war nicht gut und ich bin sauer", "de"),
        ("Ik heb geen pakket ontvangen, wat is dit", "nl"),
        ("Привет, как дела?", "ru"),
        ("東京に行きます", "ja"),
    ],
)
def test_other_languages_are_detected(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_too_short_to_tell_is_none_and_still_scored(analyzer: Analyzer) -> None:
    a = analyse(analyzer, "love it")
    assert a.lang is None
    assert a.sentiment.scored
    assert a.sentiment.label == "positive"


def test_analyse_many_keeps_order_and_matches_analyse(analyzer: Analyzer) -> None:
    texts = ["refund please", "great crew", "Le service est très lent et je suis déçu"]
    many = analyzer.analyse_many(texts, platform="twitter")
    assert many == [analyse(analyzer, t) for t in texts]
    assert analyzer.analyse_many([]) == []


def test_default_pipeline_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="nlp"):
        Analyzer()
    lines = [r for r in caplog.records if r.name == "nlp"]
    assert len(lines) == 1
    assert "blank English pipeline" in lines[0].getMessage()


def test_statistical_pipeline_from_a_path_adds_entities(tmp_path: Path) -> None:
    import spacy

    tiny = spacy.blank("en")
    ruler: Any = tiny.add_pipe("entity_ruler")
    ruler.add_patterns(
        [{"label": "PERSON", "pattern": "Jane Doe"}, {"label": "ORG", "pattern": "Acme Air"}]
    )
    tiny.to_disk(tmp_path / "tiny")
    a = Analyzer(brand_terms=("Acme Air",), taxonomy=TAXONOMY, spacy_model=str(tmp_path / "tiny"))
    result = a.analyse("Jane Doe from Acme Air sorted my refunds quickly, thank you")
    assert "jane doe" in result.topics
    assert "acme air" not in result.topics  # the brand itself is not a topic
    assert result.categories == ("billing",)
    assert result.sentiment.label == "positive"


def test_missing_pipeline_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="cannot load spaCy pipeline"):
        Analyzer(spacy_model=str(tmp_path / "nothing-here"))


def test_without_lookup_tables_rule_lemmas_are_used_and_said_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from nlp import topics

    monkeypatch.setattr(topics, "_lookup_table", lambda: None)
    with caplog.at_level(logging.INFO, logger="nlp"):
        a = Analyzer(taxonomy={"billing": ["refund"]})
    lines = [r for r in caplog.records if r.name == "nlp"]
    assert [r.levelno for r in lines] == [logging.WARNING]
    assert "rule lemmas" in lines[0].getMessage()
    result = a.analyse("two refunds pending", platform="twitter")
    assert "refund pending" in result.topics
    assert result.categories == ("billing",)


def test_feed_items_lose_their_html_in_topics(analyzer: Analyzer) -> None:
    text = (
        "Acme Air cuts routes\n\n<p>The <b>airline</b> cut <a href='https://x.io'>routes</a>.</p>"
    )
    a = analyse(analyzer, text, platform="rss")
    assert "airline cut route" in a.topics
    assert not any("<" in t or "href" in t or "x.io" in t for t in a.topics)


def test_identical_texts_in_a_batch_get_identical_analyses_in_order() -> None:
    from nlp import Analyzer

    analyzer = Analyzer()
    texts = ["RT @ann: Acme is awful #fail", "I love it", "RT @ann: Acme is awful #fail"]
    results = analyzer.analyse_many(texts)
    assert [r.sentiment.label for r in results] == ["negative", "positive", "negative"]
    assert results[0] is results[2] and results[0] == analyzer.analyse(texts[0])
