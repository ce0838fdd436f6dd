"""A person's neighbourhood as graph data: what the workbench draws and the exports write.

Nodes: the person, their records, the identifiers those records hold (names, addresses,
phones, emails, NHS / NI numbers, UPRNs), and one hop out the other people who share one of
those identifiers (labelled with their golden names). Edges: person -> record (``has_record``),
record -> identifier (``has``), record -> record similarity edges inside the person
(``similar``: weight, probability, tier), other person -> identifier (``shares``).

Placeholders (known fillers, the values the latest model stopped counting as evidence, and any
identifier held by more than ``max_holders`` people, such as a council switchboard or a hostel)
are marked and not expanded: their holders are counted, not drawn. The graph is capped at
``max_nodes``; what was cut is said in ``cut``. Both stores give the same graph (a contract test).

Another person can be opened in place (``expand``): their records, identifiers and the people
one hop out from them join the graph, under the same cap; the workbench's person page does this
when an investigator expands a neighbour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pandas as pd

from ..errors import NotFoundError
from ..score.model import Model
from ..standardise.placeholders import KNOWN_PLACEHOLDERS
from ..store.contract import Store
from ..store.identifiers import identifier_rows
from ..types import LINK_KINDS

__all__ = [
    "GraphNode", "GraphEdge", "GraphCut", "PersonGraph", "person_graph", "placeholder_values",
    "golden_name", "readable_address", "MAX_NODES", "MAX_HOLDERS", "MAX_EXPAND", "GRAPH_KINDS",
]

#: nodes drawn at most (the workbench's target: a person page with up to 200 nodes)
MAX_NODES = 200
#: an identifier held by more people than this is a placeholder (a switchboard, a hostel)
MAX_HOLDERS = 25
#: other people opened in place in one graph at most
MAX_EXPAND = 20
#: identifier kinds drawn as nodes (names too: they are not links between people)
GRAPH_KINDS: tuple[str, ...] = ("name", *LINK_KINDS)

#: model placeholder columns -> identifier kinds
_COLUMN_KIND = {"phones": "phone", "emails": "email", "address_key": "address", "dob": "dob",
                "nhs_number": "nhs", "ni_number": "ni", "uprn": "uprn"}


class GraphNode(TypedDict):
    """``id``: ``person:P…``, ``record:source:id`` or ``<kind>:<value>``. ``kind``: person,
    record, or an identifier kind (name, address, phone, email, nhs, ni, uprn). ``label``: what
    a person reads (a golden name, "council_tax CT000123", a readable address). ``person_id``:
    the person (person and record nodes; None for identifiers). ``centre``: the person asked
    for, or one of their records or identifiers. ``placeholder``: a placeholder identifier
    (``placeholder_reason`` says why). ``holders``: people holding an identifier (None for
    people and records). ``expandable``: another person whose own neighbourhood can be opened.
    ``via``: for another person, the person drawn with their records (the centre, or one
    expanded) whose identifiers reached them first; None for the rest."""

    id: str
    kind: str
    label: str
    person_id: str | None
    centre: bool
    placeholder: bool
    placeholder_reason: str | None
    holders: int | None
    expandable: bool
    via: str | None


class GraphEdge(TypedDict):
    """``kind``: has_record | has | similar | shares. ``tier``, ``probability``, ``weight``:
    the similarity edge's (None for the others)."""

    source: str
    target: str
    kind: str
    tier: str | None
    probability: float | None
    weight: float | None


class GraphCut(TypedDict):
    """What the cap left out: ``people`` (other people not drawn), ``nodes`` (nodes not drawn,
    those people included), ``placeholder_holders`` (people behind placeholders, never drawn)."""

    people: int
    nodes: int
    placeholder_holders: int


class PersonGraph(TypedDict):
    """The graph of one person (JSON-serialisable; one shape from every store). ``expanded``:
    the other people opened in place (drawn with their records), in the order opened."""

    person_id: str
    name: str
    max_nodes: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    expanded: list[str]
    cut: GraphCut


def golden_name(golden: dict[str, Any] | str | None) -> str:
    """A person's display name from their golden record ("John A Smith"); "(no name)" if none."""
    if isinstance(golden, str):
        golden = json.loads(golden) if golden else {}
    g = golden or {}
    parts = [str(g[k]) for k in ("given_name", "middle_names", "family_name") if g.get(k)]
    return " ".join(p.title() for p in parts) if parts else "(no name)"


def readable_address(address: str | None, postcode: str | None, key: str | None = None) -> str:
    """"14 Hyde Park Road, Leeds LS6 1AB" from a record's standardised address and postcode
    (or, failing those, from the address key's parts)."""
    if address:
        text = str(address).title()
        return f"{text} {postcode}" if postcode else text
    if key:
        flat, house, street, pc = (str(key).split("|") + ["", "", "", ""])[:4]
        head = " ".join(x for x in (f"Flat {flat}," if flat else "", house, street.title()) if x)
        return f"{head} {pc}".strip()
    return str(postcode or "(no address)")


