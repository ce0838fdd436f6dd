import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.standardise.phones import normalise_phones


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("020 7946 0018 ext 12", "+442079460018"),
        ("447700900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("7700900123.0", "+447700900123"),
    ],
)
def test_uk_numbers_become_e164(raw, e164):
    assert normalise_phones(pd.Series([raw])).iloc[0].tolist() == [e164, None]


def test_several_numbers_in_a_cell_are_sorted_and_deduplicated():
    cell = "07700 900123 / 020 7946 0018; 07700900123 or 01632 960001"
    out = normalise_phones(pd.Series([cell]))
    assert out["value"][0] == "+441632960001|+442079460018|+447700900123"
    assert out["error"][0] is None


def test_bad_values_are_named_in_the_error_and_good_ones_kept():
    out = normalise_phones(pd.Series(["07700 900123, 123", "abc"]))
    assert out["value"].tolist() == ["+447700900123", None]
    assert "'123'" in out["error"][0]
    assert "'abc'" in out["error"][1]


def test_missing_and_placeholder_cells_are_none_without_error():
    out = normalise_phones(pd.Series([None, "", "n/a"], dtype=object))
    assert out["value"].tolist() == [None, None, None]
    assert out["error"].tolist() == [None, None, None]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=30), st.from_regex(r"0[1-9][0-9 ]{8,12}")),
        max_size=10,
    )
)
def test_never_crashes_keeps_index_and_is_idempotent(values):
    s = pd.Series(values, index=range(10, 10 + len(values)), dtype=object)
    out = normalise_phones(s)
    assert list(out.index) == list(s.index)
    again = normalise_phones(out["value"])
    assert again["value"].tolist() == out["value"].tolist()
