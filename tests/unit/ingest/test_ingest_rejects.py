"""The rejects file round-trips, always has a header, and clips long values."""

from __future__ import annotations

import csv
from pathlib import Path

from identity_graph.ingest.rejects import REJECT_COLUMNS, read_rejects, write_rejects
from identity_graph.types import Reject


def test_round_trip(tmp_path: Path) -> None:
    rejects = [
        Reject("ct.csv", 3, None, "row has 2 fields but the header has 3", value="1,a"),
        Reject(
            "ct.csv", 9, "DOB", "impossible date", action="value dropped", value='31/02/1980 "x"\n,'
        ),
        Reject("ct.csv", 10, "EMAIL", "no value"),
        Reject("ct.csv", 11, None, "a quoted value ... never closed", line=14, record_id="R11"),
    ]
    path = tmp_path / "rejects.csv"
    assert write_rejects(iter(rejects), path) == 4
    assert read_rejects(path) == rejects


def test_header_always_written_and_values_clipped(tmp_path: Path) -> None:
    path = tmp_path / "none.csv"
    assert write_rejects([], path) == 0
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(REJECT_COLUMNS)]
    assert read_rejects(path) == []

    write_rejects([Reject("f", 1, "C", "too long", value="x" * 5000)], path)
    with open(path, encoding="utf-8", newline="") as fh:
        row = list(csv.DictReader(fh))[0]
    assert len(row["value"]) == 200 and row["value"].endswith("…")
    assert read_rejects(path)[0].value == row["value"]
