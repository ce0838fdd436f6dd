"""The same exports loaded into the embedded store and into Neo4j give identical people and
identical answers to every investigator query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.investigate import graph as g
from identity_graph.store.contract import Store
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

pytestmark = pytest.mark.neo4j

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]


@pytest.fixture(scope="module")
def both(
    neo4j_server: Neo4jForTests,
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Store, Store]]:
    folder = tmp_path_factory.mktemp("same_answers")
    wipe(neo4j_server)
    neo = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    emb = EmbeddedStore(folder / "e.idgraph.db")
    for s in (emb, neo):
        load_council(s, small_council, folder)
        api.resolve(s)
    yield emb, neo
    emb.close()
    neo.close()


def test_both_stores_give_the_same_people_with_the_same_ids(both: tuple[Store, Store]) -> None:
    emb, neo = both
    pd.testing.assert_frame_equal(emb.current_assignment(), neo.current_assignment())
    assert emb.stats()["people_by_size"] == neo.stats()["people_by_size"]
    pids = emb.current_assignment()["person_id"].drop_duplicates().sort_values().tolist()[:40]
    for pid in pids:
        assert api.person(emb, pid).golden == api.person(neo, pid).golden
        pd.testing.assert_frame_equal(
            emb.person_address_history(pid).reset_index(drop=True),
            neo.person_address_history(pid).reset_index(drop=True),
            check_dtype=False,
        )


def test_both_stores_answer_every_investigator_query_identically(both: tuple[Store, Store]) -> None:
    emb, neo = both
    shared_e = g.shared_identifiers(emb, min_people=2, limit=30)
    shared_n = g.shared_identifiers(neo, min_people=2, limit=30)
    pd.testing.assert_frame_equal(shared_e, shared_n, check_dtype=False)
    centre = shared_e.loc[shared_e["kind"] == "phone", "person_ids"].iloc[0][0]
    assert g.neighbourhood(emb, centre, 3).to_dict() == g.neighbourhood(neo, centre, 3).to_dict()
    nb = g.neighbourhood(emb, centre, 3)
    far = max(nb.people, key=lambda p: (nb.people[p], p))
    assert g.shortest_connection(emb, centre, far) == g.shortest_connection(neo, centre, far)
    phone = shared_e.loc[shared_e["kind"] == "phone", "value"].iloc[0]
    pd.testing.assert_frame_equal(
        g.identifier_people(emb, f"phone:{phone}"), g.identifier_people(neo, f"phone:{phone}"), check_dtype=False
    )
    postcode = emb.records_frame()["postcode"].value_counts().index[0]
    pd.testing.assert_frame_equal(g.residents(emb, postcode), g.residents(neo, postcode), check_dtype=False)


def test_both_stores_search_and_explain_identically(both: tuple[Store, Store]) -> None:
    emb, neo = both
    rec = emb.records_frame().dropna(subset=["dob", "given_name", "family_name"]).iloc[0]
    query = {"given_name": rec["given_name"], "family_name": rec["family_name"], "dob": rec["dob"]}
    hits_e = [h.to_dict() for h in api.search(emb, **query)]
    hits_n = [h.to_dict() for h in api.search(neo, **query)]
    assert hits_e == hits_n and hits_e
    links = emb.current_assignment()
    multi = links[links.duplicated("person_id", keep=False)].sort_values(["person_id", "record_id"])
    a, b = multi["record_id"].iloc[0], multi["record_id"].iloc[1]
    assert api.explain(emb, a, b).to_dict() == api.explain(neo, a, b).to_dict()


def test_both_stores_give_the_workbench_the_same_graph_alerts_and_addresses(both: tuple[Store, Store]) -> None:
    """The graph data's contract: one shape, the same values, from either store (issue 13)."""
    import json

    emb, neo = both
    shared = g.shared_identifiers(emb, kinds=("phone",), min_people=2, limit=5)
    for pid in sorted({p for ids in shared["person_ids"] for p in ids})[:5]:
        assert json.dumps(api.person_graph(emb, pid)) == json.dumps(api.person_graph(neo, pid))
    assert json.dumps(api.alerts(emb)) == json.dumps(api.alerts(neo))
    rec = emb.records_frame().dropna(subset=["house_number", "street"]).iloc[0]
    typed = f"{rec['house_number']} {rec['street']}"
    assert api.find_addresses(emb, typed) == api.find_addresses(neo, typed)
    pd.testing.assert_frame_equal(api.residents(emb, typed), api.residents(neo, typed), check_dtype=False)
    assert api.search(emb, address=typed)[0].to_dict() == api.search(neo, address=typed)[0].to_dict()
    pd.testing.assert_frame_equal(emb.address_history_all(), neo.address_history_all(), check_dtype=False)
    for source in ("council_tax", "housing"):
        pd.testing.assert_frame_equal(emb.source_records(source), neo.source_records(source), check_dtype=False)
