"""Attach a lone record to the person it is, on average, a possible match for (ADR 0014).

A sparse record (a first name and a birthplace, a surname and an occupation) rarely reaches the
match threshold against any one record of its person: each pair holds too little evidence.
Yet it is often a *possible* match for that person's records, and compared with several of
them. After clustering, a record left on its own joins another cluster when

(a) a possible-match (or match) edge without a strong-identifier conflict joins it to that
    cluster,
(b) the mean match probability over *every* pair compared between the record and that cluster's
    members (the pairs below the possible threshold count too; a weak pair, evidence for a match
    too slight to make one, as neutral) is at least the cluster link threshold: the same
    average-linkage test the chain-merge split uses, and
(c) no pair between them conflicts on a strong identifier.

Of several qualifying clusters, the one with the highest mean wins (ties: the smaller label).
Only clusters of two or more records receive records, and an attached record is never itself
a target, so attaching cannot chain: each step adds one record to a cluster that exists before
the step runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .components import ScoredPairs, linkage_probability
from .decisions import Decisions, guarded_union

__all__ = ["attach_singletons"]


def attach_singletons(
    labels: np.ndarray,
    pairs: ScoredPairs,
    *,
    possible_threshold: float,
    link_threshold: float,
    weak_floor: float | None = None,
    decisions: Decisions | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attach each singleton cluster to its best-supported cluster of two or more records.

    ``decisions``: an attach that would put a keep-apart pair into one person is refused
    (attaches taken by descending mean, then record position); the record stays alone.

    Pairs from ``weak_floor`` up count as neutral in the mean of (b)
    (``components.linkage_probability``); the candidate edge of (a) is the scored probability.

    Returns (new labels, bool per record: attached by this step, bool per pair: the pair was
    read as support, i.e. it joins a singleton to a cluster it had a candidate edge to). The
    pairs read must be stored for a recluster to reproduce the step.
    """
    n = len(labels)
    a, b, prob, conflict = pairs.a, pairs.b, pairs.prob, pairs.conflict
    changed = np.zeros(n, dtype=bool)
    used = np.zeros(len(a), dtype=bool)
    if n == 0 or len(a) == 0:
        return labels, changed, used
    sizes = np.bincount(labels, minlength=n)
    size = sizes[labels]
    alone, grouped = size == 1, size >= 2  # per record; a lone record's label is its position
    del size
    s_is_a = alone[a] & grouped[b]
    s_is_b = alone[b] & grouped[a]
    # lone records with a candidate edge to a cluster: only their pairs can be read (the edges
    # are few, so the pair-sized work below is boolean masks, never label arrays)
    edge_pairs = np.flatnonzero((s_is_a | s_is_b) & (prob >= possible_threshold) & ~conflict)
    if not len(edge_pairs):
        return labels, changed, used
    has_edge = np.zeros(n, dtype=bool)
    has_edge[np.where(s_is_a[edge_pairs], a[edge_pairs], b[edge_pairs])] = True
    s_is_a &= has_edge[a]
    s_is_b &= has_edge[b]
    idx = np.flatnonzero(s_is_a | s_is_b)
    del has_edge
    sa = s_is_a[idx]
    del s_is_a, s_is_b
    la, lb = labels[a[idx]], labels[b[idx]]
    single = np.where(sa, la, lb)
    target = np.where(sa, lb, la)
    p, c = prob[idx].astype(np.float64), conflict[idx]
    edge = (p >= possible_threshold) & ~c
    p = linkage_probability(p, weak_floor, link_threshold)
    # the (lone record, cluster) groups with a candidate edge: only their pairs are read
    groups = pd.DataFrame({"s": single, "t": target, "edge": edge})
    cand = groups.groupby(["s", "t"], sort=False)["edge"].transform("any").to_numpy()
    used[idx[cand]] = True
    df = pd.DataFrame({"s": single[cand], "t": target[cand], "p": p[cand], "c": c[cand]})
    g = df.groupby(["s", "t"], sort=True).agg(mean=("p", "mean"), conf=("c", "any")).reset_index()
    g = g[(g["mean"] >= link_threshold) & ~g["conf"]]
    if g.empty:
        return labels, changed, used
    best = g.sort_values(["s", "mean", "t"], ascending=[True, False, True], kind="stable").drop_duplicates("s")
    # union each singleton with its target over cluster labels (record positions): the merged
    # label is the smallest label joined, so again the smallest record position of the cluster
    best = best.sort_values(["mean", "s"], ascending=[False, True], kind="stable")
    single_s, target_t = best["s"].to_numpy(dtype=np.int64), best["t"].to_numpy(dtype=np.int64)
    new, made = guarded_union(labels, single_s, target_t, decisions)
    changed[single_s[made]] = True
    return new, changed, used
