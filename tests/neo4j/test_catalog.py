"""All Cypher is in cypher/, reached by name, with values only as $parameters: no query text is
ever built from data."""

from __future__ import annotations

import re
from pathlib import Path

from identity_graph.store.neo4j import catalog

PACKAGE = Path(__file__).parents[2] / "identity_graph"
NAME = re.compile(r'"((?:schema|load|read|cluster|investigate|decisions|access)/[a-z0-9_]+)"')


def test_every_query_the_code_names_is_a_catalog_file() -> None:
    used = {m for p in PACKAGE.rglob("*.py") for m in NAME.findall(p.read_text(encoding="utf-8"))}
    assert used, "no catalog names found"
    assert used <= set(catalog.names()), used - set(catalog.names())


def test_no_code_formats_a_query_string() -> None:
    bad = re.compile(r"\.run\(\s*f[\"']|\.run\([^)]*\.format\(|\.run\([^)]*%\s")
    offenders = [
        f"{p.relative_to(PACKAGE)}:{i}"
        for p in PACKAGE.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if bad.search(line)
    ]
    assert offenders == []


def test_catalog_queries_take_values_as_parameters() -> None:
    for name in catalog.names():
        text = catalog.query(name)
        assert "{{" not in text and "%s" not in text, name  # no Python formatting templates
        assert text.strip(), name


def test_a_checkout_reads_the_top_level_cypher_folder() -> None:
    """The source tree keeps the queries at the top (cypher/); the build copies them into the
    package, where an installed wheel finds them (tests/packaging/test_wheel.py, ADR 0031)."""
    from identity_graph._resources import checkout_root

    assert checkout_root() == PACKAGE.parent
    found = catalog.CYPHER_DIR
    assert found == PACKAGE.parent / "cypher"
    assert not (PACKAGE / "cypher").exists(), "identity_graph/cypher/ is a build product only"
