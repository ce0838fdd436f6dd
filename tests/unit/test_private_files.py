"""Owner-only files and folders whatever the umask, and the findings ``idgraph doctor`` reports
(issue 12, defect 3; ADR 0027)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity_graph.private_files import (
    Checked,
    create_private_file,
    findings,
    fix,
    neo4j_paths,
    open_private,
    private_dirs,
    store_paths,
)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_folders_are_0700_and_existing_ones_are_left_alone(tmp_path: Path, umask: int) -> None:
    tmp_path.chmod(0o755)
    private_dirs(tmp_path / "a" / "b" / "c")
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    assert mode(tmp_path) == 0o755
    private_dirs(tmp_path / "a")  # already there: nothing to do
    assert mode(tmp_path / "a") == 0o700


def test_a_private_file_is_created_0600_once(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "store.db"
    assert create_private_file(path) is True
    assert mode(path) == 0o600 and path.stat().st_size == 0
    path.write_bytes(b"data")
    assert create_private_file(path) is False
    assert path.read_bytes() == b"data"


def test_a_file_written_privately_is_0600_new_or_not(tmp_path: Path, umask: int) -> None:
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    old.write_text("before\n")
    old.chmod(0o666)
    for path in (new, old):
        with open_private(path, encoding="utf-8") as fh:
            fh.write("x\n")
        assert mode(path) == 0o600 and path.read_text() == "x\n"
    with open_private(old, append=True, binary=True) as fh:
        fh.write(b"y\n")
    assert old.read_text() == "x\ny\n"


def test_findings_name_each_open_path_with_its_fix(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    for p, m in ((store, 0o644), (Path(f"{store}-wal"), 0o600), (Path(f"{store}-shm"), 0o664)):
        p.write_bytes(b"")
        p.chmod(m)
    rejects = tmp_path / "s.db.rejects"
    (rejects / "old").mkdir(parents=True)
    (rejects / "ok.csv").write_text("")
    (rejects / "ok.csv").chmod(0o600)
    (rejects / "open.csv").write_text("")
    (rejects / "open.csv").chmod(0o640)
    (rejects / "old" / "a.csv").write_text("")
    (rejects / "old" / "a.csv").chmod(0o644)
    (rejects / "old").chmod(0o755)
    rejects.chmod(0o700)
    found = {Path(f.path).name: f for f in findings(store_paths(str(store)))}
    assert set(found) == {"s.db", "s.db-shm", "open.csv", "old"}
    assert found["s.db"].fix == f"chmod 600 {store}"
    assert found["s.db"].problem == "group may read; others may read"
    assert found["s.db-shm"].problem == "group may read/write; others may read"
    assert (found["old"].fix, found["old"].inside) == (f"chmod -R go-rwx {rejects / 'old'}", 1)
    fix(found.values())
    assert findings(store_paths(str(store))) == []
    assert mode(rejects / "old" / "a.csv") == 0o600 and mode(rejects / "old") == 0o700


def test_a_neo4j_uri_has_no_local_store_files_and_the_neo4j_folder_is_checked(tmp_path: Path) -> None:
    assert store_paths("bolt://127.0.0.1:7687") == []
    home = tmp_path / "neo4j"
    (home / "dbms" / "data").mkdir(parents=True)
    (home / "build").mkdir()
    (home / "build" / "lib.jar").write_text("")
    (home / "build" / "lib.jar").chmod(0o644)  # not data: the launcher's jars
    home.chmod(0o700)
    (home / "dbms").chmod(0o700)
    (home / "dbms" / "data").chmod(0o755)
    found = findings(neo4j_paths(home))
    assert [(Path(f.path).relative_to(home).as_posix(), f.what) for f in found] == [("dbms/data", "neo4j data")]
    home.chmod(0o755)
    assert [Path(f.path) for f in findings(neo4j_paths(home))][0] == home


def test_symbolic_links_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("")
    outside.chmod(0o644)
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)
    (folder / "link.csv").symlink_to(outside)
    assert findings([Checked(str(folder), "export")]) == []
