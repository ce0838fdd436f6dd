"""The embedded store's side of incremental updates: a schema v1 file migrates forward keeping its
events and its clustered rows, and readers on other connections see an update whole or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.store.contract import EVENT_COLUMNS, ResolutionDelta, Store
from identity_graph.store.embedded import SCHEMA_VERSION, EmbeddedStore
from identity_graph.synth import SynthSummary, generate

pytestmark = pytest.mark.embedded

CouncilLoader = Callable[[Store, SynthSummary, Path], list]


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(80, 4, tmp_path_factory.mktemp("embedded_update_council"))


@pytest.fixture
def path(tmp_path: Path, council: SynthSummary, load_council: CouncilLoader) -> Path:
    """A store file with the council loaded and resolved (run 1), and an update (run 2) that
    appended one event: two runs hold events."""
    p = tmp_path / "store.idgraph.db"
    with EmbeddedStore(p) as store:
        load_council(store, council, tmp_path)
        api.resolve(store)
        latest = store.latest_model()
        assert latest is not None
        store.write_update(2, _events_only(latest, ["housing"]))
    return p


def _as_v1(p: Path) -> None:
    """Turn a store file back into schema v1, as identity-graph before issue 11 wrote it."""
    con = sqlite3.connect(p, isolation_level=None)
    con.executescript(
        """
        BEGIN;
        ALTER TABLE person_records DROP COLUMN row_hash;
        ALTER TABLE record_history DROP COLUMN reason;
        CREATE TABLE old_events(run_id INTEGER, event TEXT, person_id TEXT, other_person_id TEXT, records INTEGER);
        INSERT INTO old_events SELECT run_id, event, person_id, other_person_id, records FROM person_events ORDER BY seq;
        DROP TABLE person_events;
        DROP TABLE event_sources;
        ALTER TABLE old_events RENAME TO person_events;
        UPDATE meta SET value = '1' WHERE key = 'schema_version';
        COMMIT;
        """
    )
    con.close()


def test_a_v1_store_migrates_keeping_its_events_in_order_and_knowing_which_rows_were_clustered(
    path: Path,
) -> None:
    with EmbeddedStore(path) as store:
        events = store.events()
        assert events["run_id"].drop_duplicates().tolist() == [1, 2]
        ids = store.records_frame()["record_id"].tolist()
        finished = store.runs().set_index("run_id")["finished"]
    _as_v1(path)
    later = ids[3]
    con = sqlite3.connect(path, isolation_level=None)
    # records written well before the last run, but one rewritten after it
    con.execute("UPDATE records SET updated_at = '2000-01-01T00:00:00+00:00'")
    con.execute("UPDATE records SET updated_at = '2999-01-01T00:00:00+00:00' WHERE record_id = ?", (later,))
    con.close()

    with EmbeddedStore(path) as store:
        assert store.dirty_records() == ([later], [])
        feed = store.changes(0, limit=100_000)
        assert feed["seq"].tolist() == list(range(1, len(events) + 1))
        pd.testing.assert_frame_equal(
            feed[["run_id", "event", "person_id", "other_person_id"]],
            events[["run_id", "event", "person_id", "other_person_id"]].astype(object).assign(
                run_id=events["run_id"].astype("int64")
            ),
        )
        assert (feed["at"] == feed["run_id"].map(finished)).all()
        assert all(s == [] for s in feed["sources"]) and feed["detail"].isna().all()
        assert store.record_history(ids[0]).columns.tolist()[-1] == "reason"
        # the feed goes on after the migrated events
        latest = store.latest_model()
        assert latest is not None
        store.write_update(3, _events_only(latest, ["council_tax"]))
        assert store.changes(len(events))["seq"].tolist() == [len(events) + 1]
        assert store.changes(0, source="council_tax")["run_id"].tolist() == [3]
        assert store.changes(0, source="housing").empty  # v1 kept no sources

    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    con.close()


def _events_only(latest: tuple[int, str, str], sources: list[str]) -> ResolutionDelta:
    empty = pd.DataFrame()
    return ResolutionDelta(
        settings_json=latest[1], model_json=latest[2], report={}, retired_records=empty, region=[],
        assignment=empty, persons=empty, retired=empty,
        events=pd.DataFrame([{"event": "created", "person_id": "P1", "other_person_id": None, "records": 1,
                              "detail": None, "sources": sources}], columns=EVENT_COLUMNS),
        edges_touching=[], edges=empty, history_people=[], address_history=empty,
    )


def test_readers_on_other_connections_see_each_update_whole_or_not_at_all(path: Path) -> None:
    writer = EmbeddedStore(path)
    reader = EmbeddedStore(path)
    recs = writer.current_assignment().groupby("person_id")["record_id"].agg(sorted)
    a, b = sorted((p for p in recs.index if len(recs[p]) >= 2), key=lambda p: (-len(recs[p]), p))[:2]
    x = recs[a][0]
    region = sorted([*recs[a], *recs[b]])
    latest = writer.latest_model()
    assert latest is not None
    golden = {p: json.dumps(writer.person(p)["golden"]) for p in (a, b)}
    hashes = writer.records_hashes(region)
    sizes = {a: len(recs[a]), b: len(recs[b])}

    def move(to: str, run_id: int) -> ResolutionDelta:
        frm = b if to == a else a
        owner = {r: (a if r in recs[a] else b) for r in region} | {x: to}
        return ResolutionDelta(
            settings_json=latest[1], model_json=latest[2], report={}, retired_records=pd.DataFrame(),
            region=region,
            assignment=pd.DataFrame({"record_id": region, "person_id": [owner[r] for r in region],
                                     "row_hash": [hashes[r] for r in region]}),
            persons=pd.DataFrame([
                {"person_id": to, "created_run": 1, "size": sizes[to] + (to == b), "review": False,
                 "golden": golden[to]},
                {"person_id": frm, "created_run": 1, "size": sizes[frm] - (frm == a), "review": False,
                 "golden": golden[frm]},
            ]),
            retired=pd.DataFrame(),
            events=pd.DataFrame([{"event": "records_added", "person_id": to, "other_person_id": None,
                                  "records": 1, "detail": None, "sources": ["council_tax"]}]),
            edges_touching=[], edges=pd.DataFrame(), history_people=[], address_history=pd.DataFrame(),
        )

    old = set(map(tuple, reader.current_assignment()[["record_id", "person_id"]].itertuples(index=False)))
    moved = (old - {(x, a)}) | {(x, b)}
    states = {frozenset(old), frozenset(moved)}
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(12):
                writer.write_update(3 + i, move(b if i % 2 == 0 else a, 3 + i))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            done.set()

    feed0 = reader.changes(0, limit=1_000_000)
    base = int(feed0["seq"].max()) if len(feed0) else 0  # the resolve's own events come first
    thread = threading.Thread(target=write)
    thread.start()
    while not done.is_set():
        snap = frozenset(map(tuple, reader.current_assignment()[["record_id", "person_id"]].itertuples(index=False)))
        assert snap in states
        feed = reader.changes(base, source="council_tax", limit=1_000)
        assert feed["run_id"].tolist() == list(range(3, 3 + len(feed)))  # whole runs, in order
    thread.join()
    assert not errors, errors
    assert reader.person_of(x) == a  # twelve moves: back where it started
    assert len(reader.changes(base, source="council_tax")) == 12
    writer.close()
    reader.close()
