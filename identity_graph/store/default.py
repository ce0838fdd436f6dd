"""The store a command uses when neither ``--store`` nor ``IDGRAPH_STORE`` names one (a
module of its own so the CLI can show it without importing the stores)."""

from __future__ import annotations

__all__ = ["DEFAULT_STORE"]

DEFAULT_STORE = "identity.idgraph.db"
