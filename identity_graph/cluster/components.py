"""From scored pairs to people: connected components, then a deterministic split of the
components that chained different people together.

1. Connected components over match edges (scipy's C implementation, whole arrays).
2. A component is *suspicious* when it holds records that were compared and found different
   (an internal candidate pair below the possible-match threshold) or that disagree on a
   strong identifier. Chains through a household phone or a shared address look like this.
3. Each suspicious component is re-clustered by average-linkage agglomeration over its
   observed pairs (``split.agglomerate``): two groups merge only if a match edge joins them,
   the mean match probability over *every* pair compared between them is at least
   ``link_threshold``, and no pair between them conflicts on a strong identifier.

In both tests (and in the lone-record attach after them) a *weak* pair counts as neutral: one
scored between ``weak_floor`` (0.05 by default) and ``link_threshold``, such as two records that
agree on an uncommon name and hold nothing else to compare (a web account without a postcode
against a council-tax record; an electoral-register entry at an old address). Such a pair was not
found different; it was found too little. It counts as ``link_threshold``
(``linkage_probability``), so it neither drags two groups' mean below the threshold nor makes a
component suspicious. Pairs below the floor (a disagreement, or only a common name) count as
scored.

Cluster labels are the smallest record position in the cluster; positions are ranks of record
ids, so labels never depend on input order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _cc

from .split import agglomerate

__all__ = [
    "ClusterResult", "connected_components", "cluster_records", "linkage_probability", "split_components",
]


@dataclass
class RecordEvidence:
    """Per-record facts the attach steps after the split use, built once by
    :func:`record_evidence` so resolve and recluster give them the very same inputs."""

    name_key: np.ndarray | None  # full-name key (None: unique-name attach switched off)
    dob: np.ndarray
    unique_source: np.ndarray | None  # code of a one-record-per-person source, else -1
    #: attach lone records to the cluster they are on average a possible match for (ADR 0014)
    attach_singletons: bool = False
    #: join two lone records that are each other's only possible match (ADR 0020)
    pair_lone_records: bool = False


def record_evidence(
    frame: Any,
    *,
    attach_unique_names: bool,
    unique_sources: frozenset[str],
    attach_singletons: bool = False,
    pair_lone_records: bool = False,
) -> RecordEvidence:
    """From the matcher's working frame (placeholder dobs removed), in its record order."""
    from .one_to_one import unique_source_codes
    from .unique_names import full_name_key

    return RecordEvidence(
        name_key=full_name_key(frame) if attach_unique_names else None,
        dob=frame["dob"].to_numpy(dtype=object),
        unique_source=unique_source_codes(frame["source"].to_numpy(dtype=object), unique_sources),
        attach_singletons=attach_singletons,
        pair_lone_records=pair_lone_records,
    )


@dataclass
class ClusterResult:
    labels: np.ndarray  # int64 per record: smallest record position in its cluster
    components: int  # connected components over match edges, before splitting
    suspicious: int  # components re-clustered
    split: int  # of which actually split into more than one person
    review: np.ndarray  # bool per record: its cluster came from a split component
    comp: np.ndarray  # connected component per record (over match edges), before splitting
    attached: int = 0  # records whose cluster joined the only other holder of their full name, or
    # its best one-to-one partner in another de-duplicated source, or lone records attached
    #: per pair: read by the singleton attach (a lone record against a cluster it had a
    #: candidate edge to); these pairs are stored so that a recluster repeats the step
    support: np.ndarray | None = None
    #: int64 per record: its cluster after the chain-merge split, before the attach steps (what
    #: the unique-name attach counts holders over; an incremental update needs it outside the
    #: records it re-clusters)
    split_labels: np.ndarray | None = None


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label per node (smallest node index in the component)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    g = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, lab = _cc(g, directed=False)
    # relabel each component by its minimum node: order-independent labels
    mins = np.full(lab.max() + 1, n, dtype=np.int64)
    np.minimum.at(mins, lab, np.arange(n, dtype=np.int64))
    return mins[lab]


@dataclass(frozen=True)
class ScoredPairs:
    """Every scored candidate pair: row positions ``a`` < ``b``, match probability, and whether a
    strong identifier conflicts (the clustering steps' shared input)."""

    a: np.ndarray
    b: np.ndarray
    prob: np.ndarray
    conflict: np.ndarray


def linkage_probability(prob: np.ndarray, weak_floor: float | None, link_threshold: float) -> np.ndarray:
    """Per pair, the probability the average-linkage tests read: a weak pair (``weak_floor`` ≤
    p < ``link_threshold``: some evidence for a match, too little to make one) counts as
    ``link_threshold``; every other pair as scored. ``weak_floor`` None: every pair as scored.

    >>> linkage_probability(np.array([0.99, 0.2, 0.01]), 0.05, 0.5).tolist()
    [0.99, 0.5, 0.01]
    """
    if weak_floor is None:
        return prob
    weak = (prob >= weak_floor) & (prob < link_threshold)
    return np.where(weak, np.asarray(link_threshold, dtype=prob.dtype), prob)


def open_possible_edges(
    labels: np.ndarray, pairs: ScoredPairs, *, possible_threshold: float, match_threshold: float
) -> np.ndarray:
    """Positions (ascending) of the possible matches (possible ≤ p < match threshold) without a
    strong-identifier conflict between two different clusters: what the attach steps may act on.

    Positions rather than a mask over every pair: possible matches are a small share of the
    candidates (14k of 10.2M at 650k records), so the label lookups run on those alone."""
    p = pairs.prob
    idx = np.flatnonzero((p >= possible_threshold) & (p < match_threshold) & ~pairs.conflict)
    return idx[labels[pairs.a[idx]] != labels[pairs.b[idx]]]


