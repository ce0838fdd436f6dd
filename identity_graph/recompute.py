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
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._memory import return_freed_memory
from .compare.library import FrozenTF
from .errors import IdentityGraphError, ModelError, NotFoundError
from .progress import UNKNOWN, Progress, noop
from .score.model import Model
from .settings import Settings, default_settings
from .store.contract import Resolution, Store
from .types import ResolveReport

__all__ = [
    "resolve", "update", "recluster",
    "compare_methods", "unique_sources", "frozen_term_frequencies", "with_feed_events",
]


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


def with_feed_events(store: Any, previous: pd.DataFrame, resolution: Resolution) -> Resolution:
    """The run's stable-id events completed for the change feed (records added and removed,
    details changed, the sources each event touches), against the people the store holds now
    (``store``: what answers ``goldens``, a store or a run it is writing)."""
    from .people.changes import old_goldens, person_events

    golden = dict(zip(resolution.persons["person_id"], resolution.persons["golden"], strict=True))
    continuing = sorted(set(golden) & set(previous["person_id"]))
    resolution.events = person_events(
        resolution.events, previous, resolution.assignment, golden, old_goldens(store, continuing, golden)
    )
    return resolution


def resolve(
    store: Store,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    replay_model: bool = False,
    dry_run: bool = False,
) -> ResolveReport:
    """A full recompute of every record (retrained, or with ``replay_model`` the stored model);
    see ``api.resolve``."""
    from .pipeline import run_pipeline

    return_freed_memory()
    t0 = time.perf_counter()
    progress = progress or noop
    progress("read records", 0, UNKNOWN)
    # what this run is based on, read before its input: the write refuses it (StaleInputError)
    # when another run was recorded or records changed since (ADR 0028)
    run_id, records_version = store.next_run_id(), store.records_version()
    records = store.records_frame()
    if records.empty:
        raise IdentityGraphError("the store has no records; run `idgraph load EXPORT --mapping MAP.toml` first")
    progress("read records", len(records), len(records))
    model = None
    if replay_model:
        latest = store.latest_model()
        if latest is None:
            raise ModelError("no previous run to replay; run resolve without --replay first")
        settings = Settings.from_json(latest[1])
        model = Model.from_json(latest[2])
    settings = settings or default_settings()
    compare = compare_methods(store)
    frozen_tf = None
    if model is not None and model.context:  # a replay scores with the stored frequencies
        frozen_tf = frozen_term_frequencies(store, model, records)
    previous = store.current_assignment()
    # a store that writes a run in parts (the embedded one) starts with the edges, while the
    # people stage runs (ADR 0043); its write lock is taken then, not at the start
    start_run = None if dry_run else getattr(store, "start_resolution", None)
    run: Any = None

    def write_edges(edges: pd.DataFrame, tfs: pd.DataFrame | None) -> None:
        nonlocal run
        if start_run is not None:
            run = start_run(run_id, records_version)
            run.write_edges(edges, tfs)

    def write_links(assignment: pd.DataFrame) -> None:
        if run is not None:
            run.write_links(assignment)

    try:
        result = run_pipeline(
            records,
            settings=settings,
            compare_methods=compare,
            previous=previous,
            persons_meta=store.persons_meta(),
            progress=progress,
            model=model,
            unique_sources=unique_sources(store),
            frozen_tf=frozen_tf,
            decisions=store.decisions(),
            on_edges=write_edges,
            on_links=write_links,
        )
        changes = None
        if dry_run:
            from .cluster.run_diff import run_diff

            changes = run_diff(previous, result.resolution.assignment, result.resolution.events)
        else:
            result.resolution.records_version = records_version
            progress("write", 0, len(records))
            if run is None:
                store.write_resolution(run_id, with_feed_events(store, previous, result.resolution))
            else:
                run.finish(with_feed_events(run, previous, result.resolution))
            progress("write", len(records), len(records))
    except BaseException:
        if run is not None:
            run.abort()
        raise
    rep = result.report
    ev = rep["events"]
    return ResolveReport(
        run_id=run_id,
        records=rep["records"],
        candidate_pairs=rep["candidate_pairs"],
        match_edges=rep["match_edges"],
        possible_edges=rep["possible_edges"],
        related_edges=rep["related_edges"],
        people=rep["people"],
        new_people=int(ev.get("created", 0)),
        merges=int(ev.get("merged", 0)),
        splits=int(ev.get("split", 0)),
        unchanged_people=rep["people"] - int(ev.get("created", 0)),
        flagged_for_review=rep["flagged_for_review"],
        seconds=time.perf_counter() - t0,
        pairs_per_rule={d["rule"]: d["pairs_new"] for d in rep["blocking"]},
        decisions=rep.get("decisions", {}),
        dry_run=dry_run,
        changes=changes,
    )


def update(
    store: Store,
    *,
    retire: Sequence[str] = (),
    reason: str = "deleted",
    index: Any = None,
    dry_run: bool = False,
    changed: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Any:
    """An incremental recompute of what changed since the last run; see ``api.update``."""
    from .live.index import LiveIndex

    # a preview changes the index it runs on in memory: never the caller's warm one
    live = index if index is not None and not dry_run else LiveIndex(store, progress=progress)
    if changed is None:
        changed_ids, gone_ids = store.dirty_records()
    else:
        changed_ids, gone_ids = sorted(set(changed)), []
    retire = sorted(set(retire))
    # a record asked to be retired is retired, even if it changed since the last run
    changed_ids = [c for c in changed_ids if c not in set(retire)]
    unknown = [r for r in retire if r not in live.pos_of]
    if unknown:
        raise NotFoundError(f"no record {unknown[:5]} to retire; record ids look like council_tax:CT000123")
    rows = store.records(changed_ids) if changed_ids else store.records([])
    return live.apply(rows, [*retire, *gone_ids], reason=reason, write=not dry_run, progress=progress)


def recluster(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    """Recompute people from the similarity graph already in the store (no re-scoring): GDS WCC
    in Neo4j when installed, scipy otherwise; same split and stable-id policy as ``resolve``."""
    from .cluster.recluster import recluster as _recluster

    return_freed_memory()
    return _recluster(store, settings)
