"""Average-linkage agglomeration on a sparse graph of scored pairs, with cannot-link constraints.

Used on components that chained people together. Deterministic: ties break on the groups'
smallest record positions, never on input order.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["agglomerate"]


def agglomerate(
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
) -> np.ndarray:
    """Return a label per node (in the order of ``nodes``): the smallest node of its group.

    Two groups may merge when at least one pair between them is a match (prob ≥
    ``match_threshold``), no pair between them conflicts, and the mean probability over all
    compared pairs between them is ≥ ``link_threshold``. The best-linked groups merge first.

    Reviewers' decisions (ADR 0024): ``must`` (a group key per node, in the order of ``nodes``)
    makes the starting groups: nodes with one key start as one group, whatever their pairs say.
    ``cannot_a[i]``, ``cannot_b[i]`` (nodes) are cannot-links: two groups with one between them
    never merge, as if a pair between them conflicted.
    """
    pos = {int(v): i for i, v in enumerate(nodes)}
    k = len(nodes)
    if must is None:
        group = list(range(k))
    else:  # each node's starting group: the first node of its must-link key
        first: dict[int, int] = {}
        group = [first.setdefault(int(m), i) for i, m in enumerate(np.asarray(must).tolist())]
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(i)
    minnode: dict[int, int] = {g: int(min(nodes[mem])) for g, mem in members.items()}
    # neighbour stats: nb[g][h] = [sum_prob, count, n_match, n_conflict]
    nb: dict[int, dict[int, list[float]]] = {g: {} for g in members}
    for x, y, p, c in zip(a.tolist(), b.tolist(), prob.tolist(), conflict.tolist(), strict=True):
        i, j = group[pos[x]], group[pos[y]]
        if i == j:
            continue
        s = nb[i].setdefault(j, [0.0, 0, 0, 0])
        s[0] += p
        s[1] += 1
        s[2] += p >= match_threshold
        s[3] += bool(c)
        nb[j][i] = s  # shared list: symmetric
    if cannot_a is not None and cannot_b is not None:
        for x, y in zip(np.asarray(cannot_a).tolist(), np.asarray(cannot_b).tolist(), strict=True):
            i, j = group[pos[x]], group[pos[y]]
            if i == j:
                continue  # the caller resolved contradictions: never a must-link group
            s = nb[i].setdefault(j, [0.0, 0, 0, 0])
            s[3] += 1  # blocks the merge for good: merged stats only ever add
            nb[j][i] = s
    heap: list[tuple[float, int, int, int, int]] = []

    def push(g: int, h: int) -> None:
        s = nb[g][h]
        if s[2] > 0 and s[3] == 0:
            avg = s[0] / s[1]
            if avg >= link_threshold:
                lo, hi = sorted((minnode[g], minnode[h]))
                heapq.heappush(heap, (-avg, lo, hi, g, h))

    for g in list(nb):
        for h in nb[g]:
            if g < h:
                push(g, h)
    while heap:
        neg, _, _, g, h = heapq.heappop(heap)
        if g not in members or h not in members or h not in nb[g]:
            continue
        s = nb[g][h]
        if s[2] == 0 or s[3] > 0 or abs(-neg - s[0] / s[1]) > 1e-12:
            continue  # stale entry
        # merge the smaller group into the larger (ties: into the one with the smaller node)
        if (len(members[g]), -minnode[g]) < (len(members[h]), -minnode[h]):
            g, h = h, g
        members[g].extend(members.pop(h))
        minnode[g] = min(minnode[g], minnode.pop(h))
        del nb[g][h]
        for other, sh in nb.pop(h).items():
            if other == g:
                continue
            del nb[other][h]
            if other in nb[g]:
                sg = nb[g][other]
                for t in range(4):
                    sg[t] += sh[t]
            else:
                nb[g][other] = sh
                nb[other][g] = sh
        for other in nb[g]:
            push(g, other)
    out = np.empty(k, dtype=np.int64)
    for g, mem in members.items():
        out[mem] = minnode[g]
    return out
