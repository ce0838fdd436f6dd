import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_an_address_key_is_one_value_its_street_is_not_counted_apart():
    # 30 people on one street, one house each: the street is not a placeholder address
    keys = pd.Series([f"|{i}|station road|LS6 1AA" for i in range(30)] + ["|1|mill lane|LS6 2BB"] * 30)
    owners = pd.Series([f"p{i}" for i in range(30)] * 2)
    assert find_placeholders(keys, owners, max_owners=10, relative=1.0, multi=False) == {"|1|mill lane|LS6 2BB"}


def test_the_pipeline_drops_an_address_held_by_implausibly_many_people():
    from identity_graph.pipeline import prepare_frame
    from identity_graph.types import RECORD_COLUMNS

    n = 60
    rows = {c: [None] * n for c in RECORD_COLUMNS}
    rows.update(
        record_id=[f"s:{i:03d}" for i in range(n)],
        given_name=[f"given{i}" for i in range(n)],
        family_name=["smith"] * n,
        address_key=["|1|station road|LS6 1AA"] * 50 + [f"|{i}|mill lane|LS6 2BB" for i in range(10)],
        dob_ambiguous=[False] * n,
    )
    records = pd.DataFrame(rows, dtype=object)
    records["trust"] = 1

    frame, found = prepare_frame(records, {})

    assert found["address_key"] == ["|1|station road|LS6 1AA"]
    assert frame["address_key"].isna().sum() == 50
    assert frame["address_key"].notna().sum() == 10


def _reference(values, owners, max_owners, relative, multi):
    """The definition, one cell at a time: distinct owners per value, flagged above the bar."""
    holders: dict[str, set[object]] = {}
    for v, o in zip(values, owners, strict=True):
        if v is None:
            continue
        for part in (str(v).split("|") if multi else [str(v)]):
            if part != "" and o is not None:
                holders.setdefault(part, set()).add(o)
    if not holders:
        return set()
    counts = sorted(len(s) for s in holders.values())
    mid = len(counts) // 2
    median = counts[mid] if len(counts) % 2 else (counts[mid - 1] + counts[mid]) / 2
    bar = max(float(max_owners), relative * median)
    return {v for v, s in holders.items() if len(s) > bar}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "c", "a|b", "b||c", "", "|"])),
            st.one_of(st.none(), st.integers(0, 6)),
        ),
        max_size=80,
    ),
    st.integers(0, 4),
    st.sampled_from([0.5, 1.0, 20.0]),
    st.booleans(),
)
def test_placeholders_are_the_values_more_owners_hold_than_the_bar(rows, max_owners, relative, multi):
    values = [v for v, _ in rows]
    owners = [o for _, o in rows]
    got = find_placeholders(
        pd.Series(values, dtype=object), pd.Series(owners, dtype=object),
        max_owners=max_owners, relative=relative, multi=multi,
    )
    assert got == _reference(values, owners, max_owners, relative, multi)
