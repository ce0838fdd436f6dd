"""identity-graph: graph-based identity resolution for public-sector organisations.

The public API is small: open a store, load exports, resolve, then ask about people.
"""

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
from .errors import IdentityGraphError
from .settings import Settings, default_settings

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
