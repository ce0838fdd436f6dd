"""Accept or reject a review-queue item: sugar over decisions (ADR 0024).

* **accept a pair** (``A~B``): the possible match is right: same-person A, B.
* **reject a pair**: they are two people: keep-apart A, B (never merged later).
* **accept a person**: the flagged grouping is right, keep it as it is: same-person along the
  strongest tree of stored edges that holds its records together (records the stored edges do
  not connect are joined to its first record), and keep-apart on its strongest match edge to
  each other person (the links a split cut stay cut).
* **reject a person**: it is not one person: keep-apart on its weakest link (the weakest edge of
  that tree), so the next run splits it there. A one-record person has nothing to split: decide
  on the pair instead (``idgraph decide``).
"""

from __future__ import annotations

from ..cluster.decisions import KEEP_APART, SAME_PERSON
from ..store.contract import Store
from .decide import DecisionError, DecisionReport, record
from .queue import PersonParts, person_parts, review_item

__all__ = ["accept", "reject"]


def _person_parts(store: Store, pid: str) -> PersonParts:
    return person_parts(store.person_edges([pid]), pid)


def _other_roots(records: list[str], tree: list[tuple[str, str]]) -> list[str]:
    """The smallest record of each group the tree leaves apart, but the first record's group."""
    parent = {r: r for r in records}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in tree:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    roots = sorted({find(r) for r in records})
    return roots[1:]


def accept(store: Store, item: str, *, reason: str, actor: str) -> DecisionReport:
    """Record the decisions that make a queue item's grouping stick (see the module docstring)."""
    it = review_item(store, item)
    if it.kind == "pair":
        assert it.pair is not None
        return record(store, [(SAME_PERSON, *it.pair)], reason=reason, actor=actor)
    parts = _person_parts(store, it.item)
    pairs = [(SAME_PERSON, a, b) for a, b in parts.tree]
    pairs += [(SAME_PERSON, parts.records[0], r) for r in _other_roots(parts.records, parts.tree)]
    pairs += [(KEEP_APART, a, b) for a, b in parts.match_out]
    if not pairs:
        raise DecisionError(f"{it.item} has nothing to confirm: one record and no match to another person")
    return record(store, pairs, reason=reason, actor=actor)


def reject(store: Store, item: str, *, reason: str, actor: str) -> DecisionReport:
    """Record the keep-apart decision that undoes a queue item (see the module docstring)."""
    it = review_item(store, item)
    if it.kind == "pair":
        assert it.pair is not None
        return record(store, [(KEEP_APART, *it.pair)], reason=reason, actor=actor)
    parts = _person_parts(store, it.item)
    if parts.weakest is None:
        raise DecisionError(
            f"{it.item} holds one record: nothing inside it to keep apart. To join it to another "
            "person, use `idgraph decide same-person RECORD_A RECORD_B --reason TEXT`"
        )
    return record(store, [(KEEP_APART, parts.weakest["record_a"], parts.weakest["record_b"])],
                  reason=reason, actor=actor)
