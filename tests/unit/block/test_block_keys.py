"""Blocking keys: codes that are equal exactly where the keys' text would be equal.

Each key's reference is written here as text, the way a reader would define it; the coded
column must put two records together exactly when their reference keys are equal and present.
"""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.block.keys import blocking_keys


def _text(v):
    return v if isinstance(v, str) and v != "" else None


def _unordered(x, y):
    x, y = _text(x), _text(y)
    return None if x is None or y is None else "|".join(sorted([x, y]))


REFERENCE = {
    "given_initial": lambda r: _text(r["given_name"])[:1] if _text(r["given_name"]) else None,
    "dob_year": lambda r: _text(r["dob"])[:4] if _text(r["dob"]) else None,
    "dob_md": lambda r: _text(_text(r["dob"])[5:]) if _text(r["dob"]) else None,
    "family_or_given": lambda r: _text(r["family_name"]) or _text(r["given_name"]),
    "names_unordered": lambda r: _unordered(r["given_name"], r["family_name"]),
    "initials_unordered": lambda r: _unordered(
        (_text(r["given_name"]) or "")[:1], (_text(r["family_name"]) or "")[:1]
    ),
    "family_name": lambda r: _text(r["family_name"]),
    "postcode": lambda r: _text(r["postcode"]),
}

names = st.one_of(st.none(), st.just(""), st.sampled_from(["ann", "an", "lee", "bo", "li", "ann lee"]))
record = st.fixed_dictionaries(
    {
        "given_name": names,
        "family_name": names,
        "dob": st.one_of(st.none(), st.sampled_from(["1980-01-02", "1980-02-01", "1981-01-02", "1980"])),
        "postcode": st.one_of(st.none(), st.just(""), st.sampled_from(["AB1 2CD", "AB1 3EF"])),
    }
)


@settings(max_examples=80, deadline=None)
@given(st.lists(record, min_size=1, max_size=12))
def test_two_records_share_a_key_code_exactly_when_they_share_the_key(records):
    frame = pd.DataFrame(records, dtype=object)

    keys = blocking_keys(frame, set(REFERENCE)).to_pydict()

    assert keys["idx"] == list(range(len(records)))
    for name, ref in REFERENCE.items():
        want = [ref(r) for r in records]
        got = keys[name]
        for i, j in itertools.combinations(range(len(records)), 2):
            together = got[i] is not None and got[i] == got[j]
            assert together == (want[i] is not None and want[i] == want[j]), (name, records[i], records[j])
        assert [g is None for g in got] == [w is None for w in want], name


def test_a_key_the_frame_has_no_column_for_has_no_values():
    frame = pd.DataFrame({"given_name": ["ann", "bo"]}, dtype=object)
    assert blocking_keys(frame, {"uprn"}).column("uprn").null_count == 2


def test_phones_stay_text_for_splitting_in_sql():
    frame = pd.DataFrame({"phones": ["+447700900001|+447700900002", None, ""]}, dtype=object)
    assert blocking_keys(frame, {"phone"}).column("phone").to_pylist() == [
        "+447700900001|+447700900002", None, None,
    ]
