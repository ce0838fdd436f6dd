"""Clustering: connected components against networkx; splitting chained components by
average linkage; strong-identifier conflicts never share a cluster; no input-order effects."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.cluster.components import cluster_records, connected_components
from identity_graph.cluster.split import agglomerate
from identity_graph.settings import default_settings

THRESHOLDS = {"match_threshold": 0.95, "possible_threshold": 0.5, "link_threshold": 0.5}


@st.composite
def graphs(draw, max_nodes=25):
    n = draw(st.integers(0, max_nodes))
    if n == 0:
        return 0, []
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    return n, edges


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_connected_components_equal_networkx_labelled_by_smallest_node(graph):
    n, edges = graph
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    got = connected_components(n, a, b)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expected = np.empty(n, dtype=np.int64)
    for comp in nx.connected_components(g):
        expected[list(comp)] = min(comp)
    assert got.tolist() == expected.tolist()


def _pairs(rows):
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=np.int64)
    p = np.array([r[2] for r in rows], dtype=np.float32)
    c = np.array([r[3] if len(r) > 3 else False for r in rows], dtype=bool)
    return a, b, p, c


def two_groups_bridged():
    """{0,1,2} and {3,4,5}: tight inside, one match edge 2–3, other cross pairs far apart."""
    rows = []
    for grp in ((0, 1, 2), (3, 4, 5)):
        rows += [(x, y, 0.99) for i, x in enumerate(grp) for y in grp[i + 1 :]]
    rows.append((2, 3, 0.99))
    rows += [(x, y, 0.01) for x in (0, 1, 2) for y in (3, 4, 5) if (x, y) != (2, 3)]
    return rows


def test_two_tight_groups_bridged_by_one_match_edge_are_split():
    a, b, p, c = _pairs(two_groups_bridged())
    res = cluster_records(6, a, b, p, c, **THRESHOLDS)
    assert res.labels.tolist() == [0, 0, 0, 3, 3, 3]
    assert (res.components, res.suspicious, res.split) == (1, 1, 1)
    assert res.review.all()


def test_agglomerate_alone_splits_the_bridged_groups():
    a, b, p, c = _pairs(two_groups_bridged())
    out = agglomerate(np.arange(6), a, b, p, c, match_threshold=0.95, link_threshold=0.5)
    assert out.tolist() == [0, 0, 0, 3, 3, 3]


def test_a_clean_component_is_not_reclustered():
    a, b, p, c = _pairs([(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.9), (3, 4, 0.2)])
    res = cluster_records(5, a, b, p, c, **THRESHOLDS)
    assert res.labels.tolist() == [0, 0, 0, 3, 4]
    assert (res.suspicious, res.split) == (0, 0)
    assert not res.review.any()


def the_person_and_a_web_account():
    """Records 0-2 are one person (a council-tax, a library and an electoral-register record);
    3 is their web account, a match for 0 by its mobile number and, holding no address or dob,
    only a name to compare with 1 and 2 (0.09); 4 is another resident, found different (0.001)."""
    return [(0, 1, 0.99), (0, 2, 0.99), (1, 2, 0.99), (0, 3, 0.99), (1, 3, 0.09), (2, 3, 0.09),
            (2, 4, 0.97), (0, 4, 0.001), (1, 4, 0.001), (3, 4, 0.001)]


def test_weak_pairs_count_as_neutral_when_splitting_a_chain():
    a, b, p, c = _pairs(the_person_and_a_web_account())
    res = cluster_records(5, a, b, p, c, **THRESHOLDS, weak_floor=0.05)
    assert res.labels.tolist() == [0, 0, 0, 0, 4]  # the web account stays, the other resident goes


def test_without_a_weak_floor_a_name_only_pair_cuts_its_record_off():
    a, b, p, c = _pairs(the_person_and_a_web_account())
    res = cluster_records(5, a, b, p, c, **THRESHOLDS)
    assert res.labels.tolist() == [0, 0, 0, 3, 4]


def test_a_pair_below_the_weak_floor_still_counts_as_scored():
    rows = [r if r[:2] not in ((1, 3), (2, 3)) else (r[0], r[1], 0.04) for r in the_person_and_a_web_account()]
    a, b, p, c = _pairs(rows)
    res = cluster_records(5, a, b, p, c, **THRESHOLDS, weak_floor=0.05)
    assert res.labels.tolist() == [0, 0, 0, 3, 4]


def test_a_chain_through_a_conflict_is_cut():
    a, b, p, c = _pairs([(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.0, True)])
    res = cluster_records(3, a, b, p, c, **THRESHOLDS)
    assert res.labels[0] != res.labels[2]
    assert res.labels.tolist() == [0, 0, 2]


@st.composite
def scored_pairs(draw):
    n = draw(st.integers(2, 12))
    k = draw(st.integers(0, 30))
    rows = []
    for _ in range(k):
        x = draw(st.integers(0, n - 1))
        y = draw(st.integers(0, n - 1).filter(lambda v, x=x: v != x))
        prob = draw(st.sampled_from([0.01, 0.3, 0.6, 0.97, 0.99]))
        rows.append((min(x, y), max(x, y), prob, draw(st.booleans()) and prob < 0.5))
    # one pair per record pair, as the blocker delivers them
    uniq = {(r[0], r[1]): r for r in rows}
    return n, list(uniq.values())


@settings(max_examples=200, deadline=None)
@given(scored_pairs())
def test_records_of_a_strong_id_conflict_never_share_a_cluster(case):
    n, rows = case
    a, b, p, c = (
        _pairs(rows)
        if rows
        else (np.zeros(0, np.int64),) * 2 + (np.zeros(0, np.float32), np.zeros(0, bool))
    )
    labels = cluster_records(n, a, b, p, c, **THRESHOLDS).labels
    assert not (labels[a[c]] == labels[b[c]]).any()
    # and labels are the smallest record position of each cluster
    for lab in np.unique(labels):
        assert lab == np.flatnonzero(labels == lab).min()


@settings(max_examples=200, deadline=None)
@given(scored_pairs(), st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_the_order_of_the_pairs(case, rnd):
    n, rows = case
    if not rows:
        return
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    shuffled = [(y, x, *rest) if rnd.random() < 0.5 else (x, y, *rest) for x, y, *rest in shuffled]
    first = cluster_records(n, *_pairs(rows), **THRESHOLDS)
    second = cluster_records(n, *_pairs(shuffled), **THRESHOLDS)
    assert first.labels.tolist() == second.labels.tolist()
    assert (first.components, first.suspicious, first.split) == (
        second.components,
        second.suspicious,
        second.split,
    )


def test_one_match_and_one_non_match_against_a_pair_is_a_tie_the_default_keeps_together():
    # 2 matches 0 and was found different from 1: a tie (mean 0.4955), not a majority against
    link = default_settings().cluster_link_threshold
    a, b, p, c = _pairs([(0, 1, 0.99), (0, 2, 0.99), (1, 2, 0.001)])
    kept = cluster_records(3, a, b, p, c, match_threshold=0.95, possible_threshold=0.5, link_threshold=link)
    assert kept.labels.tolist() == [0, 0, 0]
    at_half = cluster_records(3, a, b, p, c, match_threshold=0.95, possible_threshold=0.5, link_threshold=0.5)
    assert at_half.labels.tolist() == [0, 0, 2]


def test_one_match_against_two_non_matches_is_still_cut_at_the_default():
    link = default_settings().cluster_link_threshold
    a, b, p, c = _pairs([(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99), (0, 3, 0.99), (1, 3, 0.001), (2, 3, 0.001)])
    res = cluster_records(4, a, b, p, c, match_threshold=0.95, possible_threshold=0.5, link_threshold=link)
    assert res.labels.tolist() == [0, 0, 0, 3]
