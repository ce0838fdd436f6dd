"""Comparison levels on hand-made pairs: missing → 0, exact → 1, the named intermediate
levels in order, anything else → the last level ("else")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from identity_graph.compare.library import KINDS, CompareContext, build_comparisons
from identity_graph.settings import ComparisonSpec
from identity_graph.standardise.nicknames import canonical_given

COLUMNS = [
    "given_name",
    "given_canonical",
    "family_name",
    "middle_names",
    "dob",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "address_key",
    "street",
    "house_number",
    "flat",
    "phones",
    "emails",
    "x_vehicle_reg",
    "nhs_number",
    "gender",
    "source",
    "suffix",
]


def frame_of(records: list[dict]) -> pd.DataFrame:
    f = pd.DataFrame(records, columns=COLUMNS, dtype=object)
    f = f.astype(object).where(f.notna(), None)
    f["given_canonical"] = canonical_given(f["given_name"]).to_numpy(dtype=object)
    return f


def labels(kind: str, pairs: list[tuple[dict, dict]], column: str | None = None) -> list[str]:
    """The level label of each (record a, record b) pair under one comparison kind."""
    records = [r for pair in pairs for r in pair]
    ctx = CompareContext(frame_of(records), workers=1)
    spec = ComparisonSpec(kind, kind, column or kind)
    comp = KINDS[kind](spec, ctx)
    ia = np.arange(0, len(records), 2, dtype=np.int32)
    ib = ia + 1
    lv = comp.levels(ia, ib)
    return [comp.labels[x] for x in lv]


def one(kind: str, a: dict, b: dict, column: str | None = None) -> str:
    return labels(kind, [(a, b)], column)[0]


# -- given names ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (None, "john", "missing"),
        ("john", "john", "exact"),
        ("bob", "robert", "nickname"),
        ("bill", "william", "nickname"),
        ("jim", "jimmy", "nickname"),
        # only both listed under a third name: often two members of one household
        ("ian", "jack", "nickname via another name"),
        # listed one under the other, but each a given name in its own right: sisters, twins
        ("emily", "emma", "nickname via another name"),
        ("mary", "marie", "nickname via another name"),
        ("geraldine", "geraldina", "jw>=0.92"),
        ("sarah", "sahra", "jw>=0.80"),
        # one typing slip, even where Jaro-Winkler is below 0.92 (short names)
        ("mwria", "maria", "one edit"),
        ("srah", "sarah", "one edit"),
        ("ella", "ekla", "one edit"),
        # alike only in their beginning: household members, not typos
        ("mary", "marek", "jw>=0.80"),
        # a man's name and a woman's, however alike: a brother and sister, a couple (ADR 0022)
        ("jane", "james", "else"),
        ("oliver", "olivia", "else"),
        ("paul", "paula", "else"),
        ("francis", "frances", "else"),
        ("daniel", "danielle", "else"),
        ("louis", "louise", "else"),
        ("lewis", "louise", "else"),
        ("mary", "mark", "else"),
        ("j", "jonathan", "initial"),
        ("jonathan", "j", "initial"),
        ("john", "mary", "else"),
        ("k", "jonathan", "else"),
    ],
)
def test_given_name_levels(a, b, level):
    assert one("given_name", {"given_name": a}, {"given_name": b}) == level


def test_given_and_family_names_swapped_count_as_exact_for_both():
    a = {"given_name": "smith", "family_name": "john"}
    b = {"given_name": "john", "family_name": "smith"}
    assert one("given_name", a, b) == "exact"
    assert one("family_name", a, b) == "exact"


def test_a_person_with_the_same_given_and_family_name_is_not_a_swap():
    a = {"given_name": "lee", "family_name": "lee"}
    b = {"given_name": "lee", "family_name": "smith"}
    assert one("family_name", a, b) == "else"


# -- family names --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("smith", None, "missing"),
        ("smith", "smith", "exact"),
        ("johnson", "jonson", "jw>=0.92"),
        ("smith", "smith-jones", "part of double-barrelled"),
        ("jones", "smith-jones", "part of double-barrelled"),
        ("smith jones", "jones", "part of double-barrelled"),
        ("smyth", "smith", "jw>=0.80"),
        ("smith", "jones", "else"),
        ("smith-jones", "brown-taylor", "else"),
    ],
)
def test_family_name_levels(a, b, level):
    assert one("family_name", {"family_name": a}, {"family_name": b}) == level


# -- middle names --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("albert", None, "missing"),  # most systems have no field for it: no evidence
        ("albert", "albert", "exact"),
        ("albert edward", "albert", "same first middle name"),
        ("a", "albert", "initial"),
        ("albert", "a e", "initial"),
        ("albert", "edward", "else"),
        ("b", "albert", "else"),
        ("edward albert", "albert", "else"),
    ],
)
def test_middle_name_levels(a, b, level):
    assert one("middle_name", {"middle_names": a}, {"middle_names": b}, "middle_names") == level


def test_middle_names_held_by_no_record_are_missing():
    # explain and search compare a handful of records, often none with a middle name
    assert one("middle_name", {"middle_names": None}, {"middle_names": None}, "middle_names") == "missing"


# -- dates of birth ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1980-03-12", None, "missing"),
        ("1980-03-12", "1980-03-12", "exact"),
        ("1980-03-12", "1980-12-03", "day/month transposed"),
        ("1980-03-12", "1980-03-13", "one digit"),
        ("1980-03-12", "1989-03-12", "one digit"),
        ("1980-03-12", "1981-03-13", "two digits"),
        ("1980-03-12", "1975-07-28", "else"),
        ("1980-03-12", "1981-12-03", "else"),  # transposed but a different year
    ],
)
def test_dob_levels(a, b, level):
    assert one("dob", {"dob": a}, {"dob": b}) == level


def test_a_filler_dob_taken_out_of_the_comparison_is_missing_not_a_disagreement():
    # prepare_frame removes placeholders from `dob`; `dob_text` keeps their text, and that of
    # impossible dates ("1980-15-03"). A known filler ("1900-01-01") is no date; a date only
    # frequent in the data ("1840-01-01": a year of birth) and an impossible one still count
    records = [
        {"dob": None, "dob_text": "1900-01-01"}, {"dob": "1980-03-12", "dob_text": "1980-03-12"},
        {"dob": None, "dob_text": "1980-15-03"}, {"dob": "1980-05-03", "dob_text": "1980-05-03"},
        {"dob": None, "dob_text": "1840-01-01"}, {"dob": "1840-01-01", "dob_text": "1840-01-01"},
    ]
    frame = frame_of(records)
    frame["dob_text"] = [r["dob_text"] for r in records]
    comp = KINDS["dob"](ComparisonSpec("dob", "dob", "dob"), CompareContext(frame, workers=1))
    lv = comp.levels(np.array([0, 2, 4], dtype=np.int32), np.array([1, 3, 5], dtype=np.int32))
    assert [comp.labels[x] for x in lv] == ["missing", "one digit", "one digit"]


# -- generations and namesakes: indicators of weight 0 (ADR 0022) ----------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1955-03-12", "1983-07-04", "generations apart"),  # a father and son
        ("1955-03-12", "1985-03-12", "missing"),  # one digit: a typo, not a generation
        ("1955-03-12", "1962-07-04", "missing"),  # two people, but one generation
        ("1955-03-12", "1955-03-12", "missing"),
        ("1955-03-12", None, "missing"),
    ],
)
def test_generations_apart(a, b, level):
    assert one("age_gap", {"dob": a}, {"dob": b}, "dob") == level


def namesake_levels(records: list[dict], pairs: list[tuple[int, int]]) -> list[str]:
    ctx = CompareContext(frame_of(records), workers=1)
    comp = KINDS["namesake"](ComparisonSpec("namesakes", "namesake", "given_canonical"), ctx)
    ia = np.array([p[0] for p in pairs], dtype=np.int32)
    ib = np.array([p[1] for p in pairs], dtype=np.int32)
    return [comp.labels[x] for x in comp.levels(ia, ib)]


def jones(dob=None, suffix=None, postcode="LS6 2AB", given="david") -> dict:
    return {"given_name": given, "family_name": "jones", "dob": dob, "suffix": suffix, "postcode": postcode}


def test_a_record_without_a_dob_whose_name_two_people_hold_nearby_is_a_namesake():
    records = [jones("1955-03-12"), jones("1983-07-04"), jones()]
    assert namesake_levels(records, [(0, 2), (1, 2), (0, 1)]) == [
        "another person of this name here", "another person of this name here", "missing",
    ]


def test_a_suffix_says_a_namesake_lives_there():
    records = [jones("1955-03-12"), jones(suffix="jr"), jones()]
    assert namesake_levels(records, [(0, 2), (0, 1)]) == ["another person of this name here"] * 2


def test_one_person_with_a_typo_in_the_dob_is_no_namesake():
    records = [jones("1955-03-12"), jones("1955-03-13"), jones("1955-12-03"), jones()]
    assert namesake_levels(records, [(0, 3), (1, 3), (2, 3)]) == ["missing"] * 3


def test_namesakes_at_another_postcode_or_of_another_name_do_not_count():
    records = [
        jones("1955-03-12"), jones("1983-07-04", postcode="LS7 3CD"), jones(),
        jones("1983-07-04", given="peter"),
    ]
    assert namesake_levels(records, [(0, 2)]) == ["missing"]


# -- addresses -----------------------------------------------------------------------------
def addr(flat, house, street, postcode):
    sector, district = postcode[:-2], postcode.split(" ")[0]
    return {
        "flat": flat,
        "house_number": house,
        "street": street,
        "postcode": postcode,
        "postcode_sector": sector,
        "postcode_district": district,
        "address_key": "|".join(x or "" for x in (flat, house, street, postcode)),
    }


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ({}, addr(None, "12", "high street", "AB1 2CD"), "missing"),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "12", "high street", "AB1 2CD"),
            "same dwelling",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "12", "high st", "AB1 2CD"),
            "same house, similar street",
        ),
        (
            addr("1", "12", "high street", "AB1 2CD"),
            addr(None, "12", "high street", "AB1 2CE"),
            "same house, similar street",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "40", "mill lane", "AB1 2CD"),
            "same postcode",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "90", "high street", "AB1 3XY"),
            "same street",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "40", "mill lane", "AB1 2XY"),
            "same sector",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "40", "mill lane", "AB1 9XY"),
            "same district",
        ),
        (
            addr(None, "12", "high street", "AB1 2CD"),
            addr(None, "12", "high street", "ZZ7 2CD"),
            "else",
        ),
    ],
)
def test_address_levels(a, b, level):
    assert one("address", a, b) == level


def test_two_flats_in_one_building_are_not_the_same_house():
    flat1 = addr("1", "12", "high street", "AB1 2CD")
    flat2 = addr("2", "12", "high street", "AB1 2CD")
    assert one("address", flat1, flat2) == "same postcode"


# -- postcodes -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("AB1 2CD", None, "missing"),
        ("AB1 2CD", "AB1 2CD", "exact"),
        ("AB1 2CD", "AB1 2XY", "same sector"),
        ("AB1 2CD", "AB1 7XY", "same district"),
        ("AB1 2CD", "AB2 2CD", "else"),
    ],
)
def test_postcode_levels(a, b, level):
    ra = addr(None, "1", "x", a) if a else {}
    rb = addr(None, "1", "x", b) if b else {}
    assert one("postcode", ra, rb) == level


# -- phones and e-mails --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (None, "+447700900001", "missing"),
        ("+447700900001", "+447700900001", "exact"),
        ("+447700900001|+447700900002", "+447700900002", "exact"),
        ("+447700900002", "+447700900001|+447700900002", "exact"),
        ("+441632960001|+447700900002", "+441632960009|+447700900002", "exact"),
        ("+447700900001", "+447700900009", "one digit"),
        ("+447700900001", "+441632960555", "else"),
    ],
)
def test_phone_levels(a, b, level):
    assert one("phone", {"phones": a}, {"phones": b}, "phones") == level


def test_phone_shared_third_number_is_exact():
    a = {"phones": "+441632960001|+442079460018|+447700900123"}
    b = {"phones": "+447700900123"}
    assert one("phone", a, b, "phones") == "exact"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("a.smith@x.uk", None, "missing"),
        ("a.smith@x.uk", "a.smith@x.uk", "exact"),
        ("a.smith@x.uk|ann@y.com", "ann@y.com", "exact"),
        ("a.smith@x.uk", "a.smith@x.co.uk", "jw>=0.92"),
        ("jhon.smith12@x.uk", "john.smith12@x.uk", "jw>=0.92"),
        # two John Smiths: alike because of the name, told apart by their account numbers
        ("john.smith12@x.uk", "john.smith845@x.uk", "else"),
        ("john_smith12@x.uk", "john.smith@y.uk", "else"),
        ("a.smith@x.uk", "zed99@qq.com", "else"),
    ],
)
def test_email_levels(a, b, level):
    assert one("email", {"emails": a}, {"emails": b}, "emails") == level


# -- extra fields and plain identifiers ----------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("AB12CDE", None, "missing"),
        ("AB12CDE", "AB12CDE", "exact"),
        ("AB12CDE", "AB12CDF", "jw>=0.90"),
        ("AB12CDE", "AB12XYZ", "jw>=0.75"),
        ("AB12CDE", "ZX99QRS", "else"),
    ],
)
def test_fuzzy_extra_field_levels(a, b, level):
    assert one("fuzzy", {"x_vehicle_reg": a}, {"x_vehicle_reg": b}, "x_vehicle_reg") == level


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (None, "9434765919", "missing"),
        ("", "9434765919", "missing"),
        ("9434765919", "9434765919", "exact"),
        ("9434765919", "4010232137", "else"),
    ],
)
def test_exact_identifier_levels(a, b, level):
    assert one("exact", {"nhs_number": a}, {"nhs_number": b}, "nhs_number") == level


# -- source systems ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("council_tax", "council_tax", "same source"),
        ("council_tax", "electoral_register", "other source"),
        (None, "council_tax", "missing"),
    ],
)
def test_source_system_levels(a, b, level):
    assert one("source", {"source": a}, {"source": b}) == level


def test_the_source_comparison_needs_two_systems():
    # a dedupe of one system (FEBRL3, historical_50k): every pair is "same source", no evidence
    spec = ComparisonSpec("source", "source", "source")
    one_system = CompareContext(frame_of([{"source": "a"}, {"source": "a"}]), workers=1)
    two_systems = CompareContext(frame_of([{"source": "a"}, {"source": "b"}]), workers=1)
    assert build_comparisons([spec], one_system) == []
    assert [c.name for c in build_comparisons([spec], two_systems)] == ["source"]


def test_levels_of_a_batch_equal_levels_of_each_pair_alone():
    pairs = [
        ({"given_name": "bob"}, {"given_name": "robert"}),
        ({"given_name": "john"}, {"given_name": "john"}),
        ({"given_name": None}, {"given_name": "ann"}),
        ({"given_name": "sarah"}, {"given_name": "sahra"}),
    ]
    assert labels("given_name", pairs) == [one("given_name", a, b) for a, b in pairs]
