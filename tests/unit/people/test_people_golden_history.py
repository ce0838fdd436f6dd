"""People: golden-record survivorship, address history, and the grouped-set helper."""

from __future__ import annotations

import json

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.people._groups import joined_sets
from identity_graph.people.golden import ADDRESS_FIELDS, GOLDEN_FIELDS, golden_records
from identity_graph.people.history import address_history

BASE = {"person_id": "P1", "source": "council_tax", "trust": 1, "record_date": None}


def records(*rows: dict) -> pd.DataFrame:
    cols = ["record_id", *BASE, *GOLDEN_FIELDS, *ADDRESS_FIELDS]
    f = pd.DataFrame([{**BASE, **r} for r in rows], columns=cols)
    return f.astype(object).where(f.notna(), None).astype({"trust": int})


def golden(frame: pd.DataFrame, current: pd.DataFrame | None = None) -> dict[str, dict]:
    if current is None:
        current = pd.DataFrame({"person_id": sorted(set(frame["person_id"]))})
        for c in ADDRESS_FIELDS:
            current[c] = None
    out = golden_records(frame, current)
    return {p: json.loads(g) for p, g in zip(out["person_id"], out["golden"], strict=True)}


# -- golden record -------------------------------------------------------------------------
def test_the_most_trusted_source_wins_over_a_more_recent_one():
    f = records(
        {"record_id": "a", "trust": 5, "record_date": "2020-01-01", "given_name": "robert"},
        {"record_id": "b", "trust": 1, "record_date": "2024-01-01", "given_name": "bob"},
    )
    assert golden(f)["P1"]["given_name"] == "robert"


def test_among_equally_trusted_sources_the_most_recent_wins():
    f = records(
        {"record_id": "a", "record_date": "2020-01-01", "family_name": "smith"},
        {"record_id": "b", "record_date": "2024-01-01", "family_name": "jones"},
        {"record_id": "c", "record_date": None, "family_name": "brown"},
    )
    assert golden(f)["P1"]["family_name"] == "jones"


def test_then_the_most_complete_record_wins():
    f = records(
        {"record_id": "a", "record_date": "2024-01-01", "given_name": "ann"},
        {"record_id": "b", "record_date": "2024-01-01", "given_name": "anne", "dob": "1980-01-01"},
    )
    assert golden(f)["P1"]["given_name"] == "anne"


def test_then_the_smallest_record_id_wins():
    f = records(
        {"record_id": "b", "given_name": "anne"},
        {"record_id": "a", "given_name": "ann"},
    )
    assert golden(f)["P1"]["given_name"] == "ann"


def test_each_field_takes_the_first_non_missing_value_in_survivorship_order():
    f = records(
        {"record_id": "a", "trust": 5, "given_name": "robert", "dob": None},
        {"record_id": "b", "trust": 1, "given_name": "bob", "dob": "1970-05-05"},
    )
    g = golden(f)["P1"]
    assert (g["given_name"], g["dob"]) == ("robert", "1970-05-05")


def test_address_fields_come_from_the_current_address_not_field_by_field():
    f = records(
        {
            "record_id": "a",
            "trust": 5,
            "address": "1 old road",
            "postcode": "AB1 2CD",
            "address_key": "|1|old road|AB1 2CD",
        },
        {
            "record_id": "b",
            "trust": 1,
            "address": None,
            "postcode": "ZZ9 9ZZ",
            "address_key": "|9|new street|ZZ9 9ZZ",
        },
    )
    current = pd.DataFrame(
        [
            {
                "person_id": "P1",
                "address": "9 new street",
                "postcode": "ZZ9 9ZZ",
                "address_key": "|9|new street|ZZ9 9ZZ",
            }
        ]
    )
    g = golden(f, current)["P1"]
    assert (g["address"], g["postcode"], g["address_key"]) == (
        "9 new street",
        "ZZ9 9ZZ",
        "|9|new street|ZZ9 9ZZ",
    )