def placeholder_values(store: Store, extra: dict[str, list[str]] | None = None) -> dict[str, set[str]]:
    """kind -> values that are placeholders: the known fillers, the values the latest model
    stopped counting as evidence (its ``context["placeholders"]``), and ``extra`` (e.g. a
    council's own switchboard numbers, as normalised values)."""
    out: dict[str, set[str]] = {}
    for col, vals in KNOWN_PLACEHOLDERS.items():
        out.setdefault(_COLUMN_KIND.get(col, col), set()).update(vals)
    latest = store.latest_model()
    if latest is not None:
        ctx = Model.from_json(latest[2]).context.get("placeholders", {})
        for col, vals in ctx.items():
            out.setdefault(_COLUMN_KIND.get(col, col), set()).update(str(v) for v in vals)
    for kind, vals in (extra or {}).items():
        out.setdefault(kind, set()).update(vals)
    return out


def _node(id_: str, kind: str, label: str, **kw: Any) -> GraphNode:
    base: GraphNode = {"id": id_, "kind": kind, "label": label, "person_id": None, "centre": False,
                       "placeholder": False, "placeholder_reason": None, "holders": None, "expandable": False,
                       "via": None}
    base.update(kw)  # type: ignore[typeddict-item]
    return base


def _edge(source: str, target: str, kind: str, **kw: Any) -> GraphEdge:
    base: GraphEdge = {"source": source, "target": target, "kind": kind, "tier": None,
                       "probability": None, "weight": None}
    base.update(kw)  # type: ignore[typeddict-item]
    return base


def _resolve_person(store: Store, person_or_record: str) -> tuple[str, dict[str, Any]]:
    p = store.person(person_or_record)
    pid = person_or_record
    if p is None:
        owner = store.person_of(person_or_record)
        if owner is None:
            raise NotFoundError(f"no person or record {person_or_record!r}; person ids look like P1a2b3c4d5e6f")
        pid, p = owner, store.person(owner)
    assert p is not None
    if p["status"] != "active" and p.get("merged_into"):
        pid = str(p["merged_into"])
        p = store.person(pid) or p
    return pid, p


class _Builder:
    """Grows one graph: the centre's own part (stage 0), then each expanded person's (stage 1,
    2, …), each with the people one hop out. Nodes keep the order they were added in: the
    order the cap reads them in."""

    def __init__(self, store: Store, placeholders: dict[str, set[str]], max_holders: int):
        self.store, self.ph, self.max_holders = store, placeholders, max_holders
        self.nodes: dict[str, GraphNode] = {}
        self.edges: list[GraphEdge] = []
        self._edge_keys: set[tuple[str, str, str]] = set()
        self.drawn: list[str] = []  # people whose records are drawn: the centre, then the expanded
        self.records: set[str] = set()
        self.shares: dict[str, set[str]] = {}  # another person -> identifier nodes they hold
        self.via: dict[str, tuple[int, str]] = {}  # another person -> (stage, person) that reached them first
        self.hidden: set[str] = set()  # people behind placeholders

    def _node(self, node: GraphNode) -> None:
        self.nodes.setdefault(node["id"], node)

    def _edge(self, edge: GraphEdge) -> None:
        key = (edge["source"], edge["target"], edge["kind"])
        if key not in self._edge_keys:
            self._edge_keys.add(key)
            self.edges.append(edge)

    def own(self, pid: str, name: str, stage: int) -> None:
        """A person's node, records, identifiers (``has``), and who else holds those identifiers."""
        centre = stage == 0
        via = None if centre else self.via[pid][1]
        self._node(_node(f"person:{pid}", "person", name, person_id=pid, centre=centre, via=via))
        records = self.store.person_records(pid)
        for rid, src, sid in records[["record_id", "source", "source_record_id"]].itertuples(index=False, name=None):
            self._node(_node(f"record:{rid}", "record", f"{src} {sid}", person_id=pid, centre=centre))
            self._edge(_edge(f"person:{pid}", f"record:{rid}", "has_record"))
            self.records.add(str(rid))
        idents = identifier_rows(records) if len(records) else pd.DataFrame(columns=["record_id", "kind", "value"])
        idents = idents[idents["kind"].isin(GRAPH_KINDS)].sort_values(["kind", "value", "record_id"], kind="stable")
        links = self.store.person_links([pid], list(LINK_KINDS))
        holders = links.groupby(["kind", "value"])["other_person_id"].nunique().to_dict() if len(links) else {}
        addr_text = {
            k: readable_address(a, pc, k)
            for k, a, pc in records[["address_key", "address", "postcode"]].itertuples(index=False, name=None) if k
        }
        mine: dict[tuple[str, str], str] = {}
        for kind, value in idents[["kind", "value"]].drop_duplicates().itertuples(index=False, name=None):
            nid = f"{kind}:{value}"
            mine[(kind, value)] = nid
            if nid in self.nodes:  # shared with someone drawn before: one node
                continue
            others = int(holders.get((kind, value), 0))
            reason = None
            if value in self.ph.get(kind, set()):
                reason = "a known placeholder value (a filler, or one the model stopped counting as evidence)"
            elif others + 1 > self.max_holders:
                reason = (f"held by {others + 1} people (more than {self.max_holders}): a switchboard, hostel or "
                          "shared office")
            label = addr_text.get(value, readable_address(None, None, value)) if kind == "address" else (
                str(value).title() if kind == "name" else str(value))
            self._node(_node(nid, kind, label, centre=centre, placeholder=reason is not None,
                             placeholder_reason=reason, holders=others + 1 if kind != "name" else None))
        for rid, kind, value in idents[["record_id", "kind", "value"]].itertuples(index=False, name=None):
            self._edge(_edge(f"record:{rid}", mine[(kind, value)], "has"))
        self.drawn.append(pid)
        self.shares.pop(pid, None)  # drawn with its records now: they hold its identifiers
        for other, kind, value in links[["other_person_id", "kind", "value"]].itertuples(index=False, name=None):
            nid = mine.get((kind, value))
            if nid is None or other in self.drawn:
                continue
            if self.nodes[nid]["placeholder"]:
                self.hidden.add(other)
                continue
            self.shares.setdefault(other, set()).add(nid)
            self.via.setdefault(other, (stage, pid))

    def similar(self) -> None:
        """Similarity edges between any two records drawn (inside a person, or between the centre
        and an expanded person)."""
        pe = self.store.person_edges(self.drawn)
        both = pe[pe["record_a"].isin(self.records) & pe["record_b"].isin(self.records)]
        both = both.drop_duplicates(["record_a", "record_b"]).sort_values(["record_a", "record_b"])
        for a, b, w, pr, t in both[["record_a", "record_b", "weight", "probability", "tier"]].itertuples(index=False, name=None):
            self._edge(_edge(f"record:{a}", f"record:{b}", "similar", tier=str(t), probability=round(float(pr), 6),
                             weight=round(float(w), 3)))

    def others(self) -> list[str]:
        """People one hop out not drawn with their records: those reached first by the centre,
        then by each expansion in turn; within each, most shared identifiers first, then by id."""
        return sorted(self.shares, key=lambda o: (self.via[o][0], -len(self.shares[o]), o))


