"""The records table read into Arrow string columns, each row one ``bytes`` from SQLite.

Fetching a 33-column row as a tuple makes 33 Python objects, and turning them back into
columns costs as much again: 655k records took 8 s on one core that way. Here SQLite writes
each row as one byte string (every value behind a marker byte: 0x1F before a value, 0x1E alone
for NULL), the sqlite3 module hands over one ``bytes`` per row, and numpy finds the markers and
Arrow builds the columns from the bytes, in C. Markers can be told apart from text because UTF-8
never uses bytes below 0x80 inside a multi-byte character; a value that holds 0x1E or 0x1F itself
makes more markers than cells, and such a read is done again the old way (tuples), so the result
is always the old one.

Rows are read in table (rowid) order, a sequential scan, and put in ``record_id`` order after:
``ORDER BY record_id`` walks the primary key's index and looks each row up in the table, a third
more of SQLite's time. SQLite's BINARY collation compares the UTF-8 bytes as unsigned bytes, and
so does Arrow's sort of strings; ids are unique, so the two orders are the same.

One statement, one snapshot, as before; while the main thread steps SQLite (which releases the
GIL) for the next chunk, a second thread splits the last one: the read uses both cores.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["read_records"]

_VALUE, _NULL = 0x1F, 0x1E


class _Fallback(Exception):
    """A value held a marker byte: read the old way."""


def _split(rows: list[tuple[bytes]], ncols: int) -> pa.StringArray:
    """The cells of ``rows`` (row-major, ``ncols`` a row) as one Arrow string array."""
    data = np.frombuffer(b"".join(r[0] for r in rows), dtype=np.uint8)
    starts = np.flatnonzero((data - np.uint8(_NULL)) < 2)  # 0x1E or 0x1F: a cell starts here
    if len(starts) != len(rows) * ncols:
        raise _Fallback
    valid = data[starts] == _VALUE
    keep = np.ones(len(data), dtype=bool)
    keep[starts] = False
    payload = data[keep]  # the values' bytes, markers left out
    offsets = np.empty(len(starts) + 1, dtype=np.int64)
    offsets[:-1] = starts - np.arange(len(starts))  # each marker before a value shifts it by one
    offsets[-1] = len(payload)
    if len(payload) >= 2**31:  # (a chunk this big: only with values of megabytes)
        return pa.Array.from_buffers(pa.large_string(), len(starts), [
            pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(offsets), pa.py_buffer(payload)
        ])
    return pa.Array.from_buffers(pa.string(), len(starts), [
        pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(offsets.astype(np.int32)),
        pa.py_buffer(payload),
    ])


def _columns(cells: pa.Array, ncols: int) -> list[pa.Array]:
    """Column ``j`` of row-major ``cells``: every ``ncols``-th cell from ``j``."""
    n = len(cells) // ncols
    return [cells.take(pa.array(np.arange(j, n * ncols, ncols, dtype=np.int64))) for j in range(ncols)]


def _chunk(rows: list[tuple[bytes]], ncols: int) -> list[pa.Array]:
    return _columns(_split(rows, ncols), ncols)


def _read_fast(con: sqlite3.Connection, cols: list[str], chunk_rows: int) -> list[pa.ChunkedArray]:
    # ``'\x1f' || NULL`` is NULL, so ifnull gives the NULL marker; ``||`` keeps every byte of a
    # value (printf's %s would stop at a NUL)
    row = " || ".join(f"ifnull(?1 || {c}, ?2)" for c in cols)
    cur = con.execute(f"SELECT CAST({row} AS BLOB) FROM records", (chr(_VALUE), chr(_NULL)))
    parts: list[list[pa.Array]] = [[] for _ in cols]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="idgraph-read") as pool:
        pending: Future[list[pa.Array]] | None = None
        while True:
            rows = cur.fetchmany(chunk_rows)  # SQLite steps with the GIL released
            if pending is not None:
                for j, arr in enumerate(pending.result()):
                    parts[j].append(arr)
            if not rows:
                break
            pending = pool.submit(_chunk, rows, len(cols))
            del rows
    # one type for a column's chunks: large strings when one chunk needed them
    kind = pa.large_string() if any(a.type == pa.large_string() for p in parts for a in p) else pa.string()
    return [pa.chunked_array([a.cast(kind) for a in p], type=kind) for p in parts]


def _read_tuples(con: sqlite3.Connection, cols: list[str], chunk_rows: int) -> list[pa.ChunkedArray]:
    """The plain way: rows as tuples, each chunk's columns into Arrow (in rowid order)."""
    parts: list[list[pa.Array]] = [[] for _ in cols]
    cur = con.execute(f"SELECT {', '.join(cols)} FROM records")
    while rows := cur.fetchmany(chunk_rows):
        for j, values in enumerate(zip(*rows, strict=True)):
            parts[j].append(pa.array(values, type=pa.string()))
        del rows
    return [pa.chunked_array(p, type=pa.string()) for p in parts]


def read_records(
    con: sqlite3.Connection, cols: list[str], ints: dict[str, int], chunk_rows: int = 50_000
) -> pd.DataFrame:
    """``cols`` of the records table (``record_id`` first) in ``record_id`` order: object columns
    of ``str``, None for missing, equal strings one object; ``ints``: integer columns, with the
    value a missing one takes."""
    try:
        columns = _read_fast(con, cols, chunk_rows)
    except _Fallback:
        # ints are read as text too, so both ways parse them alike
        columns = _read_tuples(con, [f"CAST({c} AS TEXT)" if c in ints else c for c in cols], chunk_rows)
    # (SQLite sorts NULL first)
    order = pc.sort_indices(columns[0], sort_keys=[("", "ascending", "at_start")]) if len(columns[0]) else None

    def column(j: int) -> np.ndarray:
        c, col = cols[j], columns[j].combine_chunks()
        columns[j] = None  # type: ignore[call-overload]  # (its chunks freed as each column is done)
        if c in ints:
            col = col.cast(pa.int64()).fill_null(ints[c])
            return (col if order is None else col.take(order)).to_numpy()
        enc = col.dictionary_encode()
        codes = enc.indices.fill_null(-1)
        values = np.empty(len(enc.dictionary) + 1, dtype=object)
        values[:-1] = enc.dictionary.to_numpy(zero_copy_only=False)
        values[-1] = None  # index -1: missing
        return values[(codes if order is None else codes.take(order)).to_numpy()]

    # two threads: Arrow's encoding and reordering release the GIL
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="idgraph-read") as pool:
        done = list(pool.map(column, range(len(cols))))
    columns.clear()
    return pd.DataFrame(
        {c: v if c in ints else pd.Series(v, dtype=object) for c, v in zip(cols, done, strict=True)}, columns=cols
    )
