"""The review queue (ADR 0024): people the clustering flagged, and possible matches between two
people, worst first, each with its evidence and why it is there.

**Worst first.** Every item has one *deciding pair*: the scored record pair whose call is least
certain, and its *margin*: how far the pair's match weight lies from the match threshold's, in
bits (|log2 Bayes factor − log2 Bayes factor at the threshold|). The queue is sorted by margin,
smallest first (ties by item id): the items nearest the decision boundary, where the engine is
most likely wrong, come first.

* A **possible pair** (``RECORD_A~RECORD_B``): a possible-tier edge between two different
  people; the deciding pair is the edge.
* A **flagged person** (its person id): the deciding pair is the nearer to the boundary of (a)
  its weakest link, the weakest edge of the strongest tree of stored edges that holds its records
  together (what a reject would cut), and (b) its strongest edge to a record of another person
  (the link a split cut, or an attach did not make).

Items already decided wait for the next run and are left out: a person holding a decided record,
a pair with a decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..cluster.components import REVIEW_REASONS
from ..compare.levels_text import text_to_levels
from ..errors import ModelError, NotFoundError
from ..score.model import Model, weight_for_probability
from ..settings import Settings
from ..store.contract import Store

__all__ = ["ReviewItem", "PersonParts", "person_parts", "review_queue", "review_item", "PAIR_SEP", "WHY"]

#: between the two record ids of a pair item's id
PAIR_SEP = "~"

#: a flagged person's reasons (``cluster.components.REVIEW_REASONS``) as a reviewer reads them
WHY = {
    "split": "split from a component that chained several people together",
    "unique-name": "joined to the only other holder of its full name",
    "lone-record": "a lone record attached to the person it is, on average, a possible match for",
    "lone-pair": "two lone records joined as each other's only possible match",
    "one-to-one": "joined by a one-to-one link between de-duplicated sources",
}
assert set(WHY) == set(REVIEW_REASONS)


@dataclass
class ReviewItem:
    """One entry of the review queue."""

    item: str  # a person id, or RECORD_A~RECORD_B
    kind: str  # "person" or "pair"
    margin: float  # bits between the deciding pair's weight and the match threshold's
    why: list[str]
    person_ids: list[str]
    records: list[str]  # the flagged person's records (a pair: its two records)
    pair: tuple[str, str] | None  # the deciding pair
    probability: float | None
    tier: str | None
    #: "inside": the deciding pair holds the person together; "between": it joins two people
    side: str | None
    evidence: list[dict[str, Any]] = field(default_factory=list)  # comparison, level, weight
    golden: dict[str, dict[str, Any]] = field(default_factory=dict)  # person id -> golden record

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "kind": self.kind,
            "margin": round(self.margin, 3),
            "why": self.why,
            "person_ids": self.person_ids,
            "records": self.records,
            "pair": list(self.pair) if self.pair else None,
            "probability": self.probability,
            "tier": self.tier,
            "side": self.side,
            "evidence": self.evidence,
            "golden": self.golden,
        }


class _Context:
    """What every item needs: the model (labels of levels), the threshold, decided records."""

    def __init__(self, store: Store):
        latest = store.latest_model()
        if latest is None:
            raise ModelError("nothing to review yet: run `idgraph resolve` first")
        self.settings = Settings.from_json(latest[1])
        self.model = Model.from_json(latest[2])
        self.w_threshold = weight_for_probability(self.settings.match_threshold)
        d = store.decisions()
        self.decided_records = set(d["record_a"]) | set(d["record_b"])
        self.decided_pairs = set(zip(d["record_a"], d["record_b"], strict=True))

    def margin(self, weight: float) -> float:
        return float(abs(float(weight) - self.w_threshold))

    def evidence(self, levels_text: str | None) -> list[dict[str, Any]]:
        comps = self.model.comparisons
        levels = text_to_levels([levels_text], len(comps))[0]
        out = []
        for cw, lv in zip(comps, levels.tolist(), strict=True):
            out.append({"comparison": cw.name, "level": cw.labels[lv], "weight": round(float(cw.weights()[lv]), 3)})
        return out


def _reasons(store: Store, people: set[str]) -> dict[str, list[str]]:
    """Why each flagged person was flagged, from the latest run report that says (a run's
    report holds ``review_reasons`` for the people it flagged)."""
    out: dict[str, list[str]] = {}
    runs = store.runs()
    for text in reversed(runs["report_json"].tolist()):
        if len(out) == len(people):
            break
        try:
            reasons = json.loads(text or "{}").get("review_reasons") or {}
        except ValueError:
            continue
        for pid in people - set(out):
            if pid in reasons:
                out[pid] = [WHY.get(r, r) for r in reasons[pid]]
    return out


def _spanning_tree(records: list[str], internal: pd.DataFrame) -> list[tuple[str, str, int]]:
    """Kruskal, strongest edges first: the tree of stored edges that best holds these records
    together (row positions into ``internal``); shorter than len(records) - 1 when the stored
    edges do not connect them."""
    parent = {r: r for r in records}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = np.lexsort((internal["record_b"].to_numpy(dtype=object).astype(str),
                        internal["record_a"].to_numpy(dtype=object).astype(str),
                        -internal["probability"].to_numpy(dtype=float)))
    tree = []
    for i in order.tolist():
        a, b = internal["record_a"].iat[i], internal["record_b"].iat[i]
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            tree.append((a, b, i))
    return tree


@dataclass
class PersonParts:
    """A person's structure in the stored graph, as review reads it."""

    records: list[str]
    #: the strongest tree of stored edges inside the person: (record_a, record_b) pairs
    tree: list[tuple[str, str]]
    weakest: pd.Series | None  # the tree's weakest edge (None: no internal edge)
    strongest_out: pd.Series | None  # the strongest match or possible edge to another person
    #: per other person joined by a match edge: that strongest match edge (record_a, record_b)
    match_out: list[tuple[str, str]]
    others: list[str]  # people joined to it by a match or possible edge


