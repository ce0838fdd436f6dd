"""Community detection (Louvain, Leiden) as the splitter of a suspicious component.

An alternative to :func:`split.agglomerate` for ``components.split_components``, chosen by the
``splitter`` setting (ADR 0040). On one suspicious component:

1. The starting groups are the reviewers' must-link groups (records with one ``must`` key);
   each group is one node of the graph, so a same-person decision always holds.
2. Every compared pair without a conflict is an edge. Its weight is the pair's (linkage)
   probability, or its match weight in bits (``weight="bits"``). Pairs inside a must-link group
   are the group's self-loop. A conflicting pair has no edge.
3. Louvain (networkx, ``seed`` fixed) or Leiden (igraph, its random generator seeded for the
   call) finds communities; they are the first cut. Two objectives:

   * ``"modularity"`` (Louvain's, and Leiden's by default): positive weights only (a pair
     found different is just a missing edge), against a null model of the component's degrees.
   * ``"cpm"`` (Leiden only): the constant Potts model at resolution 0 over *signed* weights,
     each pair's weight less the link threshold's, so the objective is the sum of those
     weights inside clusters: correlation clustering on the scored pairs. A pair found
     different counts against its records being one person, as it does in average linkage.

4. A community holding a cannot-link pair (a strong-identifier conflict, a reviewer's
   keep-apart decision) is split by :func:`split.agglomerate` over its own pairs, so the result
   never joins such a pair, exactly as average linkage does not. With ``refine="always"`` every
   community of two or more groups is handed to ``agglomerate`` (the communities then only cut,
   and average linkage decides inside them).

The ``splitter`` setting's "louvain" is Louvain on modularity over probabilities; its "leiden"
is Leiden on the constant Potts model over signed bits (:data:`SPLITTER_OPTIONS`): of the
variants measured, those two did best for each method (ADR 0040, ``benchmarks/community_bench.py``).

Deterministic and independent of input order: the graph is built from nodes and edges sorted by
record position (ranks of record ids), parallel pairs are summed in that order, the random
generators are seeded, and labels are the smallest record position of each cluster.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..errors import ModelError
from .split import agglomerate

__all__ = ["SPLITTERS", "SPLITTER_OPTIONS", "COMMUNITY_METHODS", "community_split", "leiden_available"]

#: the values of the ``splitter`` setting: average linkage (``split.agglomerate``) or a
#: community method of this module
SPLITTERS = ("average-linkage", "louvain", "leiden")
COMMUNITY_METHODS = ("louvain", "leiden")
#: what the ``splitter`` setting's community methods run: :func:`community_split`'s options
SPLITTER_OPTIONS: dict[str, dict[str, object]] = {
    "louvain": {"method": "louvain", "objective": "modularity", "weight": "probability", "resolution": 1.0},
    "leiden": {"method": "leiden", "objective": "cpm", "weight": "bits", "resolution": 0.0},
}
#: the seed of every community run (a setting would let a run's people depend on it: it does not)
SEED = 42
#: pairs at or above this probability count 1 - 1e-9 in bits (log2 of the odds stays finite)
_P_MAX = 1.0 - 1e-9

#: Leiden iterations at most (each refines the last; they stop as soon as one gains nothing)
_LEIDEN_ITERATIONS = 20
# igraph draws from one process-wide generator: a lock keeps a seeded call from interleaving
_IGRAPH_LOCK = threading.Lock()


def leiden_available() -> bool:
    """True when igraph (the Leiden implementation) is importable (``pip install
    'identity-graph[community]'``)."""
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


def community_split(
    nodes: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    prob: np.ndarray,
    conflict: np.ndarray,
    *,
    match_threshold: float,
    link_threshold: float,
    must: np.ndarray | None = None,
    cannot_a: np.ndarray | None = None,
    cannot_b: np.ndarray | None = None,
    method: Literal["louvain", "leiden"] = "louvain",
    weight: Literal["probability", "bits"] = "probability",
    objective: Literal["modularity", "cpm"] = "modularity",
    resolution: float = 1.0,
    refine: Literal["constraints", "always"] = "constraints",
    seed: int = SEED,
) -> np.ndarray:
    """Return a label per node (in the order of ``nodes``): the smallest node of its cluster.

    Takes what :func:`split.agglomerate` takes (``a``, ``b`` pairs of nodes with their
    probability and conflict flag; ``must`` a group key per node; ``cannot_a``/``cannot_b``
    keep-apart pairs), and honours ``must`` and every cannot-link as it does.

    >>> rows = [(0, 1, .99), (1, 2, .99), (0, 2, .99), (3, 4, .99), (4, 5, .99), (3, 5, .99),
    ...         (2, 3, .99)]
    >>> a, b, p = (np.array(c) for c in zip(*rows))
    >>> community_split(np.arange(6), a, b, p, np.zeros(7, bool), match_threshold=0.95,
    ...                 link_threshold=0.45).tolist()
    [0, 0, 0, 3, 3, 3]
    """
    if method not in COMMUNITY_METHODS:
        raise ValueError(f"unknown community method {method!r}; known: {', '.join(COMMUNITY_METHODS)}")
    nodes = np.asarray(nodes, dtype=np.int64)
    k = len(nodes)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    # work in ascending node order: local index i is the i-th smallest node
    order = np.argsort(nodes, kind="stable")
    srt = nodes[order]
    la = np.searchsorted(srt, np.asarray(a, dtype=np.int64))
    lb = np.searchsorted(srt, np.asarray(b, dtype=np.int64))
    prob = np.asarray(prob, dtype=np.float64)
    conflict = np.asarray(conflict, dtype=bool)
    # starting groups: each node's group is the smallest local index with its must key
    group = np.arange(k, dtype=np.int64)
    if must is not None:
        keys = np.asarray(must)[order]
        _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        group = first[inv.reshape(-1)].astype(np.int64)
    ka, kb = _cannot_links(srt, la, lb, conflict, cannot_a, cannot_b)

    if objective == "cpm" and method != "leiden":
        raise ValueError('the "cpm" objective needs method="leiden"')
    w = _weights(prob, weight)
    if objective == "cpm":  # signed: a pair below the link threshold is evidence against
        w = w - _weights(np.asarray([link_threshold], dtype=np.float64), weight)[0] if weight == "bits" \
            else w - link_threshold
    comm = _communities(group, la, lb, w, conflict, method, objective, resolution, seed)
    # the first cut's clusters, labelled by their smallest local index
    first = _smallest(comm)
    split_these = set(first[ka][first[ka] == first[kb]].tolist())
    if refine == "always":  # every community of two or more starting groups
        groups_in = np.bincount(first[np.unique(group)], minlength=k)
        split_these |= set(np.flatnonzero(groups_in > 1).tolist())
    labels = first.copy()
    if split_these:
        m = must if must is None else np.asarray(must)[order]
        same = first[la] == first[lb]
        for c in sorted(split_these):
            members = np.flatnonzero(first == c)
            inside = same & (first[la] == c)
            keep = np.isin(ka, members) & np.isin(kb, members)
            local = agglomerate(
                members, la[inside], lb[inside], prob[inside], conflict[inside],
                match_threshold=match_threshold, link_threshold=link_threshold,
                must=None if m is None else m[members], cannot_a=ka[keep], cannot_b=kb[keep],
            )
            labels[members] = local
    out = np.empty(k, dtype=np.int64)
    out[order] = srt[labels]
    return out


def _cannot_links(
    srt: np.ndarray,
    la: np.ndarray,
    lb: np.ndarray,
    conflict: np.ndarray,
    cannot_a: np.ndarray | None,
    cannot_b: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair that must end in two clusters (local indexes): conflicts and keep-aparts."""
    ka, kb = [la[conflict]], [lb[conflict]]
    if cannot_a is not None and cannot_b is not None:
        ka.append(np.searchsorted(srt, np.asarray(cannot_a, dtype=np.int64)))
        kb.append(np.searchsorted(srt, np.asarray(cannot_b, dtype=np.int64)))
    return np.concatenate(ka).astype(np.int64), np.concatenate(kb).astype(np.int64)


