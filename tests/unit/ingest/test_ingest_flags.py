"""Typed per-source flags (``[flags]``): validated with the rest of the mapping, kept on each
record as typed values, and a value of the wrong type dropped with file, row and column."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from identity_graph.errors import MappingError
from identity_graph.ingest.flags import FLAGS_KEY
from identity_graph.ingest.mapping import SourceMapping
from identity_graph.standardise.record import standardise_chunk

BASE: dict[str, Any] = {"source": "ct", "id": "REF", "fields": {"full_name": "NAME"}}


def _mapping(flags: Any) -> SourceMapping:
    return SourceMapping.from_dict(BASE | {"flags": flags}, "ct.toml")


def test_a_flag_names_its_column_and_type_and_round_trips() -> None:
    m = _mapping({"single_person_discount": {"column": "SPD", "type": "bool"}, "band": {"column": "BAND"}})
    assert m.flags["single_person_discount"].type == "bool" and m.flags["band"].type == "text"
    assert "SPD" in m.columns_used()
    assert SourceMapping.from_dict(m.to_dict(), m.path) == m


def test_a_mapping_without_flags_writes_none_so_its_records_keep_their_hashes() -> None:
    assert "flags" not in SourceMapping.from_dict(BASE, "ct.toml").to_dict()


def test_every_problem_with_the_flags_is_reported_at_once() -> None:
    with pytest.raises(MappingError) as info:
        _mapping({"spd": {"column": "SPD", "type": "boolean"}, "Bad Name": {"column": "X"},
                  "vuln": "VULN", "x": {"type": "int"}})
    text = str(info.value)
    assert "'flags.spd.type' 'boolean' is unknown; use one of bool, int, float, date, text" in text
    assert "flag name 'Bad Name'" in text
    assert "'flags.vuln' must be a table with column and type" in text
    assert "'flags.x.column' must be a column name" in text
    assert len(info.value.problems) == 4


def test_flags_are_kept_typed_in_the_records_attributes_and_bad_values_are_dropped_with_where() -> None:
    m = _mapping({"single_person_discount": {"column": "SPD", "type": "bool"},
                  "adults": {"column": "ADULTS", "type": "int"}, "since": {"column": "SINCE", "type": "date"}})
    raw = pd.DataFrame({
        "REF": ["1", "2", "3"], "NAME": ["Ann Lee", "Bo Lee", "Cy Lee"], "SPD": ["Y", "n", "maybe"],
        "ADULTS": ["1", "", "2"], "SINCE": ["2024-01-31", "31/01/2024", ""], "OTHER": ["a", "b", "c"],
        "__row__": [1, 2, 3],
    }, dtype=object)
    std = standardise_chunk(raw, m, "ct.csv")
    attrs = [json.loads(a) for a in std.frame["attributes"]]
    assert attrs[0] == {"OTHER": "a", FLAGS_KEY: {"single_person_discount": True, "adults": 1, "since": "2024-01-31"}}
    assert attrs[1][FLAGS_KEY] == {"single_person_discount": False, "since": "2024-01-31"}
    assert attrs[2][FLAGS_KEY] == {"adults": 2}
    dropped = [(r.file, r.row, r.column, r.action) for r in std.rejects]
    assert dropped == [("ct.csv", 3, "SPD", "value dropped")]
    assert "flag single_person_discount: not a yes/no value" in std.rejects[0].reason
