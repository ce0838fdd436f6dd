""""Who is this resident?": score a query against the store's records, answer with people.

The query is standardised like any record, candidates are looked up by identifier (phone,
email, NHS/NI number, name, dob, postcode, and address text as people type it: see
``investigate.addresses``), scored with the latest model, and ranked per person.

Two scores, kept apart (ADR 0035):

- ``probability``: the model's match probability of the query against the person's best
  record, over the fields given (a field not given is no evidence). A mobile number alone is
  weak evidence under the model's prior, so this stays low: it is comparable with the edges.
- ``identifier_score``: the query and the record agree exactly on a strong identifier (NHS / NI
  number, UPRN, phone, email; never a placeholder) and no field given contradicts it (no
  comparison takes more than ``CONTRADICTION_BITS`` away, no keep-apart conflict). It is 1 /
  the number of people holding that identifier: 1.0 for a mobile only this person holds, 0.5
  for a landline two residents share.

Hits rank by ``score = max(probability, identifier_score)``, then probability: a person who
holds the phone searched for comes first, and ``matched_on`` / ``reasons`` say why in words.
The name shown is the person's golden name (``name``), never a record's variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._search_fields import SEARCH_FIELDS
from ..errors import IdentityGraphError
from ..pipeline import prepare_frame
from ..score.model import Model, probability
from ..standardise.fields import records_frame, standardise_fields
from ..store.contract import Store
from ..store.identifiers import identifier_rows

__all__ = ["SearchHit", "SearchHits", "search", "SEARCH_FIELDS", "STRONG_KINDS", "CONTRADICTION_BITS"]

MAX_CANDIDATES = 5000
#: identifier kinds whose exact agreement alone can rank a person first
STRONG_KINDS: tuple[str, ...] = ("nhs", "ni", "uprn", "phone", "email")
#: a comparison taking more than this many bits away contradicts an identifier match
CONTRADICTION_BITS = 5.0
_KIND_WORDS = {"nhs": "NHS number", "ni": "NI number", "uprn": "UPRN", "phone": "phone", "email": "email"}


class SearchHits(list["SearchHit"]):
    """The people found, best first (a list), and ``unresolved``: how many records matched the
    query at least as well as ``min_probability`` but belong to no person yet (loaded since the
    last resolve or update). Those are not people, so they are not ranked: a person id of None
    beside a probability read as a certain match of no one (issue 12). Run ``idgraph update``
    (or ``resolve``) and they are searched as people."""

    unresolved: int = 0


@dataclass
class SearchHit:
    """One person found. ``to_dict()``: person_id, name (golden), best_record, probability,
    weight (bits), identifier_score, score, matched_on (identifier kinds agreeing exactly,
    e.g. ["phone"]), reasons (plain words), golden (the golden record)."""

    person_id: str | None
    record_id: str
    probability: float
    weight: float
    golden: dict[str, Any]
    identifier_score: float = 0.0
    matched_on: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(self.probability, self.identifier_score)

    @property
    def name(self) -> str:
        from .neighbourhood import golden_name

        return golden_name(self.golden)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "best_record": self.record_id,
            "probability": round(self.probability, 6),
            "weight": round(self.weight, 3),
            "identifier_score": round(self.identifier_score, 6),
            "score": round(self.score, 6),
            "matched_on": list(self.matched_on),
            "reasons": list(self.reasons),
            "golden": self.golden,
        }


def _query_frame(fields: dict[str, str]) -> pd.DataFrame:
    """The query as a one-record frame, standardised value by value (``standardise.fields``: what
    a load makes of a one-row export, without a chunk's fixed cost)."""
    unknown = set(fields) - set(SEARCH_FIELDS)
    if unknown:
        raise IdentityGraphError(f"unknown search field(s) {sorted(unknown)}; use {list(SEARCH_FIELDS)}")
    if not fields:
        raise IdentityGraphError("give at least one field to search by, e.g. --family-name smith --dob 1980-02-01")
    record, problems = standardise_fields({k: str(v) for k, v in fields.items()})
    if record is None and ({"address", "postcode"} & set(fields)):
        # an address (or postcode) alone identifies nobody, but finds residents: standardise it
        # under a stand-in name, then drop the name
        record, _ = standardise_fields({**{k: str(v) for k, v in fields.items()}, "given_name": "x",
                                        "family_name": "x"})
        if record is not None:
            for c in ("given_name", "family_name", "given_canonical", "given_phonetic", "family_phonetic"):
                record[c] = None
    if record is None:
        reasons = "; ".join(problems) or "nothing usable"
        raise IdentityGraphError(f"the query has no usable identifying field ({reasons})")
    record.update(record_id="query", source="query", source_record_id="query")
    return records_frame([record])


def _address_keys(store: Store, fields: dict[str, str]) -> list[str]:
    """The address keys the query's address text (with its postcode, when given) finds."""
    from .addresses import find_addresses

    text = ", ".join(str(fields[k]) for k in ("address", "postcode") if fields.get(k))
    if not fields.get("address"):
        return []
    return [m["address_key"] for m in find_addresses(store, text, limit=50)]


def search(store: Store, *, limit: int = 10, min_probability: float = 0.01, **fields: str) -> SearchHits:
    """Rank people by how likely they are the person described by ``fields``.

    Only records that belong to a person are ranked; matching records not resolved yet are
    counted in the answer's ``unresolved`` (see ``SearchHits``). A dwelling alone (an address
    and / or a postcode, nothing else) lists the people who lived there, whatever their
    probability.

    >>> # search(store, given_name="Jon", family_name="Smith", dob="01/02/1980", postcode="LS6 2AB")
    """
    latest = store.latest_model()
    if latest is None:
        raise IdentityGraphError("no model yet: run `idgraph resolve` before searching")
    model = Model.from_json(latest[2])
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    if given and set(given) <= {"address", "postcode"}:
        # a dwelling alone: everyone who lived there is an answer (an address or postcode is
        # weak evidence of a person, so the probability floor would leave almost no one)
        min_probability = 0.0
    q = _query_frame(given)
    idents = identifier_rows(q)
    from .neighbourhood import placeholder_values

    ph = placeholder_values(store)
    cands: dict[str, int] = {}
    #: record -> [(kind, value)] of strong identifiers it shares with the query
    strong: dict[str, list[tuple[str, str]]] = {}
    for kind in ("nhs", "ni", "phone", "email", "uprn", "name", "address", "dob", "postcode"):
        vals = idents.loc[idents["kind"] == kind, "value"].tolist()
        if kind == "address":
            vals = sorted(set(vals) | set(_address_keys(store, given)))
        if not vals:
            continue
        found = store.find_records(kind, vals)
        for rid, value in zip(found["record_id"], found["value"], strict=True):
            cands[rid] = cands.get(rid, 0) + 1
            if kind in STRONG_KINDS and value not in ph.get(kind, set()):
                strong.setdefault(rid, []).append((kind, str(value)))
        if len(cands) > MAX_CANDIDATES:
            break
    if not cands:
        return SearchHits()
    ranked = sorted(cands, key=lambda r: (-cands[r], r))[:MAX_CANDIDATES]
    recs = store.records(ranked).drop(columns=["raw"])
    compare = {k: v for s in store.sources() for k, v in s.compare.items()}
    both = pd.concat([q, recs], ignore_index=True)
    both = both.assign(record_id=["~query"] + recs["record_id"].tolist())
    frame, _ = prepare_frame(both, compare)  # sorts: "~query" sorts last
    qpos = int(np.flatnonzero(frame["record_id"].to_numpy() == "~query")[0])
    others = np.array([i for i in range(len(frame)) if i != qpos], dtype=np.int64)
    from ..explain.explain import scored_against

    comps, levels, tf, total = scored_against(store, model, frame, np.full(len(others), qpos), others)
    probs = probability(total)
    contrib = model.contributions(levels, tf)
    conflict = model.conflicts(levels)
    owner = {rid: store.person_of(rid) for rid in sorted(strong)}
    holders: dict[tuple[str, str], set[str]] = {}
    for rid, pairs in strong.items():
        for pair in pairs:
            holders.setdefault(pair, set()).add(owner[rid] or rid)
    best: dict[str, SearchHit] = {}
    unresolved = 0
    for i, (pos, w, p) in enumerate(zip(others, total, probs, strict=True)):
        rid = frame.at[int(pos), "record_id"]
        pairs = strong.get(rid, [])
        contradicted = bool(conflict[i]) or bool((contrib[i] < -CONTRADICTION_BITS).any())
        id_score = 0.0 if contradicted or not pairs else max(1.0 / len(holders[pr]) for pr in pairs)
        if p < min_probability and id_score == 0.0:
            continue
        pid = owner[rid] if rid in owner else store.person_of(rid)
        if pid is None:  # loaded since the last run: a record, not yet a person
            unresolved += 1
            continue
        hit = SearchHit(pid, rid, float(p), float(w), {}, id_score, sorted({k for k, _ in pairs}))
        hit.reasons = _reasons(model, comps, levels[i], contrib[i], pairs, holders, contradicted)
        if pid not in best or (hit.score, hit.probability) > (best[pid].score, best[pid].probability):
            best[pid] = hit
    hits = SearchHits(sorted(best.values(), key=lambda h: (-h.score, -h.probability, h.person_id or h.record_id))[:limit])
    hits.unresolved = unresolved
    for h in hits:
        if h.person_id:
            found = store.person(h.person_id)
            h.golden = found["golden"] if found else {}
    return hits


def _reasons(model: Model, comps: list[Any], levels: np.ndarray, contrib: np.ndarray,
             pairs: list[tuple[str, str]], holders: dict[tuple[str, str], set[str]],
             contradicted: bool) -> list[str]:
    """Why a record was found, in plain words: its identifier matches, then the comparisons
    that added most evidence, then (if any) what contradicts it."""
    from .evidence import phrase

    out = []
    for kind, value in sorted(set(pairs)):
        n = len(holders[(kind, value)])
        who = "held by this person alone" if n == 1 else f"held by {n} people"
        out.append(f"matched on {_KIND_WORDS[kind]} {value} ({who})")
    ranked = sorted(range(len(comps)), key=lambda k: -float(contrib[k]))
    for k in ranked[:3]:
        if contrib[k] > 0.5:
            cw = model.comparisons[k]
            out.append(f"{phrase(cw.kind, cw.labels[int(levels[k])], cw.name)} ({float(contrib[k]):+.1f} bits)")
    if contradicted:
        worst = int(np.argmin(contrib))
        cw = model.comparisons[worst]
        out.append(f"but {phrase(cw.kind, cw.labels[int(levels[worst])], cw.name)} "
                   f"({float(contrib[worst]):+.1f} bits): the identifier match is not counted")
    return out
