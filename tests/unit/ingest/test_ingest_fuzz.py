"""Fuzzing every reader with generated exports (issue 12, item 9).

Hypothesis writes exports the way real systems do and the ways they go wrong -- quotes,
delimiters and line breaks inside values, stray quotes, ragged rows, encodings (UTF-8 with and
without a BOM, cp1252, UTF-16 with and without a BOM), line endings, typed cells, empty and
header-only files -- and reads them through :func:`read_export`. Whatever the file, the reader
never crashes (a file it cannot read at all is one :class:`IdentityGraphError`), and every row
written is either read or rejected: rows = accepted + rejected.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import make_mapping

from identity_graph.errors import IdentityGraphError
from identity_graph.ingest.readers import read_export

_BREAK = re.compile(r"\r\n|\r|\n")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_CSV = settings(FUZZ, max_examples=100)  # the commonest format, and the cheapest to fuzz
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
# what a value may look like in a CSV line: plain, quoted (with doubled quotes), or with a stray quote
plain = st.text(
    st.characters(exclude_characters='\r\n",;\t|', exclude_categories=("Cs",)), max_size=10
)
csv_cell = st.one_of(
    plain,
    plain.map(lambda v: '"' + v + '"'),
    st.tuples(plain, plain).map(lambda p: f'"{p[0]},{p[1]}"'),  # a quoted delimiter
    st.tuples(plain, plain).map(lambda p: f'"{p[0]}\n{p[1]}"'),  # a quoted line break
    plain.map(lambda v: '"' + v.replace('"', "") + '""x"'),  # a doubled quote inside
    plain.map(lambda v: '"' + v),  # a stray quote that never closes on this line
    plain.map(lambda v: v + '"'),  # a quote after the value
)


@contextmanager
def export(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path


def count(path: Path, **mapping: object) -> tuple[int, int]:
    """(rows read, rows rejected by the reader), checking each chunk's shape on the way."""
    accepted = rejected = 0
    last = 0
    for chunk in read_export(path, make_mapping(**mapping), chunk_rows=5):
        rows = chunk.frame["__row__"].tolist()
        assert rows == sorted(rows) and (not rows or rows[0] > last)
        last = rows[-1] if rows else last
        for column in chunk.columns:
            assert all(v is None or isinstance(v, str) for v in chunk.frame[column])
        accepted += len(chunk.frame)
        rejected += len(chunk.rejects)
        assert all(r.row >= 1 and (r.line is None or r.line >= 2) for r in chunk.rejects)
    return accepted, rejected


@FUZZ_CSV
@given(
    st.lists(st.lists(csv_cell, min_size=1, max_size=5), max_size=15),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"]),
)
def test_csv_rows_read_plus_rejected_equals_physical_records(
    rows: list[list[str]], newline: str, delimiter: str, encoding: str
) -> None:
    lines = ["REF" + delimiter + "A" + delimiter + "B"]
    lines += [delimiter.join(row) for row in rows]
    body = newline.join(lines) + newline
    data = body.encode(encoding, errors="replace")
    with export("f.csv", data) as path:
        try:
            accepted, rejected = count(path, delimiter=delimiter)
        except IdentityGraphError:
            return  # e.g. cp1252 text no codec can tell apart: one clear error, never a crash
    # every data line belongs to one record read, one rejected line, or is blank: never more
    # rows than lines, and at least one row when any line holds something
    data_lines = _BREAK.split(body)[1:-1]
    assert accepted + rejected <= len(data_lines)
    assert accepted + rejected >= (1 if any(line.strip() for line in data_lines) else 0)


@FUZZ_CSV
@given(
    st.lists(st.lists(plain, min_size=3, max_size=3), max_size=15), st.sampled_from(["\n", "\r\n"])
)
def test_csv_one_line_rows_are_each_read_or_rejected(rows: list[list[str]], newline: str) -> None:
    lines = ["REF,A,B"] + [",".join(r) for r in rows]
    with export("f.csv", (newline.join(lines) + newline).encode()) as path:
        accepted, rejected = count(path)
    assert accepted + rejected == len(rows)


@FUZZ
@given(
    st.sampled_from(
        [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\n\n", b"REF,A\n", b"REF,A", b"\xef\xbb\xbfREF\r\n"]
    )
)
def test_empty_and_header_only_files_are_one_clear_answer(data: bytes) -> None:
    with export("f.csv", data) as path:
        try:
            accepted, rejected = count(path)
        except IdentityGraphError as exc:
            assert str(exc)
            return
    assert (accepted, rejected) == (0, 0)


xlsx_cell = st.one_of(
    st.none(),
    # what XML can hold, and not a formula
    text.filter(lambda v: all(ord(c) >= 32 or c in "\t\n\r" for c in v) and not v.startswith("=")),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
)


@FUZZ
@given(st.lists(st.lists(xlsx_cell, min_size=0, max_size=5), max_size=12))
def test_xlsx_rows_read_plus_rejected_equals_rows_with_a_value(rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["REF", "A", "B"])
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.xlsx"
        wb.save(path)
        accepted, rejected = count(path)

    def blank(v: object) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    assert accepted + rejected == sum(1 for row in rows if not all(blank(v) for v in row))


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
    max_leaves=8,
)
json_record = st.one_of(
    st.dictionaries(st.sampled_from(["REF", "A", "B", "c.d"]), json_value, max_size=4), json_value
)


@FUZZ
@given(st.lists(json_record, max_size=12))
def test_json_items_read_plus_rejected_equals_items(items: list[object]) -> None:
    with export("f.json", json.dumps(items).encode()) as path:
        try:
            accepted, rejected = count(path)
        except IdentityGraphError:
            return  # no REF column once objects are flattened: one clear mapping error
    assert accepted + rejected == len(items)


@FUZZ
@given(
    st.lists(st.one_of(json_record.map(json.dumps), plain), max_size=12),
    st.sampled_from(["\n", "\r\n"]),
)
def test_ndjson_lines_read_plus_rejected_equals_non_blank_lines(
    lines: list[str], newline: str
) -> None:
    with export("f.ndjson", (newline.join(lines) + newline).encode()) as path:
        try:
            accepted, rejected = count(path)
        except IdentityGraphError:
            return  # no object with a REF key, or no line at all: one clear error
    assert accepted + rejected == sum(1 for line in lines if line.strip())


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), text),
            st.one_of(st.none(), st.integers(-(2**62), 2**62)),
            st.one_of(st.none(), st.floats()),
        ),
        max_size=12,
    )
)
def test_parquet_rows_read_plus_rejected_equals_rows(
    rows: list[tuple[object, object, object]],
) -> None:
    table = pa.table(
        {
            "REF": pa.array([r[0] for r in rows], pa.string()),
            "A": pa.array([r[1] for r in rows], pa.int64()),
            "B": pa.array([r[2] for r in rows], pa.float64()),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.parquet"
        pq.write_table(table, path)
        accepted, rejected = count(path)
    assert accepted + rejected == len(rows)
