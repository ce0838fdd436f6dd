"""Complete one-to-one links between sources that hold each person at most once (ADR 0010).

A mapping may declare ``one_record_per_person = true``: the export is already de-duplicated
(an electoral register, one of two files to link, Splink's ``link_only``). Between two such
sources a person has at most one record on each side, so a possible match (0.5 ≤ p < match
threshold) that is the best available partner for both records is very likely right: the
alternative partners it competes with are few and already scored.

Greedy, deterministic: candidate edges in descending probability (ties: smaller cluster labels
first); an edge merges its two clusters when they hold no record of the same declared source
(the merged person would then hold two records of a de-duplicated system) and the edge has no
strong-identifier conflict.
"""

from __future__ import annotations

import numpy as np

from .components import ScoredPairs, open_possible_edges
from .decisions import ApartGuard, Decisions

__all__ = ["complete_one_to_one"]


def complete_one_to_one(
    labels: np.ndarray,
    unique_source: np.ndarray,
    pairs: ScoredPairs,
    *,
    possible_threshold: float,
    match_threshold: float,
    decisions: Decisions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``unique_source``: per record, a code for its source if declared one-record-per-person,
    else -1. Returns (new labels, bool per record: its cluster changed). ``decisions``: a link
    that would put a keep-apart pair into one person is skipped."""
    n = len(labels)
    us = unique_source
    a, b, prob = pairs.a, pairs.b, pairs.prob
    cand = open_possible_edges(labels, pairs, possible_threshold=possible_threshold, match_threshold=match_threshold)
    ua, ub = us[a[cand]], us[b[cand]]
    cand = cand[(ua >= 0) & (ub >= 0) & (ua != ub)]
    if not len(cand):
        return labels, np.zeros(n, dtype=bool)
    ca, cb, cp = labels[a[cand]], labels[b[cand]], prob[cand]
    lo, hi = np.minimum(ca, cb), np.maximum(ca, cb)
    order = np.lexsort((hi, lo, -cp))
    # the declared sources each cluster already holds
    held: dict[int, set[int]] = {}
    dup: set[int] = set()
    for lab, src in zip(labels[us >= 0].tolist(), us[us >= 0].tolist(), strict=True):
        s = held.setdefault(lab, set())
        if src in s:
            dup.add(lab)  # already two records of one de-duplicated source: leave it alone
        s.add(src)
    parent: dict[int, int] = {}
    guard = ApartGuard(labels, decisions) if decisions is not None and decisions.has_apart else None

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for i in order.tolist():
        x, y = root(int(lo[i])), root(int(hi[i]))
        if x == y or x in dup or y in dup or held[x] & held[y]:
            continue
        if guard is not None and not guard.join(x, y):
            continue
        keep, gone = min(x, y), max(x, y)
        parent[gone] = keep
        held[keep] = held[keep] | held.pop(gone)
    if not parent:
        return labels, np.zeros(n, dtype=bool)
    mapping = np.arange(n, dtype=labels.dtype)
    for x in parent:
        mapping[x] = root(x)
    new = mapping[labels]
    return new, new != labels


def unique_source_codes(sources: np.ndarray, declared: frozenset[str]) -> np.ndarray | None:
    """Per record, a code for its source if that source is declared one-record-per-person, else
    -1; None when fewer than two sources are declared (nothing to complete)."""
    names = sorted(declared)
    if len(names) < 2:
        return None
    code = {s: i for i, s in enumerate(names)}
    return np.array([code.get(s, -1) for s in sources.tolist()], dtype=np.int32)
