"""A run written on a writer thread: its jobs in order, in one transaction, committed whole or
not at all (ADR 0043)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from identity_graph.store.run_writer import RunWriter


class _Store:
    """A file and one connection shared across threads, with a BEGIN IMMEDIATE transaction."""

    def __init__(self, path: Path):
        self.path = path
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("CREATE TABLE t(n INTEGER PRIMARY KEY)")
        self.con.execute("INSERT INTO t VALUES (0)")

    @contextmanager
    def tx(self) -> Iterator[None]:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def seen_by_others(self) -> list[int]:
        other = sqlite3.connect(self.path)
        try:
            return [r[0] for r in other.execute("SELECT n FROM t ORDER BY n")]
        finally:
            other.close()

    def writer(self, first=lambda con: None) -> RunWriter:  # noqa: ANN001
        return RunWriter(self.con, self.tx, first)


@pytest.fixture
def store(tmp_path: Path) -> _Store:
    return _Store(tmp_path / "s.db")


def _insert(n: int):  # noqa: ANN202
    return lambda con: con.execute("INSERT INTO t VALUES (?)", (n,))


def test_jobs_run_in_order_and_others_see_them_only_after_the_commit(store: _Store) -> None:
    w = store.writer()
    order: list[int] = []
    for n in (1, 2, 3):
        w.submit(_insert(n))
        w.submit(lambda con, n=n: order.append(n))
    assert w.call(lambda con: con.execute("SELECT count(*) FROM t").fetchone()[0]) == 4  # inside the run
    assert store.seen_by_others() == [0]
    w.commit()
    assert order == [1, 2, 3]
    assert store.seen_by_others() == [0, 1, 2, 3]
    assert not store.con.in_transaction


def test_an_aborted_run_leaves_nothing_and_the_store_writable(store: _Store) -> None:
    w = store.writer()
    w.submit(_insert(1))
    w.call(lambda con: None)
    w.abort()
    w.abort()  # a second abort is harmless
    assert store.seen_by_others() == [0]
    with store.writer() as again:
        again.submit(_insert(2))
        again.commit()
    assert store.seen_by_others() == [0, 2]


def test_a_failing_job_rolls_back_the_jobs_before_it_and_is_raised(store: _Store) -> None:
    w = store.writer()
    w.submit(_insert(1))
    w.submit(_insert(1))  # the primary key refuses it
    w.submit(_insert(2))
    with pytest.raises(sqlite3.IntegrityError):
        w.commit()
    assert store.seen_by_others() == [0]
    assert not store.con.in_transaction


def test_after_a_failure_new_jobs_are_refused_with_that_failure(store: _Store) -> None:
    w = store.writer()
    with pytest.raises(sqlite3.IntegrityError):
        w.call(_insert(0))
    with pytest.raises(sqlite3.IntegrityError):
        w.submit(_insert(5))
    w.abort()
    with pytest.raises(RuntimeError, match="closed"):
        w.submit(_insert(6))


def test_the_first_job_s_failure_is_raised_by_the_constructor_with_nothing_left_open(store: _Store) -> None:
    def stale(con: sqlite3.Connection) -> None:
        raise LookupError("stale")

    with pytest.raises(LookupError, match="stale"):
        store.writer(stale)
    assert not store.con.in_transaction
    with store.writer() as w:
        w.submit(_insert(3))
        w.commit()
    assert store.seen_by_others() == [0, 3]


def test_leaving_a_with_block_by_an_exception_rolls_the_run_back(store: _Store) -> None:
    with pytest.raises(KeyError), store.writer() as w:
        w.submit(_insert(1))
        raise KeyError("the caller failed")
    assert store.seen_by_others() == [0]
    assert not store.con.in_transaction
