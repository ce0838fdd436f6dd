"""A resolve writes people, HAS_RECORD links and address histories differentially: what did not
change is not rewritten, and whatever the stored graph holds (a half-written run, links removed
by hand) the next write converges on exactly the run's graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from identity_graph import api
from identity_graph.store.contract import Store
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary

pytestmark = pytest.mark.neo4j

CouncilLoader = Callable[[Store, SynthSummary, Path], Any]

LINKS = """
MATCH (p:Person)-[h:HAS_RECORD]->(r:Record)
RETURN elementId(h) AS rel, p.person_id AS person_id, r.record_id AS record_id
ORDER BY record_id
"""
HISTORY = """
MATCH (p:Person)-[l:LIVED_AT]->(a:Identifier)
RETURN elementId(l) AS rel, p.person_id AS person_id, a.key AS node_key, l.first_seen AS first_seen,
       l.last_seen AS last_seen, l.sources AS sources, l.is_current AS is_current
ORDER BY person_id, node_key
"""


def _rows(driver: Driver, text: str) -> list[dict[str, Any]]:
    with driver.session() as s:
        return [r.data() for r in s.run(text)]


def _without_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "rel"} for r in rows]


@pytest.fixture
def resolved(
    neo4j_server: Neo4jForTests, small_council: SynthSummary, load_council: CouncilLoader, tmp_path: Path
) -> Neo4jStore:
    wipe(neo4j_server)
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    load_council(store, small_council, tmp_path)
    api.resolve(store)
    return store


def test_reclustering_an_unchanged_graph_rewrites_no_link_and_no_history(
    resolved: Neo4jStore, neo4j_driver: Driver
) -> None:
    links, history = _rows(neo4j_driver, LINKS), _rows(neo4j_driver, HISTORY)
    assert links and history

    api.recluster(resolved)

    assert _rows(neo4j_driver, LINKS) == links  # the same relationships, not recreated copies
    assert _rows(neo4j_driver, HISTORY) == history
    resolved.close()


def test_a_damaged_graph_is_repaired_by_the_next_run(resolved: Neo4jStore, neo4j_driver: Driver) -> None:
    links, history = _without_ids(_rows(neo4j_driver, LINKS)), _without_ids(_rows(neo4j_driver, HISTORY))
    with neo4j_driver.session() as s:  # what a run killed half-way (or a hand edit) could leave
        s.run(
            "CREATE (x:Person {person_id: 'Pstray', status: 'retired'}) WITH x "
            "MATCH (r:Record) WITH x, r ORDER BY r.record_id LIMIT 5 CREATE (x)-[:HAS_RECORD]->(r)"
        ).consume()
        s.run(
            "MATCH (p:Person)-[l:LIVED_AT]->() WITH p, l ORDER BY p.person_id LIMIT 10 "
            "DELETE l SET p.history_hash = null"
        ).consume()

    api.recluster(resolved)

    assert _without_ids(_rows(neo4j_driver, LINKS)) == links
    assert _without_ids(_rows(neo4j_driver, HISTORY)) == history
    resolved.close()
