""""Who is this resident?": score a query against the store's records, answer with people.

The query is standardised like any record, candidates are looked up by identifier (phone,
email, NHS/NI number, name, dob, postcode, address), scored with the latest model, and ranked
by the best match probability per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._search_fields import SEARCH_FIELDS
from ..errors import IdentityGraphError
from ..ingest.mapping import SourceMapping
from ..pipeline import prepare_frame
from ..score.model import Model, probability
from ..standardise.record import standardise_chunk
from ..store.contract import Store
from ..store.identifiers import identifier_rows

__all__ = ["SearchHit", "SearchHits", "search", "SEARCH_FIELDS"]

MAX_CANDIDATES = 5000


class SearchHits(list["SearchHit"]):
    """The people found, best first (a list), and ``unresolved``: how many records matched the
    query at least as well as ``min_probability`` but belong to no person yet (loaded since the
    last resolve or update). Those are not people, so they are not ranked: a person id of None
    beside a probability read as a certain match of no one (issue 12). Run ``idgraph update``
    (or ``resolve``) and they are searched as people."""

    unresolved: int = 0


@dataclass
class SearchHit:
    person_id: str | None
    record_id: str
    probability: float
    weight: float
    golden: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "best_record": self.record_id,
            "probability": round(self.probability, 6),
            "weight": round(self.weight, 3),
            "golden": self.golden,
        }


def _query_frame(fields: dict[str, str]) -> pd.DataFrame:
    unknown = set(fields) - set(SEARCH_FIELDS)
    if unknown:
        raise IdentityGraphError(f"unknown search field(s) {sorted(unknown)}; use {list(SEARCH_FIELDS)}")
    if not fields:
        raise IdentityGraphError("give at least one field to search by, e.g. --family-name smith --dob 1980-02-01")
    raw = pd.DataFrame([{**{k: str(v) for k, v in fields.items()}, "__id": "query", "__row__": 1}], dtype=object)
    mapping = SourceMapping.from_dict(
        {"source": "query", "id": "__id", "fields": {k: k for k in fields}}, "<search>"
    )
    std = standardise_chunk(raw, mapping, "<search>")
    if std.frame.empty:
        reasons = "; ".join(r.reason for r in std.rejects) or "nothing usable"
        raise IdentityGraphError(f"the query has no usable identifying field ({reasons})")
    return std.frame.drop(columns=["row_hash", "raw", "__row__"]).assign(trust=0)


def search(store: Store, *, limit: int = 10, min_probability: float = 0.01, **fields: str) -> SearchHits:
    """Rank people by how likely they are the person described by ``fields``.

    Only records that belong to a person are ranked; matching records not resolved yet are
    counted in the answer's ``unresolved`` (see ``SearchHits``).

    >>> # search(store, given_name="Jon", family_name="Smith", dob="01/02/1980", postcode="LS6 2AB")
    """
    latest = store.latest_model()
    if latest is None:
        raise IdentityGraphError("no model yet: run `idgraph resolve` before searching")
    model = Model.from_json(latest[2])
    q = _query_frame({k: v for k, v in fields.items() if v not in (None, "")})
    idents = identifier_rows(q)
    cands: dict[str, int] = {}
    for kind in ("nhs", "ni", "phone", "email", "uprn", "name", "address", "dob", "postcode"):
        vals = idents.loc[idents["kind"] == kind, "value"].tolist()
        if not vals:
            continue
        found = store.find_records(kind, vals)
        for rid in found["record_id"]:
            cands[rid] = cands.get(rid, 0) + 1
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

    _, _, _, total = scored_against(store, model, frame, np.full(len(others), qpos), others)
    probs = probability(total)
    best: dict[str, SearchHit] = {}
    unresolved = 0
    for pos, w, p in zip(others, total, probs, strict=True):
        if p < min_probability:
            continue
        rid = frame.at[int(pos), "record_id"]
        pid = store.person_of(rid)
        if pid is None:  # loaded since the last run: a record, not yet a person
            unresolved += 1
            continue
        if pid not in best or p > best[pid].probability:
            best[pid] = SearchHit(pid, rid, float(p), float(w), {})
    hits = SearchHits(sorted(best.values(), key=lambda h: (-h.probability, h.person_id or h.record_id))[:limit])
    hits.unresolved = unresolved
    for h in hits:
        if h.person_id:
            person = store.person(h.person_id)
            h.golden = person["golden"] if person else {}
    return hits
