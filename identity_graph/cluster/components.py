"""From scored pairs to people: connected components, then a deterministic split of the
components that chained different people together.

1. Connected components over match edges (scipy's C implementation, whole arrays).
2. A component is *suspicious* when it holds records that were compared and found different
   (an internal candidate pair below the possible-match threshold) or that disagree on a
   strong identifier. Chains through a household phone or a shared address look like this.
3. Each suspicious component is re-clustered by average-linkage agglomeration over its
   observed pairs (``split.agglomerate``): two groups merge only if a match edge joins them,
   the mean match probability over *every* pair compared between them is at least
   ``link_threshold``, and no pair between them conflicts on a strong identifier. The
   ``splitter`` setting may choose community detection instead (Louvain or Leiden,
   ``community.community_split``, which honours the same constraints; ADR 0040: measured, it
   is no better, and average linkage stays the default).

In both tests (and in the lone-record attach after them) a *weak* pair counts as neutral: one
scored between ``weak_floor`` (0.05 by default) and ``link_threshold``, such as two records that
agree on an uncommon name and hold nothing else to compare (a web account without a postcode
against a council-tax record; an electoral-register entry at an old address). Such a pair was not
found different; it was found too little. It counts as ``link_threshold``
(``linkage_probability``), so it neither drags two groups' mean below the threshold nor makes a
component suspicious. Pairs below the floor (a disagreement, or only a common name) count as
scored.

Reviewers' decisions (``decisions.Decisions``, ADR 0024) enter here: same-person decisions join
components, a component holding a keep-apart pair is suspicious and its split never joins the
pair, and every attach step refuses a join that would put a keep-apart pair into one person.

Cluster labels are the smallest record position in the cluster; positions are ranks of record
ids, so labels never depend on input order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _cc

from .community import SPLITTER_OPTIONS, SPLITTERS, community_split
from .decisions import Constraints, Decisions, resolve_constraints
from .split import agglomerate

__all__ = [
    "ClusterResult", "connected_components", "cluster_records", "linkage_probability", "split_components",
    "REVIEW_REASONS", "review_reasons",
]

#: why a record's person is flagged for review: bit i of ``ClusterResult.reasons`` is reason i
REVIEW_REASONS = (
    "split",  # its component chained people together and was split (average linkage)
    "unique-name",  # joined the only other holder of its full name (ADR 0009)
    "lone-record",  # a lone record attached to the person it is on average a possible match for (ADR 0014)
    "lone-pair",  # two lone records that are each other's only possible match (ADR 0020)
    "one-to-one",  # a one-to-one link between de-duplicated sources (ADR 0010)
)


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
    #: uint8 per record: bit i set when step ``REVIEW_REASONS[i]`` flagged it (0: not flagged)
    reasons: np.ndarray | None = None
    #: the reviewers' decisions as applied (None: there were none)
    constraints: Constraints | None = None


def review_reasons(person_ids: np.ndarray, reasons: np.ndarray) -> dict[str, list[str]]:
    """Per flagged person, the names of the steps that flagged its records, sorted by id.

    >>> review_reasons(np.array(["P1", "P1", "P2"], dtype=object), np.array([1, 4, 0], np.uint8))
    {'P1': ['split', 'lone-record']}
    """
    flagged = np.flatnonzero(reasons)
    if not len(flagged):
        return {}
    bits: dict[str, int] = {}
    for pid, r in zip(person_ids[flagged].tolist(), reasons[flagged].tolist(), strict=True):
        bits[str(pid)] = bits.get(str(pid), 0) | int(r)
    return {
        pid: [name for i, name in enumerate(REVIEW_REASONS) if bits[pid] >> i & 1] for pid in sorted(bits)
    }


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
    decisions: Decisions | None = None,
    splitter: str | SplitFn = "average-linkage",
) -> ClusterResult:
    """Cluster ``n`` records given every scored candidate pair (a[i], b[i], prob[i]); pairs from
    ``weak_floor`` up count as neutral in the linkage tests (``linkage_probability``);
    ``decisions`` (local positions) are honoured as ``split_components`` describes."""
    match = prob >= match_threshold
    comp = connected_components(n, a[match], b[match])
    return split_components(
        n, comp, a, b, prob, conflict, possible_threshold=possible_threshold,
        match_threshold=match_threshold, link_threshold=link_threshold, evidence=evidence,
        weak_floor=weak_floor, outside_holders=outside_holders, decisions=decisions,
        splitter=splitter,
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
    decisions: Decisions | None = None,
    splitter: str | SplitFn = "average-linkage",
) -> ClusterResult:
    """Re-cluster the suspicious components of ``comp`` (labels per record) by average linkage
    (``splitter`` "average-linkage") or community detection ("louvain", "leiden": ADR 0040);
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

    ``decisions`` (reviewers' decisions as local positions, ADR 0024): honoured same-person
    decisions join their components and start the split as one group; a component holding a
    keep-apart pair is split, with the pair as a cannot-link; every attach step refuses a join
    that would put a keep-apart pair together. People holding a decided record are not flagged.
    """
    split_fn = _splitter(splitter)
    cons: Constraints | None = None
    if decisions is not None and decisions.empty:
        decisions = None
    if decisions is not None:
        cons = resolve_constraints(n, decisions)
        h = cons.honoured
        if h.any():  # components joined by same-person decisions: one component
            comp = connected_components(n, comp[decisions.same_a[h]], comp[decisions.same_b[h]])[comp]
    n_comp = len(np.unique(comp)) if n else 0
    labels = comp.copy()
    review = np.zeros(n, dtype=bool)
    reasons = np.zeros(n, dtype=np.uint8)
    # int32 lookups: half the memory of int64 for the two pair-sized temporaries
    comp32 = comp.astype(np.int32)
    internal = comp32[a] == comp32[b]
    del comp32
    link = linkage_probability(prob[internal], weak_floor, link_threshold)
    bad = np.zeros(len(a), dtype=bool)
    bad[internal] = (link < possible_threshold) | conflict[internal]
    sus_comps = np.unique(comp[a[bad]])
    if decisions is not None and decisions.has_apart:  # a keep-apart pair inside: split it
        ca, cb = comp[decisions.apart_a], comp[decisions.apart_b]
        sus_comps = np.union1d(sus_comps, ca[ca == cb])
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
        starts = np.concatenate([[0], bounds]) if len(pcomp) else np.zeros(0, dtype=np.int64)
        ends = np.concatenate([bounds, [len(pcomp)]]) if len(pcomp) else np.zeros(0, dtype=np.int64)
        span = {int(pcomp[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
        extra, cannot = _decisions_by_component(comp, is_sus, decisions)
        for c in sus_comps.tolist():
            s, e = span.get(int(c), (0, 0))
            nodes = np.unique(np.concatenate([pa[s:e], pb[s:e], extra.get(c, _NONE)]))
            ka, kb = cannot.get(c, (None, None))
            local = split_fn(
                nodes,
                pa[s:e],
                pb[s:e],
                pp[s:e],
                pc[s:e],
                match_threshold=match_threshold,
                link_threshold=link_threshold,
                must=None if cons is None else cons.must[nodes],
                cannot_a=ka,
                cannot_b=kb,
            )
            labels[nodes] = local
            review[nodes] = True
            if len(np.unique(local)) > 1:
                split += 1
    reasons[review] |= 1
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
            decisions=decisions,
        )
        review |= changed
        reasons[changed] |= 2
        attached = int(changed.sum())
    support = np.zeros(len(a), dtype=bool)
    if ev.attach_singletons:
        from .singletons import attach_singletons

        labels, changed, support = attach_singletons(
            labels, scored, possible_threshold=possible_threshold, link_threshold=link_threshold,
            weak_floor=weak_floor, decisions=decisions,
        )
        review |= changed
        reasons[changed] |= 4
        attached += int(changed.sum())
    if ev.pair_lone_records:
        from .lone_pairs import pair_lone_records

        labels, changed = pair_lone_records(
            labels, scored, possible_threshold=possible_threshold, decisions=decisions
        )
        review |= changed
        reasons[changed] |= 8
        attached += int(changed.sum())
    if ev.unique_source is not None:
        from .one_to_one import complete_one_to_one

        labels, changed = complete_one_to_one(
            labels, ev.unique_source, scored,
            possible_threshold=possible_threshold, match_threshold=match_threshold, decisions=decisions,
        )
        review |= changed
        reasons[changed] |= 16
        attached += int(changed.sum())
    if decisions is not None:  # a reviewer has seen the people holding a decided record
        settled = np.isin(labels, np.unique(labels[decisions.touched(n)]))
        review &= ~settled
        reasons[settled] = 0
    return ClusterResult(labels, n_comp, len(sus_comps), split, review, comp, attached, support, split_labels,
                         reasons, cons)


_NONE = np.zeros(0, dtype=np.int64)

#: a splitter: ``split.agglomerate``'s signature, a label per node
SplitFn = Callable[..., np.ndarray]


def _splitter(splitter: str | SplitFn) -> SplitFn:
    """The function a ``splitter`` setting names; a function is taken as it is (benchmarks try
    variants of the community splitter that way)."""
    if callable(splitter):
        return splitter
    if splitter not in SPLITTERS:
        raise ValueError(f"unknown splitter {splitter!r}; known: {', '.join(SPLITTERS)}")
    if splitter == "average-linkage":
        return agglomerate
    return partial(community_split, **SPLITTER_OPTIONS[splitter])


def _decisions_by_component(
    comp: np.ndarray, is_sus: np.ndarray, decisions: Decisions | None
) -> tuple[dict[int, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Per suspicious component: the decided records in it (a record joined by a same-person
    decision alone has no pair to bring it into the split), and its keep-apart pairs."""
    if decisions is None:
        return {}, {}
    touched = np.flatnonzero(decisions.touched(len(comp)) & is_sus)
    extra: dict[int, np.ndarray] = {}
    for c in np.unique(comp[touched]).tolist():
        extra[c] = touched[comp[touched] == c]
    ka, kb = decisions.apart_a, decisions.apart_b
    inside = (comp[ka] == comp[kb]) & is_sus[ka]
    cannot: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for c in np.unique(comp[ka[inside]]).tolist():
        m = inside & (comp[ka] == c)
        cannot[c] = (ka[m], kb[m])
    return extra, cannot
