"""Sentiment evaluation: our scorer beside raw VADER, same run, per data set.

    python bench/sentiment_eval.py            # held-out table with the shipped cut-offs
    python bench/sentiment_eval.py --calibrate  # also search cut-offs on the calibration half

Reads the labelled sets from ../shared/data/sentiment relative to the repository (never copied
into it). Gold labels:
  * VADER ground truth (tweets, NYT editorials, movie and Amazon review snippets): the mean of
    ~20 human ratings on -4..+4; positive if mean > +0.5, negative if mean < -0.5, neutral
    otherwise (within half a scale step of 0 the raters did not lean either way).
  * Financial PhraseBank: the majority label of Sentences_50Agree (all 4,846 sentences).
Each set is split in two halves by a hash of its item id: "calibration" (cut-offs are chosen
there) and "held-out" (reported). Raw VADER is polarity_scores(text)["compound"] on the stored
text with the standard +/-0.05 cut-offs.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from nlp import Analyzer  # noqa: E402
from nlp.sentiment import CALIBRATED_CUTOFFS, RAW_VADER_CUTOFFS, Cutoffs  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "sentiment"
LABELS = ("negative", "neutral", "positive")
VADER_SETS = {
    "tweets": ("tweets_GroundTruth.txt", "twitter"),
    "nyt": ("nytEditorialSnippets_GroundTruth.txt", ""),
    "movies": ("movieReviewSnippets_GroundTruth.txt", ""),
    "amazon": ("amazonReviewSnippets_GroundTruth.txt", ""),
}
GOLD_MARGIN = 0.5


@dataclass(frozen=True)
class Item:
    """One labelled text."""

    key: str
    text: str
    gold: str


@dataclass(frozen=True)
class Scores:
    """Compound scores of one data set: ours (None = not scored) and raw VADER's."""

    name: str
    platform: str
    items: tuple[Item, ...]
    ours: tuple[float | None, ...]
    vader: tuple[float, ...]


def gold_from_mean(mean: float) -> str:
    """The documented 3-class rule for VADER's -4..+4 mean ratings."""
    if mean > GOLD_MARGIN:
        return "positive"
    if mean < -GOLD_MARGIN:
        return "negative"
    return "neutral"


def load_vader_set(path: Path) -> list[Item]:
    """``id<TAB>mean<TAB>text`` lines."""
    items = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            items.append(Item(parts[0], parts[2].strip(), gold_from_mean(float(parts[1]))))
    return items


def load_phrasebank(path: Path) -> list[Item]:
    """``sentence@label`` lines (latin-1)."""
    items = []
    for n, line in enumerate(path.read_text(encoding="latin-1").splitlines()):
        text, _, label = line.rpartition("@")
        if label.strip() in LABELS:
            items.append(Item(str(n), text.strip(), label.strip()))
    return items


def load_sets() -> dict[str, tuple[list[Item], str]]:
    """Every data set with its platform; exits with a clear message when the data is missing."""
    if not DATA.is_dir():
        sys.exit(f"sentiment data not found at {DATA} (expected ../shared/data beside the repo)")
    sets = {name: (load_vader_set(DATA / "vader" / f), p) for name, (f, p) in VADER_SETS.items()}
    fpb = DATA / "financial_phrasebank" / "Sentences_50Agree.txt"
    sets["phrasebank"] = (load_phrasebank(fpb), "")
    return sets


def score_sets(sets: dict[str, tuple[list[Item], str]]) -> list[Scores]:
    """Our compound (via Analyzer.analyse_many, the product path) and raw VADER's, per set."""
    analyzer = Analyzer()
    vader = SentimentIntensityAnalyzer()
    out = []
    for name, (items, platform) in sets.items():
        texts = [i.text for i in items]
        ours = [a.sentiment for a in analyzer.analyse_many(texts, platform=platform)]
        raw = tuple(vader.polarity_scores(t)["compound"] for t in texts)
        mine = tuple(s.score if s.scored else None for s in ours)
        out.append(Scores(name, platform, tuple(items), mine, raw))
    return out


