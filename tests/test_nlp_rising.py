"""Rising terms by Dunning's log-likelihood."""

from __future__ import annotations

import math

from nlp import RisingTerm, rising_terms
from nlp.rising import log_likelihood


def test_log_likelihood_matches_the_formula() -> None:
    a, b, n1, n2 = 10, 5, 100, 1000
    e1, e2 = n1 * (a + b) / (n1 + n2), n2 * (a + b) / (n1 + n2)
    expected = 2 * (a * math.log(a / e1) + b * math.log(b / e2))
    assert math.isclose(log_likelihood(a, b, n1, n2), expected)
    assert log_likelihood(0, 0, 10, 10) == 0.0


def test_a_surge_beats_a_common_term_with_more_raw_counts() -> None:
    baseline = ["delivery"] * 100 + ["price"] * 50 + ["app"] * 50 + ["outage"] * 1
    window = ["delivery"] * 20 + ["outage"] * 8 + ["price"] * 10 + ["app"] * 10
    top = rising_terms(window, baseline)
    assert top[0].term == "outage"
    assert top[0] == RisingTerm("outage", 8, 1, top[0].score)
    assert top[0].score > 10
    assert all(t.term != "delivery" for t in top)  # steady share: not rising


def test_ignore_top_and_minimum_count() -> None:
    baseline = ["x"] * 50
    window = ["acme"] * 9 + ["refund"] * 5 + ["crash"] * 3 + ["once"]
    top = rising_terms(window, baseline, top=2, ignore=["ACME"])
    assert [t.term for t in top] == ["refund", "crash"]
    assert all(t.term != "once" for t in rising_terms(window, baseline))


def test_empty_inputs() -> None:
    assert rising_terms([], ["a", "b"]) == []
    new = rising_terms(["a", "a", "b", "b", "b"], [])
    assert [t.term for t in new] == ["b", "a"]  # no baseline: ordered by count
    assert all(t.baseline_count == 0 for t in new)


def test_pure_and_deterministic() -> None:
    window, baseline = ["b", "b", "a", "a"], ["c"] * 10
    first = rising_terms(window, baseline)
    assert first == rising_terms(window, baseline)
    assert [t.term for t in first] == ["a", "b"]  # ties broken alphabetically
    assert window == ["b", "b", "a", "a"]
