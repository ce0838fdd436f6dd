"""The match service: an HTTP API over a store (``idgraph serve``; see ``app.py``)."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
