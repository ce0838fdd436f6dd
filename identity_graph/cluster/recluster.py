"""Recompute people from the graph already in the store, without re-scoring anything.

Operators run this after changing clustering thresholds or when the graph was edited: the
components come from the store itself (GDS weakly connected components in Neo4j, scipy in the
embedded store), the suspicious ones are split by the same average-linkage code as a resolve,
and people are written back with the same stable-id policy. Because a resolve stores every pair
inside every component (match, possible, related and distinct edges), reclustering an unchanged
store reproduces the last resolve exactly: no id changes, no events.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..compare.levels_text import text_to_levels
from ..errors import ModelError
from ..score.model import Model
from ..settings import Settings
from ..store.contract import Resolution, Store
from .components import (
    ClusterResult,
    RecordEvidence,
    SplitFn,
    record_evidence,
    review_reasons,
    split_components,
)
from .decisions import Decisions, decisions_from_frame, describe_constraints

__all__ = ["SplitInputs", "recluster", "split_inputs"]


@dataclass(frozen=True)
class SplitInputs:
    """What the split reads from a store: every record (in the store's order), the stored pairs
    between them as positions, the stored match components, the attach steps' evidence and the
    reviewers' decisions. Read once by :func:`split_inputs`; :meth:`split` may run many times
    (``benchmarks/community_bench.py`` compares splitters on one read)."""

    records: pd.DataFrame
    comp: np.ndarray
    a: np.ndarray
    b: np.ndarray
    prob: np.ndarray
    conflict: np.ndarray
    evidence: RecordEvidence
    decided: Decisions
    decisions: pd.DataFrame
    same_ids: np.ndarray
    apart_ids: np.ndarray
    method: str

    def split(self, settings: Settings, splitter: str | SplitFn | None = None) -> ClusterResult:
        """``split_components`` over these inputs with ``settings`` (its splitter, unless
        ``splitter`` is given)."""
        return split_components(
            len(self.records), self.comp, self.a, self.b, self.prob, self.conflict,
            match_threshold=settings.match_threshold,
            possible_threshold=settings.possible_threshold,
            link_threshold=settings.cluster_link_threshold,
            evidence=self.evidence,
            weak_floor=settings.cluster_weak_floor,
            decisions=self.decided,
            splitter=settings.splitter if splitter is None else splitter,
        )


def split_inputs(store: Store, settings: Settings, model: Model) -> SplitInputs:
    """Read the split's inputs from ``store`` (see :class:`SplitInputs`)."""
    from ..pipeline import prepare_frame
    from ..recompute import compare_methods as _compare_methods
    from ..recompute import unique_sources as one_record_per_person_sources

    records = store.records_frame()
    n = len(records)
    pos = pd.Series(np.arange(n), index=records["record_id"].to_numpy())
    parts = list(store.all_edges())  # a store may hold no edges at all
    edges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"record_a": pd.Series([], dtype=object), "record_b": pd.Series([], dtype=object),
         "probability": pd.Series([], dtype=float), "levels": pd.Series([], dtype=object)})
    edges = edges[edges["record_a"].isin(pos.index) & edges["record_b"].isin(pos.index)]
    a = pos[edges["record_a"]].to_numpy()
    b = pos[edges["record_b"]].to_numpy()
    prob = edges["probability"].to_numpy(dtype=np.float32)
    k = len(model.comparisons)
    levels = text_to_levels(edges["levels"].to_numpy(dtype=object), k)
    conflict = model.conflicts(levels)
    # the resolve's working frame (placeholder dobs removed), in this function's record order
    working = prepare_frame(records, _compare_methods(store))[0].set_index("record_id").loc[records["record_id"]]
    comps, method = store.match_components()
    comp = np.arange(n, dtype=np.int64)
    if len(comps):
        comp[pos[comps["record_id"]].to_numpy()] = pos[comps["component"]].to_numpy()
    decisions = store.decisions()
    decided, same_ids, apart_ids = decisions_from_frame(decisions, records["record_id"].to_numpy(dtype=object))
    evidence = record_evidence(
        working,
        attach_unique_names=settings.attach_unique_names,
        unique_sources=one_record_per_person_sources(store),
        attach_singletons=settings.attach_singletons,
        pair_lone_records=settings.pair_lone_records,
    )
    return SplitInputs(records, comp, a, b, prob, conflict, evidence, decided, decisions, same_ids, apart_ids,
                       method)


def recluster(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    """Recompute clusters in the store; returns a report (run_id, people, events, method)."""
    from ..pipeline import build_people

    t0 = time.perf_counter()
    # what this run is based on, read before its input: the write refuses it if either moved
    run_id, records_version = store.next_run_id(), store.records_version()
    latest = store.latest_model()
    if latest is None:
        raise ModelError("no resolve has run yet: run `idgraph resolve` first")
    settings = settings or Settings.from_json(latest[1])
    inputs = split_inputs(store, settings, Model.from_json(latest[2]))
    records, method, decisions = inputs.records, inputs.method, inputs.decisions
    same_ids, apart_ids = inputs.same_ids, inputs.apart_ids
    n = len(records)
    cl = inputs.split(settings)
    previous = store.current_assignment()
    ids, persons, hist = build_people(records, cl.labels, cl.review, previous, store.persons_meta())
    report = {
        "started": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "recluster": True,
        "components_method": method,
        "records": n,
        "people": int(len(persons)),
        "components": cl.components,
        "split_components": cl.split,
        "attached_unique_names": cl.attached,
        "events": ids.events["event"].value_counts().to_dict(),
        "decisions": describe_constraints(cl.constraints, decisions, same_ids, apart_ids),
        "review_reasons": review_reasons(ids.assignment["person_id"].to_numpy(dtype=object), cl.reasons)
        if cl.reasons is not None else {},
    }
    from ..recompute import with_feed_events

    store.write_resolution(
        run_id,
        with_feed_events(store, previous, Resolution(
            settings_json=settings.to_json(),
            model_json=latest[2],
            report=report,
            assignment=ids.assignment,
            persons=persons,
            retired=ids.retired,
            events=ids.events,
            edges=None,
            address_history=hist,
            term_frequencies=None,
            records_version=records_version,
        )),
    )
    report["run_id"] = run_id
    report["seconds"] = round(time.perf_counter() - t0, 3)
    return report
