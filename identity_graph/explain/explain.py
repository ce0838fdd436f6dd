"""Why two records are (or are not) the same person: a field-by-field waterfall of evidence.

Uses the model the latest resolve trained, so the numbers are exactly those that run used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..compare.library import CompareContext, Comparison
from ..errors import IdentityGraphError, ModelError, NotFoundError
from ..investigate.evidence import evidence_path, phrase
from ..pipeline import prepare_frame
from ..score.model import TF_CLAMP, TF_MIN, Model, probability
from ..settings import ComparisonSpec
from ..store.contract import Store

__all__ = ["Explanation", "explain", "scored_against", "model_comparisons", "strongest_pair"]

#: records per side that ``strongest_pair`` compares (a person with more: the first, by id)
MAX_SIDE = 100


@dataclass
class Explanation:
    record_a: str
    record_b: str
    prior_weight: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    total_weight: float = 0.0
    probability: float = 0.0
    same_person: bool = False
    person_a: str | None = None
    person_b: str | None = None
    tier: str | None = None
    #: two records of one person without a match / possible edge between them: the strongest
    #: chain of edges joining them inside the person (``investigate.evidence.EvidencePath``)
    path: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_a": self.record_a,
            "record_b": self.record_b,
            "prior_weight": self.prior_weight,
            "comparisons": self.rows,
            "total_weight": self.total_weight,
            "probability": self.probability,
            "same_person": self.same_person,
            "person_a": self.person_a,
            "person_b": self.person_b,
            "tier": self.tier,
            "path": self.path,
        }


def _latest(store: Store) -> Model:
    latest = store.latest_model()
    if latest is None:
        raise ModelError("no model yet: run `idgraph resolve` first")
    return Model.from_json(latest[2])


def model_comparisons(model: Model, ctx: CompareContext) -> list[Comparison]:
    specs = [
        ComparisonSpec(c.name, c.kind, c.column, tf_adjust=c.tf_adjust, keep_apart=c.keep_apart)
        for c in model.comparisons
    ]
    from ..compare.library import KINDS

    # every comparison of the model, also those with no data in this (small) frame: their
    # level is then "missing" (``build_comparisons`` would leave them out)
    return [KINDS[s.kind](s, ctx) for s in specs]


def _tf_adjust(store: Store, model: Model, comps: list[Comparison], frame: pd.DataFrame,
               levels: np.ndarray, a_pos: np.ndarray) -> np.ndarray:
    """(pairs, comparisons) matrix of TF adjustments using the stored term frequencies."""
    out = np.zeros(levels.shape, dtype=np.float64)
    for k, (c, cw) in enumerate(zip(comps, model.comparisons, strict=True)):
        if not cw.tf_adjust or c.spec.column not in frame.columns:
            continue
        at = levels[:, k] == cw.tf_level
        if not at.any():
            continue
        vals = frame[c.spec.column].to_numpy(dtype=object)[a_pos[at]]
        tfs = store.term_frequencies(c.spec.column, sorted({str(v) for v in vals if v is not None}))
        u_exact = max(cw.u[cw.tf_level], TF_MIN)
        adj = [np.log2(u_exact / max(tfs.get(str(v), u_exact), TF_MIN)) for v in vals]
        out[at, k] = np.clip(adj, -TF_CLAMP, TF_CLAMP)
    return out


def scored_against(store: Store, model: Model, frame: pd.DataFrame, ia: np.ndarray, ib: np.ndarray
                   ) -> tuple[list[Comparison], np.ndarray, np.ndarray, np.ndarray]:
    """Levels, per-comparison TF adjustments and total weights of pairs within ``frame``."""
    ctx = CompareContext(frame, workers=1)
    comps = model_comparisons(model, ctx)
    levels = np.empty((len(ia), len(comps)), dtype=np.int8)
    for k, c in enumerate(comps):
        levels[:, k] = c.levels(ia, ib)
    tf = _tf_adjust(store, model, comps, frame, levels, ia)
    total = model.score(levels, tf)
    return comps, levels, tf, total


def explain(store: Store, record_a: str, record_b: str) -> Explanation:
    """Field-by-field evidence and weights between two records (``source:source_record_id``)."""
    model = _latest(store)
    recs = store.records([record_a, record_b])
    missing = {record_a, record_b} - set(recs["record_id"])
    if missing:
        raise NotFoundError(f"no record {sorted(missing)}; record ids look like council_tax:CT000123")
    compare = {k: v for s in store.sources() for k, v in s.compare.items()}
    frame, _ = prepare_frame(recs.drop(columns=["raw"]), compare)
    frame = frame.set_index("record_id").loc[[record_a, record_b]].reset_index()
    comps, levels, tf, total = scored_against(store, model, frame, np.array([0]), np.array([1]))
    exp = Explanation(record_a, record_b, model.prior_weight)
    for k, (c, cw) in enumerate(zip(comps, model.comparisons, strict=True)):
        lv = int(levels[0, k])
        col = c.spec.column
        va = frame.at[0, col] if col in frame.columns else None
        vb = frame.at[1, col] if col in frame.columns else None
        w = float(cw.weights()[lv])
        exp.rows.append(
            {
                "comparison": c.name,
                "value_a": va,
                "value_b": vb,
                "level": cw.labels[lv],
                "evidence": phrase(cw.kind, cw.labels[lv], cw.name),
                "m": cw.m[lv] if lv else None,
                "u": cw.u[lv] if lv else None,
                "weight": round(w, 3),
                "tf_adjustment": round(float(tf[0, k]), 3),
            }
        )
    exp.total_weight = float(total[0])
    exp.probability = float(probability(total[0]))
    exp.person_a, exp.person_b = store.person_of(record_a), store.person_of(record_b)
    exp.same_person = exp.person_a is not None and exp.person_a == exp.person_b
    e = store.edges([record_a])
    hit = e[((e.record_a == record_a) & (e.record_b == record_b)) | ((e.record_a == record_b) & (e.record_b == record_a))]
    exp.tier = str(hit["tier"].iloc[0]) if len(hit) else None
    if exp.same_person and exp.tier not in ("match", "possible"):
        exp.path = dict(evidence_path(store, record_a, record_b))
    return exp


def _records_of(store: Store, identifier: str) -> list[str]:
    """A record id as itself; a person id (or an id merged into one) as its records, by id."""
    if ":" in identifier:
        if store.records([identifier]).empty:
            raise NotFoundError(f"no record {identifier!r}; record ids look like council_tax:CT000123")
        return [identifier]
    from ..api import person

    return sorted(str(r) for r in person(store, identifier).records["record_id"])[:MAX_SIDE]


def strongest_pair(store: Store, a: str, b: str) -> tuple[str, str, int]:
    """(record of ``a``, record of ``b``, pairs compared): of the two sides' records (a record
    id, or a person's records), the pair whose evidence is strongest under the latest model,
    the first in record-id order on a tie. What to explain when asked about people."""
    side_a, side_b = _records_of(store, a), _records_of(store, b)
    pairs = [(x, y) for x in side_a for y in side_b if x != y]
    if not pairs:
        raise IdentityGraphError(f"{a} and {b} are one and the same record: nothing to compare")
    if len(pairs) == 1:
        return pairs[0][0], pairs[0][1], 1
    model = _latest(store)
    recs = store.records(sorted(set(side_a) | set(side_b)))
    compare = {k: v for s in store.sources() for k, v in s.compare.items()}
    frame, _ = prepare_frame(recs.drop(columns=["raw"]), compare)
    frame = frame.reset_index(drop=True)
    pos = {rid: i for i, rid in enumerate(frame["record_id"])}
    ia = np.array([pos[x] for x, _ in pairs], dtype=np.int64)
    ib = np.array([pos[y] for _, y in pairs], dtype=np.int64)
    _, _, _, total = scored_against(store, model, frame, ia, ib)
    best = int(np.argmax(total))
    return pairs[best][0], pairs[best][1], len(pairs)


def explanation_json(exp: Explanation) -> str:
    return json.dumps(exp.to_dict(), default=str, indent=2)
