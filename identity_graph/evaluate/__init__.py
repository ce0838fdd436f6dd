"""Evaluation of a resolution run against a ground truth (pairwise and B-cubed P/R/F1), and of a
store against a user's own labels (``idgraph evaluate --truth``)."""

from identity_graph.evaluate.metrics import ClusterMetrics, evaluate_clusters
from identity_graph.evaluate.truth import Evaluation, evaluate_store, read_truth

__all__ = ["ClusterMetrics", "evaluate_clusters", "Evaluation", "evaluate_store", "read_truth"]
