"""read_export on delimited text: row numbers, rejects, encodings, sniffing, empty files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ingest_helpers import make_mapping, read_all, write_csv

from identity_graph.errors import IngestError, MappingError
from identity_graph.ingest.limits import MAX_FIELD_CHARS
from identity_graph.ingest.readers import file_sha256, read_export

HEADER = ["REF", "FORENAME", "SURNAME", "DOB"]


def test_round_trip_values_are_str_or_none_with_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ct.csv",
        [
            HEADER,
            ["1", "John", "Smith", "01/02/1980"],
            ["2", "  ", "", "x"],
            ["3", " Ann ", "Lee", ""],
        ],
    )
    frame, chunks = read_all(path, make_mapping())
    assert chunks[0].columns == HEADER
    assert list(frame.columns) == [*HEADER, "__row__"]
    assert frame["__row__"].tolist() == [1, 2, 3]
    assert frame["__row__"].dtype.kind == "i"
    assert all(frame[c].dtype == object for c in HEADER)
    assert frame.loc[0, "FORENAME"] == "John"
    assert frame.loc[1, "FORENAME"] is None and frame.loc[1, "SURNAME"] is None
    assert frame.loc[2, "FORENAME"] == " Ann "  # values are kept as given; only blanks become None
    assert frame.loc[2, "DOB"] is None
    assert chunks[0].rejects == [] and chunks[0].notes == []


def test_quoted_embedded_newlines_and_delimiters_keep_row_numbers(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["1", "a\nb\nc", "x,y", "d"],
        ["2", 'say "hi"', "p", "q"],
        ["3", "z", "\r\n", "w"],
    ]
    frame, _ = read_all(write_csv(tmp_path / "q.csv", rows), make_mapping())
    assert frame["__row__"].tolist() == [1, 2, 3]
    assert frame["FORENAME"].tolist() == ["a\nb\nc", 'say "hi"', "z"]
    assert frame.loc[0, "SURNAME"] == "x,y"
    assert frame.loc[2, "SURNAME"] is None  # only whitespace


def test_ragged_rows_are_rejected_with_file_row_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text('REF,FORENAME,SURNAME\n1,a,b\n2,a\n3,a,b,c\n4,"multi\nline",b\n5,a,b,\n6,a,b\n')
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["1", "4", "6"]
    assert frame["__row__"].tolist() == [1, 4, 6]
    rejects = [r for c in chunks for r in c.rejects]
    assert [r.row for r in rejects] == [2, 3, 5]
    assert all(r.file == str(path) and r.action == "row rejected" for r in rejects)
    assert rejects[0].reason.startswith("row has 2 fields but the header has 3")
    assert rejects[0].value == "2,a"
    assert "row has 4 fields" in rejects[1].reason
    assert "trailing delimiter" in rejects[2].reason


def test_stray_quote_and_unclosed_quote_cost_only_their_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text('REF,NAME\n1,"ab"c\n2,ok\n3,"never closed\n4,kept\n')
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["2", "4"]
    rejects = [r for c in chunks for r in c.rejects]
    assert [(r.row, r.line, r.record_id) for r in rejects] == [(1, 2, "1"), (3, 4, "3")]
    assert "stray quote" in rejects[0].reason
    assert "never closed" in rejects[1].reason


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("REF,NAME\n1,a\n\n3,c\n")
    frame, chunks = read_all(path, make_mapping())
    assert frame["__row__"].tolist() == [1, 3]
    assert chunks[0].rejects == []


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "d.txt", [HEADER, ["1", "a,b", "c;d", "e|f"]], delimiter=delimiter)
    frame, _ = read_all(path, make_mapping())
    assert list(frame.columns[:-1]) == HEADER
    assert frame.loc[0, "FORENAME"] == "a,b"


def test_delimiter_and_skip_initial_space_from_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("REF; NAME\n1; Ann\n")
    frame, _ = read_all(path, make_mapping(delimiter=";", skip_initial_space=True))
    assert list(frame.columns) == ["REF", "NAME", "__row__"]
    assert frame.loc[0, "NAME"] == "Ann"


def test_bom_is_removed_from_the_first_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [HEADER, ["1", "Zoë", "b", "c"]], encoding="utf-8-sig")
    frame, chunks = read_all(path, make_mapping())
    assert chunks[0].columns[0] == "REF"
    assert frame.loc[0, "FORENAME"] == "Zoë" and chunks[0].notes == []


def test_cp1252_is_detected_and_noted(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "win.csv", [HEADER, ["1", "Zoë", "O’Neil", "£5"]], encoding="cp1252"
    )
    frame, chunks = read_all(path, make_mapping())
    assert frame.loc[0, "SURNAME"] == "O’Neil" and frame.loc[0, "DOB"] == "£5"
    assert any("file is not UTF-8; read as cp1252" in n for n in chunks[0].notes)


def test_utf16_with_bom_is_detected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "u16.txt", [HEADER, ["1", "Zoë", "b", "c"]], encoding="utf-16", delimiter="\t"
    )
    frame, chunks = read_all(path, make_mapping())
    assert frame.loc[0, "FORENAME"] == "Zoë" and "utf-16" in chunks[0].notes[0]


def test_strict_encoding_error_names_file_row_column_and_fix(tmp_path: Path) -> None:
    rows = (
        [HEADER] + [[str(i), "a", "b", "c"] for i in range(1, 5000)] + [["5000", "Zoë", "b", "c"]]
    )
    path = write_csv(tmp_path / "win.csv", rows, encoding="cp1252")
    with pytest.raises(IngestError) as info:
        read_all(path, make_mapping(encoding="utf-8"))
    err = info.value
    assert (err.path, err.row, err.column) == (str(path), 5000, "FORENAME")
    assert err.fix is not None and "set encoding = 'cp1252' in the mapping" in err.fix
    assert "row 5000" in str(err)


def test_mapped_columns_are_checked_before_any_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [["REF", "D.O.B"], ["1", "x"]])
    chunks = read_export(path, make_mapping(fields={"dob": "DOB"}))
    with pytest.raises(MappingError) as info:
        next(chunks)
    assert "fields.dob: column 'DOB' not in" in info.value.problems[0]
    assert "did you mean 'D.O.B'?" in info.value.problems[0]


def test_duplicate_and_blank_header_cells_are_renamed_with_notes(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("REF,NAME,NAME,\n1,a,b,c\n")
    frame, chunks = read_all(path, make_mapping())
    assert chunks[0].columns == ["REF", "NAME", "NAME_2", "column_4"]
    assert len(chunks[0].notes) == 2
    assert frame.loc[0, "NAME_2"] == "b"


def test_empty_file_is_an_error_with_a_fix(tmp_path: Path) -> None:
    for name, text in (("zero.csv", ""), ("blank.csv", "\n\n  \n")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(IngestError, match="is empty") as info:
            read_all(path, make_mapping())
        assert info.value.fix == "export the file again with a header row"


def test_header_only_yields_one_empty_chunk(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [HEADER])
    chunks = list(read_export(path, make_mapping()))
    assert len(chunks) == 1
    assert chunks[0].columns == HEADER and len(chunks[0].frame) == 0
    assert list(chunks[0].frame.columns) == [*HEADER, "__row__"]


def test_binary_garbage_is_an_ingest_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(IngestError, match="binary file"):
        read_all(path, make_mapping())
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(IngestError, match="xlsx"):
        read_all(path, make_mapping())


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="file not found"):
        read_all(tmp_path / "none.csv", make_mapping())
    (tmp_path / "x.dat").write_text("REF\n1\n")
    with pytest.raises(IngestError) as info:
        read_all(tmp_path / "x.dat", make_mapping())
    assert "format" in (info.value.fix or "")
    frame, _ = read_all(tmp_path / "x.dat", make_mapping(format="csv"))
    assert frame["REF"].tolist() == ["1"]


def test_a_value_up_to_the_field_limit_is_read_and_a_longer_one_rejects_its_row(
    tmp_path: Path,
) -> None:
    at_limit = "x" * MAX_FIELD_CHARS
    path = write_csv(
        tmp_path / "huge.csv",
        [["REF", "NOTE"], ["1", at_limit], ["2", "x" * 1_000_000], ["3", "small"]],
    )
    frame, chunks = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["1", "3"] and frame.loc[0, "NOTE"] == at_limit
    (reject,) = [r for c in chunks for r in c.rejects]
    assert (reject.row, reject.line, reject.record_id) == (2, 3, "2")
    assert f"longer than {MAX_FIELD_CHARS:,} characters" in reject.reason


def test_chunks_stream_with_row_numbers_and_rejects_per_chunk(tmp_path: Path) -> None:
    rows = [["REF", "NAME"]] + [[str(i), "n"] if i % 7 else [str(i)] for i in range(1, 26)]
    path = write_csv(tmp_path / "c.csv", rows)
    chunks = list(read_export(path, make_mapping(), chunk_rows=5))
    assert all(len(c.frame) <= 5 for c in chunks)
    rows_read = [n for c in chunks for n in c.frame["__row__"].tolist()]
    rejected = [r.row for c in chunks for r in c.rejects]
    assert rejected == [7, 14, 21]
    assert sorted(rows_read + rejected) == list(range(1, 26))


def test_file_sha256(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_tsv_extension_defaults_to_tab_for_one_column(tmp_path: Path) -> None:
    path = tmp_path / "one.tsv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows([["REF"], ["a,b"]])
    frame, _ = read_all(path, make_mapping())
    assert frame["REF"].tolist() == ["a,b"]


def test_sniffing_ignores_delimiters_inside_quoted_header_names(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('"Name, full";"DOB"\n"Smith, J";1980\n')
    frame, chunks = read_all(path, make_mapping(id="DOB"))
    assert chunks[0].columns == ["Name, full", "DOB"]
    assert frame.loc[0, "Name, full"] == "Smith, J"
