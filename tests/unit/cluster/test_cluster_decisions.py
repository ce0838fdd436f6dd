"""Reviewers' decisions in clustering (ADR 0024): keep-apart is never merged, even through a
chain; same-person is always joined unless a keep-apart contradicts it, which is reported.

Records are positions 0..n-1; edges are (a, b, probability). Thresholds: match 0.95, possible
0.5, link 0.45.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.cluster.components import (
    REVIEW_REASONS,
    RecordEvidence,
    cluster_records,
    review_reasons,
    split_components,
)
from identity_graph.cluster.decisions import (
    ApartGuard,
    Decisions,
    guarded_union,
    resolve_constraints,
)

T = {"match_threshold": 0.95, "possible_threshold": 0.5, "link_threshold": 0.45}


def arrays(edges, conflict=None):
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    p = np.array([e[2] for e in edges], dtype=np.float32)
    c = np.zeros(len(edges), dtype=bool) if conflict is None else np.array(conflict, dtype=bool)
    return a, b, p, c


def cluster(n, edges, decisions=None, evidence=None, conflict=None):
    a, b, p, c = arrays(edges, conflict)
    return cluster_records(n, a, b, p, c, **T, evidence=evidence, decisions=decisions)


def people(labels) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(np.asarray(labels).tolist()):
        groups.setdefault(lab, []).append(i)
    return sorted(groups.values())


# -- keep-apart ---------------------------------------------------------------------------------


def test_a_keep_apart_pair_joined_by_a_strong_match_edge_is_split():
    # a father and son at one address with one landline: one match edge, p = 0.9987
    res = cluster(2, [(0, 1, 0.9987)], Decisions.from_pairs(apart=[(0, 1)]))
    assert people(res.labels) == [[0], [1]]


def test_a_chain_a_b_c_with_a_and_c_kept_apart_is_cut_at_its_weaker_link():
    # A-B and B-C are both matches; A and C are two people: B goes with the better-linked one
    res = cluster(3, [(0, 1, 0.99), (1, 2, 0.97)], Decisions.from_pairs(apart=[(0, 2)]))
    assert people(res.labels) == [[0, 1], [2]]
    res = cluster(3, [(0, 1, 0.97), (1, 2, 0.99)], Decisions.from_pairs(apart=[(0, 2)]))
    assert people(res.labels) == [[0], [1, 2]]


def test_a_long_chain_never_holds_the_kept_apart_ends_together():
    edges = [(i, i + 1, 0.99) for i in range(7)]
    res = cluster(8, edges, Decisions.from_pairs(apart=[(0, 7)]))
    assert all(not {0, 7} <= set(p) for p in people(res.labels))


def test_without_a_decision_the_same_chain_is_one_person():
    assert people(cluster(3, [(0, 1, 0.99), (1, 2, 0.97)]).labels) == [[0, 1, 2]]


def test_empty_decisions_change_nothing():
    edges = [(0, 1, 0.99), (1, 2, 0.97), (2, 3, 0.2), (0, 3, 0.6), (4, 5, 0.7)]
    plain = cluster(6, edges)
    with_none = cluster(6, edges, Decisions())
    assert plain.labels.tolist() == with_none.labels.tolist()
    assert plain.review.tolist() == with_none.review.tolist()


def test_the_unique_name_attach_refuses_a_join_that_would_hold_a_keep_apart_pair():
    # 0-1 one person, 2 alone; 1 and 2 are the only two holders of a name, joined by a possible
    # edge: attached, unless 0 and 2 are kept apart
    names = np.array(["x", "ann|lee", "ann|lee"], dtype=object)
    ev = RecordEvidence(names, np.full(3, None, dtype=object), None)
    assert people(cluster(3, [(0, 1, 0.99), (1, 2, 0.7)], evidence=ev).labels) == [[0, 1, 2]]
    kept = cluster(3, [(0, 1, 0.99), (1, 2, 0.7)], Decisions.from_pairs(apart=[(0, 2)]), ev)
    assert people(kept.labels) == [[0, 1], [2]]


def test_the_lone_record_attach_refuses_a_join_that_would_hold_a_keep_apart_pair():
    ev = RecordEvidence(None, np.full(3, None, dtype=object), None, attach_singletons=True)
    edges = [(0, 1, 0.99), (0, 2, 0.7), (1, 2, 0.6)]
    assert people(cluster(3, edges, evidence=ev).labels) == [[0, 1, 2]]
    kept = cluster(3, edges, Decisions.from_pairs(apart=[(1, 2)]), ev)
    assert people(kept.labels) == [[0, 1], [2]]


def test_the_lone_pair_step_refuses_a_keep_apart_pair():
    ev = RecordEvidence(None, np.full(2, None, dtype=object), None, pair_lone_records=True)
    assert people(cluster(2, [(0, 1, 0.7)], evidence=ev).labels) == [[0, 1]]
    assert people(cluster(2, [(0, 1, 0.7)], Decisions.from_pairs(apart=[(0, 1)]), ev).labels) == [[0], [1]]


def test_the_one_to_one_step_refuses_a_link_that_would_hold_a_keep_apart_pair():
    # sources 0 and 1 are de-duplicated; records 0 (source 0) and 1 (source 1) link one-to-one,
    # but record 0's person already holds record 2, kept apart from 1
    unique = np.array([0, 1, -1], dtype=np.int32)
    ev = RecordEvidence(None, np.full(3, None, dtype=object), unique)
    edges = [(0, 1, 0.7), (0, 2, 0.99)]
    assert people(cluster(3, edges, evidence=ev).labels) == [[0, 1, 2]]
    assert people(cluster(3, edges, Decisions.from_pairs(apart=[(1, 2)]), ev).labels) == [[0, 2], [1]]


def test_the_guard_refuses_a_chain_of_attaches_not_just_one():
    labels = np.arange(4, dtype=np.int64)
    # join 0-1, 1-2, 2-3 in that order; 0 and 3 kept apart: the last join would chain them
    new, made = guarded_union(labels, np.array([0, 1, 2]), np.array([1, 2, 3]), Decisions.from_pairs(apart=[(0, 3)]))
    assert made.tolist() == [True, True, False]
    assert people(new) == [[0, 1, 2], [3]]


def test_the_guard_names_the_keep_apart_pair_that_blocks_a_join():
    g = ApartGuard(None, Decisions.from_pairs(apart=[(0, 3), (5, 6)]))
    assert g.join(0, 1) and g.join(3, 4)
    assert g.blocking(1, 4) == (0, 3)
    assert g.blocking(1, 6) is None


# -- same-person --------------------------------------------------------------------------------


def test_a_same_person_pair_that_no_edge_joins_is_one_person():
    res = cluster(3, [(0, 1, 0.2)], Decisions.from_pairs(same=[(0, 2)]))
    assert people(res.labels) == [[0, 2], [1]]


def test_a_same_person_decision_joins_two_whole_people():
    edges = [(0, 1, 0.99), (2, 3, 0.99), (1, 2, 0.1)]
    assert people(cluster(4, edges).labels) == [[0, 1], [2, 3]]
    assert people(cluster(4, edges, Decisions.from_pairs(same=[(1, 3)])).labels) == [[0, 1, 2, 3]]


def test_a_same_person_pair_survives_the_split_of_a_chained_component():
    # 0-1-2-3 chained, 0/3 found different (0.01): the split cuts it; 1 and 2 are said to be one
    edges = [(0, 1, 0.99), (1, 2, 0.96), (2, 3, 0.99), (0, 3, 0.01), (0, 2, 0.02), (1, 3, 0.02)]
    plain = cluster(4, edges)
    assert people(plain.labels) == [[0, 1], [2, 3]]
    joined = cluster(4, edges, Decisions.from_pairs(same=[(1, 2)]))
    assert [1, 2] in [[r for r in p if r in (1, 2)] for p in people(joined.labels)]


def test_same_person_and_keep_apart_together_give_both():
    edges = [(0, 1, 0.99), (1, 2, 0.99)]
    res = cluster(4, edges, Decisions.from_pairs(same=[(2, 3)], apart=[(0, 2)]))
    labels = res.labels
    assert labels[2] == labels[3] and labels[0] != labels[2]


# -- contradictions -----------------------------------------------------------------------------


def test_a_same_person_decision_contradicted_through_other_decisions_is_refused_and_reported():
    # A=B (oldest), B=C, A≠C: honouring B=C would put A and C together through A=B
    d = Decisions.from_pairs(same=[(0, 1), (1, 2)], apart=[(0, 2)])
    res = cluster(3, [], d)
    assert people(res.labels) == [[0, 1], [2]]
    assert res.constraints is not None
    assert res.constraints.honoured.tolist() == [True, False]
    assert res.constraints.contradicted.tolist() == [1]
    assert res.constraints.blocked_by.tolist() == [-1, 0]


def test_a_direct_contradiction_keeps_the_records_apart():
    c = resolve_constraints(2, Decisions.from_pairs(same=[(0, 1)], apart=[(0, 1)]))
    assert c.honoured.tolist() == [False] and c.blocked_by.tolist() == [0]
    res = cluster(2, [(0, 1, 0.99)], Decisions.from_pairs(same=[(0, 1)], apart=[(0, 1)]))
    assert people(res.labels) == [[0], [1]]


def test_the_older_same_person_decision_wins_a_contradiction():
    c = resolve_constraints(3, Decisions.from_pairs(same=[(1, 2), (0, 1)], apart=[(0, 2)]))
    assert c.honoured.tolist() == [True, False]
    assert c.must.tolist() == [0, 1, 1]


# -- review flags -------------------------------------------------------------------------------


def test_people_split_from_a_chain_are_flagged_with_the_reason():
    edges = [(0, 1, 0.99), (1, 2, 0.96), (2, 3, 0.99), (0, 3, 0.01), (0, 2, 0.02), (1, 3, 0.02)]
    res = cluster(4, edges)
    assert res.review.all()
    assert review_reasons(np.array(["P", "P", "Q", "Q"], dtype=object), res.reasons) == {
        "P": ["split"], "Q": ["split"],
    }


def test_people_holding_a_decided_record_are_not_flagged():
    edges = [(0, 1, 0.99), (1, 2, 0.96), (2, 3, 0.99), (0, 3, 0.01), (0, 2, 0.02), (1, 3, 0.02),
             (4, 5, 0.99), (5, 6, 0.96), (6, 7, 0.99), (4, 7, 0.01), (4, 6, 0.02), (5, 7, 0.02)]
    res = cluster(8, edges, Decisions.from_pairs(apart=[(1, 2)]))
    # the decided chain is no longer flagged; the other chain still is
    assert res.review.tolist() == [False] * 4 + [True] * 4
    assert res.reasons.tolist()[:4] == [0, 0, 0, 0]


def test_every_reason_has_its_own_bit():
    assert len(set(REVIEW_REASONS)) == len(REVIEW_REASONS) <= 8


# -- the properties -----------------------------------------------------------------------------


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 14))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda t: t[0] < t[1])
    edges = draw(st.lists(st.tuples(pair, st.sampled_from([0.01, 0.2, 0.55, 0.7, 0.96, 0.99])),
                          max_size=30, unique_by=lambda e: e[0]))
    apart = draw(st.lists(pair, max_size=4, unique=True))
    same = draw(st.lists(pair, max_size=4, unique=True))
    names = draw(st.lists(st.sampled_from(["ann|lee", "bo|kim", None]), min_size=n, max_size=n))
    sources = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n))
    return n, [(x, y, p) for (x, y), p in edges], same, apart, names, sources


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_no_person_ever_holds_a_keep_apart_pair_and_honoured_same_person_pairs_are_one(g):
    n, edges, same, apart, names, sources = g
    ev = RecordEvidence(
        np.array(names, dtype=object), np.full(n, None, dtype=object), np.array(sources, dtype=np.int32),
        attach_singletons=True, pair_lone_records=True,
    )
    d = Decisions.from_pairs(same=same, apart=apart)
    res = cluster(n, edges, d, ev)
    lab = res.labels
    for x, y in apart:
        assert lab[x] != lab[y], (x, y)
    honoured = res.constraints.honoured.tolist() if res.constraints is not None else []
    assert res.constraints is not None or not same
    for (x, y), ok in zip(same, honoured, strict=True):
        if ok:
            assert lab[x] == lab[y], (x, y)
        else:  # refused: a keep-apart pair would have been joined through honoured decisions
            assert res.constraints.blocked_by[same.index((x, y))] >= 0
    # labels stay the smallest record position of each person
    for p in people(lab):
        assert all(lab[i] == min(p) for i in p)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_decisions_reach_a_store_computed_split_exactly_as_a_resolve(g):
    """``split_components`` over match components (what a recluster reads) gives the same
    people as ``cluster_records`` (what a resolve runs)."""
    from identity_graph.cluster.components import connected_components

    n, edges, same, apart, _, _ = g
    d = Decisions.from_pairs(same=same, apart=apart)
    a, b, p, c = arrays(edges)
    full = cluster_records(n, a, b, p, c, **T, decisions=d)
    m = p >= T["match_threshold"]
    comp = connected_components(n, a[m], b[m])
    again = split_components(n, comp, a, b, p, c, **T, decisions=d)
    assert full.labels.tolist() == again.labels.tolist()
