"""The labels file of `idgraph evaluate --truth`: read as documented, and every bad row is one
error naming the file, the line and the column."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from identity_graph.errors import IngestError
from identity_graph.evaluate import read_truth, truth


def _labels(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_source_and_record_id_columns_with_a_person_id_label(tmp_path: Path) -> None:
    s = read_truth(_labels(tmp_path, "source,source_record_id,person_id,household_id\nhr,R1,a,h\nhr,R2,a,h\ncrm,9,b,h\n"))
    assert s.to_dict() == {"hr:R1": "a", "hr:R2": "a", "crm:9": "b"}


def test_a_record_id_column_a_byte_order_mark_and_a_label_found_by_its_name(tmp_path: Path) -> None:
    p = tmp_path / "l.csv"
    p.write_bytes("\ufeffrecord_id,cluster\nhr:R1,1\nhr:R2,1\n".encode())
    assert read_truth(p).to_dict() == {"hr:R1": "1", "hr:R2": "1"}


def test_a_label_column_named_by_the_user(tmp_path: Path) -> None:
    p = _labels(tmp_path, "source,source_record_id,person_id,household_id\nhr,R1,a,h1\nhr,R2,b,h1\n")
    assert read_truth(p, label="household_id").to_dict() == {"hr:R1": "h1", "hr:R2": "h1"}


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        ("source,source_record_id,person_id\nhr,R1,a\nhr,,b\n", None, "line 3, column source_record_id: no value"),
        ("source,source_record_id,person_id\nhr,R1,a\nhr,R1,b\n", None, "line 3: record hr:R1 is labelled again (first at line 2)"),
        ("record_id,person_id\nR1,a\n", None, "line 2, column record_id: 'R1' is not source:source_record_id"),
        ("source,source_record_id,who\nhr,R1,a\n", None, "has no label column"),
        ("source,source_record_id,person_id\nhr,R1,a\n", "team", "has no column 'team'"),
        ("id,person_id\nR1,a\n", None, "has no record columns"),
        ("source,source_record_id,person_id\n", None, "no labelled records"),
    ],
)
def test_a_bad_labels_file_is_one_error_naming_the_line_and_column(tmp_path: Path, text: str, label: str | None,
                                                                   message: str) -> None:
    p = _labels(tmp_path, text)
    with pytest.raises(IngestError) as exc:
        read_truth(p, label)
    assert message in str(exc.value) and str(p) in str(exc.value)


def test_a_missing_labels_file_says_what_the_file_should_hold(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="file not found.*source,source_record_id,person_id"):
        read_truth(tmp_path / "nope.csv")


def test_the_modules_examples_run() -> None:
    assert doctest.testmod(truth).failed == 0
