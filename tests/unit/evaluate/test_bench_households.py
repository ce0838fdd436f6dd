"""The households benchmark's count: record pairs in one predicted person whose true people are
two people of one dwelling, by relation; other false merges apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.datasets import DatasetError
from benchmarks.households import household_merges, markdown_section, population, relation
from identity_graph.synth.population import Population


@pytest.fixture(scope="module")
def pop() -> Population:
    return population(400, seed=3)


def _couple(pop: Population) -> tuple[int, int]:
    h = int(np.flatnonzero(pop.partner >= 0)[0])
    return int(pop.head[h]), int(pop.partner[h])


def _elsewhere(pop: Population, p: int) -> int:
    home = pop.addr[pop.household[p], 0]
    return int(np.flatnonzero(pop.addr[pop.household, 0] != home)[0])


def _truth(pop: Population, people: list[int]) -> pd.DataFrame:
    """One record per entry of ``people`` (a person may hold several)."""
    return pd.DataFrame(
        {
            "source": "s",
            "source_record_id": [f"r{i}" for i in range(len(people))],
            "person_id": [f"P{p:07d}" for p in people],
            "household_id": [f"H{pop.household[p]:06d}" for p in people],
        }
    )


def _links(ids: list[str]) -> pd.Series:
    return pd.Series(ids, index=[f"s:r{i}" for i in range(len(ids))])


def test_a_couple_in_one_person_is_a_household_false_merge_of_partners(pop: Population) -> None:
    head, partner = _couple(pop)
    assert relation(pop, head, partner) == "partners"
    # head: two records, partner: one; all three in one predicted person -> 2 x 1 record pairs
    out = household_merges(_truth(pop, [head, head, partner]), _links(["A", "A", "A"]), pop)
    assert out["household_record_pairs"] == 2
    assert out["household_people_pairs"] == 1
    assert out["by_relation"]["partners"] == {"people": 1, "records": 2}
    assert out["other_record_pairs"] == 0


def test_people_of_two_dwellings_are_another_false_merge(pop: Population) -> None:
    head, _ = _couple(pop)
    stranger = _elsewhere(pop, head)
    out = household_merges(_truth(pop, [head, stranger]), _links(["A", "A"]), pop)
    assert out["household_record_pairs"] == 0 and out["other_record_pairs"] == 1


def test_people_kept_apart_count_nothing(pop: Population) -> None:
    head, partner = _couple(pop)
    out = household_merges(_truth(pop, [head, head, partner]), _links(["A", "A", "B"]), pop)
    assert out["household_record_pairs"] == 0 and out["other_record_pairs"] == 0
    assert out["predicted_people_mixing_two_or_more"] == 0


def test_a_truth_from_another_population_is_refused(pop: Population) -> None:
    head, partner = _couple(pop)
    truth = _truth(pop, [head, partner])
    truth["household_id"] = "H999999"
    with pytest.raises(DatasetError, match="regenerate"):
        household_merges(truth, _links(["A", "A"]), pop)


def test_the_markdown_table_has_one_row_per_size(pop: Population) -> None:
    head, partner = _couple(pop)
    merges = household_merges(_truth(pop, [head, partner]), _links(["A", "A"]), pop)
    metrics = {"bcubed_precision": 0.5, "bcubed_recall": 1.0, "bcubed_f1": 0.667, "exact_share": 0.0}
    result = {
        "dataset": "synth-400", "records": 2, "metrics": metrics, "households": merges,
        "phases": {"resolve": {"seconds": 1.0}},
    }
    machine = {"date": "d", "cpu": "c", "logical_cores": 2, "ram_gib": 1, "python": "3", "git_commit": "x"}
    text = markdown_section({"command": "c", "machine": machine, "results": [result]})
    assert "| synth-400 | 2 | 1 | 1 | 1 |" in text