def person_graph(
    store: Store,
    person_id: str,
    *,
    max_nodes: int = MAX_NODES,
    max_holders: int = MAX_HOLDERS,
    placeholders: dict[str, list[str]] | None = None,
    expand: Sequence[str] = (),
    max_expand: int = MAX_EXPAND,
) -> PersonGraph:
    """The neighbourhood graph of a person (a person id, or a record id of theirs).

    ``expand``: other people of the graph to open in place, in order: each one's records,
    identifiers and the people one hop out from them are added, as if they were a second
    centre. An id that is not (yet) another person drawn in the graph is skipped, as is any
    beyond the first ``max_expand``; ``expanded`` says which were opened. Each other person
    node says through whom it was reached (``via``).

    Nodes are ordered: the person, their records (by id), their identifiers (by kind, value),
    then each expanded person with their records and new identifiers, then the other people
    (reached from the centre first, then from each expansion; within each, most shared
    identifiers first, then by id). The cap drops other people from the end, then (only when
    the people drawn with their records outgrow the cap) nodes from the end of those.
    """
    pid, p = _resolve_person(store, person_id)
    name = golden_name(p.get("golden"))
    b = _Builder(store, placeholder_values(store, placeholders), max_holders)
    b.own(pid, name, 0)
    expanded: list[str] = []
    for other in dict.fromkeys(expand):
        if len(expanded) >= max_expand:
            break
        if other not in b.shares:  # not another person drawn in the graph (so far)
            continue
        expanded.append(other)
        b.own(other, golden_name(store.goldens([other]).get(other)), len(expanded))
    b.similar()
    order = b.others()
    shown = order[: max(max_nodes - len(b.nodes), 0)]
    goldens = store.goldens(shown) if shown else {}
    nodes = list(b.nodes.values()) + [
        _node(f"person:{o}", "person", golden_name(goldens.get(o)), person_id=o, expandable=True, via=b.via[o][1])
        for o in shown]
    cut_people = len(order) - len(shown)
    cut_nodes = cut_people
    if len(nodes) > max_nodes:  # the people drawn with their records alone outgrow the cap
        dropped = nodes[max_nodes:]
        cut_nodes += len(dropped)
        cut_people += sum(1 for n in dropped if n["kind"] == "person")
        nodes = nodes[:max_nodes]
    edges = b.edges + [_edge(f"person:{o}", nid, "shares") for o in shown for nid in sorted(b.shares[o])]
    kept = {n["id"] for n in nodes}
    edges = [e for e in edges if e["source"] in kept and e["target"] in kept]
    return {
        "person_id": pid, "name": name, "max_nodes": max_nodes, "nodes": nodes, "edges": edges,
        "expanded": expanded,
        "cut": {"people": cut_people, "nodes": cut_nodes,
                "placeholder_holders": len(b.hidden - set(b.shares) - set(b.drawn))},
    }
