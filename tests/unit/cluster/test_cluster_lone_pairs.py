"""Joining two lone records that are each other's only possible match (ADR 0020).

Records 0, 1 and 2 are one person (match edges). Records 3 and 4 are a person seen by two
systems, each record too sparse to match the other outright: one possible-match edge joins
them. Variations add a second partner, a conflict, a weak pair, or a cluster in the way.
"""

from __future__ import annotations

import numpy as np

from identity_graph.cluster.components import RecordEvidence, ScoredPairs, cluster_records
from identity_graph.cluster.lone_pairs import pair_lone_records

T = {"match_threshold": 0.95, "possible_threshold": 0.5, "link_threshold": 0.45}
PERSON = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99)]


def arrays(edges, conflict=None):
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    p = np.array([e[2] for e in edges], dtype=np.float32)
    c = np.zeros(len(edges), dtype=bool) if conflict is None else np.array(conflict, dtype=bool)
    return a, b, p, c


def pair(n, edges, conflict=None):
    a, b, p, c = arrays(edges, conflict)
    labels = cluster_records(n, a, b, p, c, **T).labels
    return pair_lone_records(labels, ScoredPairs(a, b, p, c), possible_threshold=0.5)


def test_two_lone_records_that_are_each_others_only_possible_match_join():
    labels, changed = pair(5, PERSON + [(3, 4, 0.7)])
    assert labels.tolist() == [0, 0, 0, 3, 3]
    assert changed.tolist() == [False, False, False, True, True]


def test_a_lone_record_with_two_possible_partners_stays_alone():
    # 3 is a possible match for 4 and for 5 (two namesakes): which one is not known
    labels, changed = pair(6, PERSON + [(3, 4, 0.7), (3, 5, 0.6)])
    assert labels.tolist() == [0, 0, 0, 3, 4, 5]
    assert not changed.any()


def test_a_partner_with_another_possible_match_is_not_taken():
    # 4's only possible match is 3, but 3 also has a possible match in the cluster 0-1-2
    labels, _ = pair(5, PERSON + [(3, 4, 0.7), (0, 3, 0.6)])
    assert labels.tolist()[3:] == [3, 4]


def test_a_strong_identifier_conflict_keeps_them_apart():
    labels, _ = pair(5, PERSON + [(3, 4, 0.7)], conflict=[False] * 3 + [True])
    assert labels.tolist()[3:] == [3, 4]


def test_a_weak_pair_is_no_possible_match():
    labels, _ = pair(5, PERSON + [(3, 4, 0.3)])
    assert labels.tolist()[3:] == [3, 4]


def test_a_record_in_a_cluster_is_not_a_lone_partner():
    # 2 is a possible match for the lone record 3, but 2 is already with 0 and 1
    edges = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99), (2, 3, 0.7), (0, 3, 0.1), (1, 3, 0.1)]
    labels, changed = pair(4, edges)
    assert labels.tolist() == [0, 0, 0, 3]
    assert not changed.any()


def test_pairs_cannot_chain():
    # 3-4 and 4-5: 4 has two possible partners, so nobody joins
    labels, _ = pair(6, PERSON + [(3, 4, 0.7), (4, 5, 0.7)])
    assert labels.tolist()[3:] == [3, 4, 5]


def test_the_cluster_step_runs_it_only_when_switched_on_and_flags_the_pair():
    a, b, p, c = arrays(PERSON + [(3, 4, 0.7)])
    dob = np.full(5, None, dtype=object)
    off = cluster_records(5, a, b, p, c, **T, evidence=RecordEvidence(None, dob, None))
    on = cluster_records(5, a, b, p, c, **T, evidence=RecordEvidence(None, dob, None, pair_lone_records=True))
    assert off.labels.tolist() == [0, 0, 0, 3, 4]
    assert on.labels.tolist() == [0, 0, 0, 3, 3]
    assert on.attached == 2 and on.review[3] and on.review[4] and not on.review[0]


def test_labels_do_not_depend_on_pair_order():
    edges = PERSON + [(3, 4, 0.7), (5, 6, 0.8)]
    first, _ = pair(7, edges)
    second, _ = pair(7, edges[::-1])
    assert first.tolist() == second.tolist() == [0, 0, 0, 3, 3, 5, 5]
