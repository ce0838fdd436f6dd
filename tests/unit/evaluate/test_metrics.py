"""Cluster metrics: hand-computed cases, edge cases, and a brute-force pair-enumerating oracle."""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.evaluate import ClusterMetrics, evaluate_clusters


def _series(labels, prefix="s"):
    return pd.Series(list(labels), index=[f"{prefix}:{i}" for i in range(len(labels))])


def test_hand_computed_small_case():
    # truth: {0,1,2} {3,4} {5};  predicted: {0,1} {2,3,4} {5}
    truth = _series(["a", "a", "a", "b", "b", "c"])
    predicted = _series([1, 1, 2, 2, 2, 3])
    m = evaluate_clusters(truth, predicted)
    # true pairs: 3 + 1 = 4; predicted pairs: 1 + 3 = 4; correct: (0,1) and (3,4) = 2
    assert (m.true_pairs, m.predicted_pairs, m.correct_pairs) == (4, 4, 2)
    assert m.pairwise_precision == pytest.approx(0.5)
    assert m.pairwise_recall == pytest.approx(0.5)
    assert m.pairwise_f1 == pytest.approx(0.5)
    # B-cubed precision per record: 1, 1, 1/3, 2/3, 2/3, 1 -> 14/3 / 6
    assert m.bcubed_precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3 + 1) / 6)
    # B-cubed recall per record: 2/3, 2/3, 1/3, 1, 1, 1
    assert m.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1 + 1) / 6)
    p, r = m.bcubed_precision, m.bcubed_recall
    assert m.bcubed_f1 == pytest.approx(2 * p * r / (p + r))
    # only {5} is found exactly
    assert m.exact_share == pytest.approx(1 / 3)
    assert (m.true_clusters, m.predicted_clusters) == (3, 3)
    assert (m.largest_true_cluster, m.largest_predicted_cluster) == (3, 3)
    assert m.records == 6


def test_perfect_clustering_scores_one_even_with_other_labels():
    truth = _series(["x", "x", "y", "z", "z", "z"])
    predicted = _series([7, 7, 8, 9, 9, 9])
    m = evaluate_clusters(truth, predicted)
    for value in (
        m.pairwise_precision,
        m.pairwise_recall,
        m.pairwise_f1,
        m.bcubed_precision,
        m.bcubed_recall,
        m.bcubed_f1,
        m.exact_share,
    ):
        assert value == 1.0


def test_all_singletons_have_precision_one():
    truth = _series(["a", "a", "b", "b", "b"])
    predicted = _series(range(5))
    m = evaluate_clusters(truth, predicted)
    assert m.pairwise_precision == 1.0
    assert m.bcubed_precision == 1.0
    assert m.pairwise_recall == 0.0
    assert m.pairwise_f1 == 0.0
    assert m.bcubed_recall == pytest.approx((0.5 + 0.5 + 1 / 3 + 1 / 3 + 1 / 3) / 5)
    assert m.exact_share == 0.0
    assert m.largest_predicted_cluster == 1


def test_one_big_cluster_has_recall_one():
    truth = _series(["a", "a", "b", "c", "c"])
    predicted = _series(["all"] * 5)
    m = evaluate_clusters(truth, predicted)
    assert m.pairwise_recall == 1.0
    assert m.bcubed_recall == 1.0
    assert m.pairwise_precision == pytest.approx(2 / 10)
    assert m.bcubed_precision == pytest.approx((2 / 5 * 2 + 1 / 5 + 2 / 5 * 2) / 5)
    assert m.predicted_clusters == 1
    assert m.largest_predicted_cluster == 5


def test_missing_predictions_are_singletons_and_extras_are_ignored():
    truth = pd.Series(["a", "a", "a"], index=["s:1", "s:2", "s:3"])
    # s:3 missing, s:9 not in truth; s:2 has a missing id
    predicted = pd.Series(["p", None, "p"], index=["s:1", "s:2", "s:9"])
    m = evaluate_clusters(truth, predicted)
    assert m.records == 3
    assert m.predicted_clusters == 3
    assert m.predicted_pairs == 0
    assert m.pairwise_precision == 1.0
    assert m.pairwise_recall == 0.0
    # the same as predicting three singletons explicitly
    assert m == evaluate_clusters(truth, pd.Series(["u", "v", "w"], index=truth.index))


