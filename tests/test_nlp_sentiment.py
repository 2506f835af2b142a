"""Sentiment: preparation, brand neutrality, complaint phrases, cut-offs and drivers."""

from __future__ import annotations

import pytest

from nlp import Analyzer, Sentiment
from nlp.lexicon import load_lexicon
from nlp.prepare import emoji_pattern, prepare, split_hashtag
from nlp.sentiment import CALIBRATED_CUTOFFS, RAW_VADER_CUTOFFS, Cutoffs, SentimentScorer

BRANDS = ("Virgin", "Monster", "Dove", "Delta", "Best Buy")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(brand_terms=BRANDS)


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return SentimentScorer(BRANDS)


def score(analyzer: Analyzer, text: str, platform: str = "twitter") -> Sentiment:
    return analyzer.analyse(text, platform=platform).sentiment


# --- preparation -------------------------------------------------------------------------


def test_prepare_drops_urls_and_handles_and_splits_hashtags() -> None:
    p = prepare("@united lost my bag again https://t.co/x #BrandFail #fail", "twitter")
    assert p.text == "lost my bag again Brand Fail fail"
    assert p.hashtags == ("#brandfail", "#fail")


def test_prepare_decodes_entities_and_keeps_hearts_on_twitter() -> None:
    assert prepare("Tom &amp; Jerry <3", "twitter").text == "Tom & Jerry <3"


def test_prepare_strips_feed_html_and_keeps_title_apart() -> None:
    text = "Acme recalls kettles\n\n<p>The <b>recall</b> covers &quot;model X&quot;.</p>"
    assert prepare(text, "rss").text == 'Acme recalls kettles\nThe recall covers "model X".'


def test_prepare_reddit_markdown_links_keep_their_words() -> None:
    p = prepare("Title here\n\n**Awful** support, see [this thread](https://r.com/x)", "reddit")
    assert p.text == "Title here\nAwful support, see this thread"


def test_prepare_spaces_emoji_out() -> None:
    emoji = emoji_pattern(load_lexicon().emoji_chars)
    assert prepare("great\U0001f602", "twitter", emoji).text == "great \U0001f602"


def test_split_hashtag_handles_camel_case_and_acronyms() -> None:
    assert split_hashtag("BrandFail") == "Brand Fail"
    assert split_hashtag("NeverAgainUPS") == "Never Again UPS"
    assert split_hashtag("epicfail") == "epicfail"


# --- brand neutrality and drivers ----------------------------------------------------------


def test_brand_name_carries_no_sentiment(analyzer: Analyzer) -> None:
    s = score(analyzer, "Virgin flight was great")
    assert s.label == "positive"
    assert s.drivers[0][0] == "great"
    assert all(word != "virgin" for word, _ in s.drivers)


def test_multiword_brand_is_neutral_but_the_same_word_elsewhere_counts(
    scorer: SentimentScorer,
) -> None:
    assert scorer.score("I went to Best Buy today").label == "neutral"
    assert scorer.score("Best Buy has the best staff").drivers == (("best", 3.2),)


def test_lexicon_brand_word_is_neutral_only_when_it_is_a_brand() -> None:
    # "killer" is in VADER's lexicon; as a brand name it must not count.
    assert SentimentScorer().score("Killer Coffee opened a store").label == "negative"
    assert (
        SentimentScorer(["Killer Coffee"]).score("Killer Coffee opened a store").label == "neutral"
    )


def test_drivers_are_ranked_by_weight_and_signed(scorer: SentimentScorer) -> None:
    s = scorer.score("The food was great but the service was awful")
    assert s.label == "negative"
    assert [w for w, _ in s.drivers] == ["awful", "great"]
    assert s.drivers[0][1] < 0 < s.drivers[1][1]


# --- what breaks raw VADER on brand tweets ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I was charged twice for one ticket",
        "still waiting for a callback",
        "no refund after three weeks",
        "they cancelled my flight",
        "on hold for 2 hours",
        "never again",
        "the app doesn't work",
        "worst airline",
        "thanks for nothing",
    ],
)
def test_complaint_phrases_are_negative(analyzer: Analyzer, text: str) -> None:
    assert score(analyzer, f"@Delta {text}").label == "negative"


def test_praise_phrases_are_positive(scorer: SentimentScorer) -> None:
    assert scorer.score("shout out to the crew, they went above and beyond").label == "positive"


def test_negation_reaches_across_the_clause(scorer: SentimentScorer) -> None:
    assert scorer.score("I don't think this is good").label == "negative"
    assert scorer.score("not bad at all").label == "positive"


def test_negation_stops_at_the_clause_end(scorer: SentimentScorer) -> None:
    assert scorer.score("I didn't expect it, great service").label == "positive"


def test_praise_inside_a_question_is_damped(scorer: SentimentScorer) -> None:
    asked = scorer.score("Is the new phone any good?")
    said = scorer.score("The new phone is good.")
    assert said.label == "positive"
    assert asked.label == "neutral"
    assert 0 < asked.score < said.score


def test_praise_beside_a_complaint_reads_as_sarcasm(scorer: SentimentScorer) -> None:
    s = scorer.score("Love being on hold for 2 hours!!")
    assert s.label == "negative"
    assert dict(s.drivers)["love"] < 0


def test_elongated_words_are_found_and_emphasised(scorer: SentimentScorer) -> None:
    plain, long = scorer.score("so bad"), scorer.score("sooooo baaaad")
    assert long.label == "negative"
    assert long.score < plain.score


def test_emoji_and_emoticons_score(analyzer: Analyzer) -> None:
    assert score(analyzer, "new phone \U0001f60d").label == "positive"
    assert score(analyzer, "my order :(").label == "negative"


def test_promotional_boilerplate_is_not_praise(scorer: SentimentScorer) -> None:
    assert scorer.score("Enter to win a free trip").label == "neutral"


def test_feed_html_is_stripped_before_scoring(analyzer: Analyzer) -> None:
    text = "Acme results\n\n<p>Acme <a href='https://great.example'>announced</a> results.</p>"
    s = score(analyzer, text, platform="rss")
    assert s.label == "neutral"
    assert s.drivers == ()


# --- cut-offs --------------------------------------------------------------------------------


def test_cutoffs_label_the_compound() -> None:
    cut = Cutoffs(positive=0.3, negative=0.05)
    assert cut.label(0.3) == "positive"
    assert cut.label(0.29) == "neutral"
    assert cut.label(-0.05) == "negative"
    assert cut.label(-0.04) == "neutral"
    assert RAW_VADER_CUTOFFS.label(0.05) == "positive"


def test_calibrated_cutoffs_are_the_default(scorer: SentimentScorer) -> None:
    assert scorer.cutoffs == CALIBRATED_CUTOFFS
    # "fine" (VADER 0.8) is above raw VADER's +0.05 but below the calibrated praise cut-off
    s = scorer.score("it is fine")
    assert RAW_VADER_CUTOFFS.label(s.score) == "positive"
    assert s.label == "neutral"


def test_scores_stay_in_range(scorer: SentimentScorer) -> None:
    s = scorer.score("AMAZING!!!! best best best love love :) :) \U0001f60d")
    assert 0.9 < s.score <= 1.0
    assert scorer.score("").label == "neutral"
    assert scorer.score("").score == 0.0


def test_explicit_sarcasm_marks_flip_praise(scorer: SentimentScorer) -> None:
    assert scorer.score("Great service as always /s").label == "negative"
    assert scorer.score("Great service as always Sarcasm").label == "negative"
    assert scorer.score("Great service as always").label == "positive"