def test_golden_lists_every_source_sorted_one_row_per_person():
    f = records(
        {"record_id": "a", "source": "housing"},
        {"record_id": "b", "source": "council_tax"},
        {"record_id": "c", "source": "housing"},
        {"record_id": "d", "person_id": "P2", "source": "schools"},
    )
    g = golden(f)
    assert g["P1"]["sources"] == ["council_tax", "housing"]
    assert g["P2"]["sources"] == ["schools"]


# -- address history -----------------------------------------------------------------------
HOME = {"address": "1 old road", "postcode": "AB1 2CD", "address_key": "|1|old road|AB1 2CD"}
NEW = {"address": "9 new street", "postcode": "ZZ9 9ZZ", "address_key": "|9|new street|ZZ9 9ZZ"}


def history(frame) -> dict[str, dict]:
    h = address_history(frame)
    return {r["address_key"]: r for r in h.to_dict("records")}


def test_history_has_first_and_last_seen_and_sorted_sources_per_address():
    f = records(
        {"record_id": "a", **HOME, "record_date": "2018-03-01", "source": "housing"},
        {"record_id": "b", **HOME, "record_date": "2015-06-01", "source": "council_tax"},
        {"record_id": "c", **HOME, "record_date": "2019-01-01", "source": "housing"},
        {"record_id": "d", **NEW, "record_date": "2023-01-01", "source": "schools"},
    )
    h = history(f)
    home = h[HOME["address_key"]]
    assert (home["first_seen"], home["last_seen"]) == ("2015-06-01", "2019-01-01")
    assert home["sources"] == "council_tax,housing"
    assert home["records"] == 3
    assert h[NEW["address_key"]]["is_current"] and not home["is_current"]


def test_the_current_address_is_the_latest_last_seen():
    f = records(
        {"record_id": "a", **HOME, "record_date": "2024-01-01", "trust": 1},
        {"record_id": "b", **NEW, "record_date": "2023-01-01", "trust": 9},
    )
    assert history(f)[HOME["address_key"]]["is_current"]


def test_a_tie_on_last_seen_goes_to_the_more_trusted_source():
    f = records(
        {"record_id": "a", **HOME, "record_date": "2024-01-01", "trust": 1},
        {"record_id": "b", **NEW, "record_date": "2024-01-01", "trust": 3},
    )
    h = history(f)
    assert h[NEW["address_key"]]["is_current"] and not h[HOME["address_key"]]["is_current"]


def test_every_person_has_exactly_one_current_address():
    f = records(
        {"record_id": "a", **HOME, "record_date": "2020-01-01"},
        {"record_id": "b", **NEW, "record_date": None},
        {"record_id": "c", **NEW, "person_id": "P2", "record_date": "2021-01-01"},
    )
    h = address_history(f)
    assert h.groupby("person_id")["is_current"].sum().to_dict() == {"P1": 1, "P2": 1}


def test_records_without_any_address_are_left_out_of_history():
    f = records({"record_id": "a"}, {"record_id": "b", **HOME, "record_date": "2020-01-01"})
    assert len(address_history(f)) == 1


# -- joined_sets ---------------------------------------------------------------------------
def naive_joined_sets(groups, values, sep=","):
    out = {}
    for g, v in zip(groups, values, strict=True):
        out.setdefault(g, set()).add(v)
    return {g: sep.join(sorted(s)) for g, s in out.items()}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.text("abcxyz_", min_size=1, max_size=3)),
        min_size=1,
        max_size=120,
    )
)
def test_joined_sets_equals_a_naive_groupby(rows):
    groups = pd.Series([g for g, _ in rows])
    values = pd.Series([v for _, v in rows], dtype=object)
    got = joined_sets(groups, values)
    assert got.to_dict() == naive_joined_sets(groups, values)


def test_joined_sets_with_more_values_than_bits_falls_back_to_the_same_answer():
    values = pd.Series([f"s{i:02d}" for i in range(70)] * 2, dtype=object)
    groups = pd.Series([i % 3 for i in range(140)])
    assert joined_sets(groups, values).to_dict() == naive_joined_sets(groups, values)
