"""A resolve writes its run in parts on a writer thread (the edges while the people are built):
whatever fails along the way, the store is left as it was and free for the next writer
(ADR 0043)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api, pipeline
from identity_graph.errors import StaleInputError
from identity_graph.store.contract import Store
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.synth import SynthSummary

pytestmark = pytest.mark.embedded

TABLES = ["runs", "persons", "person_records", "person_events", "event_sources", "edges", "address_history",
          "term_frequencies"]


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of the run's tables, as another process would read them."""
    con = sqlite3.connect(path)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def resolved(tmp_path: Path, small_council: SynthSummary,
             load_council: Callable[[Store, SynthSummary, Path], list]) -> Iterator[EmbeddedStore]:
    """The small council loaded and resolved once, in a file store."""
    store = EmbeddedStore(tmp_path / "store.idgraph.db")
    load_council(store, small_council, tmp_path / "rejects")
    api.resolve(store)
    yield store
    store.close()


def test_a_resolve_failing_while_its_edges_are_written_leaves_the_store_as_it_was(
    resolved: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tables(resolved.path)
    started = []

    def fail(*args: object, **kwargs: object) -> None:
        started.append(resolved.con.in_transaction)  # the run's transaction is open by now
        raise RuntimeError("the people stage failed")

    monkeypatch.setattr(pipeline, "build_people", fail)
    with pytest.raises(RuntimeError, match="people stage failed"):
        api.resolve(resolved)
    assert started == [True]
    assert not resolved.con.in_transaction
    assert _tables(resolved.path) == before

    monkeypatch.undo()
    report = api.resolve(resolved)  # the store is free: the next run (the failed one's number) writes
    assert report.run_id == 2 and [r[0] for r in _tables(resolved.path)["runs"]] == [1, 2]


def test_a_stale_run_is_refused_when_it_starts_writing_not_after_its_people_are_built(
    resolved: EmbeddedStore,
) -> None:
    with pytest.raises(StaleInputError, match="not after the latest recorded run"):
        resolved.start_resolution(1, resolved.records_version())
    with pytest.raises(StaleInputError, match="records were loaded"):
        resolved.start_resolution(resolved.next_run_id(), resolved.records_version() - 1)
    assert not resolved.con.in_transaction


def test_a_part_that_fails_rolls_back_the_parts_written_before_it(resolved: EmbeddedStore) -> None:
    before = _tables(resolved.path)
    edges = pd.DataFrame({"record_a": ["a", "a"], "record_b": ["b", "b"], "weight": [1.0, 1.0],
                          "probability": [0.9, 0.9], "tier": ["match", "match"], "levels": ["1", "1"]})
    resolution = _any_resolution(resolved)
    run = resolved.start_resolution(resolved.next_run_id(), resolved.records_version())
    run.write_edges(edges.iloc[:1], None)  # written on the writer thread, not yet committed
    run.write_edges(edges, None)  # the same pair twice: the primary key refuses it
    with pytest.raises(sqlite3.IntegrityError):
        run.finish(resolution)
    assert _tables(resolved.path) == before
    assert not resolved.con.in_transaction


def _any_resolution(store: EmbeddedStore):  # noqa: ANN202
    """A whole resolution of the store (computed, not written)."""
    from identity_graph.recompute import compare_methods as methods
    from identity_graph.settings import default_settings

    return pipeline.run_pipeline(
        store.records_frame(), settings=default_settings(), compare_methods=methods(store),
        previous=store.current_assignment(), persons_meta=store.persons_meta(),
    ).resolution
