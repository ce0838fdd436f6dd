"""The records table read through one byte string a row equals the plain read of its tuples."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from identity_graph.store import records_read
from identity_graph.store.records_read import read_records

COLS = ["record_id", "given_name", "extra", "trust"]
INTS = {"trust": 1}


def _table(rows: list[tuple]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.execute("CREATE TABLE records(record_id TEXT PRIMARY KEY, given_name TEXT, extra TEXT, trust INTEGER)")
    con.executemany("INSERT INTO records VALUES (?,?,?,?)", rows)
    return con


def _plain(con: sqlite3.Connection) -> pd.DataFrame:
    rows = con.execute(f"SELECT {', '.join(COLS)} FROM records ORDER BY record_id").fetchall()
    out = {c: [r[j] for r in rows] for j, c in enumerate(COLS)}
    out["trust"] = np.array([1 if v is None else v for v in out["trust"]], dtype=np.int64)
    return pd.DataFrame({c: v if c in INTS else pd.Series(v, dtype=object) for c, v in out.items()}, columns=COLS)


def _same(con: sqlite3.Connection, chunk_rows: int = 3) -> None:
    got = read_records(con, COLS, INTS, chunk_rows=chunk_rows)
    want = _plain(con)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in COLS:
        assert [type(v) for v in got[c]] == [type(v) for v in want[c]]


ROWS = [
    ("s:10", "Ann", None, 3),
    ("s:2", "", '{"a": 1}', None),
    ("é:1", None, None, 2),
    ("s:1", "Zoë|Zoe", "x", 1),
    ("S:1", "a\x00b", "", 5),  # NUL kept whole
    ("s:1 ", "Ann", None, 0),
    ("\U0001f600", "Bob", None, 4),
]


def test_values_nulls_and_id_order_as_sqlite_sorts() -> None:
    _same(_table(ROWS))


@pytest.mark.parametrize("value", ["a\x1fb", "\x1e", "x\x1e\x1f"])
def test_a_value_holding_a_marker_byte_is_read_the_plain_way(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    plain = records_read._read_tuples
    monkeypatch.setattr(records_read, "_read_tuples", lambda *a: seen.append(1) or plain(*a))
    _same(_table([*ROWS, ("s:9", value, None, 1)]))
    assert seen


def test_empty_table() -> None:
    got = read_records(_table([]), COLS, INTS)
    assert list(got.columns) == COLS and len(got) == 0
