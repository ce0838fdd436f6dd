"""One-to-one completion between sources declared ``one_record_per_person`` (ADR 0010).

Sources 0 and 1 are de-duplicated systems; -1 is a source that may hold a person twice.
"""

from __future__ import annotations

import numpy as np

from identity_graph.cluster.components import ScoredPairs
from identity_graph.cluster.one_to_one import complete_one_to_one, unique_source_codes

T = {"possible_threshold": 0.5, "match_threshold": 0.95}


def run(sources, edges, labels=None, conflict=None):
    n = len(sources)
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    p = np.array([e[2] for e in edges], dtype=np.float32)
    c = np.zeros(len(edges), dtype=bool) if conflict is None else np.array(conflict)
    lab = np.arange(n, dtype=np.int64) if labels is None else np.array(labels, dtype=np.int64)
    return complete_one_to_one(lab, np.array(sources, dtype=np.int32), ScoredPairs(a, b, p, c), **T)


def test_a_possible_match_across_two_deduplicated_sources_becomes_one_person():
    labels, changed = run([0, 1], [(0, 1, 0.6)])
    assert labels.tolist() == [0, 0]
    assert changed.tolist() == [False, True]


def test_each_record_takes_its_best_partner_and_the_runner_up_stays_apart():
    # record 0 (source 0) has two candidates in source 1; only the better one joins it
    labels, _ = run([0, 1, 1], [(0, 1, 0.6), (0, 2, 0.8)])
    assert labels.tolist() == [0, 1, 0]


def test_a_person_never_gets_two_records_of_one_deduplicated_source():
    labels, _ = run([0, 1, 0], [(0, 1, 0.9), (1, 2, 0.7)])
    assert labels.tolist() == [0, 0, 2]


def test_sources_not_declared_and_pairs_within_one_source_are_left_alone():
    assert run([-1, 1], [(0, 1, 0.9)])[0].tolist() == [0, 1]
    assert run([0, 0], [(0, 1, 0.9)])[0].tolist() == [0, 1]


def test_weak_edges_match_edges_and_conflicts_are_not_completed():
    assert run([0, 1], [(0, 1, 0.4)])[0].tolist() == [0, 1]
    assert run([0, 1], [(0, 1, 0.99)])[0].tolist() == [0, 1]  # a split decision stands
    assert run([0, 1], [(0, 1, 0.7)], conflict=[True])[0].tolist() == [0, 1]


def test_codes_only_when_two_or_more_sources_are_declared():
    src = np.array(["a", "b", "c"], dtype=object)
    assert unique_source_codes(src, frozenset({"a"})) is None
    assert unique_source_codes(src, frozenset({"a", "c"})).tolist() == [0, -1, 1]
