"""Where the package's non-Python files are found (docs/adr/0031).

Every file the code reads at run time ships inside the installed package, found with
:mod:`importlib.resources`:

- ``identity_graph/cypher/``: the Cypher queries. In the repository they live at the top level,
  ``cypher/``; the build (``setup.py``) copies them into the package, so an installed wheel has
  them here and a source checkout (or an editable install) falls back to the top-level folder.
- ``identity_graph/store/neo4j/launcher/``: the Neo4j launcher's Maven project (package data).
- ``identity_graph/synth/data/``, ``identity_graph/standardise/data/``: tables (package data).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["checkout_root", "package_folder"]


def package_folder(package: str, *parts: str) -> Path | None:
    """The folder ``parts`` inside the installed ``package``, or None when it is not there (or the
    package is not on a file system, e.g. in a zip, where a folder cannot be handed to Maven)."""
    found = resources.files(package).joinpath(*parts)
    if not found.is_dir():
        return None
    return found if isinstance(found, Path) else None


def checkout_root() -> Path | None:
    """The source checkout this package runs from (the folder holding ``pyproject.toml`` above
    ``identity_graph/``), or None for an installed package."""
    root = Path(__file__).resolve().parents[1]  # the folder holding identity_graph/
    return root if (root / "pyproject.toml").is_file() else None
