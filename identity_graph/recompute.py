"""One home for recomputing people: what ``resolve``, ``resolve --replay``, ``recluster`` and
``update`` share, below the public API (which, like the CLI, the service and the notebooks,
calls these functions).

* ``resolve``: every record, the model retrained (its context frozen with it: ADR 0026);
* ``resolve --replay``: every record, the stored model *and its context* (placeholders, term
  frequencies), so it scores every pair exactly as the training run would have;
* ``update`` (``identity_graph.live``): only the records changed since the last run and the
  people they touch, with the same frozen model: the same people as a replay would give;
* ``recluster``: no scoring at all, the stored graph re-clustered.
"""

from __future__ import annotations

import json

import pandas as pd

from .compare.library import FrozenTF
from .score.model import Model
from .store.contract import Resolution, Store

__all__ = ["compare_methods", "unique_sources", "frozen_term_frequencies", "with_feed_events"]


def unique_sources(store: Store) -> frozenset[str]:
    """Sources whose mapping declares ``one_record_per_person = true``."""
    out = set()
    for s in store.sources():
        try:
            declared = bool(json.loads(s.mapping_json or "{}").get("one_record_per_person", False))
        except ValueError:
            declared = False
        if declared:
            out.add(s.source)
    return frozenset(out)


def compare_methods(store: Store) -> dict[str, str]:
    """Extra ``[compare]`` fields over every source's mapping: name -> exact | fuzzy."""
    compare: dict[str, str] = {}
    for s in store.sources():
        for name, method in s.compare.items():
            compare[name] = "fuzzy" if "fuzzy" in (method, compare.get(name)) else method
    return compare


def frozen_term_frequencies(store: Store, model: Model, frame: pd.DataFrame) -> dict[str, FrozenTF] | None:
    """The stored model's term frequencies for the values ``frame`` holds, per tf-adjusted
    column; a value the training run never saw (or saw only in another column) counts as seen
    once (``Model.context["tf_floor"]``). None for a model without a frozen context."""
    floors = model.context.get("tf_floor") if model.context else None
    if floors is None:
        return None
    out: dict[str, FrozenTF] = {}
    for c in model.comparisons:
        if not c.tf_adjust or c.column not in floors:
            continue
        values = _distinct(frame, c.column)
        if c.column in ("given_name", "family_name"):  # one vocabulary over both name columns
            values = sorted(set(values) | set(_distinct(frame, "family_name" if c.column == "given_name" else "given_name")))
        stored = store.term_frequencies(c.column, values) if values else {}
        out[c.column] = FrozenTF({v: float(t) for v, t in stored.items() if t and t > 0}, float(floors[c.column]))
    return out


def _distinct(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return []
    v = frame[column].dropna().to_numpy(dtype=object)
    return sorted({str(x) for x in pd.unique(v) if x != ""})


def with_feed_events(store: Store, previous: pd.DataFrame, resolution: Resolution) -> Resolution:
    """The run's stable-id events completed for the change feed (records added and removed,
    details changed, the sources each event touches), against the people the store holds now."""
    from .people.changes import old_goldens, person_events

    golden = dict(zip(resolution.persons["person_id"], resolution.persons["golden"], strict=True))
    continuing = sorted(set(golden) & set(previous["person_id"]))
    resolution.events = person_events(
        resolution.events, previous, resolution.assignment, golden, old_goldens(store, continuing, golden)
    )
    return resolution
