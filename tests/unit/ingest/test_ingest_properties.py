"""Properties of the CSV reader: nothing lost, values round-trip, never crashes."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import make_mapping

from identity_graph.ingest.readers import read_export

HEADER = ["REF", "A", "B"]
cells = st.text(max_size=30)
good_rows = st.lists(cells, min_size=3, max_size=3)
any_rows = st.lists(cells, min_size=0, max_size=5)


def expected(value: str) -> str | None:
    return None if not value or value.isspace() else value


def read(path: Path, **kwargs: object) -> tuple[list[dict[str, object]], list[int]]:
    rows: list[dict[str, object]] = []
    rejected: list[int] = []
    for chunk in read_export(path, make_mapping(**kwargs), chunk_rows=7):
        rows += chunk.frame.to_dict("records")
        rejected += [r.row for r in chunk.rejects]
    return rows, rejected


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(good_rows, max_size=25), st.sampled_from([",", ";", "\t", "|"]))
def test_rows_read_plus_rejected_equals_rows_written_and_values_round_trip(
    rows: list[list[str]], delimiter: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(HEADER)
            writer.writerows(rows)
        read_rows, rejected = read(path)
    assert len(read_rows) + len(rejected) == len(rows)
    assert rejected == []
    assert [r["__row__"] for r in read_rows] == list(range(1, len(rows) + 1))
    for got, written in zip(read_rows, rows, strict=True):
        assert [got[c] for c in HEADER] == [expected(v) for v in written]


@settings(max_examples=120, deadline=None)
@given(st.lists(any_rows, max_size=25))
def test_ragged_rows_are_accounted_for(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
        read_rows, rejected = read(path, delimiter=",")
    blank_lines = sum(1 for r in rows if not r)  # csv.writer writes [] as an empty line
    assert len(read_rows) + len(rejected) + blank_lines == len(rows)
    numbers = sorted([int(r["__row__"]) for r in read_rows] + rejected)  # type: ignore[call-overload]
    assert numbers == sorted(i for i, r in enumerate(rows, 1) if r)
    for got in read_rows:
        written = rows[int(got["__row__"]) - 1]  # type: ignore[call-overload]
        assert [got[c] for c in HEADER] == [expected(v) for v in written]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([b"", b"x,y\n", b'x;"y\n']), st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(prefix: bytes, data: bytes) -> None:
    from identity_graph.errors import IdentityGraphError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        path.write_bytes(prefix + data)
        try:
            for chunk in read_export(path, make_mapping(id="x")):
                assert chunk.frame["__row__"].is_monotonic_increasing
        except IdentityGraphError:
            pass