def person_parts(edges: pd.DataFrame, pid: str) -> PersonParts:
    """From ``Store.person_edges`` rows, the parts of person ``pid``."""
    mine_a, mine_b = edges["person_a"] == pid, edges["person_b"] == pid
    records = sorted(set(edges.loc[mine_a, "record_a"]) | set(edges.loc[mine_b, "record_b"]))
    internal = edges[mine_a & mine_b].reset_index(drop=True)
    outward = edges[(mine_a ^ mine_b) & edges["person_a"].notna() & edges["person_b"].notna()
                    & edges["tier"].isin(["match", "possible"])]
    outward = outward.sort_values(["probability", "record_a", "record_b"], ascending=[False, True, True],
                                  kind="stable").reset_index(drop=True)
    tree = _spanning_tree(records, internal)
    weakest = None
    if tree:
        w = min(tree, key=lambda t: (float(internal["probability"].iat[t[2]]), t[0], t[1]))
        weakest = internal.iloc[w[2]]
    other = np.where(outward["person_a"].to_numpy(dtype=object) == pid, outward["person_b"].to_numpy(dtype=object),
                     outward["person_a"].to_numpy(dtype=object))
    matches = outward.assign(other=other)
    matches = matches[matches["tier"] == "match"].drop_duplicates("other")
    return PersonParts(
        records=records,
        tree=[(a, b) for a, b, _ in tree],
        weakest=weakest,
        strongest_out=outward.iloc[0] if len(outward) else None,
        match_out=list(zip(matches["record_a"], matches["record_b"], strict=True)),
        others=sorted(set(other.tolist())),
    )


def _golden(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    return json.loads(text) if text else {}


def _person_items(store: Store, ctx: _Context) -> list[ReviewItem]:
    flagged = store.flagged_persons()
    if flagged.empty:
        return []
    pids = flagged["person_id"].tolist()
    edges = store.person_edges(pids)
    reasons = _reasons(store, set(pids))
    items = []
    for pid, golden in zip(pids, flagged["golden"].tolist(), strict=True):
        parts = person_parts(edges, pid)
        if set(parts.records) & ctx.decided_records:
            continue  # decided: waits for the next run
        candidates: list[tuple[float, str, pd.Series]] = []
        if parts.weakest is not None:
            candidates.append((ctx.margin(parts.weakest["weight"]), "inside", parts.weakest))
        if parts.strongest_out is not None:
            candidates.append((ctx.margin(parts.strongest_out["weight"]), "between", parts.strongest_out))
        others = parts.others
        records = parts.records
        if not candidates:
            continue
        margin, side, row = min(candidates, key=lambda c: (c[0], c[1]))
        items.append(ReviewItem(
            item=pid, kind="person", margin=margin,
            why=reasons.get(pid, ["flagged by an earlier run"]),
            person_ids=[pid, *others] if side == "between" else [pid],
            records=records, pair=(row["record_a"], row["record_b"]), probability=float(row["probability"]),
            tier=str(row["tier"]), side=side, evidence=ctx.evidence(row["levels"]),
            golden={pid: _golden(golden)},
        ))
    return items


def _pair_items(store: Store, ctx: _Context) -> list[ReviewItem]:
    cross = store.cross_person_edges("possible")
    items = []
    for row in cross.itertuples(index=False):
        if (row.record_a, row.record_b) in ctx.decided_pairs:
            continue
        items.append(ReviewItem(
            item=f"{row.record_a}{PAIR_SEP}{row.record_b}", kind="pair", margin=ctx.margin(row.weight),
            why=[f"possible match (p = {float(row.probability):.3f}) between two people"],
            person_ids=[row.person_a, row.person_b], records=[row.record_a, row.record_b],
            pair=(row.record_a, row.record_b), probability=float(row.probability), tier=str(row.tier),
            side="between", evidence=ctx.evidence(row.levels),
        ))
    return items


def _all_items(store: Store) -> list[ReviewItem]:
    ctx = _Context(store)
    items = _person_items(store, ctx) + _pair_items(store, ctx)
    items.sort(key=lambda it: (it.margin, it.item))
    return items


def review_queue(store: Store, limit: int | None = 50, kinds: tuple[str, ...] = ("person", "pair")) -> list[ReviewItem]:
    """The review queue, worst first (see the module docstring), at most ``limit`` items."""
    items = [it for it in _all_items(store) if it.kind in kinds]
    items = items if limit is None else items[:limit]
    for it in items:
        _fill_golden(store, it)
    return items


def _fill_golden(store: Store, item: ReviewItem) -> None:
    for pid in item.person_ids:
        if pid not in item.golden:
            p = store.person(pid)
            item.golden[pid] = p["golden"] if p else {}


def review_item(store: Store, item: str) -> ReviewItem:
    """One item of the queue by its id (a person id, or RECORD_A~RECORD_B)."""
    key = item.strip()
    if PAIR_SEP in key:  # the pair in either order
        a, _, b = key.partition(PAIR_SEP)
        key = f"{min(a, b)}{PAIR_SEP}{max(a, b)}"
    for it in _all_items(store):
        if it.item == key:
            _fill_golden(store, it)
            return it
    raise NotFoundError(
        f"{item!r} is not in the review queue (decided, or not flagged); see `idgraph review list`"
    )
