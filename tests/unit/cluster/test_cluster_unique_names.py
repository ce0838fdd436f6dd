"""Attaching records to the only other holder of their full name (ADR 0009).

Four records: 0 and 1 are one cluster (they share a dob); 2 is a name-only record (an electoral
register entry at a new address) joined to 1 by a possible-match edge. Variations add a third
holder of the name, conflicting dobs, a strong-identifier conflict or a weak edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from identity_graph.cluster.components import ScoredPairs, cluster_records
from identity_graph.cluster.unique_names import attach_unique_names, full_name_key

T = {"possible_threshold": 0.5, "match_threshold": 0.95}


def case(names, dobs, edges, conflict=None):
    frame = pd.DataFrame(
        {
            "given_name": [n[0] for n in names],
            "given_canonical": [n[0] for n in names],
            "family_name": [n[1] for n in names],
        },
        dtype=object,
    )
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    p = np.array([e[2] for e in edges], dtype=np.float32)
    c = np.zeros(len(edges), dtype=bool) if conflict is None else np.array(conflict)
    labels = cluster_records(len(names), a, b, p, c, link_threshold=0.5, **T).labels
    dob = np.array(dobs, dtype=object)
    return attach_unique_names(labels, full_name_key(frame), ScoredPairs(a, b, p, c), dob=dob, **T)


ROSE = ("rose", "hollcroft")


def test_a_name_held_by_exactly_two_clusters_joined_by_a_possible_edge_makes_one_person():
    labels, changed = case([ROSE, ROSE, ROSE, ("amir", "khan")], ["2000-03-31", "2000-03-31", None, None],
                           [(0, 1, 0.99), (1, 2, 0.74)])
    assert labels.tolist() == [0, 0, 0, 3]
    assert changed.tolist() == [False, False, True, False]


def test_a_third_holder_of_the_name_leaves_both_apart():
    labels, _ = case([ROSE, ROSE, ROSE, ROSE], ["2000-03-31", "2000-03-31", None, "1961-01-02"],
                     [(0, 1, 0.99), (1, 2, 0.74)])
    assert labels.tolist() == [0, 0, 2, 3]


def test_clusters_that_both_know_dates_of_birth_and_share_none_stay_two_people():
    labels, _ = case([ROSE, ROSE, ROSE], ["2000-03-31", "2000-03-31", "1975-09-08"],
                     [(0, 1, 0.99), (1, 2, 0.74)])
    assert labels.tolist() == [0, 0, 2]


def test_a_strong_identifier_conflict_on_the_edge_keeps_them_apart():
    labels, _ = case([ROSE, ROSE, ROSE], ["2000-03-31", "2000-03-31", None],
                     [(0, 1, 0.99), (1, 2, 0.74)], conflict=[False, True])
    assert labels.tolist() == [0, 0, 2]


def test_an_edge_below_the_possible_threshold_is_not_enough():
    labels, _ = case([ROSE, ROSE, ROSE], ["2000-03-31", "2000-03-31", None],
                     [(0, 1, 0.99), (1, 2, 0.3)])
    assert labels.tolist() == [0, 0, 2]


def test_the_name_must_agree_on_both_sides_of_the_edge():
    labels, _ = case([ROSE, ROSE, ("rosa", "hollcroft")], ["2000-03-31", "2000-03-31", None],
                     [(0, 1, 0.99), (1, 2, 0.8)])
    assert labels.tolist() == [0, 0, 2]


def test_records_without_a_full_name_have_no_key():
    frame = pd.DataFrame({"given_name": ["rose", None, "amir"], "given_canonical": ["rose", None, None],
                          "family_name": ["hollcroft", "khan", None]}, dtype=object)
    assert full_name_key(frame).tolist() == ["rose|hollcroft", None, None]
