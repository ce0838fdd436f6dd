"""identity-graph: graph-based identity resolution for public-sector organisations.

The public API is small: open a store, load exports, resolve, then ask about people. The names
are imported from :mod:`identity_graph.api` on first use, so importing the package (or starting
the CLI) does not import pandas, DuckDB or the Neo4j driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import IdentityGraphError
from .settings import Settings, default_settings

if TYPE_CHECKING:
    from .api import (
        DEFAULT_STORE,
        PersonView,
        explain,
        export_links,
        load,
        load_many,
        open_store,
        person,
        resolve,
        search,
        stats,
    )

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_STORE",
    "IdentityGraphError",
    "PersonView",
    "Settings",
    "default_settings",
    "explain",
    "export_links",
    "load",
    "load_many",
    "open_store",
    "person",
    "resolve",
    "search",
    "stats",
]

_FROM_API = frozenset(__all__) - {"IdentityGraphError", "Settings", "default_settings"}


def __getattr__(name: str) -> Any:
    if name in _FROM_API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
