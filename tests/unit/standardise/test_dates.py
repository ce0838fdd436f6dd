import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.standardise.dates import DATE_FORMATS, _strptime, dob_transposed, parse_dates


def one(value, **kwargs):
    return parse_dates(pd.Series([value], dtype=object), **kwargs).iloc[0].tolist()


def test_uk_day_first_is_the_default():
    assert parse_dates(pd.Series(["03/04/1980", "25/12/1980"]))["value"].tolist() == [
        "1980-04-03",
        "1980-12-25",
    ]


def test_day_month_both_under_13_and_different_is_ambiguous():
    out = parse_dates(pd.Series(["03/04/1980", "04/04/1980", "25/12/1980", "1980-04-03"]))
    assert out["ambiguous"].tolist() == [True, False, False, False]
    assert out["ambiguous"].dtype == bool


def test_given_format_is_strict_and_never_ambiguous():
    out = parse_dates(pd.Series(["1980-04-03", "03/04/1980"]), "%Y-%m-%d")
    assert out["value"].tolist() == ["1980-04-03", None]
    assert out["ambiguous"].tolist() == [False, False]
    assert "expected a format like %Y-%m-%d" in out["error"][1]


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("1980-04-03", "1980-04-03"),
        ("19800403", "1980-04-03"),
        ("03-04-1980", "1980-04-03"),
        ("03.04.1980", "1980-04-03"),
        ("3 Apr 1980", "1980-04-03"),
        ("3 April 1980", "1980-04-03"),
        ("Apr 3, 1980", "1980-04-03"),
        ("1980/04/03", "1980-04-03"),
        ("03/04/1980 00:00:00", "1980-04-03"),
        ("29314", "1980-04-03"),  # Excel serial number
        (pd.Timestamp("1980-04-03"), "1980-04-03"),
        (dt.datetime(1980, 4, 3, 12, 30), "1980-04-03"),
        (dt.date(1980, 4, 3), "1980-04-03"),
    ],
)
def test_supported_inputs(raw, iso):
    assert one(raw)[0] == iso


def test_two_digit_years_pivot_on_the_current_year():
    yy = dt.date.today().year % 100
    out = parse_dates(pd.Series([f"01/02/{yy:02d}", f"01/02/{(yy + 1) % 100:02d}"]))["value"]
    assert out[0] == f"20{yy:02d}-02-01"
    assert out[1].startswith("19") or yy == 99


def test_impossible_date_is_not_a_real_date():
    assert one("31/02/1980") == [None, False, "31/02/1980 is not a real date", "1980-02-31"]


def test_an_impossible_date_keeps_its_digits_in_iso_field_order_for_comparison():
    assert one("1853-15-20", fmt="%Y-%m-%d")[3] == "1853-15-20"
    assert one("18531520", fmt="%Y%m%d")[3] == "1853-15-20"
    assert one("50/12/1853")[3] == "1853-12-50"
    assert one("1853-12-20", fmt="%Y-%m-%d")[3] is None  # a real date is only a date


def test_text_is_not_a_date():
    assert one("abc") == [None, False, "'abc' is not a date; expected a format like %d/%m/%Y", None]


def test_dates_before_earliest_and_in_the_future_are_errors():
    assert one("01/01/1854")[2] == "1854-01-01 is before 1890-01-01"
    future = (dt.date.today() + dt.timedelta(days=400)).strftime("%d/%m/%Y")
    assert one(future)[2].endswith("is in the future")
    assert one("2001-01-01", latest="2000-12-31")[2] == "2001-01-01 is after 2000-12-31"


def test_missing_values_are_none_without_error():
    out = parse_dates(pd.Series([None, "", float("nan"), pd.NaT], dtype=object, index=[4, 3, 2, 1]))
    assert out["value"].tolist() == [None] * 4
    assert out["error"].tolist() == [None] * 4
    assert list(out.index) == [4, 3, 2, 1]


def test_dob_transposed_needs_same_year_and_swapped_day_month():
    a = ["1980-04-03", "1980-04-04", "1980-04-03", None]
    b = ["1980-03-04", "1980-04-04", "1981-03-04", "1980-03-04"]
    assert dob_transposed(a, b).tolist() == [True, False, False, False]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=25), st.dates().map(str)), max_size=15))
def test_never_crashes_keeps_index_and_iso_output_round_trips(values):
    s = pd.Series(values, index=range(50, 50 + len(values)), dtype=object)
    out = parse_dates(s)
    assert list(out.index) == list(s.index)
    ok = out["value"].dropna()
    again = parse_dates(ok.reset_index(drop=True), "%Y-%m-%d")
    assert again["value"].tolist() == ok.tolist()


def _strptime_plain(text: str, fmt: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


_DATEISH = st.text(alphabet="0123456789/-. \tAprilJunDecmbe", max_size=14)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(_DATEISH, st.dates().map(lambda d: d.strftime("%d %B %Y")), st.dates().map(str)))
def test_the_quick_shape_check_never_turns_away_a_date_strptime_accepts(text: str) -> None:
    for fmt in DATE_FORMATS:
        if fmt == "%d/%m/%y":
            continue  # rewritten to %d/%m/%Y first (two-digit year pivot)
        assert _strptime(text, fmt) == _strptime_plain(text, fmt), (text, fmt)
