"""Attaching a lone record to the cluster it is, on average, a possible match for (ADR 0014).

Records 0, 1 and 2 are one person (match edges). Record 3 is sparse (a first name and a
birthplace): a possible match for 0 and 1, compared with 2 too. Variations change the mean over
the compared pairs, add a conflict, a second candidate cluster, or a second lone record.
"""

from __future__ import annotations

import numpy as np

from identity_graph.cluster.components import RecordEvidence, ScoredPairs, cluster_records
from identity_graph.cluster.singletons import attach_singletons

T = {"possible_threshold": 0.5, "link_threshold": 0.5}
PERSON = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99)]


def arrays(edges, conflict=None):
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    p = np.array([e[2] for e in edges], dtype=np.float32)
    c = np.zeros(len(edges), dtype=bool) if conflict is None else np.array(conflict, dtype=bool)
    return a, b, p, c


def attach(n, edges, conflict=None):
    a, b, p, c = arrays(edges, conflict)
    labels = cluster_records(n, a, b, p, c, match_threshold=0.95, **T).labels
    return attach_singletons(labels, ScoredPairs(a, b, p, c), **T)


def test_a_lone_record_possible_for_most_of_a_cluster_joins_it():
    labels, changed, used = attach(4, PERSON + [(0, 3, 0.8), (1, 3, 0.7), (2, 3, 0.2)])
    assert labels.tolist() == [0, 0, 0, 0]
    assert changed.tolist() == [False, False, False, True]
    # every pair between the lone record and the cluster was read, including the weak one
    assert used.tolist() == [False, False, False, True, True, True]


def test_the_mean_over_every_compared_pair_must_reach_the_link_threshold():
    labels, changed, _ = attach(4, PERSON + [(0, 3, 0.8), (1, 3, 0.1), (2, 3, 0.1)])
    assert labels.tolist() == [0, 0, 0, 3]
    assert not changed.any()


def test_weak_pairs_count_as_neutral_in_the_mean():
    # a possible match for 0; with 1 and 2 it shares only an uncommon name (0.2: weak, not found
    # different): 0.5 each in the mean from the floor up, so (0.8 + 0.5 + 0.5) / 3 >= 0.5
    edges = PERSON + [(0, 3, 0.8), (1, 3, 0.2), (2, 3, 0.2)]
    a, b, p, c = arrays(edges)
    labels = cluster_records(4, a, b, p, c, match_threshold=0.95, **T).labels
    assert attach_singletons(labels, ScoredPairs(a, b, p, c), **T)[0].tolist() == [0, 0, 0, 3]
    got, changed, _ = attach_singletons(labels, ScoredPairs(a, b, p, c), **T, weak_floor=0.05)
    assert got.tolist() == [0, 0, 0, 0]
    assert changed.tolist() == [False, False, False, True]


def test_weak_pairs_alone_attach_nothing():
    # neutral pairs dilute the mean but are no candidate edge: a possible edge is still needed
    edges = PERSON + [(0, 3, 0.45), (1, 3, 0.45), (2, 3, 0.45)]
    a, b, p, c = arrays(edges)
    labels = cluster_records(4, a, b, p, c, match_threshold=0.95, **T).labels
    got, _, used = attach_singletons(labels, ScoredPairs(a, b, p, c), **T, weak_floor=0.05)
    assert got.tolist() == [0, 0, 0, 3]
    assert not used.any()


def test_without_a_possible_edge_pairs_below_the_threshold_are_not_read():
    labels, _, used = attach(4, PERSON + [(0, 3, 0.45), (1, 3, 0.45)])
    assert labels.tolist() == [0, 0, 0, 3]
    assert not used.any()


def test_a_strong_identifier_conflict_with_any_member_keeps_it_apart():
    edges = PERSON + [(0, 3, 0.8), (1, 3, 0.8), (2, 3, 0.8)]
    labels, _, _ = attach(4, edges, conflict=[False] * 5 + [True])
    assert labels.tolist() == [0, 0, 0, 3]


def test_of_two_candidate_clusters_the_better_supported_wins():
    # 0-1 one person, 2-3 another; 4 is possible for both, better on average for 2-3
    edges = [(0, 1, 0.99), (2, 3, 0.99), (0, 4, 0.9), (1, 4, 0.3), (2, 4, 0.7), (3, 4, 0.7)]
    labels, _, _ = attach(5, edges)
    assert labels.tolist() == [0, 0, 2, 2, 2]


def test_two_lone_records_never_join_each_other_and_labels_stay_the_smallest_position():
    # records 0 and 1 are alone; 2-3 a cluster; 0 and 1 are each a possible match for it
    edges = [(2, 3, 0.99), (0, 1, 0.9), (0, 2, 0.6), (0, 3, 0.6), (1, 2, 0.2), (1, 3, 0.3)]
    labels, changed, _ = attach(4, edges)
    assert labels.tolist() == [0, 1, 0, 0]
    assert changed.tolist() == [True, False, False, False]


def test_the_cluster_step_runs_it_only_when_switched_on():
    a, b, p, c = arrays(PERSON + [(0, 3, 0.8), (1, 3, 0.7), (2, 3, 0.6)])
    dob = np.full(4, None, dtype=object)
    off = cluster_records(4, a, b, p, c, match_threshold=0.95, **T,
                          evidence=RecordEvidence(None, dob, None))
    on = cluster_records(4, a, b, p, c, match_threshold=0.95, **T,
                         evidence=RecordEvidence(None, dob, None, attach_singletons=True))
    assert off.labels.tolist() == [0, 0, 0, 3]
    assert on.labels.tolist() == [0, 0, 0, 0]
    assert on.attached == 1 and on.review[3]
    assert on.support.tolist() == [False] * 3 + [True] * 3
