"""Shared fixtures: small synthetic councils, generated once per test session.

The generator is seeded, so every session sees byte-identical exports. Nothing here reads files
outside the repository: a fresh clone runs the suite as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.store.contract import Store
from identity_graph.store.neo4j.testing import Neo4jForTests, neo4j_for_tests
from identity_graph.synth import SynthSummary, generate
from identity_graph.types import LoadReport

#: (people, seed) of the small council most store and CLI tests use (~750 records)
SMALL_COUNCIL = (400, 5)
#: (people, seed) of the council the accuracy test resolves (~2,900 records)
COUNCIL = (1500, 11)


@pytest.fixture(scope="session")
def small_council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    """A 400-person synthetic council: out/exports/*, out/mappings/*.toml, out/truth.csv."""
    people, seed = SMALL_COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("small_council"))


@pytest.fixture(scope="session")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    """A 1,500-person synthetic council, for the accuracy floor."""
    people, seed = COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("council"))


def _load_council(store: Store, council: SynthSummary, rejects_dir: Path) -> list[LoadReport]:
    """Load every export of a synthetic council with its own mapping, sources in name order."""
    return [
        api.load(
            store,
            council.files[source],
            council.mappings[source],
            rejects_path=rejects_dir / f"{source}.rejects.csv",
        )
        for source in sorted(council.files)
    ]


def _truth_series(council: SynthSummary) -> pd.Series:
    """The generator's true person id per record id (``source:source_record_id``)."""
    truth = pd.read_csv(council.truth, dtype=str)
    return pd.Series(
        truth["person_id"].to_numpy(), index=truth["source"] + ":" + truth["source_record_id"]
    )


def _links_series(store: Store) -> pd.Series:
    """The store's person id per record id, from ``Store.links``."""
    links = pd.concat(list(store.links()), ignore_index=True)
    return pd.Series(
        links["person_id"].to_numpy(), index=links["source"] + ":" + links["source_record_id"]
    )


# Helpers as fixtures (tests/ is not a package, so test modules cannot import this file).
@pytest.fixture(scope="session")
def load_council() -> Callable[[Store, SynthSummary, Path], list[LoadReport]]:
    """``load_council(store, council, rejects_dir)``: load every export with its mapping."""
    return _load_council


@pytest.fixture(scope="session")
def truth_series() -> Callable[[SynthSummary], pd.Series]:
    """``truth_series(council)``: the true person id per record id."""
    return _truth_series


@pytest.fixture(scope="session")
def links_series() -> Callable[[Store], pd.Series]:
    """``links_series(store)``: the store's person id per record id."""
    return _links_series


#: the provisioned test server keeps its data here, never in a developer's .neo4j/
NEO4J_TEST_HOME = Path(__file__).parents[1] / ".neo4j-test"


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jForTests]:
    """One real Neo4j for the whole session: ``NEO4J_URI`` if set (tests may wipe it!), else a
    testcontainers container when a Docker engine answers, else the server provisioned from
    Maven Central. Never skipped: if no server can start, the tests that need one fail."""
    with neo4j_for_tests(NEO4J_TEST_HOME) as server:
        yield server