def test_alignment_is_by_key_not_position():
    truth = pd.Series(["a", "a", "b"], index=["s:1", "s:2", "s:3"])
    predicted = pd.Series([2, 1, 1], index=["s:3", "s:2", "s:1"])
    assert evaluate_clusters(truth, predicted).pairwise_f1 == 1.0


def test_no_true_pairs_recall_is_one():
    truth = _series(["a", "b", "c"])
    m = evaluate_clusters(truth, _series([1, 2, 3]))
    assert (m.pairwise_precision, m.pairwise_recall, m.exact_share) == (1.0, 1.0, 1.0)


def test_to_dict_round_trips():
    m = evaluate_clusters(_series(["a", "a"]), _series([1, 1]))
    d = m.to_dict()
    assert list(d)[:3] == ["pairwise_precision", "pairwise_recall", "pairwise_f1"]
    assert ClusterMetrics(**d) == m


@pytest.mark.parametrize(
    ("truth", "predicted", "message"),
    [
        (pd.Series([], dtype=object), pd.Series([], dtype=object), "empty"),
        (
            pd.Series(["a", None], index=["s:1", "s:2"]),
            pd.Series([1, 1], index=["s:1", "s:2"]),
            "no cluster id",
        ),
        (pd.Series(["a", "b"], index=["s:1", "s:1"]), pd.Series([1], index=["s:1"]), "truth index"),
        (
            pd.Series(["a"], index=["s:1"]),
            pd.Series([1, 2], index=["s:1", "s:1"]),
            "predicted index",
        ),
    ],
)
def test_invalid_input_is_reported(truth, predicted, message):
    with pytest.raises(ValueError, match=message):
        evaluate_clusters(truth, predicted)


# --- oracle ------------------------------------------------------------------------------------


def _oracle(truth: list[int], predicted: list[int | None]) -> dict[str, float]:
    """Brute force: enumerate every record pair, and every record's clusters as sets."""
    n = len(truth)
    pred = [p if p is not None else ("singleton", i) for i, p in enumerate(predicted)]
    same_true = {(i, j) for i, j in combinations(range(n), 2) if truth[i] == truth[j]}
    same_pred = {(i, j) for i, j in combinations(range(n), 2) if pred[i] == pred[j]}
    correct = same_true & same_pred
    precision = len(correct) / len(same_pred) if same_pred else 1.0
    recall = len(correct) / len(same_true) if same_true else 1.0

    true_set = {i: frozenset(k for k in range(n) if truth[k] == truth[i]) for i in range(n)}
    pred_set = {i: frozenset(k for k in range(n) if pred[k] == pred[i]) for i in range(n)}
    b3p = sum(len(true_set[i] & pred_set[i]) / len(pred_set[i]) for i in range(n)) / n
    b3r = sum(len(true_set[i] & pred_set[i]) / len(true_set[i]) for i in range(n)) / n
    people = set(true_set.values())
    exact = sum(1 for members in people if pred_set[next(iter(members))] == members)
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "bcubed_precision": b3p,
        "bcubed_recall": b3r,
        "exact_share": exact / len(people),
        "true_clusters": len(people),
        "predicted_clusters": len(set(pred_set.values())),
        "largest_true_cluster": max(len(s) for s in people),
        "largest_predicted_cluster": max(len(s) for s in pred_set.values()),
        "correct_pairs": len(correct),
    }


labelings = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 6), min_size=n, max_size=n),
        st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(labelings)
def test_matches_brute_force_oracle(labels):
    truth_labels, predicted_labels = labels
    truth = _series(truth_labels)
    # a record with no prediction is dropped from the predicted Series: it must count as a singleton
    predicted = _series(predicted_labels).dropna()
    m = evaluate_clusters(truth, predicted)
    expected = _oracle(truth_labels, predicted_labels)
    for name, value in expected.items():
        assert math.isclose(getattr(m, name), value, rel_tol=1e-12, abs_tol=1e-12), name
    assert m.records == len(truth_labels)
