"""The working frame the matcher compares: derived evidence that never reaches the stored record."""

from __future__ import annotations

import json

import pandas as pd

from identity_graph.pipeline import prepare_frame
from identity_graph.types import DOB_UNPARSED, RECORD_COLUMNS


def records(rows: list[dict]) -> pd.DataFrame:
    base = {c: None for c in RECORD_COLUMNS}
    out = pd.DataFrame([{**base, "record_id": f"web:{i}", "source": "web", **r} for i, r in enumerate(rows)],
                       dtype=object)
    out["trust"] = 1
    return out


def test_a_nameless_record_takes_the_name_its_email_spells():
    rec = records([
        {"emails": "sarah.pritchard777@example.com"},
        {"emails": "rebeccahollcroft578@example.net"},
        {"given_name": "rebecca", "family_name": "hollcroft"},
        {"emails": "xq7@example.com"},
        {"given_name": "tom", "emails": "dad.account@example.com"},
    ])
    frame, _ = prepare_frame(rec, {})
    names = list(zip(frame["given_name"], frame["family_name"], strict=True))
    assert names[0] == ("sarah", "pritchard")
    assert names[1] == ("rebecca", "hollcroft")  # split where both halves are names held here
    assert names[3] == (None, None)
    assert names[4] == ("tom", None)  # a record with a name keeps it
    assert frame.loc[0, "family_phonetic"] is not None
    assert rec.loc[0, "given_name"] is None  # the stored records are untouched


def test_an_impossible_dob_is_compared_as_text_only():
    rec = records([
        {"dob": "1853-12-20"},
        {"extra": json.dumps({DOB_UNPARSED: "1853-15-20"})},
        {},
    ])
    frame, _ = prepare_frame(rec, {})
    assert frame["dob"].tolist() == ["1853-12-20", None, None]
    assert frame["dob_text"].tolist() == ["1853-12-20", "1853-15-20", None]
