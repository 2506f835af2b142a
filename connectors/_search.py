"""Keyword search queries for platforms with a boolean syntax (X, Reddit)."""

from __future__ import annotations

from connectors._types import BrandWatch

MAX_QUERY = 512  # X's recent-search limit; Reddit's ``q`` is cut at 512 characters too


def build_queries(watch: BrandWatch, negate: str = "-", limit: int = MAX_QUERY) -> list[str]:
    """Queries covering ``watch.keywords`` minus ``watch.exclude``, each at most ``limit``
    characters, e.g. ``("acme" OR "acme corp") -"acme acres"``; split into several when the
    keywords do not fit in one. ``negate`` is ``"-"`` on X and ``"NOT "`` on Reddit."""
    terms = [_quoted(k) for k in watch.keywords if k.strip()]
    tail = "".join(f" {negate}{_quoted(x)}" for x in watch.exclude if x.strip())
    queries: list[str] = []
    group: list[str] = []
    for term in terms:
        if group and len(_grouped([*group, term]) + tail) > limit:
            queries.append(_grouped(group) + tail)
            group = []
        group.append(term)
    if group:
        queries.append(_grouped(group) + tail)
    # A keyword too long to fit even alone is dropped rather than sent to be refused.
    return [q for q in queries if len(q) <= limit]


def _grouped(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _quoted(keyword: str) -> str:
    # Quoting every keyword keeps operators typed in config (OR, from:, -) literal.
    return '"' + " ".join(keyword.replace('"', " ").split()) + '"'
