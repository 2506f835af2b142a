"""Rising terms: which terms a window uses more than its baseline, by Dunning's G² test."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from nlp.records import RisingTerm

MIN_WINDOW_COUNT = 2  # a term seen once in a window is not a trend


def log_likelihood(a: int, b: int, window_total: int, baseline_total: int) -> float:
    """Dunning's G² for a term seen ``a`` times in the window and ``b`` in the baseline."""
    total = window_total + baseline_total
    if total == 0 or a + b == 0:
        return 0.0
    expected_a = window_total * (a + b) / total
    expected_b = baseline_total * (a + b) / total
    g2 = 0.0
    if a:
        g2 += a * math.log(a / expected_a)
    if b:
        g2 += b * math.log(b / expected_b)
    return max(0.0, 2.0 * g2)


def rising_terms(
    window: Sequence[str], baseline: Sequence[str], *, top: int = 10, ignore: Sequence[str] = ()
) -> list[RisingTerm]:
    """The ``top`` terms most over-represented in ``window`` against ``baseline``.

    Each sequence holds one entry per occurrence (e.g. the topics of every mention, flattened).
    Only terms whose window rate exceeds their baseline rate and that occur at least twice in
    the window count; ``ignore`` (case-insensitive) drops brand names and the like. Ties in G²
    go to the more frequent term, then alphabetical order. With an empty baseline every term
    scores 0, so the order is by count.
    """
    skip = {t.lower() for t in ignore}
    in_window = Counter(t for t in window if t.lower() not in skip)
    in_baseline = Counter(baseline)
    n_window, n_baseline = len(window), len(baseline)
    found = []
    for term, a in in_window.items():
        b = in_baseline.get(term, 0)
        if a < MIN_WINDOW_COUNT or (n_baseline and a * n_baseline <= b * n_window):
            continue
        score = log_likelihood(a, b, n_window, n_baseline)
        found.append(RisingTerm(term, a, b, round(score, 4)))
    found.sort(key=lambda r: (-r.score, -r.window_count, r.term))
    return found[:top]
