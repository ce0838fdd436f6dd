"""read_export on Excel, JSON, NDJSON and Parquet exports."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_helpers import make_mapping, read_all

from identity_graph.errors import IngestError, MappingError
from identity_graph.ingest.readers import read_export

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
