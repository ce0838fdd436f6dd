"""A FEBRL-shaped export (the Freely Extensible Biomedical Record Linkage test data: Australian
people, 4-digit postcodes, 7-digit social-security ids, dates as YYYYMMDD), generated here so
the suite reads nothing outside the repository."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

FEBRL_COLUMNS = [
    "rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
    "postcode", "state", "date_of_birth", "soc_sec_id",
]  # fmt: skip
_GIVEN = ["joshua", "emily", "lachlan", "chloe", "jack", "olivia", "thomas", "isabella", "liam",
          "mia", "william", "charlotte", "james", "grace", "samuel", "ruby", "benjamin", "sophie",
          "daniel", "hannah", "matthew", "lucy", "ryan", "jessica", "michael", "sarah"]
_FAMILY = ["neumann", "white", "campbell", "nguyen", "ryan", "kelly", "mitchell", "oconnor",
           "ferguson", "leeson", "clarke", "purdie", "matthews", "reid", "bishop", "dunstan",
           "heath", "carmody", "sorensen", "whiteway", "marinelli", "papadopoulos"]
_STREETS = ["stanley street", "mcmillan place", "garrick crescent", "wattle avenue", "bunya road",
            "jacaranda drive", "banksia close", "kookaburra circuit", "hume highway", "eyre street"]
_SUBURBS = ["winston hills", "toowoomba", "fitzroy", "kingscliff", "belconnen", "paddington",
            "glenelg", "sunnybank", "mosman", "ringwood"]
_STATES = ["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"]


def _person(rng: random.Random) -> dict[str, str]:
    return {
        "given_name": rng.choice(_GIVEN),
        "surname": rng.choice(_FAMILY),
        "street_number": str(rng.randint(1, 120)),
        "address_1": rng.choice(_STREETS),
        "address_2": rng.choice(["", "", "", "rosedale", "the oaks", "unit 4"]),
        "suburb": rng.choice(_SUBURBS),
        "postcode": str(rng.randint(2000, 7999)),
        "state": rng.choice(_STATES),
        "date_of_birth": f"{rng.randint(1920, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
        "soc_sec_id": str(rng.randint(1_000_000, 9_999_999)),
    }


def _typo(rng: random.Random, rec: dict[str, str]) -> dict[str, str]:
    out = dict(rec)
    key = rng.choice(["given_name", "surname", "address_1", "suburb"])
    v = out[key]
    if len(v) > 3:
        i = rng.randrange(1, len(v) - 1)
        out[key] = v[:i] + v[i + 1 :]
    if rng.random() < 0.3:
        out["address_2"] = ""
    return out


def write_febrl_like(path: Path, *, originals: int = 300, duplicates: int = 120, seed: int = 4) -> Path:
    """Write a FEBRL-shaped CSV: ``rec-N-org`` records and ``rec-N-dup-K`` noisy copies."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    people = [_person(rng) for _ in range(originals)]
    for n, p in enumerate(people):
        rows.append({"rec_id": f"rec-{n}-org", **p})
    for k in range(duplicates):
        n = rng.randrange(originals)
        rows.append({"rec_id": f"rec-{n}-dup-{k}", **_typo(rng, people[n])})
    rng.shuffle(rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, FEBRL_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


#: The mapping the review used: Australian postcodes as `postcode`, social-security ids as
#: `ni_number` (both lost to validation), everything else right.
FEBRL_WRONG_MAPPING = """\
source = "febrl"
id = "rec_id"

[fields]
given_name = "given_name"
family_name = "surname"
address = ["street_number", "address_1", "address_2", "suburb", "state"]
postcode = "postcode"
dob = "date_of_birth"
ni_number = "soc_sec_id"
"""


@pytest.fixture
def febrl(tmp_path: Path) -> Path:
    """A FEBRL-shaped export (420 rows) in ``tmp_path``."""
    return write_febrl_like(tmp_path / "febrl.csv")


@pytest.fixture
def febrl_wrong_mapping(tmp_path: Path) -> Path:
    """The FEBRL mapping with its two mistakes (postcode, ni_number)."""
    p = tmp_path / "febrl.toml"
    p.write_text(FEBRL_WRONG_MAPPING, encoding="utf-8")
    return p
