"""The ``neo4j`` fixture: one real Neo4j server for the session (external, container or
provisioned; see ``identity_graph.store.neo4j.testing``). Never skipped: no server, tests fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver, GraphDatabase

from identity_graph.store.neo4j.testing import Neo4jForTests


@pytest.fixture(scope="session")
def neo4j(neo4j_server: Neo4jForTests) -> Neo4jForTests:
    """``(uri, user, password, kind)`` of a running Neo4j (tests/conftest.py: neo4j_server)."""
    return neo4j_server


@pytest.fixture(scope="session")
def neo4j_driver(neo4j: Neo4jForTests) -> Iterator[Driver]:
    """A driver connected to the session's server."""
    with GraphDatabase.driver(neo4j.uri, auth=(neo4j.user, neo4j.password)) as driver:
        driver.verify_connectivity()
        yield driver
