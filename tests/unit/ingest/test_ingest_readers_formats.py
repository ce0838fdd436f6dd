"""read_export on Excel, JSON, NDJSON and Parquet exports."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from unittest.mock import patch

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import make_mapping, read_all

from identity_graph.errors import IngestError, MappingError
from identity_graph.ingest import readers
from identity_graph.ingest.readers import _calamine_reads_it_as_openpyxl, read_export

# -- XLSX ---------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_round_trip_types_and_row_numbers(tmp_path: Path) -> None:
    rows = [
        ["REF", "NAME", "DOB", "SEEN", "UPRN", "SCORE", "ACTIVE"],
        [1, "Ann", date(1980, 2, 3), datetime(2020, 1, 1, 0, 0), 100023336956.0, 1.5, True],
        [None, None, None, None, None, None, None],
        [3, "  ", datetime(1990, 12, 31), datetime(2021, 6, 1, 9, 30), 7, 2.0, False],
        [None, None, None, None, None, None, None],
    ]
    path = write_xlsx(tmp_path / "t.xlsx", {"Tenants": rows})
    frame, chunks = read_all(path, make_mapping())
    assert chunks[0].columns == rows[0]
    assert frame["__row__"].tolist() == [1, 3]  # the fully empty row is skipped but counted
    first, second = frame.iloc[0].to_dict(), frame.iloc[1].to_dict()
    assert first["REF"] == "1" and first["DOB"] == "1980-02-03" and first["SEEN"] == "2020-01-01"
    assert first["UPRN"] == "100023336956" and first["SCORE"] == "1.5" and first["ACTIVE"] == "true"
    assert second["NAME"] is None and second["DOB"] == "1990-12-31"
    assert second["SEEN"] == "2021-06-01T09:30:00" and second["SCORE"] == "2"
    assert all(
        isinstance(v, str | type(None)) for v in frame.drop(columns="__row__").to_numpy().ravel()
    )


def test_xlsx_named_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"Notes": [["hello"]], "Tenants": [["REF"], ["T1"]]})
    frame, _ = read_all(path, make_mapping(sheet="Tenants"))
    assert frame["REF"].tolist() == ["T1"]
    frame, _ = read_all(path, make_mapping(fields={"full_name": "hello"}, id="hello"))
    assert frame.empty  # first sheet by default: header only
    with pytest.raises(IngestError) as info:
        read_all(path, make_mapping(sheet="tenants "))
    assert "'Notes', 'Tenants'" in str(info.value) and "sheet = 'Tenants'" in (info.value.fix or "")


def test_xlsx_values_beyond_the_header_are_rejected(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"S": [["REF", "NAME"], [1, "a"], [2, "b", "stray"]]})
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["1"]
    assert (
        chunks[0].rejects[0].row == 2
        and "beyond the last header column" in chunks[0].rejects[0].reason
    )


def test_corrupt_and_empty_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(IngestError, match="not a readable .xlsx"):
        read_all(path, make_mapping())
    empty = write_xlsx(tmp_path / "empty.xlsx", {"S": []})
    with pytest.raises(IngestError, match="is empty"):
        read_all(empty, make_mapping())


def test_xlsx_missing_column_is_a_mapping_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"S": [["Ref", "NAME"], [1, "a"]]})
    with pytest.raises(MappingError, match="did you mean 'Ref'"):
        read_all(path, make_mapping())


def _every_kind_of_cell(seed: int) -> list[list[object]]:
    """A header and rows of every cell type a council workbook holds, ragged, with gaps."""
    rng = random.Random(seed)
    kinds: list[Callable[[], object]] = [
        lambda: None,
        lambda: rng.randint(-10**12, 10**12),
        lambda: rng.random() * 10 ** rng.randint(-8, 14),
        lambda: round(rng.random() * 1000, 2),
        lambda: float(rng.randint(0, 10**6)),
        lambda: 100023336956.0,
        lambda: 1e20,
        lambda: -0.0,
        lambda: date(rng.randint(1900, 2030), rng.randint(1, 12), rng.randint(1, 28)),
        lambda: datetime(rng.randint(1900, 2030), rng.randint(1, 12), rng.randint(1, 28),
                         rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        lambda: datetime(1900, rng.randint(1, 3), rng.randint(1, 28), 6, 57, 20, rng.randint(0, 999999)),
        lambda: time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        lambda: timedelta(hours=rng.randint(0, 50), minutes=5),
        lambda: rng.choice([True, False]),
        lambda: "  ",
        lambda: " padded  text ",
        lambda: "Zoë O’Brien\nline2",
        lambda: "00123",
        lambda: "",
        lambda: "=1+2",  # a formula without a cached value
    ]
    rows: list[list[object]] = [[None, "REF", "NAME", None, "DOB"]]
    for _ in range(300):
        rows.append([] if rng.random() < 0.1 else [rng.choice(kinds)() for _ in range(rng.randint(0, 8))])
    return rows


def _openpyxl_frame(path: Path, **mapping: object) -> tuple[pd.DataFrame, list[object]]:
    """What the reader gives when openpyxl reads the workbook (the reference)."""
    with patch("identity_graph.ingest.readers._calamine_reads_it_as_openpyxl", return_value=False):
        frame, chunks = read_all(path, make_mapping(**mapping), chunk_rows=50)
    return frame, [r for c in chunks for r in c.rejects]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xlsx_values_are_the_same_as_openpyxl_reads_them(tmp_path: Path, seed: int) -> None:
    """calamine (fast) reads every kind of cell to the same text as openpyxl: same columns, row
    numbers, values and rejects."""
    rows = _every_kind_of_cell(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for _ in range(2):
        ws.append([])  # the header is on sheet row 3, after a blank column A
    for row in rows:
        ws.append(row)
    ws.cell(row=400, column=2, value="far below")
    path = tmp_path / "every.xlsx"
    wb.save(path)
    assert _calamine_reads_it_as_openpyxl(path)

    frame, chunks = read_all(path, make_mapping(), chunk_rows=50)

    want, want_rejects = _openpyxl_frame(path)
    pd.testing.assert_frame_equal(frame, want)
    assert [r for c in chunks for r in c.rejects] == want_rejects
    assert frame["__row__"].iloc[-1] == 400 - 3


def test_xlsx_error_cells_and_long_integers_keep_their_exact_text(tmp_path: Path) -> None:
    """A #N/A from a lookup stays "#N/A" and a 17-digit number stays exact (calamine would give
    a blank and a float), so such workbooks are read by openpyxl."""
    errors = write_xlsx(tmp_path / "errors.xlsx", {"S": [["REF", "CODE"], [1, "#N/A"], [2, "x"]]})
    written = write_xlsx(tmp_path / "w.xlsx", {"S": [["REF", "CODE"], [1, "x"], [2, 4321]]})
    long_int = tmp_path / "long.xlsx"  # as other tools write it: the integer's digits, no exponent
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(long_int, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data.replace(b"<v>4321</v>", b"<v>12345678901234567</v>"))
    assert not _calamine_reads_it_as_openpyxl(errors) and not _calamine_reads_it_as_openpyxl(long_int)

    assert read_all(errors, make_mapping())[0]["CODE"].tolist() == ["#N/A", "x"]
    assert read_all(long_int, make_mapping())[0]["CODE"].tolist() == ["x", "12345678901234567"]


def _dated_workbook(path: Path, *, last: int) -> Path:
    write_xlsx(path, {"S": [["REF", "WHEN"]] + [[i, i * 1000] for i in range(1, 200)]})
    wb = openpyxl.load_workbook(path)
    for (cell,) in wb["S"].iter_rows(min_row=2, min_col=2, max_col=2):
        cell.number_format = "yyyy-mm-dd"
    wb["S"]["B150"] = last
    wb.save(path)
    return path


def test_xlsx_a_date_cell_outside_excels_dates_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    """A number formatted as a date but past 9999-12-31: openpyxl reads it as an error value."""
    path = _dated_workbook(tmp_path / "t.xlsx", last=10**12)
    assert not _calamine_reads_it_as_openpyxl(path)
    assert _calamine_reads_it_as_openpyxl(_dated_workbook(tmp_path / "ok.xlsx", last=45000))

    frame, _ = read_all(path, make_mapping(), chunk_rows=50)

    assert frame["WHEN"].iloc[148] == "#VALUE!" and frame["WHEN"].iloc[0] == "1902-09-26"


def test_xlsx_if_calamine_fails_part_way_openpyxl_reads_on_from_that_row(tmp_path: Path) -> None:
    path = _dated_workbook(tmp_path / "t.xlsx", last=45000)
    calamine_rows = readers._calamine_rows

    def fails_after_100_rows(*args: object) -> Iterator[object]:
        for n, row in enumerate(calamine_rows(*args)):
            if n == 100:
                raise BaseException("calamine panicked")  # what a Rust panic looks like from Python
            yield row

    with patch("identity_graph.ingest.readers._calamine_rows", fails_after_100_rows):
        frame, _ = read_all(path, make_mapping(), chunk_rows=50)

    want, _ = _openpyxl_frame(path)
    pd.testing.assert_frame_equal(frame, want)
    assert frame["REF"].tolist() == [str(i) for i in range(1, 200)]  # nothing lost or doubled


# -- JSON ---------------------------------------------------------------------------------------

RECORDS = [
    {
        "REF": "1",
        "name": "Ann",
        "age": 40,
        "score": 2.0,
        "vip": True,
        "address": {"line1": "1 High St", "town": "Leeds"},
        "phones": ["0113", "0777"],
    },
    {"REF": 2, "name": None, "extra": "only here", "phones": []},
    "not an object",
    {"REF": "4", "tags": [{"k": 1}]},
]


def test_json_list_of_objects_is_flattened(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RECORDS))
    frame, chunks = read_all(path, make_mapping())
    assert chunks[0].columns == [
        "REF",
        "name",
        "age",
        "score",
        "vip",
        "address.line1",
        "address.town",
        "phones",
        "extra",
        "tags",
    ]
    assert frame["__row__"].tolist() == [1, 2, 4]
    row = frame.iloc[0]
    assert (row["REF"], row["age"], row["score"], row["vip"]) == ("1", "40", "2", "true")
    assert row["address.line1"] == "1 High St" and row["phones"] == "0113|0777"
    assert (
        frame.iloc[1]["REF"] == "2"
        and frame.iloc[1]["name"] is None
        and frame.iloc[1]["phones"] is None
    )
    assert frame.iloc[2]["tags"] == '[{"k": 1}]'
    reject = chunks[0].rejects[0]
    assert (reject.row, reject.value) == (
        3,
        '"not an object"',
    ) and "not a JSON object" in reject.reason


def test_json_record_path_and_only_list_key(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"meta": {"n": 1}, "data": {"people": [{"REF": "a"}]}}))
    frame, _ = read_all(path, make_mapping(record_path="data.people"))
    assert frame["REF"].tolist() == ["a"]
    with pytest.raises(IngestError, match="no key 'peple'"):
        read_all(path, make_mapping(record_path="data.peple"))
    path.write_text(json.dumps({"count": 1, "records": [{"REF": "b"}]}))
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["b"] and "records" in chunks[0].notes[0]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n{"REF": "1"},\n{"REF": 2,,}\n]')
    with pytest.raises(IngestError, match="line 3"):
        read_all(path, make_mapping())


def test_empty_json_list_is_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text("[]")
    chunks = list(read_export(path, make_mapping(id="x", source="s")))
    assert len(chunks) == 1 and chunks[0].frame.empty


# -- NDJSON -------------------------------------------------------------------------------------


def test_ndjson_line_numbers_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_text(
        '{"REF": "1", "a": {"b": 1}}\n\n{"REF": "3"\n[1, 2]\n{"REF": "5", "late": "x"}\n'
    )
    frame, chunks = read_all(path, make_mapping(fields={"full_name": "late"}))
    assert frame["__row__"].tolist() == [1, 5]
    assert chunks[0].columns == ["REF", "a.b", "late"]  # keys seen anywhere in the file
    assert frame.iloc[0]["a.b"] == "1" and frame.iloc[0]["late"] is None
    rejects = chunks[0].rejects
    assert [r.row for r in rejects] == [3, 4]
    assert "not valid JSON" in rejects[0].reason and rejects[0].value == '{"REF": "3"'
    assert "a list, not a JSON object" in rejects[1].reason


def test_ndjson_empty_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n \n")
    with pytest.raises(IngestError, match="is empty"):
        read_all(path, make_mapping())


# -- Parquet ------------------------------------------------------------------------------------


def test_parquet_round_trip_in_batches(tmp_path: Path) -> None:
    table = pa.table(
        {
            "REF": pa.array(["a", "b", "c"]),
            "DOB": pa.array([date(1980, 1, 2), None, date(2001, 2, 3)]),
            "N": pa.array([1.0, 2.5, None]),
            "ADDR": pa.array([{"line1": "1 High St"}, {"line1": None}, {"line1": " "}]),
        }
    )
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    chunks = list(read_export(path, make_mapping(), chunk_rows=2))
    assert [len(c.frame) for c in chunks] == [2, 1]
    assert chunks[0].columns == ["REF", "DOB", "N", "ADDR.line1"]
    rows = [r for c in chunks for r in c.frame.to_dict("records")]
    assert [r["__row__"] for r in rows] == [1, 2, 3]
    assert rows[0] == {
        "REF": "a",
        "DOB": "1980-01-02",
        "N": "1",
        "ADDR.line1": "1 High St",
        "__row__": 1,
    }
    assert rows[1]["DOB"] is None and rows[1]["N"] == "2.5" and rows[2]["ADDR.line1"] is None


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(IngestError, match="not a readable Parquet file"):
        read_all(path, make_mapping())


def test_ndjson_strict_encoding_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"REF": "1"}\n{"REF": "2"}\n{"REF": "Zo\xeb"}\n')
    with pytest.raises(IngestError) as info:
        read_all(path, make_mapping(encoding="utf-8"))
    assert info.value.row == 3 and "cp1252" in (info.value.fix or "")
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["1", "2", "Zoë"] and "cp1252" in chunks[0].notes[0]