def cluster_records(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    prob: np.ndarray,
    conflict: np.ndarray,
    *,
    match_threshold: float,
    possible_threshold: float,
    link_threshold: float,
    evidence: RecordEvidence | None = None,
    weak_floor: float | None = None,
    outside_holders: dict[str, int] | None = None,
) -> ClusterResult:
    """Cluster ``n`` records given every scored candidate pair (a[i], b[i], prob[i]); pairs from
    ``weak_floor`` up count as neutral in the linkage tests (``linkage_probability``)."""
    match = prob >= match_threshold
    comp = connected_components(n, a[match], b[match])
    return split_components(
        n, comp, a, b, prob, conflict, possible_threshold=possible_threshold,
        match_threshold=match_threshold, link_threshold=link_threshold, evidence=evidence,
        weak_floor=weak_floor, outside_holders=outside_holders,
    )


def split_components(
    n: int,
    comp: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    prob: np.ndarray,
    conflict: np.ndarray,
    *,
    match_threshold: float,
    possible_threshold: float,
    link_threshold: float,
    evidence: RecordEvidence | None = None,
    weak_floor: float | None = None,
    outside_holders: dict[str, int] | None = None,
) -> ClusterResult:
    """Re-cluster the suspicious components of ``comp`` (labels per record) by average linkage;
    then, given each record's full-name key, attach the only two holders of a name to each other
    (``unique_names.attach_unique_names``), attach lone records to the cluster they are on
    average a possible match for (``singletons.attach_singletons``, when switched on), join two
    lone records that are each other's only possible match (``lone_pairs.pair_lone_records``,
    when switched on), and
    given the de-duplicated sources, complete
    one-to-one links between them (``one_to_one.complete_one_to_one``).

    Separate from the component step so that a store can compute components itself (GDS WCC in
    Neo4j) and the split is still the same code. ``outside_holders``: for a part of an index
    (an incremental update), full name -> clusters outside these records that hold it.
    """
    n_comp = len(np.unique(comp)) if n else 0
    labels = comp.copy()
    review = np.zeros(n, dtype=bool)
    # int32 lookups: half the memory of int64 for the two pair-sized temporaries
    comp32 = comp.astype(np.int32)
    internal = comp32[a] == comp32[b]
    del comp32
    link = linkage_probability(prob[internal], weak_floor, link_threshold)
    bad = np.zeros(len(a), dtype=bool)
    bad[internal] = (link < possible_threshold) | conflict[internal]
    sus_comps = np.unique(comp[a[bad]])
    split = 0
    if len(sus_comps):
        is_sus = np.zeros(n, dtype=bool)
        is_sus[np.isin(comp, sus_comps)] = True
        sel = is_sus[a[internal]]
        inside = np.flatnonzero(internal)[sel]
        pa, pb, pp, pc = a[inside], b[inside], link[sel], conflict[inside]
        pcomp = comp[pa]
        order = np.argsort(pcomp, kind="stable")
        pa, pb, pp, pc, pcomp = pa[order], pb[order], pp[order], pc[order], pcomp[order]
        bounds = np.flatnonzero(np.diff(pcomp)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(pcomp)]])
        for s, e in zip(starts, ends, strict=True):
            nodes = np.unique(np.concatenate([pa[s:e], pb[s:e]]))
            local = agglomerate(
                nodes,
                pa[s:e],
                pb[s:e],
                pp[s:e],
                pc[s:e],
                match_threshold=match_threshold,
                link_threshold=link_threshold,
            )
            labels[nodes] = local
            review[nodes] = True
            if len(np.unique(local)) > 1:
                split += 1
    attached = 0
    split_labels = labels.copy()
    scored = ScoredPairs(a, b, prob, conflict)
    ev = evidence or RecordEvidence(None, np.full(n, None, dtype=object), None)
    if ev.name_key is not None:
        from .unique_names import attach_unique_names

        labels, changed = attach_unique_names(
            labels, ev.name_key, scored,
            possible_threshold=possible_threshold, match_threshold=match_threshold, dob=ev.dob,
            outside_holders=outside_holders,
        )
        review |= changed
        attached = int(changed.sum())
    support = np.zeros(len(a), dtype=bool)
    if ev.attach_singletons:
        from .singletons import attach_singletons

        labels, changed, support = attach_singletons(
            labels, scored, possible_threshold=possible_threshold, link_threshold=link_threshold,
            weak_floor=weak_floor,
        )
        review |= changed
        attached += int(changed.sum())
    if ev.pair_lone_records:
        from .lone_pairs import pair_lone_records

        labels, changed = pair_lone_records(labels, scored, possible_threshold=possible_threshold)
        review |= changed
        attached += int(changed.sum())
    if ev.unique_source is not None:
        from .one_to_one import complete_one_to_one

        labels, changed = complete_one_to_one(
            labels, ev.unique_source, scored,
            possible_threshold=possible_threshold, match_threshold=match_threshold,
        )
        review |= changed
        attached += int(changed.sum())
    return ClusterResult(labels, n_comp, len(sus_comps), split, review, comp, attached, support, split_labels)
