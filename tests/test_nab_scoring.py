"""NAB scoring on tiny hand-made cases; expected values worked out from SCORING.md.

``bench/`` is a script folder, not a package (it is not installed with the app), so these
tests put it on ``sys.path`` the same way ``bench/nab.py`` finds its sibling module.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from nab_scoring import (
    NO_DETECTION,
    PROFILES,
    FileScores,
    Profile,
    normalise,
    probation_rows,
    row_weights,
    score_file,
    sigma,
    sweep,
    windows_from_timestamps,
)

UNIT = Profile("unit", tp=1.0, fp=1.0, fn=1.0)
STANDARD = PROFILES[0]


def detections(n: int, rows: list[int]) -> list[float]:
    """Score 1 on ``rows``, 0 elsewhere."""
    return [1.0 if i in rows else 0.0 for i in range(n)]


def test_sigma_reference_values() -> None:
    assert sigma(-1) == pytest.approx(0.9866143, abs=1e-7)
    assert sigma(-0.5) == pytest.approx(0.8482836, abs=1e-7)
    assert sigma(0) == 0
    assert sigma(1) == pytest.approx(-0.9866143, abs=1e-7)
    assert sigma(3.0001) == -1.0


def test_probation_is_fifteen_percent_capped_at_750() -> None:
    assert probation_rows(4032) == 604
    assert probation_rows(15902) == 750
    assert probation_rows(100) == 15


def test_worked_example_of_section_9_1() -> None:
    data = FileScores(detections(100, [30, 31, 37]), [(30, 34), (65, 69)], probation=0)
    # window 1 earns +1 (left edge), window 2 costs -1, row 37 costs tanh(2.5 * 3/4)
    assert score_file(data, 0.5, UNIT) == pytest.approx(-math.tanh(1.875), abs=1e-9)
    assert score_file(data, 0.5, UNIT) == pytest.approx(-0.9540, abs=1e-4)


def test_row_weights_inside_before_and_after_windows() -> None:
    weights = row_weights(25, [(5, 9)], STANDARD)
    assert weights[0] == -0.11  # before the first window: full FP cost
    assert weights[5] == pytest.approx(1.0)  # left edge
    # row 7: y = -(9 - 7 + 1)/5 = -0.6
    assert weights[7] == pytest.approx(math.tanh(1.5) / math.tanh(2.5))
    assert weights[9] == pytest.approx(math.tanh(0.5) / math.tanh(2.5))  # right edge, still > 0
    assert weights[10] == pytest.approx(-0.11 * math.tanh(2.5 * 1 / 4))  # y = 1/(W-1)
    assert weights[19] == pytest.approx(-0.11 * math.tanh(2.5 * 2.5))  # y = 10/4
    assert weights[22] == -0.11  # y = 13/4 > 3: exactly -A_FP


def test_probationary_rows_count_for_nothing() -> None:
    scores = detections(10, [1, 6])
    # window (0, 2) ends inside probation: not scorable; row 1 is ignored; row 6 is an FP
    data = FileScores(scores, [(0, 2), (5, 7)], probation=4)
    # window (5, 7): W = 3, row 6 -> y = -(7 - 6 + 1)/3
    expected = math.tanh(2.5 * 2 / 3) / math.tanh(2.5)
    assert score_file(data, 0.5, STANDARD) == pytest.approx(expected)


def test_sweep_picks_best_threshold_and_breaks_ties_upwards() -> None:
    scores = [0.0] * 10
    scores[2], scores[4], scores[5], scores[8] = 0.9, 0.8, 0.6, 0.7
    data = FileScores(scores, [(4, 5)], probation=0)
    # 1.1: -1 | 0.9: -1.11 | 0.8: +0.89 | 0.7: row 8, y = 3/1 -> -0.11 tanh(7.5) | 0.6: no change
    assert score_file(data, NO_DETECTION, STANDARD) == -1.0
    assert score_file(data, 0.9, STANDARD) == pytest.approx(-1.11)
    assert score_file(data, 0.8, STANDARD) == pytest.approx(0.89)
    assert score_file(data, 0.6, STANDARD) == pytest.approx(0.89 - 0.11 * math.tanh(7.5))
    threshold, raw = sweep([data], STANDARD)
    assert (threshold, raw) == (0.8, pytest.approx(0.89))
    tie = FileScores([0.0, 0.0, 0.0, 0.8, 0.6, 0.0], [(3, 4)], probation=0)
    assert sweep([tie], STANDARD) == (0.8, pytest.approx(1.0))  # 0.6 scores the same: 0.8 wins


def test_sweep_detects_nothing_when_every_detection_costs() -> None:
    data = FileScores([0.2, 0.9, 0.4], [], probation=0)
    assert sweep([data], STANDARD) == (NO_DETECTION, 0.0)


def test_sweep_sums_files_with_one_threshold() -> None:
    a = FileScores([0.0, 0.5, 0.0, 0.0], [(1, 2)], probation=0)
    b = FileScores([0.0, 0.0, 0.0, 0.5], [], probation=0)
    # at 0.5: +1 from a's window, -0.11 * 2 from b's (lowFP profile), vs -1 detecting nothing
    threshold, raw = sweep([a, b], PROFILES[1])
    assert threshold == 0.5
    assert raw == pytest.approx(1.0 - 0.22)


def test_normalisation_matches_published_numbers() -> None:
    assert normalise(46.634, 116, STANDARD) == pytest.approx(70.10, abs=0.01)
    assert normalise(-45.816, 116, PROFILES[2]) == pytest.approx(53.50, abs=0.01)
    assert normalise(-116, 116, STANDARD) == 0.0
    assert normalise(116, 116, PROFILES[1]) == 100.0


def test_label_timestamps_map_to_rows() -> None:
    stamps = ["2015-01-01 00:00:00", "2015-01-01 00:05:00", "2015-01-01 00:10:00"]
    spans = [["2015-01-01 00:05:00.000000", "2015-01-01 00:10:00.000000"]]
    assert windows_from_timestamps(stamps, spans) == [(1, 2)]
