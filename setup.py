"""The build's one step that pyproject.toml cannot say (docs/adr/0031): the Cypher queries live
at the top of the repository, in ``cypher/``, and ship inside the package, as
``identity_graph/cypher/``, where :mod:`identity_graph.store.neo4j.catalog` finds them.

Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CYPHER = ROOT / "cypher"


class BuildPyWithCypher(build_py):  # type: ignore[misc]
    """``build_py``, then ``cypher/**`` copied to ``<build>/identity_graph/cypher/``.

    An editable install skips the copy: it runs from the checkout, whose ``cypher/`` the catalog
    finds itself.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        files = sorted(p for p in CYPHER.rglob("*") if p.is_file() and p.suffix in {".cypher", ".md"})
        if not any(p.suffix == ".cypher" for p in files):
            raise SystemExit(f"no Cypher queries under {CYPHER}: the package would not work")
        target = Path(self.build_lib) / "identity_graph" / "cypher"
        for path in files:
            dest = target / path.relative_to(CYPHER)
            self.mkpath(str(dest.parent))
            self.copy_file(str(path), str(dest))


setup(cmdclass={"build_py": BuildPyWithCypher})
