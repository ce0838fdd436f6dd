"""The ``store`` fixture: every test in tests/store runs once per store implementation.

To add a store, add a factory to ``STORE_FACTORIES`` (name -> callable(tmp_path) returning an
empty, open store) and a pytest marker of the same name in pyproject.toml. A Neo4j factory, for
instance, would connect to ``NEO4J_URL`` (or a testcontainers server), wipe the database and
return ``Neo4jStore(uri)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from identity_graph.store.contract import Store
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe

StoreFactory = Callable[[Path], Store]


def _embedded(tmp_path: Path) -> Store:
    return EmbeddedStore(tmp_path / "store.idgraph.db")


def _neo4j(tmp_path: Path) -> Store:
    # filled in by the neo4j_factory fixture (needs the session's server)
    raise AssertionError("the neo4j factory is provided by the store_factory fixture")


STORE_FACTORIES: dict[str, StoreFactory] = {
    "embedded": _embedded,
    "neo4j": _neo4j,
}

STORE_PARAMS = [pytest.param(name, marks=getattr(pytest.mark, name)) for name in STORE_FACTORIES]





@pytest.fixture(scope="module", params=STORE_PARAMS)
def store_kind(request: pytest.FixtureRequest) -> str:
    """The name of the store implementation under test."""
    return str(request.param)


@pytest.fixture(scope="module")
def store_factory(store_kind: str, request: pytest.FixtureRequest) -> StoreFactory:
    """The factory of the store kind under test: callable(tmp_path) -> empty store.

    Neo4j Community has one database per server, so a Neo4j "fresh store" wipes it: a test
    that holds two stores at once works on the embedded store only.
    """
    if store_kind != "neo4j":
        return STORE_FACTORIES[store_kind]
    server: Neo4jForTests = request.getfixturevalue("neo4j_server")

    def make(tmp_path: Path) -> Store:
        wipe(server)
        return Neo4jStore(server.uri, server.user, server.password)

    return make


@pytest.fixture
def make_store(
    store_kind: str, store_factory: StoreFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], Store]]:
    """Opens fresh, empty stores of the kind under test (each in its own folder); closes them."""
    opened: list[Store] = []

    def make() -> Store:
        s = store_factory(tmp_path_factory.mktemp(store_kind))
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Store:
    """A fresh, empty store of the kind under test."""
    return make_store()