def is_held_out(name: str, item: Item) -> bool:
    """Deterministic half split by item id."""
    return zlib.crc32(f"{name}:{item.key}".encode()) % 2 == 1


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Mean F1 over the classes present in gold."""
    f1s = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        n_gold, n_pred = gold.count(label), list(pred).count(label)
        if n_gold:
            f1s.append(2 * tp / (n_gold + n_pred) if n_gold + n_pred else 0.0)
    return sum(f1s) / len(f1s)


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Share of exact label matches."""
    return sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold)


def labels(scores: Sequence[float | None], cutoffs: Cutoffs) -> list[str]:
    """Labels for compounds; unscored texts are neutral, as the Analyzer reports them."""
    return [cutoffs.label(s) if s is not None else "neutral" for s in scores]


def half(s: Scores, held_out: bool) -> tuple[list[str], list[float | None], list[float]]:
    """Gold, our scores and VADER's for one half of a set."""
    rows = [(i.gold, o, v) for i, o, v in zip(s.items, s.ours, s.vader, strict=True)]
    keep = [r for r, i in zip(rows, s.items, strict=True) if is_held_out(s.name, i) == held_out]
    return [r[0] for r in keep], [r[1] for r in keep], [r[2] for r in keep]


def calibrate(all_scores: Sequence[Scores]) -> tuple[Cutoffs, float]:
    """Cut-offs maximising mean macro-F1 over the sets on the calibration halves, keeping the
    tweets within 0.01 of raw VADER there."""
    halves = [half(s, held_out=False) for s in all_scores]
    tweet_floor = {
        s.name: macro_f1(g, labels(v, RAW_VADER_CUTOFFS)) - 0.01
        for s, (g, _, v) in zip(all_scores, halves, strict=True)
    }
    grid = [round(0.05 * k, 2) for k in range(1, 13)]
    best = (RAW_VADER_CUTOFFS, -1.0)
    for pos in grid:
        for neg in grid:
            cut = Cutoffs(pos, neg)
            f1 = {
                s.name: macro_f1(g, labels(o, cut))
                for s, (g, o, _) in zip(all_scores, halves, strict=True)
            }
            if "tweets" in f1 and f1["tweets"] < tweet_floor["tweets"]:
                continue
            mean = sum(f1.values()) / len(f1)
            if mean > best[1]:
                best = (cut, mean)
    return best


def table(all_scores: Sequence[Scores], cutoffs: Cutoffs) -> str:
    """The held-out table: macro-F1 and accuracy, raw VADER vs ours."""
    lines = [
        f"held-out halves; ours with cut-offs +{cutoffs.positive}/-{cutoffs.negative}, "
        "raw VADER +/-0.05",
        f"{'set':<11}{'n':>6}  {'VADER F1':>8} {'ours F1':>8} {'dF1':>7}"
        f"  {'VADER acc':>9} {'ours acc':>8}  {'VADER@ours cut-offs F1':>22}",
    ]
    for s in all_scores:
        gold, ours, vader = half(s, held_out=True)
        vf, of = (
            macro_f1(gold, labels(vader, RAW_VADER_CUTOFFS)),
            macro_f1(gold, labels(ours, cutoffs)),
        )
        va, oa = (
            accuracy(gold, labels(vader, RAW_VADER_CUTOFFS)),
            accuracy(gold, labels(ours, cutoffs)),
        )
        vc = macro_f1(gold, labels(vader, cutoffs))  # what the cut-offs alone buy
        lines.append(
            f"{s.name:<11}{len(gold):>6}  {vf:>8.3f} {of:>8.3f} {of - vf:>+7.3f}"
            f"  {va:>9.3f} {oa:>8.3f}  {vc:>22.3f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the evaluation table (and a cut-off search with --calibrate)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calibrate", action="store_true", help="search cut-offs on the calibration half"
    )
    args = parser.parse_args(argv)
    all_scores = score_sets(load_sets())
    if args.calibrate:
        cut, mean = calibrate(all_scores)
        print(
            f"calibration half: best cut-offs +{cut.positive}/-{cut.negative}"
            f" (mean macro-F1 {mean:.3f})"
        )
    print(table(all_scores, CALIBRATED_CUTOFFS))


if __name__ == "__main__":
    main()
