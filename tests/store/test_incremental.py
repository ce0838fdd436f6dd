"""Incremental updates (``api.update``) give the people a full replay gives, on every store.

A random sequence of operations — load a held-back export, change some records, retire some
records, a reviewer's keep-apart or same-person decision — each followed by an update, must end in exactly the people that one
``resolve --replay`` over the same records computes (same records per person), and an update
must leave every person it did not touch as it was (same id, same records).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.pipeline import run_pipeline
from identity_graph.recompute import compare_methods, frozen_term_frequencies, unique_sources
from identity_graph.score.model import Model
from identity_graph.settings import Settings
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary

HELD_BACK = ["parking", "web_accounts"]


def _people(assignment: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g) for g in assignment.groupby("person_id")["record_id"].agg(list)}


def _replay_people(store: Store) -> set[frozenset[str]]:
    """What one ``resolve --replay`` over the store's records would give (nothing written)."""
    _, settings_json, model_json = store.latest_model()
    model = Model.from_json(model_json)
    recs = store.records_frame()
    res = run_pipeline(
        recs, settings=Settings.from_json(settings_json), compare_methods=compare_methods(store),
        previous=store.current_assignment(), persons_meta=store.persons_meta(), model=model,
        unique_sources=unique_sources(store), frozen_tf=frozen_term_frequencies(store, model, recs),
        decisions=store.decisions(),
    )
    return _people(res.resolution.assignment)


def _changed_export(council: SynthSummary, tmp: Path, rng: random.Random) -> Path:
    """council_tax's export with a few rows changed (a new surname, a moved postcode)."""
    df = pd.read_csv(council.files["council_tax"], dtype=str, keep_default_na=False)
    rows = rng.sample(range(len(df)), 6)
    name_col = [c for c in df.columns if "NAME" in c.upper()][0]
    for i in rows[:3]:
        df.loc[i, name_col] = df.loc[i, name_col] + "son"
    other = rng.sample(range(len(df)), 3)
    for i, j in zip(rows[3:], other, strict=True):  # someone else's address: a move
        for c in df.columns:
            if "ADDR" in c.upper() or "POST" in c.upper():
                df.loc[i, c] = df.loc[j, c]
    out = tmp / f"council_tax_changed_{rng.random():.6f}.csv"
    df.to_csv(out, index=False)
    return out


def _untouched_kept(before: pd.DataFrame, after: pd.DataFrame, touched: set[str]) -> None:
    b = before.groupby("person_id")["record_id"].agg(frozenset)
    a = after.groupby("person_id")["record_id"].agg(frozenset)
    for pid, recs in b.items():
        if recs & touched:
            continue
        assert a.get(pid) == recs, f"person {pid} was not touched by the update but changed"


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sequence_of_updates_ends_in_the_people_of_one_replay(
    seed: int, make_store: Callable[[], Store], small_council: SynthSummary,
    tmp_path: Path,
) -> None:
    rng = random.Random(seed)
    store = make_store()
    for source in sorted(set(small_council.files) - set(HELD_BACK)):
        api.load(store, small_council.files[source], small_council.mappings[source], rejects_path=tmp_path / "r.csv")
    api.resolve(store)
    assert store.dirty_records() == ([], [])
    index = api.open_live(store)
    ops = ["load:" + s for s in HELD_BACK] + ["change", "retire", "keep-apart", "same-person"]
    rng.shuffle(ops)
    for op in ops:
        before = store.current_assignment()
        if op.startswith("load:"):
            src = op.split(":", 1)[1]
            api.load(store, small_council.files[src], small_council.mappings[src], rejects_path=tmp_path / "r.csv")
            retire: list[str] = []
        elif op == "change":
            api.load(store, _changed_export(small_council, tmp_path, rng), small_council.mappings["council_tax"],
                     rejects_path=tmp_path / "r.csv")
            retire = []
        elif op == "retire":
            retire = rng.sample(sorted(before["record_id"]), 5)
        else:  # a reviewer splits a person, or joins two people
            retire = []
            sizes = before.groupby("person_id")["record_id"].agg(sorted)
            if op == "keep-apart":
                a, b = sizes[sizes.map(len) >= 2].iloc[rng.randrange(int((sizes.map(len) >= 2).sum()))][:2]
            else:
                p, q = rng.sample(sorted(sizes.index), 2)
                a, b = sizes[p][0], sizes[q][0]
            api.decide(store, op, a, b, reason="reviewed", actor="test")
        dirty, _ = store.dirty_records()
        res = api.update(store, retire=retire, index=index)
        after = store.current_assignment()
        assert store.dirty_records() == ([], [])
        assert not set(retire) & set(after["record_id"])
        assert set(dirty) <= set(after["record_id"])
        if op == "keep-apart":
            assert store.person_of(a) != store.person_of(b)
        elif op == "same-person":
            assert store.person_of(a) == store.person_of(b)
        # the people the update did not touch keep their ids and records
        touched = set(res.assignment["record_id"]) | set(retire) | set(dirty)
        _untouched_kept(before, after, touched)
    assert _people(store.current_assignment()) == _replay_people(store)


def test_a_retired_record_leaves_its_person_and_is_kept_in_history(
    make_store: Callable[[], Store], small_council: SynthSummary, tmp_path: Path
) -> None:
    store = make_store()
    for source in sorted(small_council.files):
        api.load(store, small_council.files[source], small_council.mappings[source], rejects_path=tmp_path / "r.csv")
    api.resolve(store)
    sizes = store.current_assignment().groupby("person_id").size()
    pid = str(sizes[sizes >= 2].index[0])
    rec = sorted(store.person_records(pid)["record_id"])[0]
    res = api.update(store, retire=[rec], reason="account closed")
    assert store.person_of(rec) is None
    assert rec not in set(store.records([rec])["record_id"])
    assert len(store.record_history(rec)) >= 1
    assert len(store.person_records(pid)) == sizes[pid] - 1
    feed = api.changes(store, after=0)
    removed = feed[(feed["event"] == "records_removed") & (feed["person_id"] == pid)]
    assert len(removed) == 1 and rec in removed["detail"].iloc[0]
    assert res.records_retired == 1


def test_an_update_that_fails_leaves_the_store_as_it_was_and_the_index_refused(
    make_store: Callable[[], Store], small_council: SynthSummary, tmp_path: Path
) -> None:
    from identity_graph.errors import StaleIndexError

    store = make_store()
    for source in sorted(set(small_council.files) - {"parking"}):
        api.load(store, small_council.files[source], small_council.mappings[source], rejects_path=tmp_path / "r.csv")
    api.resolve(store)
    index = api.open_live(store)
    api.load(store, small_council.files["parking"], small_council.mappings["parking"], rejects_path=tmp_path / "r.csv")
    before = store.current_assignment()
    broken = store.write_update

    def fail(run_id: int, delta: object) -> None:
        raise RuntimeError("disk full")

    store.write_update = fail  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="disk full"):
        api.update(store, index=index)
    store.write_update = broken  # type: ignore[method-assign]
    assert store.current_assignment().equals(before)  # nothing written
    with pytest.raises(StaleIndexError):  # the half-changed index is not used again
        api.update(store, index=index)
    assert api.update(store).records_changed > 0  # a fresh index does the update
    assert store.dirty_records() == ([], [])
