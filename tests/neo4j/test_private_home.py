"""The development Neo4j server's folder is owner-only: the folder 0700 and everything Neo4j
writes in it (database, transaction logs, logs) without group or other access, whatever the
umask of the process that starts it (issue 12, defect 3; ADR 0027)."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity_graph.private_files import findings, neo4j_paths
from identity_graph.store.neo4j import server
from identity_graph.store.neo4j.testing import Neo4jForTests

pytestmark = pytest.mark.neo4j

#: where the session's provisioned server keeps its built launcher (tests/conftest.py)
SESSION_HOME = Path(__file__).parents[2] / ".neo4j-test"


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


def test_the_server_folder_is_created_0700_under_umask_000(tmp_path: Path, open_umask: None) -> None:
    home = tmp_path / "a" / "neo4j-home"
    assert server.stop(home) is False  # nothing runs there; the folder is made for its lock
    assert [stat.S_IMODE(p.stat().st_mode) for p in (home.parent, home)] == [0o700, 0o700]


def test_what_neo4j_writes_in_its_folder_is_owner_only_under_umask_000(
    neo4j: Neo4jForTests, tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "neo4j-home"
    server.stop(home)  # creates the folder as a start does
    if (SESSION_HOME / "build" / "stamp.json").is_file():
        # the session server's launcher, hard-linked: the same jars without a second Maven build
        shutil.copytree(SESSION_HOME / "build", home / "build", copy_function=os.link)
    monkeypatch.setenv("IDGRAPH_NEO4J_JAVA_OPTS", "-Xms256m -Xmx512m --add-opens=java.base/java.nio=ALL-UNNAMED")
    info = server.start(home, timeout=180)
    try:
        assert info.uri.startswith("bolt://127.0.0.1:")
        written = [p for sub in ("dbms", "logs") for p in (home / sub).rglob("*") if not p.is_symlink()]
        assert any(p.is_file() for p in written), "Neo4j wrote nothing"
        assert [str(p) for p in written if stat.S_IMODE(p.lstat().st_mode) & 0o077] == []
        assert findings(neo4j_paths(home)) == []
    finally:
        server.stop(home)
