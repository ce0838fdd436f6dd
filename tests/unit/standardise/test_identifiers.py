import pandas as pd

from identity_graph.standardise.identifiers import (
    normalise_nhs_number,
    normalise_ni_number,
    normalise_uprn,
)


def test_nhs_number_with_valid_check_digit_is_kept_without_spaces():
    out = normalise_nhs_number(pd.Series(["943 476 5919", "943-476-5919", "9434765919.0"]))
    assert out["value"].tolist() == ["9434765919"] * 3
    assert out["error"].tolist() == [None] * 3


def test_nhs_number_failing_check_digit_is_an_error():
    out = normalise_nhs_number(pd.Series(["9434765918"]))
    assert out.iloc[0].tolist() == [None, "NHS number 9434765918 fails its check digit"]


def test_nhs_number_of_wrong_length_is_an_error():
    assert "not 10 digits" in normalise_nhs_number(pd.Series(["123"]))["error"][0]


def test_ni_number_is_upper_case_without_spaces():
    out = normalise_ni_number(pd.Series(["ab 12 34 56 c"]))
    assert out.iloc[0].tolist() == ["AB123456C", None]


def test_ni_number_rules_reject_bad_prefixes_and_suffixes():
    bad = ["QQ123456C", "DA123456A", "AO123456A", "BG123456A", "ZZ123456A", "AB123456E", "AB12345C"]
    out = normalise_ni_number(pd.Series(bad))
    assert out["value"].isna().all()
    assert out["error"].notna().all()


def test_uprn_strips_leading_zeros_and_reads_excel_floats():
    out = normalise_uprn(pd.Series(["000100023336956", "1.00023336956e11", 100023336956.0, "12"]))
    assert out["value"].tolist() == ["100023336956", "100023336956", "100023336956", "12"]


def test_uprn_rejects_text_fractions_and_too_many_digits():
    out = normalise_uprn(pd.Series(["abc", "12.5", "1234567890123", "0"]))
    assert out["value"].isna().all()
    assert out["error"].notna().all()
