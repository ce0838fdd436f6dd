"""Chunked pair work on threads (``identity_graph._threads``): the same results, in the same
order, whatever the number of threads, with a bounded number of chunks in flight."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from identity_graph import api
from identity_graph._threads import chunk_threads, map_chunks
from identity_graph.compare.library import CompareContext, build_comparisons, comparison_levels
from identity_graph.settings import ComparisonSpec
from identity_graph.store.embedded import EmbeddedStore


def test_chunks_cover_the_range_once_and_come_back_in_order() -> None:
    spans = list(map_chunks(lambda s, e: (s, e), 1_003, 100, threads=3, first=7))
    assert spans[0] == (0, 7)
    assert [s for s, _ in spans[1:]] == list(range(7, 1_003, 100))
    assert all(e0 == s1 for (_, e0), (s1, _) in zip(spans, spans[1:], strict=False))
    assert spans[-1][1] == 1_003


def test_the_first_chunk_runs_on_the_calling_thread_before_any_other() -> None:
    seen: list[tuple[int, str]] = []
    caller = threading.current_thread().name

    def fn(s: int, e: int) -> int:
        seen.append((s, threading.current_thread().name))
        return s

    list(map_chunks(fn, 50, 10, threads=2, first=5))
    assert seen[0] == (0, caller)
    assert {name for s, name in seen[1:]} != {caller}


def test_one_thread_runs_everything_on_the_caller_in_plain_chunks() -> None:
    names: set[str] = set()
    spans = list(map_chunks(lambda s, e: names.add(threading.current_thread().name) or (s, e), 25, 10, threads=1))
    assert spans == [(0, 10), (10, 20), (20, 25)]
    assert names == {threading.current_thread().name}


def test_no_more_chunks_in_flight_than_threads() -> None:
    live = 0
    most = 0
    lock = threading.Lock()

    def fn(s: int, e: int) -> int:
        nonlocal live, most
        with lock:
            live += 1
            most = max(most, live)
        time.sleep(0.002)
        with lock:
            live -= 1
        return s

    for _ in map_chunks(fn, 400, 10, threads=2, first=1):
        time.sleep(0.001)  # the caller holding a result counts against the bound
    assert most <= 2


def test_an_error_in_a_chunk_reaches_the_caller() -> None:
    def fn(s: int, e: int) -> int:
        if s >= 30:
            raise ValueError(f"chunk {s}")
        return s

    with pytest.raises(ValueError, match="chunk 30"):
        list(map_chunks(fn, 100, 10, threads=2, first=10))


def test_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDGRAPH_THREADS", "3")
    assert chunk_threads() == 3
    monkeypatch.setenv("IDGRAPH_THREADS", "0")
    assert chunk_threads() == 1


def test_levels_on_threads_equal_levels_on_one() -> None:
    rng = np.random.default_rng(5)
    n = 2_000
    given = np.array(["ann", "anne", "bob", "robert", "cara", None, "dev", "eve"], dtype=object)
    frame = pd.DataFrame(
        {
            "given_name": given[rng.integers(0, len(given), n)],
            "dob": np.array(["1980-01-02", "1980-02-01", "1991-05-05", None], dtype=object)[rng.integers(0, 4, n)],
        },
        dtype=object,
    )
    frame["given_canonical"] = frame["given_name"]
    specs = [ComparisonSpec("given_name", "given_name", "given_name"), ComparisonSpec("dob", "dob", "dob")]
    comps = build_comparisons(specs, CompareContext(frame, workers=1))
    ia = rng.integers(0, n, 250_000).astype(np.int32)
    ib = rng.integers(0, n, 250_000).astype(np.int32)
    one = comparison_levels(comps, ia, ib)
    assert np.array_equal(comparison_levels(comps, ia, ib, threads=3), one)
    assert len(np.unique(one)) > 2  # the comparison is not trivially constant


def test_people_do_not_depend_on_the_number_of_threads(
    small_council, load_council, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small score chunks, once on one thread and once on three: the same people, edges
    and weights."""
    out = {}
    for threads in ("1", "3"):
        monkeypatch.setenv("IDGRAPH_THREADS", threads)
        store = EmbeddedStore(tmp_path / f"t{threads}.db")
        load_council(store, small_council, tmp_path / f"rejects{threads}")
        api.resolve(store, replace(api.default_settings(), chunk_pairs=700))
        out[threads] = (
            pd.read_sql_query("SELECT record_id, person_id FROM person_records ORDER BY record_id", store.con),
            pd.read_sql_query("SELECT * FROM edges ORDER BY record_a, record_b", store.con),
        )
        store.close()
    pd.testing.assert_frame_equal(out["1"][0], out["3"][0])
    pd.testing.assert_frame_equal(out["1"][1], out["3"][1])
