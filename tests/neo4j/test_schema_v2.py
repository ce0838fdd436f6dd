"""A Neo4j database written by identity-graph before issue 11 (schema v1: event seq per run, no
counter, links without row_hash) migrates forward on open: the stored events are numbered in run
order, the feed continues after them, and links know the rows they clustered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from neo4j import Driver

from identity_graph import api
from identity_graph.store.contract import EVENT_COLUMNS, ResolutionDelta, Store
from identity_graph.store.neo4j.store import SCHEMA_VERSION, Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary, generate

pytestmark = pytest.mark.neo4j

CouncilLoader = Callable[[Store, SynthSummary, Path], Any]

#: what schema v1 held: per-run seq from 0, no feed counter or seq constraint, links without hash
AS_V1 = [
    "DROP CONSTRAINT person_event_seq IF EXISTS",
    "MATCH (m:Meta {key: 'event_seq'}) DELETE m",
    "MATCH (e:PersonEvent) WITH e.run_id AS run, e ORDER BY e.seq "
    "WITH run, collect(e) AS es UNWIND range(0, size(es) - 1) AS i WITH es[i] AS e, i "
    "SET e.seq = i REMOVE e.at, e.detail, e.sources",
    "MATCH (:Person)-[l:HAS_RECORD]->() REMOVE l.row_hash",
    "MATCH (m:Meta {key: 'schema_version'}) SET m.value = 1",
]


def _events_only(latest: tuple[int, str, str], sources: list[str]) -> ResolutionDelta:
    empty = pd.DataFrame()
    return ResolutionDelta(
        settings_json=latest[1], model_json=latest[2], report={}, retired_records=empty, region=[],
        assignment=empty, persons=empty, retired=empty,
        events=pd.DataFrame([{"event": "created", "person_id": "P1", "other_person_id": None, "records": 1,
                              "detail": None, "sources": sources}], columns=EVENT_COLUMNS),
        edges_touching=[], edges=empty, history_people=[], address_history=empty,
    )


def test_a_v1_database_migrates_keeping_its_events_in_order_and_knowing_which_rows_were_clustered(
    neo4j_server: Neo4jForTests, neo4j_driver: Driver, load_council: CouncilLoader, tmp_path: Path
) -> None:
    wipe(neo4j_server)
    council = generate(60, 8, tmp_path / "council")
    with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password) as store:
        load_council(store, council, tmp_path)
        api.resolve(store)
        latest = store.latest_model()
        assert latest is not None
        store.write_update(2, _events_only(latest, ["housing"]))
        events = store.events()
        finished = store.runs().set_index("run_id")["finished"]
        later = store.records_frame()["record_id"].iloc[3]
    assert events["run_id"].drop_duplicates().tolist() == [1, 2]
    with neo4j_driver.session() as s:
        for stmt in AS_V1:
            s.run(stmt).consume()
        # records written well before the last run, but one rewritten after it
        s.run("MATCH (r:Record) SET r.updated_at = '2000-01-01T00:00:00+00:00'").consume()
        s.run("MATCH (r:Record {record_id: $id}) SET r.updated_at = '2999-01-01T00:00:00+00:00'", id=later).consume()

    with Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password) as store:
        assert store.dirty_records() == ([later], [])
        feed = store.changes(0, limit=100_000)
        assert feed["seq"].tolist() == list(range(1, len(events) + 1))
        assert feed[["run_id", "event", "person_id"]].values.tolist() == events[
            ["run_id", "event", "person_id"]
        ].values.tolist()
        assert (feed["at"] == feed["run_id"].map(finished)).all()
        assert all(s == [] for s in feed["sources"])
        store.write_update(3, _events_only(latest, ["council_tax"]))
        assert store.changes(len(events))["seq"].tolist() == [len(events) + 1]
        assert store.changes(0, source="council_tax")["run_id"].tolist() == [3]

    with neo4j_driver.session() as s:
        version = s.run("MATCH (m:Meta {key: 'schema_version'}) RETURN m.value AS v").single()
        assert version is not None and version["v"] == SCHEMA_VERSION
        names = {r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name")}
    assert "person_event_seq" in names
