import pandas as pd

from identity_graph.standardise.placeholders import KNOWN_PLACEHOLDERS, find_placeholders


def test_value_shared_by_many_distinct_owners_is_a_placeholder():
    values = ["+447700900000"] * 30 + [f"+4477009001{i:02d}" for i in range(30)]
    owners = [f"p{i}" for i in range(30)] + [f"p{i}" for i in range(30)]
    assert find_placeholders(pd.Series(values), pd.Series(owners)) == {"+447700900000"}


def test_one_owner_repeating_a_value_is_not_a_placeholder():
    values = pd.Series(["1980-01-01"] * 50)
    assert find_placeholders(values, pd.Series(["same"] * 50)) == set()


def test_multi_valued_cells_are_split_and_none_owners_ignored():
    values = pd.Series(["a|b"] * 12 + ["c"] * 30 + ["d", "e", "f"])
    owners = pd.Series([f"p{i}" for i in range(12)] + [None] * 30 + ["q", "r", "s"], dtype=object)
    assert find_placeholders(values, owners, relative=1.0) == {"a", "b"}


def test_threshold_is_relative_to_the_median():
    values = pd.Series(["x"] * 15 + ["y"] * 1)
    owners = pd.Series([f"p{i}" for i in range(16)])
    assert find_placeholders(values, owners) == set()  # 20 * median(15, 1) = 160
    assert find_placeholders(values, owners, relative=1.0) == {"x"}


def test_known_placeholders_are_always_reported_for_their_kind():
    assert "1900-01-01" in KNOWN_PLACEHOLDERS["dob"]
    values = pd.Series(["1900-01-01", "1980-02-03"])
    found = find_placeholders(values, pd.Series(["a", "b"]), kind="dob")
    assert found == {"1900-01-01"}
