"""Standardising a whole export: chunks in worker processes give the same records as in-process,
and a record id seen twice in one file is rejected, naming the row where it first appeared."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.ingest.mapping import SourceMapping
from identity_graph.ingest.readers import read_export
from identity_graph.standardise.parallel import standardised
from identity_graph.standardise.record import _json_objects, drop_duplicate_ids

MAPPING = SourceMapping.from_dict(
    {
        "source": "hr",
        "id": "ID",
        "fields": {"full_name": "NAME", "dob": "DOB", "address": "ADDR", "postcode": "PC"},
        "formats": {"dob": "%d/%m/%Y"},
    },
    "hr.toml",
)


def _export(tmp_path: Path, rows: int, dup_at: int | None = None) -> Path:
    lines = ["ID,NAME,DOB,ADDR,PC"]
    for i in range(rows):
        rid = "R0" if dup_at is not None and i == dup_at else f"R{i}"
        lines.append(f"{rid},\"SMITH{i % 37}, John\",0{1 + i % 9}/0{1 + i % 8}/19{50 + i % 40},{i} High St,LS6 2AB")
    path = tmp_path / "hr.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _all(path: Path, workers: int) -> pd.DataFrame:
    chunks = read_export(path, MAPPING, chunk_rows=100)
    frames = [std.frame for _, std in standardised(chunks, MAPPING, str(path), workers=workers)]
    return pd.concat(frames, ignore_index=True)


def test_parallel_standardisation_gives_the_same_records_in_file_order(tmp_path: Path) -> None:
    path = _export(tmp_path, 750)
    parallel, serial = _all(path, workers=2), _all(path, workers=1)
    pd.testing.assert_frame_equal(parallel, serial)
    assert parallel["source_record_id"].tolist() == [f"R{i}" for i in range(750)]


def test_a_repeated_id_in_a_later_chunk_is_rejected_naming_the_first_row(tmp_path: Path) -> None:
    path = _export(tmp_path, 250, dup_at=180)
    seen: dict[str, int] = {}
    kept, rejects = [], []
    for _, std in standardised(read_export(path, MAPPING, chunk_rows=100), MAPPING, str(path), workers=1):
        std = drop_duplicate_ids(std, seen, str(path), "ID")
        kept.append(std.frame)
        rejects.extend(std.rejects)
    assert sum(len(f) for f in kept) == 249
    (rej,) = rejects
    assert (rej.row, rej.column, rej.action) == (181, "ID", "row rejected")
    assert "first seen at row 1" in rej.reason


_CELL = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["Zoë", 'q"u\\ote', "\n", "", "  ", "\u2028"]))


@settings(max_examples=60, deadline=None)
@given(
    columns=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=6, unique=True),
    cells=st.lists(st.lists(_CELL, min_size=6, max_size=6), min_size=1, max_size=30),
)
def test_raw_and_attributes_json_is_what_json_dumps_writes_per_row(columns: list[str], cells: list[list[object]]) -> None:
    """The stored ``raw`` and ``attributes`` (and so every row hash) stay byte-identical to one
    ``json.dumps(row, sort_keys=True)`` per row, however they are built."""
    frame = pd.DataFrame([row[: len(columns)] for row in cells], columns=columns, dtype=object)
    rows = frame.to_dict(orient="records")

    assert _json_objects(frame, columns, skip_none=False) == [
        json.dumps(r, sort_keys=True, default=str) for r in rows
    ]
    assert _json_objects(frame, columns[:3], skip_none=True) == [
        json.dumps({c: r[c] for c in columns[:3] if r.get(c) is not None}, sort_keys=True) for r in rows
    ]
