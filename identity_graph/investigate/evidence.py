"""Evidence in plain words: what each comparison level means, and how two records of one person
are joined when no edge joins them directly.

``LEVEL_PHRASES`` holds one phrase per level label of every comparison kind in
``compare/library.py`` (a test checks that no label is left out). A phrase may hold ``{field}``,
filled with the comparison's field in words ("NHS number", "vehicle reg"), for the kinds whose
column is chosen by the settings (``exact``, ``fuzzy``).

>>> phrase("given_name", "jw>=0.92")
'given names nearly identical (Jaro-Winkler 0.92 or more)'
>>> phrase("exact", "else", "nhs_number")
'NHS numbers differ'
"""

from __future__ import annotations

import math
from typing import Any, TypedDict

import networkx as nx

from ..errors import NotFoundError
from ..store.contract import Store

__all__ = [
    "LEVEL_PHRASES",
    "phrase",
    "field_words",
    "PathStep",
    "EvidencePath",
    "evidence_path",
    "plain_rows",
]

#: comparison kind -> level label -> phrase ("{field}": the field in words)
LEVEL_PHRASES: dict[str, dict[str, str]] = {
    "given_name": {
        "missing": "no given name to compare on one side",
        "exact": "same given name",
        "nickname": "given names are nickname and full name (e.g. Bob and Robert)",
        "jw>=0.92": "given names nearly identical (Jaro-Winkler 0.92 or more)",
        "one edit": "given names one typing slip apart",
        "nickname via another name": "given names both short for a third name (e.g. Ian and Jack for John)",
        "jw>=0.80": "given names alike (Jaro-Winkler 0.80 or more) but more than a typing slip apart",
        "initial": "an initial that fits the other given name",
        "else": "different given names",
    },
    "family_name": {
        "missing": "no family name to compare on one side",
        "exact": "same family name",
        "jw>=0.92": "family names nearly identical (Jaro-Winkler 0.92 or more)",
        "part of double-barrelled": "one family name is part of the other's double-barrelled name",
        "jw>=0.80": "family names alike (Jaro-Winkler 0.80 or more)",
        "else": "different family names",
    },
    "middle_name": {
        "missing": "a middle name on one side only, or on neither (no evidence)",
        "exact": "same middle names",
        "same first middle name": "same first middle name",
        "initial": "a middle initial that fits the other middle name",
        "else": "different middle names",
    },
    "dob": {
        "missing": "no date of birth to compare on one side",
        "exact": "same date of birth",
        "day/month transposed": "dates of birth with day and month swapped",
        "one digit": "dates of birth differ by one digit",
        "two digits": "dates of birth differ by two digits",
        "else": "different dates of birth",
    },
    "age_gap": {
        "missing": "dates of birth not a generation apart",
        "generations apart": "dates of birth a generation apart (a parent and a child)",
    },
    "namesake": {
        "missing": "no namesake at this postcode",
        "another person of this name here": "another person of this name lives at this postcode",
    },
    "gender": {
        "missing": "no gender to compare on one side",
        "exact": "same gender",
        "else": "different genders",
    },
    "exact": {
        "missing": "no {field} to compare on one side",
        "exact": "same {field}",
        "else": "{field}s differ",
    },
    "source": {
        "missing": "source system unknown",
        "same source": "both records from one source system (a system mostly holds one record per person)",
        "other source": "records from two different source systems",
    },
    "postcode": {
        "missing": "no postcode to compare on one side",
        "exact": "same postcode",
        "same sector": "postcodes in the same sector (e.g. LS6 1)",
        "same district": "postcodes in the same district (e.g. LS6)",
        "else": "postcodes far apart",
    },
    "address": {
        "missing": "no address to compare on one side",
        "same dwelling": "same dwelling (house or flat, street and postcode)",
        "same house, similar street": "same house number on a similar street",
        "same postcode": "same postcode, different dwelling",
        "same street": "same street, different house",
        "same sector": "addresses in the same postcode sector",
        "same district": "addresses in the same postcode district",
        "else": "addresses far apart",
    },
    "phone": {
        "missing": "no phone number to compare on one side",
        "exact": "a phone number in common",
        "one digit": "phone numbers one digit apart",
        "else": "different phone numbers",
    },
    "email": {
        "missing": "no email address to compare on one side",
        "exact": "an email address in common",
        "jw>=0.92": "email addresses nearly identical (Jaro-Winkler 0.92 or more) with the same digits",
        "else": "different email addresses",
    },
    "fuzzy": {
        "missing": "no {field} to compare on one side",
        "exact": "same {field}",
        "jw>=0.90": "{field} nearly identical (Jaro-Winkler 0.90 or more)",
        "jw>=0.75": "{field} alike (Jaro-Winkler 0.75 or more)",
        "else": "different {field}",
    },
}

