"""The public surface is small and deliberate: changing it is a decision, not an accident."""

from __future__ import annotations

import identity_graph
from identity_graph import api

PUBLIC = {
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
}


def test_the_package_exports_exactly_the_public_api() -> None:
    assert set(identity_graph.__all__) == PUBLIC


def test_everything_exported_exists() -> None:
    for name in identity_graph.__all__:
        assert getattr(identity_graph, name) is not None
    for name in api.__all__:
        assert getattr(api, name) is not None
