"""Evaluation of a resolution run against a ground truth (pairwise and B-cubed P/R/F1)."""

from identity_graph.evaluate.metrics import ClusterMetrics, evaluate_clusters

__all__ = ["ClusterMetrics", "evaluate_clusters"]
