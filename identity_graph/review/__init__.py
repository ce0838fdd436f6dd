"""Human review: the queue of uncertain people and pairs, and reviewers' decisions (ADR 0024).

``queue`` lists what to look at, worst first; ``decide`` records decisions; ``actions`` turns
accept / reject of a queue item into decisions. Clustering honours the decisions
(``cluster.decisions``).
"""
