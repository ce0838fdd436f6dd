"""Cluster-quality metrics: pairwise and B-cubed precision/recall/F1 against a ground truth.

Everything is computed from the contingency table of (true cluster, predicted cluster) counts, so the
cost is one group-by over the records, never an enumeration of record pairs.

Definitions (``n_tp`` = records in true cluster ``t`` and predicted cluster ``p``, ``a_t`` and
``b_p`` the cluster sizes, ``N`` the number of records):

* pairwise: a pair of records is *predicted* when both are in one predicted cluster and *true*
  when both are in one true cluster. ``precision = sum C(n_tp, 2) / sum C(b_p, 2)``,
  ``recall = sum C(n_tp, 2) / sum C(a_t, 2)``. With no predicted (true) pairs the precision
  (recall) is 1.0: nothing was claimed (nothing was missed).
* B-cubed: per record, the share of its predicted cluster that is truly its own (precision) and
  the share of its true cluster that it was put with (recall), averaged over records:
  ``precision = sum(n_tp**2 / b_p) / N``, ``recall = sum(n_tp**2 / a_t) / N``.
* exact share: the share of true clusters ``t`` with a predicted cluster ``p`` where
  ``n_tp == a_t == b_p`` (the person was found whole and nobody else was added).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["ClusterMetrics", "evaluate_clusters"]


@dataclass(frozen=True)
class ClusterMetrics:
    """Accuracy of a clustering against the truth; see the module docstring for definitions."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    exact_share: float
    true_clusters: int
    predicted_clusters: int
    largest_true_cluster: int
    largest_predicted_cluster: int
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def to_dict(self) -> dict[str, float | int]:
        """The metrics as a plain, JSON-ready dict (field order kept)."""
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2.0 * precision * recall / total if total > 0 else 0.0


def _pairs(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64, copy=False)
    return int((sizes * (sizes - 1) // 2).sum())


def _codes(labels: pd.Series) -> np.ndarray:
    """Dense integer codes for cluster labels; each missing label becomes its own singleton."""
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    codes = codes.astype(np.int64, copy=True)
    missing = codes < 0
    if missing.any():
        codes[missing] = len(uniques) + np.arange(int(missing.sum()), dtype=np.int64)
    return codes


def evaluate_clusters(truth: pd.Series, predicted: pd.Series) -> ClusterMetrics:
    """Score a predicted clustering against the true one.

    Parameters
    ----------
    truth
        True cluster id per record, indexed by record key (e.g. ``"source:source_record_id"``).
        The index must be unique and every value present.
    predicted
        Predicted cluster id per record, indexed the same way. It is aligned on ``truth.index``:
        records only in ``predicted`` are ignored, and a record of ``truth`` that is missing
        from ``predicted`` (or has a missing id) counts as a singleton cluster of its own.

    Returns
    -------
    ClusterMetrics

    Examples
    --------
    >>> truth = pd.Series(["a", "a", "b"], index=["s:1", "s:2", "s:3"])
    >>> predicted = pd.Series([1, 1, 1], index=["s:1", "s:2", "s:3"])
    >>> m = evaluate_clusters(truth, predicted)
    >>> m.pairwise_precision, m.pairwise_recall
    (0.3333333333333333, 1.0)
    """
    if not truth.index.is_unique:
        dupes = truth.index[truth.index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"truth index must be unique; duplicated record keys: {dupes}")
    if not predicted.index.is_unique:
        dupes = predicted.index[predicted.index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"predicted index must be unique; duplicated record keys: {dupes}")
    if len(truth) == 0:
        raise ValueError("truth is empty: there are no records to evaluate")
    if truth.isna().any():
        raise ValueError(f"truth has {int(truth.isna().sum())} records with no cluster id")

    aligned = predicted.reindex(truth.index)
    frame = pd.DataFrame({"t": _codes(truth), "p": _codes(aligned)})

    true_sizes = frame.groupby("t", sort=False).size()
    pred_sizes = frame.groupby("p", sort=False).size()
    cells = frame.groupby(["t", "p"], sort=False).size().rename("n").reset_index()
    n = cells["n"].to_numpy(np.int64)
    a = true_sizes.reindex(cells["t"]).to_numpy(np.int64)
    b = pred_sizes.reindex(cells["p"]).to_numpy(np.int64)

    records = len(frame)
    true_pairs = _pairs(true_sizes.to_numpy())
    predicted_pairs = _pairs(pred_sizes.to_numpy())
    correct_pairs = _pairs(n)
    pw_precision = correct_pairs / predicted_pairs if predicted_pairs else 1.0
    pw_recall = correct_pairs / true_pairs if true_pairs else 1.0

    n_sq = n.astype(np.float64) ** 2
    b3_precision = float((n_sq / b).sum() / records)
    b3_recall = float((n_sq / a).sum() / records)

    exact = int(((n == a) & (n == b)).sum())

    return ClusterMetrics(
        pairwise_precision=float(pw_precision),
        pairwise_recall=float(pw_recall),
        pairwise_f1=_f1(pw_precision, pw_recall),
        bcubed_precision=b3_precision,
        bcubed_recall=b3_recall,
        bcubed_f1=_f1(b3_precision, b3_recall),
        exact_share=exact / len(true_sizes),
        true_clusters=len(true_sizes),
        predicted_clusters=len(pred_sizes),
        largest_true_cluster=int(true_sizes.max()),
        largest_predicted_cluster=int(pred_sizes.max()),
        records=records,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct_pairs,
    )
