"""Personal data duties (UK GDPR, issue 12, ADR 0032): subject access, erasure with tombstones,
retention of history, and snapshot loads that retire what a source no longer holds.

One module per duty; ``identity_graph.api`` exposes them (``subject_access``, ``erase``,
``retention_apply``; ``load(..., snapshot=True)``) and ``idgraph`` wraps those.
"""

from __future__ import annotations

__all__: list[str] = []
