"""Reviewers' decisions inside clustering: must-links and cannot-links (ADR 0024).

A reviewer says of two records either *same-person* (join them) or *keep-apart* (never put them
in one person). The clustering steps receive the decisions as local record positions
(:class:`Decisions`), so a resolve, a recluster and an incremental update over a region of the
index honour them with the same code:

1. :func:`resolve_constraints` takes the same-person decisions oldest first and honours each
   unless it would put a keep-apart pair into one group, directly or through same-person
   decisions honoured before it; a refused one is a *contradiction*, reported with the
   keep-apart pair that refused it. The honoured ones form must-link groups.
2. ``components.split_components`` joins the components of a must-link group into one
   component, makes every component that holds a keep-apart pair *suspicious*, and its
   average-linkage split starts from the must-link groups and never merges two groups with a
   keep-apart pair between them (a cannot-link).
3. Every attach step after the split joins clusters through :func:`guarded_union` (or an
   :class:`ApartGuard`), which refuses a join that would put a keep-apart pair into one person,
   however many joins would chain them.

So no person ever holds a keep-apart pair, and every honoured same-person pair ends in one
person (nothing after step 2 splits a cluster). People holding a decided record are not flagged
for review: a reviewer has looked at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SAME_PERSON",
    "KEEP_APART",
    "KINDS",
    "Decisions",
    "Constraints",
    "resolve_constraints",
    "ApartGuard",
    "guarded_union",
    "decisions_from_frame",
    "describe_constraints",
    "contradictions",
]

SAME_PERSON = "same-person"
KEEP_APART = "keep-apart"
KINDS = (SAME_PERSON, KEEP_APART)


def _positions(values: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True)
class Decisions:
    """Decisions as local record positions (rows of the caller's record order), oldest first.

    ``same_a[i]``, ``same_b[i]``: the i-th same-person decision; ``apart_a[j]``, ``apart_b[j]``:
    the j-th keep-apart decision. Order matters only between contradicting same-person
    decisions: the older is honoured.

    >>> d = Decisions.from_pairs(same=[(0, 1)], apart=[(1, 2)])
    >>> d.touched(4).tolist()
    [True, True, True, False]
    """

    same_a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    same_b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    apart_a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    apart_b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def from_pairs(
        cls,
        same: Sequence[tuple[int, int]] = (),
        apart: Sequence[tuple[int, int]] = (),
    ) -> Decisions:
        s = np.asarray(list(same), dtype=np.int64).reshape(-1, 2)
        k = np.asarray(list(apart), dtype=np.int64).reshape(-1, 2)
        return cls(s[:, 0].copy(), s[:, 1].copy(), k[:, 0].copy(), k[:, 1].copy())

    @classmethod
    def from_records(
        cls,
        kinds: Sequence[str],
        record_a: Sequence[str],
        record_b: Sequence[str],
        record_ids: Sequence[str] | np.ndarray,
    ) -> Decisions:
        """From decisions on record ids (in decision order) and the caller's record order:
        decisions on a record not among ``record_ids`` (retired, or outside an update's region)
        are left out."""
        index = {str(r): i for i, r in enumerate(np.asarray(record_ids, dtype=object).tolist())}
        same: list[tuple[int, int]] = []
        apart: list[tuple[int, int]] = []
        for kind, ra, rb in zip(kinds, record_a, record_b, strict=True):
            x, y = index.get(str(ra)), index.get(str(rb))
            if x is None or y is None or x == y:
                continue
            if kind == SAME_PERSON:
                same.append((x, y))
            elif kind == KEEP_APART:
                apart.append((x, y))
            else:
                raise ValueError(f"unknown decision kind {kind!r}; expected one of {KINDS}")
        return cls.from_pairs(same, apart)

    @property
    def empty(self) -> bool:
        return not len(self.same_a) and not len(self.apart_a)

    @property
    def has_apart(self) -> bool:
        return bool(len(self.apart_a))

    def touched(self, n: int) -> np.ndarray:
        """Bool per record: named by any decision."""
        out = np.zeros(n, dtype=bool)
        for arr in (self.same_a, self.same_b, self.apart_a, self.apart_b):
            out[arr] = True
        return out


@dataclass(frozen=True)
class Constraints:
    """What :func:`resolve_constraints` makes of the decisions."""

    #: per record: its must-link group (smallest record position of the group)
    must: np.ndarray
    #: per same-person decision: honoured
    honoured: np.ndarray
    #: per same-person decision: index of the keep-apart decision that refused it (-1: honoured)
    blocked_by: np.ndarray

    @property
    def contradicted(self) -> np.ndarray:
        """Indices of the same-person decisions refused by a keep-apart."""
        return np.flatnonzero(~self.honoured)


class ApartGuard:
    """Union-find over cluster labels that refuses any join putting a keep-apart pair into one
    cluster. ``labels``: the cluster of each record (None: every record its own cluster).

    Only clusters holding a keep-apart record carry any state, so a guard over a whole index
    with a handful of decisions is a handful of small sets.

    >>> g = ApartGuard(None, Decisions.from_pairs(apart=[(0, 2)]))
    >>> g.join(0, 1), g.join(1, 2), g.join(3, 2)
    (True, False, True)
    """

    def __init__(self, labels: np.ndarray | None, decisions: Decisions):
        self._parent: dict[int, int] = {}
        self._holds: dict[int, set[int]] = {}  # root -> keep-apart records it holds
        self._against: dict[int, set[int]] = {}  # root -> records it must never hold
        self._partners: dict[int, set[int]] = {}  # record -> its keep-apart partners
        xs, ys = decisions.apart_a.tolist(), decisions.apart_b.tolist()
        for x, y in zip(xs, ys, strict=True):
            lx = int(labels[x]) if labels is not None else int(x)
            ly = int(labels[y]) if labels is not None else int(y)
            self._holds.setdefault(lx, set()).add(x)
            self._holds.setdefault(ly, set()).add(y)
            self._against.setdefault(lx, set()).add(y)
            self._against.setdefault(ly, set()).add(x)
            self._partners.setdefault(x, set()).add(y)
            self._partners.setdefault(y, set()).add(x)

    def find(self, x: int) -> int:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while x != root:  # path compression
            self._parent[x], x = root, self._parent[x]
        return root

    def blocking(self, x: int, y: int) -> tuple[int, int] | None:
        """The keep-apart pair (records) that joining clusters ``x`` and ``y`` would put
        together, or None when the join is allowed."""
        rx, ry = self.find(int(x)), self.find(int(y))
        if rx == ry:
            return None
        hx, ay = self._holds.get(rx), self._against.get(ry)
        if not hx or not ay:
            return None
        common = hx & ay
        if not common:
            return None
        r = min(common)
        return (r, min(self._partners[r] & self._holds[ry]))

    def allowed(self, x: int, y: int) -> bool:
        return self.blocking(x, y) is None

    def join(self, x: int, y: int) -> bool:
        """Join the clusters of labels ``x`` and ``y`` unless that puts a keep-apart pair
        together; returns whether they are (now) one cluster."""
        rx, ry = self.find(int(x)), self.find(int(y))
        if rx == ry:
            return True
        if not self.allowed(rx, ry):
            return False
        keep, gone = min(rx, ry), max(rx, ry)
        self._parent[gone] = keep
        for table in (self._holds, self._against):
            moved = table.pop(gone, None)
            if moved:
                table.setdefault(keep, set()).update(moved)
        return True


def resolve_constraints(n: int, decisions: Decisions) -> Constraints:
    """Must-link groups from the same-person decisions, oldest first, each honoured unless a
    keep-apart forbids it (directly or through same-person decisions honoured before it).

    >>> c = resolve_constraints(3, Decisions.from_pairs(same=[(0, 1), (1, 2)], apart=[(0, 2)]))
    >>> c.must.tolist(), c.honoured.tolist(), c.blocked_by.tolist()
    ([0, 0, 2], [True, False], [-1, 0])
    """
    k = len(decisions.same_a)
    honoured = np.zeros(k, dtype=bool)
    blocked_by = np.full(k, -1, dtype=np.int64)
    guard = ApartGuard(None, decisions)
    apart_index = {
        (min(x, y), max(x, y)): j
        for j, (x, y) in enumerate(zip(decisions.apart_a.tolist(), decisions.apart_b.tolist(), strict=True))
    }
    for i, (x, y) in enumerate(zip(decisions.same_a.tolist(), decisions.same_b.tolist(), strict=True)):
        pair = guard.blocking(x, y)
        if pair is None:
            guard.join(x, y)
            honoured[i] = True
        else:
            blocked_by[i] = apart_index.get((min(pair), max(pair)), -1)
    from .components import connected_components

    must = connected_components(n, decisions.same_a[honoured], decisions.same_b[honoured])
    return Constraints(must=must, honoured=honoured, blocked_by=blocked_by)


def guarded_union(
    labels: np.ndarray, ja: np.ndarray, jb: np.ndarray, decisions: Decisions | None
) -> tuple[np.ndarray, np.ndarray]:
    """Join the clusters ``ja[i]``, ``jb[i]`` (cluster labels, in the step's priority order),
    refusing every join that would put a keep-apart pair into one cluster.

    Labels are the smallest record position of each cluster; the joined cluster's label is
    again its smallest. Returns (new labels per record, bool per join: made). Without keep-apart
    decisions every join is made (connected components over the joins).
    """
    from .components import connected_components

    n = len(labels)
    ja = np.asarray(ja, dtype=np.int64)
    jb = np.asarray(jb, dtype=np.int64)
    made = np.ones(len(ja), dtype=bool)
    if decisions is not None and decisions.has_apart and len(ja):
        guard = ApartGuard(labels, decisions)
        made = np.array([guard.join(x, y) for x, y in zip(ja.tolist(), jb.tolist(), strict=True)], dtype=bool)
    merged = connected_components(n, ja[made], jb[made])
    return merged[labels], made


def decisions_from_frame(
    frame: pd.DataFrame | None, record_ids: Sequence[str] | np.ndarray
) -> tuple[Decisions, np.ndarray, np.ndarray]:
    """A store's current decisions (``Store.decisions()``: kind, record_a, record_b,
    decision_id, oldest first) as positions in ``record_ids``; decisions on a record not there
    are left out. Returns (decisions, decision_id per same-person entry, per keep-apart entry)."""
    empty = np.zeros(0, dtype=np.int64)
    if frame is None or frame.empty:
        return Decisions(), empty, empty
    index = pd.Index(np.asarray(record_ids, dtype=object))
    f = frame.sort_values("decision_id", kind="stable")
    pa = index.get_indexer(f["record_a"].to_numpy(dtype=object))
    pb = index.get_indexer(f["record_b"].to_numpy(dtype=object))
    kind = f["kind"].to_numpy(dtype=object)
    unknown = sorted(set(kind.tolist()) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown decision kind(s) {unknown}; expected one of {KINDS}")
    ok = (pa >= 0) & (pb >= 0) & (pa != pb)
    ids = f["decision_id"].to_numpy(dtype=np.int64)
    same = ok & (kind == SAME_PERSON)
    apart = ok & (kind == KEEP_APART)
    d = Decisions(pa[same].astype(np.int64), pb[same].astype(np.int64), pa[apart].astype(np.int64),
                  pb[apart].astype(np.int64))
    return d, ids[same], ids[apart]


def describe_constraints(
    constraints: Constraints | None,
    frame: pd.DataFrame | None,
    same_ids: np.ndarray,
    apart_ids: np.ndarray,
) -> dict[str, Any]:
    """For a run report: how many decisions were applied, and every contradiction (a
    same-person decision refused, with the keep-apart decision that refused it)."""
    if constraints is None or frame is None or frame.empty:
        return {"same_person": 0, "keep_apart": 0, "contradictions": []}
    by_id = frame.set_index("decision_id")
    out = []
    for i in constraints.contradicted.tolist():
        j = int(constraints.blocked_by[i])
        row = by_id.loc[int(same_ids[i])]
        item: dict[str, Any] = {
            "decision_id": int(same_ids[i]), "record_a": row["record_a"], "record_b": row["record_b"],
        }
        if j >= 0:
            k = by_id.loc[int(apart_ids[j])]
            item["kept_apart_by"] = {
                "decision_id": int(apart_ids[j]), "record_a": k["record_a"], "record_b": k["record_b"],
            }
        out.append(item)
    return {
        "same_person": int(constraints.honoured.sum()),
        "keep_apart": len(apart_ids),
        "contradictions": out,
    }


def contradictions(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The contradictions among a store's current decisions alone (no clustering needed): what a
    reviewer is told the moment a decision is recorded."""
    if frame.empty:
        return []
    ids = np.unique(np.concatenate([frame["record_a"].to_numpy(dtype=object), frame["record_b"].to_numpy(dtype=object)]))
    d, same_ids, apart_ids = decisions_from_frame(frame, ids)
    cons = resolve_constraints(len(ids), d)
    return list(describe_constraints(cons, frame, same_ids, apart_ids)["contradictions"])