def _weights(prob: np.ndarray, weight: str) -> np.ndarray:
    if weight == "probability":
        return prob
    if weight == "bits":
        p = np.clip(prob, 1.0 - _P_MAX, _P_MAX)
        return np.log2(p / (1.0 - p))
    raise ValueError(f'unknown weight {weight!r}; known: "probability", "bits"')


def _smallest(comm: np.ndarray) -> np.ndarray:
    """Relabel a partition (a community id per local index) by each community's smallest index."""
    k = len(comm)
    mins = np.full(int(comm.max()) + 1, k, dtype=np.int64)
    np.minimum.at(mins, comm, np.arange(k, dtype=np.int64))
    return mins[comm]


def _communities(
    group: np.ndarray,
    la: np.ndarray,
    lb: np.ndarray,
    w: np.ndarray,
    conflict: np.ndarray,
    method: str,
    objective: str,
    resolution: float,
    seed: int,
) -> np.ndarray:
    """A community id per local index: the method run over the graph of starting groups."""
    k = len(group)
    keep = ~conflict & ((w > 0) if objective == "modularity" else (w != 0))
    ga, gb = group[la[keep]], group[lb[keep]]
    lo, hi = np.minimum(ga, gb), np.maximum(ga, gb)
    x, y, wk = la[keep], lb[keep], w[keep]
    # sorted by (lo, hi) then by the pair itself: parallel pairs sum in one order, always
    o = np.lexsort((np.maximum(x, y), np.minimum(x, y), hi, lo))
    lo, hi, wk = lo[o], hi[o], wk[o]
    if len(lo):
        start = np.flatnonzero(np.r_[True, (np.diff(lo) != 0) | (np.diff(hi) != 0)])
        elo, ehi, ew = lo[start], hi[start], np.add.reduceat(wk, start)
    else:
        elo = ehi = np.zeros(0, dtype=np.int64)
        ew = np.zeros(0)
    vertices = np.unique(group)  # ascending: the starting groups, each named by its smallest index
    if method == "louvain":
        part = _louvain(vertices, elo, ehi, ew, resolution, seed)
    else:
        part = _leiden(vertices, elo, ehi, ew, objective, resolution, seed)
    comm = np.empty(k, dtype=np.int64)
    comm[:] = part[np.searchsorted(vertices, group)]
    return comm


