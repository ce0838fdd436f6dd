"""Rows inserted a thousand a statement (multi-row VALUES) are the rows executemany inserts,
and a run's events written column by column are the rows ``event_rows`` gives."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pandas as pd
import pytest

from identity_graph.errors import StoreError
from identity_graph.store.bulk import insert_columns
from identity_graph.store.feed import EVENT_ROW_KEYS, event_columns, event_rows

SCHEMA = "CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER, x REAL, b BLOB, note TEXT)"
ROWS = [
    (f"k{i:03d}", i if i % 4 else None, i / 3 if i % 5 else None, bytes([i % 256]) if i % 7 == 0 else None,
     "ü – " * (i % 3) or None)
    for i in range(23)
]


def _table() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(SCHEMA)
    return con


def _stored(con: sqlite3.Connection) -> list[tuple]:
    return con.execute("SELECT rowid, k, n, x, b, note, typeof(n), typeof(x) FROM t ORDER BY rowid").fetchall()


def _columns(rows: list[tuple]) -> list[list]:
    return [list(c) for c in zip(*rows, strict=True)]


@pytest.mark.parametrize("batch_rows", [1, 3, 1000])
def test_multi_row_inserts_store_what_executemany_stores_in_the_same_order(batch_rows: int) -> None:
    want, got = _table(), _table()
    want.executemany("INSERT INTO t(k, n, x, b, note) VALUES (?,?,?,?,?)", ROWS)
    assert insert_columns(got, "INSERT INTO t(k, n, x, b, note)", _columns(ROWS), batch_rows=batch_rows) == 23
    assert _stored(got) == _stored(want)


def test_the_batch_shrinks_to_what_sqlite_can_bind() -> None:
    con = _table()
    con.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 12)  # two rows of five at most
    insert_columns(con, "INSERT INTO t(k, n, x, b, note)", _columns(ROWS))
    assert [r[1] for r in _stored(con)] == [r[0] for r in ROWS]


def test_a_tail_applies_to_every_row_as_a_single_row_upsert_would() -> None:
    con = _table()
    insert_columns(con, "INSERT INTO t(k, n)", [["a", "b"], [1, 2]])
    insert_columns(con, "INSERT INTO t(k, n)", [["b", "c", "b"], [20, 30, 21]],
                   " ON CONFLICT(k) DO UPDATE SET n = t.n + excluded.n", batch_rows=2)
    assert con.execute("SELECT k, n FROM t ORDER BY k").fetchall() == [("a", 1), ("b", 43), ("c", 30)]


def test_a_failing_row_raises_and_its_transaction_can_be_rolled_back() -> None:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(SCHEMA)
    con.execute("BEGIN")
    with pytest.raises(sqlite3.IntegrityError):
        insert_columns(con, "INSERT INTO t(k)", [["a", "b", "a", "c"]], batch_rows=2)
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_columns_of_unequal_length_or_none_at_all_are_refused() -> None:
    con = _table()
    with pytest.raises(ValueError, match="one per row"):
        insert_columns(con, "INSERT INTO t(k, n)", [["a", "b"], [1]])
    with pytest.raises(ValueError, match="at least one column"):
        insert_columns(con, "INSERT INTO t(k)", [])
    assert insert_columns(con, "INSERT INTO t(k)", [[]]) == 0


EVENTS = pd.DataFrame(
    {
        "event": ["created", "merged", np.str_("split"), "records_added", "created", "created"],
        "person_id": ["P1", np.str_("P2"), None, "P4", float("nan"), 7],
        "other_person_id": [None, "P9", float("nan"), pd.NA, None, None],
        "records": [3, np.int64(2), None, float("nan"), True, 1.0],
        "detail": [None, {"b": 1, "a": [1, 2]}, '{"x": 1}', None, float("nan"), ("t", 1)],
        "sources": [["b", "a", "b"], ("a",), None, ["b", "a", "b"], np.array(["c", "a"]), []],
    },
    dtype=object,
)


def test_event_columns_are_event_rows_column_by_column() -> None:
    cols = event_columns(EVENTS)
    rows = event_rows(EVENTS)
    assert [dict(zip(EVENT_ROW_KEYS, r, strict=True)) for r in zip(*(cols[k] for k in EVENT_ROW_KEYS),
                                                                        strict=True)] == rows
    assert rows[0]["sources"] == ["a", "b"] and rows[2]["sources"] == [] and rows[4]["sources"] == ["a", "c"]
    assert rows[1]["detail"] == '{"a": [1, 2], "b": 1}' and rows[4]["detail"] is None
    assert rows[4]["person_id"] is None and rows[5]["person_id"] == "7" and rows[4]["records"] == 1
    assert all(type(v) is str for v in cols["event"]) and cols["records"][3] is None
    assert not any(isinstance(v, float) and math.isnan(v) for c in cols.values() for v in c)


def test_event_rows_own_their_sources_lists() -> None:
    rows = event_rows(EVENTS)
    rows[0]["sources"].append("zz")
    assert rows[3]["sources"] == ["a", "b"]


def test_event_columns_refuse_what_event_rows_refuse() -> None:
    with pytest.raises(StoreError, match="wrap it"):
        event_columns(pd.DataFrame({"event": ["created"], "person_id": ["P1"], "sources": ["council_tax"]}))
    with pytest.raises(StoreError, match="lack column"):
        event_columns(pd.DataFrame({"event": ["created"]}))
    assert event_columns(pd.DataFrame()) == {k: [] for k in EVENT_ROW_KEYS}
