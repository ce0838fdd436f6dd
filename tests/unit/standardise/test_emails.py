import pandas as pd

from identity_graph.standardise.emails import normalise_emails


def test_emails_are_lower_cased_stripped_and_mailto_removed():
    out = normalise_emails(pd.Series(["  MAILTO:Jo.Bloggs@Example.COM "]))
    assert out.iloc[0].tolist() == ["jo.bloggs@example.com", None]


def test_several_emails_are_sorted_and_deduplicated():
    out = normalise_emails(pd.Series(["b@x.org; a@y.com, B@X.org or a@y.com"]))
    assert out["value"].tolist() == ["a@y.com|b@x.org"]


def test_bad_syntax_is_reported_by_value():
    out = normalise_emails(pd.Series(["jo@@x.com", "jo@localhost", "good@x.com; bad@"]))
    assert out["value"].tolist() == [None, None, "good@x.com"]
    assert "jo@@x.com" in out["error"][0]
    assert "bad@" in out["error"][2]


def test_missing_is_none_without_error():
    out = normalise_emails(pd.Series([None, ""], index=[4, 5], dtype=object))
    assert out["value"].tolist() == [None, None]
    assert out["error"].tolist() == [None, None]
    assert list(out.index) == [4, 5]
