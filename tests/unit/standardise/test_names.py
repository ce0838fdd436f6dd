import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.standardise.names import (
    NAME_PART_COLUMNS,
    name_swapped,
    normalise_name,
    parse_full_name,
    split_name_parts,
)


def parts(name: str) -> list:
    return parse_full_name(pd.Series([name])).iloc[0].tolist()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("O'Brien", "obrien"),
        ("D\u2019Arcy", "darcy"),
        ("Mc Donald", "mcdonald"),
        ("Mac Donald", "macdonald"),
        ("Smith - Jones", "smith-jones"),
        ("Zoë  Ångström", "zoe angstrom"),
        ("Smith.Jones", "smith jones"),
    ],
)
def test_normalise_name_folds_case_accents_and_punctuation(raw, expected):
    assert normalise_name(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "raw", ["", "  ", "unknown", "N/A", "na", "-", "?", "XXX", "Not Known", "TBA"]
)
def test_placeholder_names_become_none(raw):
    assert normalise_name(pd.Series([raw])).tolist() == [None]


def test_normalise_name_keeps_index_and_uses_none_for_missing():
    out = normalise_name(pd.Series(["Ann", None, np.nan], index=[7, 3, 9]))
    assert list(out.index) == [7, 3, 9]
    assert out.dtype == object
    assert out.tolist() == ["ann", None, None]


def test_surname_first_with_comma_is_split():
    assert parts("SMITH, John Paul") == [None, "john", "paul", "smith", None]


def test_title_initial_and_suffix_are_extracted():
    assert parts("Mr John P. Smith Jr") == ["mr", "john", "p", "smith", "jr"]


def test_given_first_lower_case():
    assert parts("john smith") == [None, "john", None, "smith", None]


def test_hyphenated_and_apostrophe_family_name():
    assert parts("Dr Mary-Jane O'Neil-Smith") == ["dr", "mary-jane", None, "oneil-smith", None]


def test_all_caps_word_before_mixed_case_is_family_name_first():
    assert parts("SMITH John") == [None, "john", None, "smith", None]


def test_all_caps_full_name_stays_given_first():
    assert parts("JOHN SMITH") == [None, "john", None, "smith", None]


def test_initial_is_given_name():
    assert parts("J Smith") == [None, "j", None, "smith", None]


def test_particles_join_family_name():
    assert parts("de la Cruz, Maria") == [None, "maria", None, "de la cruz", None]
    assert parts("Ann van der Berg") == [None, "ann", None, "van der berg", None]


def test_suffix_words_are_canonical():
    assert parts("John Smith Junior")[4] == "jr"
    assert parts("John Smith, Snr")[4] == "sr"


def test_single_word_is_family_name_and_placeholder_is_empty():
    assert parts("Smith") == [None, None, None, "smith", None]
    assert parts("unknown") == [None] * 5


def test_split_name_parts_moves_extra_given_words_to_middle():
    out = split_name_parts(
        pd.Series(["Mr John Paul", "J."]),
        pd.Series(["Smith Jr", "Jones"]),
        middle=pd.Series(["Peter", None]),
    )
    assert list(out.columns) == list(NAME_PART_COLUMNS)
    assert out.iloc[0].tolist() == ["mr", "john", "paul peter", "smith", "jr"]
    assert out.iloc[1].tolist() == [None, "j", None, "jones", None]


def test_split_name_parts_title_column_wins_and_is_canonical():
    out = split_name_parts(
        pd.Series(["Mr John"]), pd.Series(["Smith"]), title=pd.Series(["Doctor"])
    )
    assert out.iloc[0].tolist() == ["dr", "john", None, "smith", None]


def test_name_swapped_needs_both_swaps_and_no_nulls():
    out = name_swapped(
        ["john", "john", None],
        ["smith", "smith", "x"],
        ["smith", "smith", "x"],
        ["john", "jones", None],
    )
    assert out.tolist() == [True, False, False]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=20))
def test_parse_full_name_never_crashes_and_keeps_index(values):
    s = pd.Series(values, index=range(100, 100 + len(values)), dtype=object)
    out = parse_full_name(s)
    assert list(out.index) == list(s.index)
    assert list(out.columns) == list(NAME_PART_COLUMNS)
    for v in out.to_numpy().ravel():
        assert v is None or (isinstance(v, str) and v)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalise_name_is_idempotent(text):
    once = normalise_name(pd.Series([text])).tolist()
    twice = normalise_name(pd.Series(once, dtype=object)).tolist()
    assert once == twice
