import pandas as pd
import pytest

from identity_graph.standardise.gender import normalise_gender


@pytest.mark.parametrize("raw", ["M", "Male", "man", "BOY", " m "])
def test_male_spellings(raw):
    assert normalise_gender(pd.Series([raw])).tolist() == ["m"]


@pytest.mark.parametrize("raw", ["F", "Female", "woman", "girl"])
def test_female_spellings(raw):
    assert normalise_gender(pd.Series([raw])).tolist() == ["f"]


@pytest.mark.parametrize("raw", ["1", "2", "u", "unknown", "x", "other", "", None])
def test_numeric_codes_and_unknowns_are_not_guessed(raw):
    assert normalise_gender(pd.Series([raw], dtype=object)).tolist() == [None]
