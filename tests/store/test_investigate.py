"""Investigator queries answer truthfully on every store: each identifier, link, resident and
path they report can be checked against the records themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.investigate import graph as g
from identity_graph.store.contract import Store
from identity_graph.store.identifiers import identifier_rows
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]


@pytest.fixture(scope="module")
def council_graph(
    store_kind: str,
    store_factory: Callable[[Path], Store],
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp(f"graph_{store_kind}")
    s = store_factory(folder)
    load_council(s, small_council, folder)
    api.resolve(s)
    yield s
    s.close()


def _truth(store: Store) -> pd.DataFrame:
    """Every (person, kind, value) the records hold, computed from the records directly."""
    records = store.records_frame()
    links = pd.concat(list(store.links()), ignore_index=True)
    links["record_id"] = links["source"] + ":" + links["source_record_id"]
    idents = identifier_rows(records)
    return idents.merge(links[["record_id", "person_id"]], on="record_id")


def test_shared_identifiers_are_held_by_exactly_the_people_listed(council_graph: Store) -> None:
    truth = _truth(council_graph)
    shared = g.shared_identifiers(council_graph, min_people=2, limit=20)
    assert len(shared) > 0
    assert shared["people"].is_monotonic_decreasing
    for kind, value, people, ids in shared[["kind", "value", "people", "person_ids"]].itertuples(index=False):
        holders = sorted(truth.loc[(truth.kind == kind) & (truth.value == value), "person_id"].unique())
        assert holders == ids and people == len(ids) >= 2


def test_the_hostel_address_and_the_switchboard_phone_rank_near_the_top(council_graph: Store) -> None:
    top = g.shared_identifiers(council_graph, min_people=2, limit=5)
    assert top["people"].iloc[0] >= 5  # placeholders: shared by implausibly many people


def test_who_holds_a_phone_lists_each_record_holding_it(council_graph: Store) -> None:
    truth = _truth(council_graph)
    phone = truth.loc[truth.kind == "phone", "value"].iloc[0]
    people = g.identifier_people(council_graph, f"phone:{phone}")
    expected = truth.loc[(truth.kind == "phone") & (truth.value == phone)]
    assert sorted(people["record_id"]) == sorted(expected["record_id"])


def test_neighbourhood_links_are_real_shared_identifiers(council_graph: Store) -> None:
    truth = _truth(council_graph)
    centre = g.shared_identifiers(council_graph, kinds=("phone",), min_people=2, limit=1)["person_ids"].iloc[0][0]
    nb = g.neighbourhood(council_graph, centre, depth=2)
    assert nb.people[centre] == 0 and len(nb.people) > 1
    held = set(zip(truth.person_id, truth.kind, truth.value, strict=True))
    for a, b, kind, value in nb.links:
        assert (a, kind, value) in held and (b, kind, value) in held


def test_a_shortest_connection_is_a_chain_of_shared_identifiers(council_graph: Store) -> None:
    truth = _truth(council_graph)
    centre = g.shared_identifiers(council_graph, kinds=("phone",), min_people=2, limit=1)["person_ids"].iloc[0][0]
    nb = g.neighbourhood(council_graph, centre, depth=3)
    far = max(nb.people, key=lambda p: (nb.people[p], p))
    path = g.shortest_connection(council_graph, centre, far)
    assert len(path) == nb.people[far]
    held = set(zip(truth.person_id, truth.kind, truth.value, strict=True))
    assert path[0]["person_id"] == centre and path[-1]["next_person_id"] == far
    for step in path:
        assert (step["person_id"], step["kind"], step["value"]) in held
        assert (step["next_person_id"], step["kind"], step["value"]) in held


def test_residents_of_a_postcode_all_lived_there(council_graph: Store) -> None:
    records = council_graph.records_frame()
    postcode = records["postcode"].value_counts().index[0]
    rows = g.residents(council_graph, postcode.lower())
    assert len(rows) > 0 and (rows["postcode"] == postcode).all()
    for pid in rows["person_id"].unique():
        assert postcode in set(council_graph.person_address_history(pid)["postcode"])


def test_changes_since_a_date_are_newest_first(council_graph: Store) -> None:
    changed = g.changed_since(council_graph, "2000-01-01", limit=50)
    assert len(changed) == 50
    assert changed["updated_at"].is_monotonic_decreasing
    assert g.changed_since(council_graph, "2999-01-01").empty
