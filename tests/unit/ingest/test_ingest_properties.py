"""Properties of the CSV reader: nothing lost, values round-trip, a bad line costs only itself."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import make_mapping

from identity_graph.ingest.readers import read_export

HEADER = ["REF", "A", "B"]
DELIMITERS = [",", ";", "\t", "|"]
# NUL is not text: a value holding it rejects its row (see test_ingest_limits.py)
one_line = st.text(
    alphabet=st.characters(exclude_characters="\r\n\x00", exclude_categories=("Cs",)), max_size=30
)
any_text = st.text(
    alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=30
)
_BREAK = re.compile(r"\r\n|\r|\n")


def expected(value: str) -> str | None:
    return None if not value or value.isspace() else value


def read(path: Path, **kwargs: object) -> tuple[list[dict[str, object]], list[int]]:
    rows: list[dict[str, object]] = []
    rejected: list[int] = []
    for chunk in read_export(path, make_mapping(**kwargs), chunk_rows=7):
        rows += chunk.frame.to_dict("records")
        rejected += [r.row for r in chunk.rejects]
    return rows, rejected


def multi_line_cells(delimiter: str) -> st.SearchStrategy[str]:
    """Any text, line breaks included, whose lines after the first hold no delimiter: the values
    ADR 0029 accepts across lines (an address, a note), whatever the quotes in them."""
    return any_text.filter(lambda v: all(delimiter not in part for part in _BREAK.split(v)[1:]))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    st.sampled_from(DELIMITERS).flatmap(
        lambda d: st.tuples(
            st.just(d), st.lists(st.lists(multi_line_cells(d), min_size=3, max_size=3), max_size=25)
        )
    )
)
def test_rows_read_plus_rejected_equals_rows_written_and_values_round_trip(
    case: tuple[str, list[list[str]]],
) -> None:
    delimiter, rows = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(HEADER)
            writer.writerows(rows)
        read_rows, rejected = read(path, max_record_lines=1000)
    assert len(read_rows) + len(rejected) == len(rows)
    assert rejected == []
    assert [r["__row__"] for r in read_rows] == list(range(1, len(rows) + 1))
    for got, written in zip(read_rows, rows, strict=True):
        assert [got[c] for c in HEADER] == [expected(v) for v in written]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(one_line, min_size=0, max_size=5), max_size=25))
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


plain = st.text(alphabet="abcdefghij XYZ0123456789-'", max_size=8)
row_shape = st.tuples(
    plain,  # given
    plain,  # family
    st.sampled_from(["clean", "clean", "clean", "address on two lines", "stray quote"]),
    st.integers(0, 3),  # which field the stray quote opens
)


@settings(max_examples=120, deadline=None)
@given(st.lists(row_shape, min_size=1, max_size=40), st.sampled_from(["\n", "\r\n"]))
def test_each_line_with_a_stray_quote_costs_only_itself(
    shapes: list[tuple[str, str, str, int]], newline: str
) -> None:
    """Rows of a clean export, some with a quote typed at the start of a field: every clean row
    loads unchanged (multi-line addresses included) and each spoiled row is one reject naming
    its line and record id."""
    lines = ["REF,GIVEN,FAMILY,ADDRESS"]
    clean: dict[str, list[str]] = {}
    spoiled: list[tuple[int, str]] = []
    line = 1  # the header's line; the editor's numbering
    for i, (forename, family, kind, at) in enumerate(shapes, 1):
        ref = f"R{i}"
        line += 1
        if kind == "address on two lines":
            lines.append(f'{ref},{forename},{family},"{i} High Street{newline}Leeds"')
            clean[ref] = [forename, family, f"{i} High Street{newline}Leeds"]
            line += 1
            continue
        fields = [ref, forename, family, f"{i} Low Lane"]
        if kind == "stray quote":
            fields[at] = '"' + fields[at]
            spoiled.append((line, ref))
        else:
            clean[ref] = fields[1:]
        lines.append(",".join(fields))
    text = newline.join(lines) + newline
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        path.write_bytes(text.encode())
        frame_rows: list[dict[str, object]] = []
        rejects = []
        for chunk in read_export(path, make_mapping(), chunk_rows=7):
            frame_rows += chunk.frame.to_dict("records")
            rejects += chunk.rejects
    got = {str(r["REF"]): [r["GIVEN"], r["FAMILY"], r["ADDRESS"]] for r in frame_rows}
    assert got == {ref: [expected(v) for v in values] for ref, values in clean.items()}
    assert [(r.line, r.record_id) for r in rejects] == spoiled
    assert len(frame_rows) + len(rejects) == len(shapes)


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
