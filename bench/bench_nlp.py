"""NLP throughput: Analyzer.analyse_many beside raw VADER's loop, same texts, same run.

    python bench/bench_nlp.py          # throughput, ratio, peak memory
    python bench/bench_nlp.py --eval   # plus the sentiment evaluation table (sentiment_eval.py)

Texts are the 4,200 tweets of VADER's ground truth, read from ../shared/data relative to the
repository. The process is pinned to one core where the OS allows it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from nlp import Analyzer  # noqa: E402

TWEETS = REPO.parent / "shared" / "data" / "sentiment" / "vader" / "tweets_GroundTruth.txt"
ROUNDS = 5
STATISTICAL = "en_core_web_sm"


def load_texts() -> list[str]:
    """The benchmark corpus; exits with a clear message when the data is missing."""
    if not TWEETS.is_file():
        sys.exit(f"benchmark data not found at {TWEETS} (expected ../shared/data beside the repo)")
    lines = TWEETS.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.split("\t", 2)[2] for line in lines if line.count("\t") >= 2]


def pin_one_core() -> str:
    """Pin to one CPU so the rate is a single core's."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def best_rates(runs: Sequence[Callable[[], object]], n: int) -> list[float]:
    """Texts per second of each run's fastest round; rounds interleave the runs, so load
    from other processes falls on all of them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(ROUNDS):
        for k, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - start)
    return [n / b for b in best]


def traced_peak_mib(run: Callable[[], object]) -> float:
    """Peak Python allocation during one (untimed) run, in MiB."""
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def statistical_cost(texts: Sequence[str], base_rate: float) -> str:
    """The rate with a statistical pipeline, when one is installed (none is by default)."""
    import spacy

    if not spacy.util.is_package(STATISTICAL):
        return (
            f"statistical pipeline: {STATISTICAL} not installed (spaCy's own models are not on "
            "PyPI, the only registry here; unofficial re-uploads were not used); skipped"
        )
    analyzer = Analyzer(spacy_model=STATISTICAL)
    (rate,) = best_rates([lambda: analyzer.analyse_many(texts, platform="twitter")], len(texts))
    return (
        f"statistical pipeline {STATISTICAL}: {rate:,.0f}/s ({rate / base_rate:.2f}x the default)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Print throughput, ratio and memory (and the evaluation with --eval)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", action="store_true", help="also print the sentiment evaluation")
    args = parser.parse_args(argv)
    texts = load_texts()
    pinned = pin_one_core()
    start = time.perf_counter()
    analyzer = Analyzer(
        brand_terms=("Twitter", "iPhone"), taxonomy={"billing": ["refund", "charged twice"]}
    )
    build = time.perf_counter() - start
    vader = SentimentIntensityAnalyzer()
    analyzer.analyse_many(texts[:200], platform="twitter")  # warm caches
    raw, ours = best_rates(
        [
            lambda: [vader.polarity_scores(t) for t in texts],
            lambda: analyzer.analyse_many(texts, platform="twitter"),
        ],
        len(texts),
    )
    peak = traced_peak_mib(lambda: analyzer.analyse_many(texts, platform="twitter"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(texts)} tweets, best of {ROUNDS} rounds, {pinned}")
    print(f"Analyzer construction: {build:.2f}s (once per process)")
    print(f"raw VADER polarity_scores loop: {raw:,.0f} mentions/s")
    print(f"Analyzer.analyse_many (default pipeline): {ours:,.0f} mentions/s")
    print(f"ratio: {ours / raw:.2f}x raw VADER (goal >= 0.80x)")
    print(
        f"peak traced allocation during analyse_many: {peak:.1f} MiB; process max RSS {rss:.0f} MiB"
    )
    print(statistical_cost(texts, ours))
    if args.eval:
        import sentiment_eval

        print()
        sentiment_eval.main([])


if __name__ == "__main__":
    main()
