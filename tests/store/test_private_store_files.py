"""The embedded store's file and SQLite's side files (``-wal``, ``-shm``, ``-journal``) are
owner-only (0600) whatever the process umask, from creation, through loads, checkpoints and
reopening (issue 12, defect 3; ADR 0027).

SQLite makes the side files itself; it gives them the database file's permissions, so the store
creates that file 0600 before SQLite opens it. These tests hold SQLite to that.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.synth import SynthSummary

pytestmark = pytest.mark.embedded


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def side(db: Path, suffix: str) -> Path:
    return db.with_name(db.name + suffix)


def test_a_new_store_and_its_wal_and_shm_are_owner_only(
    tmp_path: Path, umask: int, small_council: SynthSummary
) -> None:
    db = tmp_path / "people.idgraph.db"
    source = sorted(small_council.files)[0]
    with EmbeddedStore(db) as store:
        assert mode(db) == 0o600
        api.load(store, small_council.files[source], small_council.mappings[source],
                 rejects_path=tmp_path / "r" / "rejects.csv")
        api.resolve(store)
        for suffix in ("-wal", "-shm"):
            assert side(db, suffix).exists(), suffix
            assert mode(side(db, suffix)) == 0o600, suffix
        store.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert (mode(db), mode(side(db, "-wal")), mode(side(db, "-shm"))) == (0o600, 0o600, 0o600)
    # reopened (side files made again) and read through the read-only path a service uses
    with EmbeddedStore(db) as store, store.read_view() as view:
        assert view.stats()["records"] > 0
        assert {mode(p) for p in tmp_path.glob("people.idgraph.db*")} == {0o600}


def test_a_rollback_journal_gets_the_store_file_mode(tmp_path: Path, umask: int) -> None:
    db = tmp_path / "people.idgraph.db"
    EmbeddedStore(db).close()
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO meta(key, value) VALUES ('probe', 'x')")
        journal = side(db, "-journal")
        assert journal.exists()
        assert mode(journal) == 0o600
        con.execute("ROLLBACK")
    finally:
        con.close()


def test_an_existing_store_file_keeps_its_mode(tmp_path: Path) -> None:
    """Opening never changes an existing file's permissions (``idgraph doctor`` reports them)."""
    db = tmp_path / "shared.idgraph.db"
    EmbeddedStore(db).close()
    db.chmod(0o640)
    EmbeddedStore(db).close()
    assert mode(db) == 0o640
