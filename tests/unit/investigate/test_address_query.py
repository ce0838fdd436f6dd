"""Address text as people type it is standardised like the records' addresses."""

from __future__ import annotations

import pytest

from identity_graph.investigate.addresses import parse_address_query


@pytest.mark.parametrize("text", ["LS61AB", "ls6 1ab", " Ls6  1aB "])
def test_a_postcode_in_any_case_with_or_without_its_space_is_a_postcode(text: str) -> None:
    assert parse_address_query(text) == {"key": None, "flat": None, "house": None, "street": None,
                                         "postcode": "LS6 1AB"}


def test_a_house_and_street_without_a_postcode() -> None:
    q = parse_address_query("14 Hyde Park Road")
    assert (q["house"], q["street"], q["postcode"]) == ("14", "hyde park road", None)


def test_abbreviations_and_a_trailing_postcode_are_standardised() -> None:
    q = parse_address_query("Flat 2, 14 hyde park rd, ls6 1ab")
    assert (q["flat"], q["house"], q["street"], q["postcode"]) == ("2", "14", "hyde park road", "LS6 1AB")


def test_an_internal_key_is_taken_as_it_is() -> None:
    assert parse_address_query("|14|hyde park road|LS6 1AB")["key"] == "|14|hyde park road|LS6 1AB"
