"""Tiny stand-ins for the public benchmark files (the real ones live outside the repo)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

FAKE_IDGRAPH = [sys.executable, str(Path(__file__).with_name("fake_idgraph.py"))]

HEADER = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id"
FEBRL3_ROWS = [
    "rec-1-org, john, smith, 12, high street, , springfield, 2000, nsw, 19800101, 1234567",
    "rec-2-dup-0, mary, jonse, 4, low road, rear, hilltop, 3000, vic, 19700202, 7654321",
    "rec-1-dup-0, jon, smith, 12, high st, , springfield, 2000, nsw, 19800101, 1234567",
    "rec-3-org, ann, smith, 9, park lane, , dale, 4000, qld, 19900303, 1111111",
    "rec-2-org, mary, jones, 4, low road, rear, hilltop, 3000, vic, 19700202, 7654321",
]
FEBRL4A_ROWS = [
    "rec-10-org, amy, brown, 1, a street, , x, 2000, nsw, 19600101, 1",
    "rec-11-org, bob, green, 2, b street, , y, 2001, nsw, 19610101, 2",
]
FEBRL4B_ROWS = [
    "rec-11-dup-0, bob, grene, 2, b street, , y, 2001, nsw, 19610101, 2",
    "rec-10-dup-0, amy, brown, 1, a st, , x, 2000, nsw, 19600101, 1",
]


def make_data_dir(root: Path) -> Path:
    """A --data folder with febrl/dataset3.csv, dataset4a/4b.csv and the historical parquet."""
    febrl = root / "febrl"
    febrl.mkdir(parents=True)
    (febrl / "dataset3.csv").write_text("\n".join([HEADER, *FEBRL3_ROWS]) + "\n")
    # like the real file: CRLF line endings and no final newline
    (febrl / "dataset4a.csv").write_bytes("\r\n".join([HEADER, *FEBRL4A_ROWS]).encode())
    (febrl / "dataset4b.csv").write_text("\n".join([HEADER, *FEBRL4B_ROWS]) + "\n")
    splink = root / "splink"
    splink.mkdir()
    pd.DataFrame(
        {
            "unique_id": ["Q1-1", "Q1-2", "Q2-1"],
            "cluster": ["Q1", "Q1", "Q2"],
            "full_name": ["thomas clifford, 1st baron", "tom clifford", "ada lovelace"],
            "first_and_surname": ["thomas clifford", "tom clifford", "ada lovelace"],
            "first_name": ["thomas", "tom", "ada"],
            "surname": ["clifford", "clifford", "lovelace"],
            "dob": ["1630-08-01", None, "1815-12-10"],
            "birth_place": ["devon", "devon", "london"],
            "postcode_fake": ["tq13 8df", None, "w1 1aa"],
            "gender": ["male", "male", "female"],
            "occupation": ["politician", None, "mathematician"],
        }
    ).to_parquet(splink / "historical_figures_with_errors_50k.parquet", index=False)
    return root
