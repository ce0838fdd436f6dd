import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.standardise.addresses import ADDRESS_COLUMNS, parse_addresses


def one(address, postcode=None) -> dict:
    pc = None if postcode is None else pd.Series([postcode], dtype=object)
    return parse_addresses(pd.Series([address], dtype=object), pc).iloc[0].to_dict()


def test_flat_number_street_town_and_postcode_from_text():
    r = one("Flat 3, 12 High St, London SW1A 1AA")
    assert r["address"] == "flat 3, 12 high street, london"
    assert (r["flat"], r["house_number"], r["street"], r["town"]) == (
        "3",
        "12",
        "high street",
        "london",
    )
    assert r["postcode"] == "SW1A 1AA" and r["postcode_valid"]
    assert (r["postcode_sector"], r["postcode_district"], r["postcode_area"]) == (
        "SW1A 1",
        "SW1A",
        "SW",
    )
    assert r["address_key"] == "3|12|high street|SW1A 1AA"


def test_postcode_column_wins_and_is_normalised():
    r = one("12 Acacia Avenue, Reading", "rg11aa")
    assert r["postcode"] == "RG1 1AA"
    assert r["address_key"] == "|12|acacia avenue|RG1 1AA"


def test_invalid_postcode_is_none_and_not_valid():
    r = one("12 Acacia Avenue", "QQ1 1ZZ")
    assert r["postcode"] is None and r["postcode_valid"] is False


def test_girobank_postcode_is_valid():
    assert one("1 Bank Street", "GIR0AA")["postcode"] == "GIR 0AA"


@pytest.mark.parametrize(
    ("raw", "street"),
    [
        ("1 Station Rd", "station road"),
        ("1 Park Ave", "park avenue"),
        ("1 Mill Ln", "mill lane"),
        ("1 Oak Dr", "oak drive"),
        ("1 Moon Cres", "moon crescent"),
        ("1 Kings Ct", "kings court"),
        ("1 Mount Pl", "mount place"),
        ("1 Market Sq", "market square"),
        ("1 Rose Gdns", "rose gardens"),
        ("1 Ash Cl", "ash close"),
        ("1 Sea Tce", "sea terrace"),
        ("1 St Johns Road", "saint johns road"),
        ("1 High St", "high street"),
    ],
)
def test_abbreviations_are_expanded(raw, street):
    assert one(raw)["street"] == street


@pytest.mark.parametrize(
    ("raw", "flat", "number"),
    [
        ("Flat 3, 12 High St", "3", "12"),
        ("Apartment 3b, 12 High St", "3b", "12"),
        ("Apt 3 12 High St", "3", "12"),
        ("3/12 High St", "3", "12"),
        ("12a High St", None, "12a"),
        ("12-14 High St", None, "12-14"),
        ("12, High St", None, "12"),
    ],
)
def test_flat_and_house_number_forms(raw, flat, number):
    r = one(raw)
    assert (r["flat"], r["house_number"], r["street"]) == (flat, number, "high street")


def test_house_name_is_used_in_the_key_when_there_is_no_number():
    r = one("Rose Cottage, Church Ln, Little Snoring")
    assert r["street"] == "church lane" and r["town"] == "little snoring"
    assert r["address_key"] == "|rose cottage|church lane|"


def test_us_address_is_parsed_with_usaddress():
    r = one("123 Main St Apt 4, Springfield, IL 62704")
    assert (r["flat"], r["house_number"], r["street"], r["town"]) == (
        "4",
        "123",
        "main street",
        "springfield",
    )
    assert r["postcode"] == "62704" and r["postcode_valid"] is False


def test_unparseable_text_still_gives_an_address_line_but_no_key():
    r = one("somewhere in France!")
    assert r["address"] == "somewhere in france"
    assert r["address_key"] is None


def test_missing_address_gives_all_none_and_index_is_kept():
    out = parse_addresses(pd.Series([None, ""], index=[9, 8], dtype=object))
    assert list(out.columns) == list(ADDRESS_COLUMNS)
    assert list(out.index) == [9, 8]
    assert out["address"].tolist() == [None, None]
    assert out["postcode_valid"].tolist() == [False, False]


words = st.sampled_from(
    ["high", "st", "rd", "church", "ln", "rose", "cottage", "flat", "apt", "london", "mill"]
)
numbers = st.from_regex(r"[1-9][0-9]{0,2}[ab]?", fullmatch=True)
parts = st.lists(st.one_of(words, numbers), min_size=1, max_size=4).map(" ".join)
addresses = st.lists(parts, min_size=1, max_size=4).map(", ".join)
postcodes = st.sampled_from(["", " SW1A 1AA", " ls1 4ap", " M1 1AE"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=60)), max_size=10))
def test_never_crashes_on_arbitrary_text(values):
    s = pd.Series(values, index=range(3, 3 + len(values)), dtype=object)
    out = parse_addresses(s, s)
    assert list(out.index) == list(s.index)
    assert list(out.columns) == list(ADDRESS_COLUMNS)


@settings(max_examples=300, deadline=None)
@given(st.one_of(addresses, st.text(max_size=60)), postcodes)
def test_parse_is_idempotent_on_its_own_output(address, postcode):
    first = parse_addresses(pd.Series([address + postcode])).iloc[0]
    line = (first["address"] or "") + (" " + first["postcode"] if first["postcode"] else "")
    second = parse_addresses(pd.Series([line])).iloc[0]
    assert second["address_key"] == first["address_key"]
    assert second["address"] == first["address"]
