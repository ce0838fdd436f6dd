"""Limits on a value and a record id, UTF-16 without a byte-order mark, numbers in name columns
(issue 12, item 7; ADR 0029)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from ingest_helpers import make_mapping, read_all

from identity_graph.errors import IngestError
from identity_graph.ingest.limits import MAX_FIELD_CHARS, MAX_ID_CHARS
from identity_graph.standardise.record import standardise_chunk


def standardised(path: Path, **mapping: object):  # type: ignore[no-untyped-def]
    m = make_mapping(**mapping)
    frame, chunks = read_all(path, m)
    std = standardise_chunk(frame, m, str(path))
    return std, [r for c in chunks for r in c.rejects] + std.rejects


def test_a_10_mb_id_and_an_id_with_a_nul_byte_reject_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "REF,NAME\n"
        f"{'9' * 10_000_000},Ann Lee\n"  # 10 MB: past the field limit too
        f"{'8' * (MAX_ID_CHARS + 1)},Bo Lee\n"
        "12\x003,Cy Lee\n"
        "R\x1b4,Di Lee\n"
        "R5,Ed Lee\n"
    )
    std, rejects = standardised(path, fields={"full_name": "NAME"})
    assert std.frame["source_record_id"].tolist() == ["R5"]
    reasons = {r.row: r.reason for r in rejects}
    assert "longer than" in reasons[1]
    assert f"(the limit is {MAX_ID_CHARS})" in reasons[2]
    assert "NUL character" in reasons[3]  # NUL is refused in any value, by the reader
    assert "control character (U+001B)" in reasons[4]
    assert all(r.action == "row rejected" for r in rejects)
    assert "\x00" not in "".join(r.value or "" for r in rejects)


def test_an_id_with_a_nul_byte_from_json_is_rejected_too(tmp_path: Path) -> None:
    path = tmp_path / "ids.json"
    path.write_text(
        json.dumps([{"REF": "1\u00002", "NAME": "Ann Lee"}, {"REF": "2", "NAME": "Bo Lee"}])
    )
    std, rejects = standardised(path, fields={"full_name": "NAME"})
    assert std.frame["source_record_id"].tolist() == ["2"]
    assert [r.row for r in rejects] == [1]


def test_a_value_past_the_field_limit_in_json_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    path.write_text(
        json.dumps({"REF": "1", "NOTE": "x" * (MAX_FIELD_CHARS + 1)})
        + "\n"
        + json.dumps({"REF": "2", "NOTE": "ok"})
        + "\n"
    )
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["2"]
    (reject,) = [r for c in chunks for r in c.rejects]
    assert (reject.row, reject.column) == (1, "NOTE") and "limit for any field" in reject.reason


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_and_noted(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("REF,NAME\r\n1,Zoë\r\n2,Łukasz Nowak\r\n".encode(codec))
    frame, chunks = read_all(path, make_mapping())
    assert frame["NAME"].tolist() == ["Zoë", "Łukasz Nowak"]
    assert codec in chunks[0].notes[0] and "byte-order mark" in chunks[0].notes[0]


def test_utf16_without_a_bom_read_with_the_wrong_encoding_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("REF,NAME\r\n1,Ann\r\n".encode("utf-16-le"))
    with pytest.raises(IngestError) as info:
        read_all(path, make_mapping(encoding="utf-8"))
    assert "UTF-16-LE" in str(info.value) and "binary" not in str(info.value)
    assert "encoding = 'utf-16-le'" in (info.value.fix or "")


def test_a_20_digit_number_in_an_xlsx_name_column_is_exact_text_and_not_a_name(
    tmp_path: Path,
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["REF", "GIVEN", "FAMILY"])
    # openpyxl, like Excel, stores both as a double: <v>1.234567890123457e+19</v>; read as
    # "1.234567890123457e+19" the name standardiser used to make given "1", family "19" of it
    ws.append(["1", 12345678901234567890, "Lee"])
    ws.append(["2", 1.2345678901234567e19, 19.0])
    ws.append(["3", "Ann", "Lee"])
    path = tmp_path / "names.xlsx"
    wb.save(path)
    frame, _ = read_all(path, make_mapping())
    assert frame["GIVEN"].tolist() == ["12345678901234570000", "12345678901234570000", "Ann"]
    std, rejects = standardised(path, fields={"given_name": "GIVEN", "family_name": "FAMILY"})
    by_id = std.frame.set_index("source_record_id")
    assert by_id.loc["1", "given_name"] is None and by_id.loc["1", "family_name"] == "lee"
    assert "2" not in by_id.index  # no name left, nothing else identifies anyone: rejected
    assert by_id.loc["3", "given_name"] == "ann"
    dropped = [(r.row, r.column) for r in rejects if r.action == "value dropped"]
    assert dropped == [(1, "GIVEN"), (2, "GIVEN"), (2, "FAMILY")]
    assert all("a number is not a name" in r.reason for r in rejects if r.action == "value dropped")
