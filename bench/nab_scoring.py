"""NAB v1.1 scoring, written from /work/shared/data/nab/SCORING.md (no NAB code).

Pure functions: row weights from label windows and a cost profile, per-file score at a
threshold, and the corpus-wide threshold sweep that picks one threshold per profile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NO_DETECTION = 1.1  # the sweep's "detect nothing" threshold


@dataclass(frozen=True)
class Profile:
    """The weights of one NAB cost profile."""

    name: str
    tp: float
    fp: float
    fn: float


PROFILES: tuple[Profile, ...] = (
    Profile("standard", tp=1.0, fp=0.11, fn=1.0),
    Profile("reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0),
    Profile("reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0),
)

Window = tuple[int, int]  # inclusive row range [l, r]


@dataclass(frozen=True)
class FileScores:
    """One file's detector output and labels, ready to score."""

    scores: Sequence[float]
    windows: Sequence[Window]
    probation: int


def sigma(y: float) -> float:
    """NAB's scaled sigmoid: ``-tanh(2.5 y)`` for ``y <= 3``, else -1."""
    if y > 3:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def probation_rows(n_rows: int, fraction: float = 0.15) -> int:
    """Rows at the start of a file that are never scored: ``min(floor(0.15 n), 750)``."""
    return int(min(math.floor(fraction * n_rows), fraction * 5000))


def row_weights(n_rows: int, windows: Sequence[Window], profile: Profile) -> list[float]:
    """The weight a detection on each row would contribute (section 4)."""
    weights = [-profile.fp] * n_rows
    sig_left = sigma(-1.0)
    previous: Window | None = None
    for left, right in windows:
        if previous is not None:
            _fill_after(weights, previous, left, profile)
        width = right - left + 1
        for i in range(left, right + 1):
            weights[i] = profile.tp * sigma(-(right - i + 1) / width) / sig_left
        previous = (left, right)
    if previous is not None:
        _fill_after(weights, previous, n_rows, profile)
    return weights


def _fill_after(weights: list[float], window: Window, stop: int, profile: Profile) -> None:
    """Weights of rows after ``window`` up to (not including) ``stop``."""
    left, right = window
    span = right - left  # W - 1
    for i in range(right + 1, stop):
        y = (i - right) / span if span > 0 else 4.0  # a 1-row window: beyond 3 at once
        weights[i] = profile.fp * sigma(y)


def window_index(n_rows: int, windows: Sequence[Window]) -> list[int]:
    """For each row, the index of the window holding it, or -1."""
    index = [-1] * n_rows
    for k, (left, right) in enumerate(windows):
        for i in range(left, right + 1):
            index[i] = k
    return index


def score_file(data: FileScores, threshold: float, profile: Profile) -> float:
    """Raw NAB score of one file at ``threshold`` (section 5)."""
    n = len(data.scores)
    weights = row_weights(n, data.windows, profile)
    owner = window_index(n, data.windows)
    best: dict[int, float] = {}
    total = 0.0
    for i in range(data.probation, n):
        if data.scores[i] < threshold:
            continue
        k = owner[i]
        if k < 0:
            total += weights[i]
        else:
            best[k] = max(best.get(k, -math.inf), weights[i])
    for k, (_, right) in enumerate(data.windows):
        if right >= data.probation:
            total += best.get(k, -profile.fn)
    return total


def sweep(files: Sequence[FileScores], profile: Profile) -> tuple[float, float]:
    """Best ``(threshold, raw corpus score)``; ties go to the largest threshold (section 6)."""
    rows: list[tuple[float, int, float]] = []  # (score, window key or -1, weight)
    best: dict[int, float] = {}
    key_base = 0
    for data in files:
        n = len(data.scores)
        weights = row_weights(n, data.windows, profile)
        owner = window_index(n, data.windows)
        for k, (_, right) in enumerate(data.windows):
            if right >= data.probation:
                best[key_base + k] = -profile.fn
        for i in range(data.probation, n):
            key = key_base + owner[i] if owner[i] >= 0 else -1
            rows.append((data.scores[i], key, weights[i]))
        key_base += len(data.windows)
    return _sweep_rows(rows, best)


def _sweep_rows(
    rows: list[tuple[float, int, float]], best: dict[int, float]
) -> tuple[float, float]:
    """Walk rows from the highest score down, tracking the corpus score after each group."""
    rows.sort(key=lambda row: -row[0])
    score = sum(best.values())
    best_threshold, best_score = NO_DETECTION, score
    i = 0
    while i < len(rows):
        group = rows[i][0]
        while i < len(rows) and rows[i][0] == group:
            _, key, weight = rows[i]
            if key < 0:
                score += weight
            elif weight > best[key]:
                score += weight - best[key]
                best[key] = weight
            i += 1
        if score > best_score:  # strict: on ties the larger threshold, seen first, stays
            best_threshold, best_score = group, score
    return best_threshold, best_score


def normalise(raw: float, n_windows: int, profile: Profile) -> float:
    """The 0-100 NAB score (section 7)."""
    null = -profile.fn * n_windows
    perfect = profile.tp * n_windows
    return 100.0 * (raw - null) / (perfect - null)


def windows_from_timestamps(
    timestamps: Sequence[str], spans: Sequence[Sequence[str]]
) -> list[Window]:
    """Turn label windows (timestamp strings) into inclusive row ranges."""
    row_of: Mapping[str, int] = {_canon(t): i for i, t in enumerate(timestamps)}
    return [(row_of[_canon(start)], row_of[_canon(end)]) for start, end in spans]


def _canon(stamp: str) -> str:
    """Drop a zero fractional part so data and label timestamps compare equal."""
    stamp = stamp.strip()
    return stamp.split(".")[0] if "." in stamp else stamp
