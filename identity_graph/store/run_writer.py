"""A full run written on a thread of its own, while the resolve is still computing (ADR 0043).

A resolve's write is SQLite work on one connection, in one transaction, and for most of its
time SQLite holds no GIL (store/bulk.py steps a thousand rows a call). Given to a writer thread,
it runs on the second core while the main thread computes: the edges are written while the
people stage runs, and each later table while the main thread turns the next frame into
columns. The transaction is the writer thread's alone: it begins, checks that the run is still
current, runs the jobs it is given in order, and commits only when the caller says the run is
whole, so the store sees the run entirely or not at all, as before.

    w = RunWriter(begin, check)      # BEGIN IMMEDIATE + the stale-run check, or their error
    w.submit(lambda con: ...)        # jobs run in order on the writer thread
    w.call(lambda con: ...)          # ... or run and wait for the result
    w.commit()                       # the last job, then COMMIT; raises what any job raised
    w.abort()                        # ROLLBACK (what a failure of the caller does)
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["RunWriter"]

Job = Callable[[sqlite3.Connection], Any]

_COMMIT = object()
_ABORT = object()


class _Aborted(Exception):
    """Raised inside the writer's transaction to roll it back."""


class RunWriter:
    """Run ``jobs`` on ``con`` in one transaction, on a thread of its own.

    ``transaction`` is the store's transaction (a context manager: BEGIN IMMEDIATE on entry,
    COMMIT on a clean exit, ROLLBACK on an exception); ``first`` runs inside it before anything
    else (the stale-run check). The constructor returns once both have run, and raises what
    they raised (a busy store, a stale run): nothing is computed for a run that cannot be written.
    """

    def __init__(
        self,
        con: sqlite3.Connection,
        transaction: Callable[[], AbstractContextManager[None]],
        first: Job,
        *,
        setup: Job | None = None,
        teardown: Job | None = None,
    ):
        self.con = con
        self._transaction = transaction
        self._setup, self._teardown = setup, teardown
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closed = False
        begun: Future[None] = Future()
        self._jobs.put((first, begun))
        self._thread = threading.Thread(target=self._run, name="idgraph-run-writer", daemon=True)
        self._thread.start()
        try:
            begun.result()
        except BaseException:
            self._thread.join()
            self._closed = True
            raise

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.abort()

    # -- the writer thread ----------------------------------------------------------------------
    def _jobs_until_commit(self) -> Iterator[tuple[Job, Future[Any] | None]]:
        while True:
            item = self._jobs.get()
            if item is _COMMIT:
                return
            if item is _ABORT:
                raise _Aborted
            yield item

    def _run(self) -> None:
        pending: Future[Any] | None = None
        try:
            if self._setup is not None:
                self._setup(self.con)
            with self._transaction():
                for job, done in self._jobs_until_commit():
                    pending = done
                    result = job(self.con)
                    if done is not None:
                        done.set_result(result)
                    pending = None
        except _Aborted:
            pass
        except BaseException as exc:  # the transaction is rolled back; the caller gets the error
            self._error = exc
            if pending is not None and not pending.done():
                pending.set_exception(exc)
        finally:
            self._fail_waiting()
            if self._teardown is not None:
                with contextlib.suppress(sqlite3.Error):  # a pragma on a closed connection
                    self._teardown(self.con)

    def _fail_waiting(self) -> None:
        """Jobs still queued will not run: whoever waits for one gets the writer's error."""
        err = self._error or RuntimeError("the run's writer has stopped")
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, tuple) and item[1] is not None and not item[1].done():
                item[1].set_exception(err)

    # -- the caller -----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this run's writer is closed: start a new one")
        if self._error is not None:
            raise self._error

    def submit(self, job: Job) -> None:
        """Queue ``job(con)``; its error, if any, is raised by a later call or by ``commit``."""
        self._check_open()
        self._jobs.put((job, None))

    def call(self, job: Job) -> Any:
        """Run ``job(con)`` after the jobs already queued, and return its result."""
        self._check_open()
        done: Future[Any] = Future()
        self._jobs.put((job, done))
        return done.result()

    def commit(self) -> None:
        """Run what is queued, then commit; raises the first error of any job (nothing committed)."""
        self._check_open()
        self._closed = True
        self._jobs.put(_COMMIT)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Roll the run back (queued jobs are dropped). Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_ABORT)
        self._thread.join()
