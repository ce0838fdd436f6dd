"""The Cypher catalog: every query the Neo4j store runs is a file under ``cypher/``, reached by
name (``"load/records_create"``). Values only ever travel as ``$parameters``: no query text is
ever built from user input.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..._resources import checkout_root, package_folder
from ...errors import StoreError

__all__ = ["CYPHER_DIR", "query", "statements", "names"]


def _find_dir() -> Path:
    """``IDGRAPH_CYPHER_DIR``, else the queries shipped in the installed package
    (``identity_graph/cypher/``), else the top-level ``cypher/`` of the source checkout
    (docs/adr/0031)."""
    env = os.environ.get("IDGRAPH_CYPHER_DIR")
    if env:
        return Path(env)
    for folder in (package_folder("identity_graph", "cypher"), _checkout_cypher()):
        if folder is not None and (folder / "schema").is_dir():
            return folder
    raise StoreError(
        "cannot find the Cypher queries: the installed identity_graph package has no cypher/ "
        "folder and it does not run from a source checkout. Reinstall it from a wheel built "
        "with `pip wheel .` (or `python -m build`), or set IDGRAPH_CYPHER_DIR to a copy of the "
        "repository's cypher/ folder"
    )


def _checkout_cypher() -> Path | None:
    root = checkout_root()
    return root / "cypher" if root is not None else None


CYPHER_DIR = _find_dir()


@functools.cache
def query(name: str) -> str:
    """The text of ``cypher/<name>.cypher`` with comment lines removed."""
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"no Cypher query {name!r} (looked for {path})")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.strip().startswith("//")]
    return "\n".join(lines).strip()


def statements(name: str) -> list[str]:
    """A multi-statement file (schema migrations) split on ``;``."""
    return [s.strip() for s in query(name).split(";") if s.strip()]


def names() -> list[str]:
    return sorted(str(p.relative_to(CYPHER_DIR).with_suffix("")) for p in CYPHER_DIR.rglob("*.cypher"))
