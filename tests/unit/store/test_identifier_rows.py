"""Identifier rows are the same whether built value by value (a person's few records) or column
by column (a load's chunk): same rows, same order, duplicates dropped, blanks left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from identity_graph.store import identifiers
from identity_graph.store.identifiers import identifier_rows

COLUMNS = ["record_id", "given_name", "family_name", "dob", "address_key", "postcode", "phones", "emails",
           "nhs_number", "ni_number", "uprn"]


def frame(rows: list[list[object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


EDGES = frame([
    ["a", "jon", "smith", "1980-02-01", "|14|hyde park road|LS6 1AB", "LS6 1AB", "+447700900123|+441132000000",
     "jon@x.example", "9434765919", None, None],
    ["b", None, "smith", np.nan, "", "LS6 1AB", "+447700900123||", None, pd.NA, "AB123456C", "100"],
    ["c", "jon", "smith", "1980-02-01", "|14|hyde park road|LS6 1AB", None, "", "a@x.example|a@x.example",
     None, None, None],
    ["c", "jon", "smith", "1980-02-01", None, None, None, None, None, None, None],  # a repeated record
    ["d", float("nan"), None, None, None, None, None, None, None, None, None],
])


@pytest.mark.parametrize("data", [EDGES, EDGES.iloc[::-1].reset_index(drop=True), EDGES.iloc[:0]])
def test_value_by_value_and_column_by_column_give_the_same_rows(data: pd.DataFrame,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    small = identifier_rows(data)
    monkeypatch.setattr(identifiers, "SMALL", -1)
    columnar = identifier_rows(data)
    assert list(small.columns) == ["record_id", "kind", "value"]
    assert small.values.tolist() == columnar.values.tolist()


def test_blanks_are_left_out_and_each_phone_and_email_is_a_row_of_its_own() -> None:
    rows = identifier_rows(EDGES)
    b = rows[rows["record_id"] == "b"].values.tolist()
    assert ["b", "phone", "+447700900123"] in b and ["b", "ni", "AB123456C"] in b
    assert not any(kind in ("name", "dob", "nhs") for _, kind, _ in b)  # no given name: no name key
    assert ["b", "address", ""] in b  # an empty key is a value (as the column path has always kept it)
    c_emails = rows[(rows["record_id"] == "c") & (rows["kind"] == "email")]
    assert c_emails["value"].tolist() == ["a@x.example"]
    assert rows[rows["record_id"] == "d"].empty
