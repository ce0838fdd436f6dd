"""Join two lone records that are each other's only possible match (ADR 0020).

The lone-record attach (``singletons``) joins a record left on its own to a cluster of two or
more records; it never joins two lone records, so that attaching cannot chain. A person seen
by two systems, each record too sparse to match the other outright (a web account with a name
and an email, an electoral-register entry with a name and an old address), ends as two lone
records joined by a possible-match edge. After the attach steps, two records that are

(a) both still alone in their clusters,
(b) joined by a possible-match (or match) edge without a strong-identifier conflict, and
(c) each other's *only* such edge: neither has a possible match with any other record,

become one person. (c) is the mutual-best-match test of one-to-one linkage: a record with two
possible partners (two namesakes) stays alone, and since each record has one partner the step
cannot chain. It reads only possible-match edges, which a resolve stores, so a recluster
repeats it.
"""

from __future__ import annotations

import numpy as np

from .components import ScoredPairs
from .decisions import Decisions, guarded_union

__all__ = ["pair_lone_records"]


def pair_lone_records(
    labels: np.ndarray, pairs: ScoredPairs, *, possible_threshold: float, decisions: Decisions | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Join lone records whose only possible-match edge is with each other (never a keep-apart
    pair of ``decisions``).

    Returns (new labels, bool per record: joined by this step). Labels stay the smallest record
    position of each cluster.
    """
    n = len(labels)
    changed = np.zeros(n, dtype=bool)
    a, b = pairs.a, pairs.b
    if n == 0 or len(a) == 0:
        return labels, changed
    # possible (or better) edges between two clusters: few, so positions, not pair-sized arrays
    idx = np.flatnonzero((pairs.prob >= possible_threshold) & ~pairs.conflict)
    ea, eb = a[idx], b[idx]
    between = labels[ea] != labels[eb]
    ea, eb = ea[between], eb[between]
    if not len(ea):
        return labels, changed
    degree = np.bincount(np.concatenate([ea, eb]), minlength=n)
    alone = np.bincount(labels, minlength=n)[labels] == 1
    sole = alone[ea] & alone[eb] & (degree[ea] == 1) & (degree[eb] == 1)
    ea, eb = ea[sole], eb[sole]
    if not len(ea):
        return labels, changed
    new, made = guarded_union(labels, labels[ea], labels[eb], decisions)
    changed[ea[made]] = True
    changed[eb[made]] = True
    return new, changed