def _louvain(
    vertices: np.ndarray, lo: np.ndarray, hi: np.ndarray, w: np.ndarray, resolution: float, seed: int
) -> np.ndarray:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(vertices.tolist())
    g.add_weighted_edges_from(zip(lo.tolist(), hi.tolist(), w.tolist(), strict=True))
    found: Sequence[set[int]] = nx.community.louvain_communities(
        g, weight="weight", resolution=resolution, seed=seed
    )
    part = np.empty(len(vertices), dtype=np.int64)
    for c, members in enumerate(found):
        part[np.searchsorted(vertices, sorted(members))] = c
    return part


def _leiden(
    vertices: np.ndarray, lo: np.ndarray, hi: np.ndarray, w: np.ndarray, objective: str, resolution: float,
    seed: int,
) -> np.ndarray:
    try:
        import igraph
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelError(
            'the "leiden" splitter needs igraph: pip install "identity-graph[community]", '
            'or set "splitter" to "louvain" or "average-linkage"'
        ) from exc
    g = igraph.Graph(n=len(vertices), edges=list(zip(
        np.searchsorted(vertices, lo).tolist(), np.searchsorted(vertices, hi).tolist(), strict=True
    )))
    weights = w.tolist()
    membership: list[int] | None = None
    best = -math.inf
    with _IGRAPH_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            # one iteration at a time until the quality stops rising: igraph's own "until
            # stable" (n_iterations=-1) compares memberships, and a record tied between two
            # communities flips between them for ever (seen on synth-100k)
            for _ in range(_LEIDEN_ITERATIONS):
                found = g.community_leiden(
                    objective_function="CPM" if objective == "cpm" else "modularity", weights=weights,
                    resolution=resolution, n_iterations=1, initial_membership=membership,
                )
                if membership is not None and found.quality <= best + 1e-12:
                    break
                membership, best = list(found.membership), found.quality
        finally:
            igraph.set_random_number_generator(random)
    return np.asarray(membership, dtype=np.int64)