_FIELD_WORDS = {
    "nhs_number": "NHS number",
    "ni_number": "NI number",
    "uprn": "UPRN",
    "suffix": "name suffix (Jr, Sr)",
}


def field_words(name: str) -> str:
    """A comparison's field in words: ``nhs_number`` -> "NHS number", ``x_vehicle_reg`` -> "vehicle reg"."""
    if name in _FIELD_WORDS:
        return _FIELD_WORDS[name]
    return name.removeprefix("x_").replace("_", " ")


def phrase(kind: str, label: str, field: str | None = None) -> str:
    """The plain-English phrase of one comparison level; ``field`` names the comparison (for the
    kinds that compare a field the settings choose). An unknown kind or label answers with the
    label itself, so a newer model still explains."""
    text = LEVEL_PHRASES.get(kind, {}).get(label)
    if text is None:
        return label
    return text.replace("{field}", field_words(field or kind))


def plain_rows(rows: list[dict[str, Any]], kinds: dict[str, str]) -> list[dict[str, Any]]:
    """Explanation rows (``Explanation.rows``) each with ``evidence``: its level in plain words.
    ``kinds``: comparison name -> kind (from the model)."""
    return [r | {"evidence": phrase(kinds.get(r["comparison"], ""), r["level"], r["comparison"])} for r in rows]


class PathStep(TypedDict):
    """One edge of an evidence path: ``record_a`` -> ``record_b`` (in path order), the stored
    edge's ``probability``, ``weight`` (bits) and ``tier`` (match or possible)."""

    record_a: str
    record_b: str
    probability: float
    weight: float
    tier: str


class EvidencePath(TypedDict):
    """How two records of one person are joined. ``direct``: one stored edge joins them (then
    ``steps`` is that edge). ``steps``: the strongest chain of match / possible edges inside the
    person (the product of the edges' probabilities is highest; ties: fewest steps, then record
    ids). ``records``: the records along it, first to last. ``strength``: that product.
    ``person_id``: the person holding both (None when they are in two people: ``steps`` empty)."""

    record_a: str
    record_b: str
    person_id: str | None
    direct: bool
    records: list[str]
    steps: list[PathStep]
    strength: float


def evidence_path(store: Store, record_a: str, record_b: str) -> EvidencePath:
    """The strongest chain of match / possible edges joining two records within their person.

    Each edge costs ``-log(probability)``, so the cheapest path is the one whose probabilities
    multiply to the most; Dijkstra over the person's own edges (networkx), nodes in sorted order.
    Two records in different people (or either in none) have no such path: ``steps`` is empty.
    """
    pa, pb = store.person_of(record_a), store.person_of(record_b)
    for rid, pid in ((record_a, pa), (record_b, pb)):
        if pid is None and store.records([rid]).empty:
            raise NotFoundError(f"no record {rid!r}; record ids look like council_tax:CT000123")
    out: EvidencePath = {
        "record_a": record_a, "record_b": record_b, "person_id": pa if pa == pb else None,
        "direct": False, "records": [], "steps": [], "strength": 0.0,
    }
    if pa is None or pa != pb or record_a == record_b:
        return out
    edges = store.person_edges([pa])
    inside = edges[(edges["person_a"] == pa) & (edges["person_b"] == pa) & edges["tier"].isin(["match", "possible"])]
    g = nx.Graph()
    g.add_nodes_from(sorted({record_a, record_b}))
    rows = inside.sort_values(["record_a", "record_b"])
    for a, b, w, p, t in rows[["record_a", "record_b", "weight", "probability", "tier"]].itertuples(index=False, name=None):
        p = float(p)
        g.add_edge(a, b, cost=-math.log(max(p, 1e-12)) + 1e-9, probability=p, weight=float(w), tier=str(t))
    try:
        nodes = nx.dijkstra_path(g, record_a, record_b, weight="cost")
    except nx.NetworkXNoPath:
        return out
    steps: list[PathStep] = []
    strength = 1.0
    for x, y in zip(nodes, nodes[1:], strict=False):
        d = g.edges[x, y]
        steps.append({"record_a": x, "record_b": y, "probability": d["probability"],
                      "weight": d["weight"], "tier": d["tier"]})
        strength *= d["probability"]
    out.update(direct=len(steps) == 1, records=list(nodes), steps=steps, strength=strength)
    return out
