"""Given names given to one sex only, and given names in their own right (ADR 0022)."""

from __future__ import annotations

from identity_graph.standardise.name_sex import (
    FEMALE,
    MALE,
    UNKNOWN,
    given_name_sex,
    names_of_their_own,
    opposite_sex_names,
)


def test_a_name_given_to_one_sex_has_that_sex():
    assert given_name_sex(["paul", "paula", "bob", "molly"]).tolist() == [MALE, FEMALE, MALE, FEMALE]


def test_names_given_to_both_sexes_unknown_names_and_missing_values_have_none():
    assert given_name_sex(["alex", "sam", "chris", "jo", "zebedee", None]).tolist() == [UNKNOWN] * 6


def test_a_mans_and_a_womans_form_of_one_name_are_opposite():
    a = ["paul", "daniel", "francis", "louis", "stephen", "mary"]
    b = ["paula", "danielle", "frances", "louise", "stephanie", "mark"]
    assert opposite_sex_names(a, b).all()


def test_names_of_one_sex_or_of_no_known_sex_are_never_opposite():
    a = ["emily", "paul", "alex", "zebedee", None]
    b = ["emma", "peter", "alexandra", "paula", "paula"]
    assert not opposite_sex_names(a, b).any()


def test_two_given_names_in_their_own_right_are_names_of_their_own():
    assert names_of_their_own(["emily", "mary", "patrick"], ["emma", "marie", "peter"]).all()


def test_a_short_form_an_unlisted_name_or_one_name_twice_is_not():
    a = ["bob", "harry", "lucinda", "emma", None]
    b = ["robert", "henry", "lucy", "emma", "emma"]
    assert not names_of_their_own(a, b).any()


def test_the_list_holds_no_name_twice_and_each_row_is_well_formed():
    from identity_graph.standardise.name_sex import _rows

    rows = _rows()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    assert all(r["sex"] in ("m", "f") and r["short"] in ("0", "1") for r in rows)
    assert all(n == n.strip().lower() and n.isalpha() for n in names)
