"""Blocking: the candidate pairs are exactly the pairs some rule's keys put together.

Checked against a brute-force oracle on small random frames: for each rule, a record's key
values are the tuples of its non-empty key columns (one per value of a multi-valued key), a
key value shared by 2..max_block records is a block, and the rule's pairs are every pair in a
block. Candidate pairs are the union over rules, each generated once, by the first rule.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity_graph.block.pairs import Blocker
from identity_graph.errors import BlockingExplosionError
from identity_graph.settings import BlockingRule

MULTI = {"phone": "phones", "email": "emails"}
DERIVED = {"given_initial": ("given_name", 0, 1)}

#: rules the property tests draw from: single keys, compound keys, multi-valued and derived keys
RULE_KEYS = [
    ("family_name",),
    ("postcode",),
    ("phone",),
    ("email",),
    ("postcode", "given_initial"),
    ("family_name", "postcode"),
    ("phone", "family_name"),
    ("dob", "family_name"),
]


def key_values(row: dict, key: str) -> list[str]:
    """The oracle's values of one blocking key for one record."""
    if key in MULTI:
        cell = row[MULTI[key]]
        return sorted({v for v in cell.split("|") if v}) if cell else []
    if key in DERIVED:
        col, start, stop = DERIVED[key]
        v = row[col]
        return [v[start:stop]] if v else []
    v = row[key]
    return [v] if v else []


def oracle(frame: pd.DataFrame, rules: list[BlockingRule]):
    """(pairs per rule, skipped (blocks, pairs) per rule, possible pairs per rule)."""
    rows = frame.to_dict("records")
    per_rule, skipped, possible = [], [], []
    for rule in rules:
        blocks: dict[tuple, set[int]] = defaultdict(set)
        for i, row in enumerate(rows):
            for combo in itertools.product(*(key_values(row, k) for k in rule.keys)):
                blocks[combo].add(i)
        pairs: set[tuple[int, int]] = set()
        sk_blocks = sk_pairs = poss = 0
        for members in blocks.values():
            n = len(members)
            if n < 2:
                continue
            if n > rule.max_block:
                sk_blocks += 1
                sk_pairs += n * (n - 1) // 2
                continue
            poss += n * (n - 1) // 2
            pairs |= set(itertools.combinations(sorted(members), 2))
        per_rule.append(pairs)
        skipped.append((sk_blocks, sk_pairs))
        possible.append(poss)
    return per_rule, skipped, possible


def run_blocker(frame, rules, **kw):
    blocker = Blocker(frame, rules, **kw)
    try:
        diags = blocker.prepare()
        chunks = list(blocker.pairs(chunk_pairs=7))
    finally:
        blocker.close()
    return chunks, diags


small = st.sampled_from
optional = lambda values: st.one_of(st.none(), st.just(""), small(values))  # noqa: E731
multi_cell = st.one_of(
    st.none(),
    st.lists(small(["1", "2", "3", "4"]), min_size=1, max_size=3).map("|".join),
)
record = st.fixed_dictionaries(
    {
        "family_name": optional(["smith", "jones", "patel"]),
        "given_name": optional(["ann", "alan", "bob", "bea"]),
        "postcode": optional(["AB1 2CD", "AB1 3EF"]),
        "dob": optional(["1980-01-01", "1990-02-02"]),
        "phones": multi_cell,
        "emails": multi_cell,
    }
)
rule_lists = st.lists(st.tuples(small(RULE_KEYS), st.integers(2, 6)), min_size=1, max_size=4).map(
    lambda rs: [BlockingRule(f"r{i}:{'+'.join(k)}", k, mb) for i, (k, mb) in enumerate(rs)]
)


def as_frame(records: list[dict]) -> pd.DataFrame:
    cols = ["family_name", "given_name", "postcode", "dob", "phones", "emails"]
    return pd.DataFrame(records, columns=cols, dtype=object)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=0, max_size=14), rule_lists)
def test_candidate_pairs_are_the_union_of_rule_blocks_once_each_credited_to_the_first_rule(
    records, rules
):
    """One property run (DuckDB setup dominates): the pair set, uniqueness, a < b, and the
    per-rule diagnostics all against the oracle."""
    frame = as_frame(records)
    chunks, diags = run_blocker(frame, rules)
    got = [(int(x), int(y)) for c in chunks for x, y in zip(c.a, c.b, strict=True)]
    assert all(x < y for x, y in got)
    assert len(got) == len(set(got)), "a pair was generated twice"
    per_rule, skipped, possible = oracle(frame, rules)
    assert set(got) == set().union(*per_rule)
    seen: set[tuple[int, int]] = set()
    for i, d in enumerate(diags):
        expected_new = per_rule[i] - seen
        got_new = {
            (int(x), int(y)) for c in chunks if c.rule == i for x, y in zip(c.a, c.b, strict=True)
        }
        assert got_new == expected_new
        assert d.pairs_new == len(expected_new)
        assert (d.skipped_blocks, d.skipped_pairs) == skipped[i]
        assert d.pairs_possible == possible[i]
        seen |= per_rule[i]
    assert sum(d.pairs_new for d in diags) == len(got)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=0, max_size=14), rule_lists)
def test_sorted_pairs_are_the_same_pairs_in_a_b_order_with_the_same_diagnostics(records, rules):
    frame = as_frame(records)
    chunks, diags = run_blocker(frame, rules)
    blocker = Blocker(frame, rules)
    try:
        blocker.prepare()
        a, b = blocker.sorted_pairs(chunk_pairs=7)
        sorted_diags = [d.pairs_new for d in blocker.diagnostics]
    finally:
        blocker.close()
    got = list(zip(a.tolist(), b.tolist(), strict=True))
    assert a.dtype == b.dtype == np.int32
    assert got == sorted({(int(x), int(y)) for c in chunks for x, y in zip(c.a, c.b, strict=True)})
    assert sorted_diags == [d.pairs_new for d in diags]


def test_multi_valued_key_matches_when_any_value_is_shared():
    frame = as_frame(
        [
            {"phones": "07700900001|07700900002"},
            {"phones": "07700900002"},
            {"phones": "07700900003"},
            {"phones": None},
        ]
    )
    chunks, _ = run_blocker(frame, [BlockingRule("phone", ("phone",))])
    assert [(int(c.a[0]), int(c.b[0])) for c in chunks] == [(0, 1)]


def test_null_and_empty_key_values_never_block_together():
    frame = as_frame(
        [
            {"family_name": None},
            {"family_name": None},
            {"family_name": ""},
            {"family_name": ""},
            {"family_name": "smith"},
        ]
    )
    chunks, diags = run_blocker(frame, [BlockingRule("fam", ("family_name",))])
    assert chunks == []
    assert diags[0].records_with_key == 1


def test_a_key_value_shared_by_more_than_max_block_records_is_skipped_and_counted():
    frame = as_frame([{"postcode": "AB1 2CD"}] * 5 + [{"postcode": "ZZ9 9ZZ"}] * 2)
    chunks, diags = run_blocker(frame, [BlockingRule("pc", ("postcode",), max_block=4)])
    assert {(int(x), int(y)) for c in chunks for x, y in zip(c.a, c.b, strict=True)} == {(5, 6)}
    d = diags[0]
    assert (d.blocks, d.skipped_blocks, d.skipped_pairs) == (1, 1, 10)
    assert (d.pairs_possible, d.largest_block) == (1, 2)


def test_two_multi_valued_keys_in_one_rule_match_on_any_shared_combination():
    frame = as_frame(
        [
            {"phones": "07700900001|07700900002", "emails": "a@x.uk"},
            {"phones": "07700900002", "emails": "a@x.uk"},
        ]
    )
    chunks, _ = run_blocker(frame, [BlockingRule("phone+email", ("phone", "email"))])
    assert [(int(c.a[0]), int(c.b[0])) for c in chunks] == [(0, 1)]


def test_explosion_guard_raises_naming_the_rule():
    frame = as_frame([{"family_name": "smith"}] * 6)
    blocker = Blocker(
        frame, [BlockingRule("everyone called smith", ("family_name",))], max_pairs_per_rule=14
    )
    with pytest.raises(BlockingExplosionError, match="everyone called smith"):
        blocker.prepare()
    blocker.close()


def test_explosion_guard_allows_exactly_max_pairs_per_rule():
    frame = as_frame([{"family_name": "smith"}] * 6)
    _, diags = run_blocker(frame, [BlockingRule("fam", ("family_name",))], max_pairs_per_rule=15)
    assert diags[0].pairs_possible == 15


def _sample_frame() -> tuple[pd.DataFrame, list[BlockingRule]]:
    rng = np.random.default_rng(3)
    n = 300
    frame = as_frame(
        [
            {
                "family_name": str(rng.choice(["smith", "jones", "patel", "khan", "ng"])),
                "postcode": f"AB{int(rng.integers(0, 4))} 1CD",
            }
            for _ in range(n)
        ]
    )
    rules = [
        BlockingRule("fam", ("family_name",), max_block=1000),
        BlockingRule("fam+pc", ("family_name", "postcode"), max_block=1000),
    ]
    return frame, rules


def test_rule_sample_under_the_cap_returns_every_pair_of_the_rule_even_those_earlier_rules_took():
    frame, rules = _sample_frame()
    per_rule, _, _ = oracle(frame, rules)
    blocker = Blocker(frame, rules)
    try:
        blocker.prepare()
        a, b = blocker.rule_sample(1, max_pairs=10**9)
    finally:
        blocker.close()
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == per_rule[1]
    assert per_rule[1] <= per_rule[0], "rule 1's pairs were all excluded from generation"


def test_rule_sample_over_the_cap_is_a_deterministic_sorted_subset_of_about_the_cap():
    frame, rules = _sample_frame()
    per_rule, _, _ = oracle(frame, rules)
    cap = len(per_rule[0]) // 4

    def sample(seed):
        blocker = Blocker(frame, rules)
        try:
            blocker.prepare()
            return blocker.rule_sample(0, max_pairs=cap, seed=seed)
        finally:
            blocker.close()

    a, b = sample(7)
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    assert set(pairs) < per_rule[0]
    assert pairs == sorted(pairs)
    assert 0.6 * cap <= len(pairs) <= 1.4 * cap
    a2, b2 = sample(7)
    assert np.array_equal(a, a2) and np.array_equal(b, b2)
    a3, _ = sample(8)
    assert not np.array_equal(a, a3) or len(a) != len(a3)


def test_rule_sample_of_a_rule_with_no_blocks_is_empty():
    frame = as_frame([{"family_name": "smith"}, {"family_name": "jones"}])
    blocker = Blocker(frame, [BlockingRule("fam", ("family_name",))])
    try:
        a, b = blocker.rule_sample(0, max_pairs=10)
    finally:
        blocker.close()
    assert len(a) == len(b) == 0


def test_unordered_name_keys_bring_together_records_whose_names_were_entered_swapped():
    frame = as_frame(
        [
            {"given_name": "hannah", "family_name": "miah", "postcode": "LS16 1RU"},
            {"given_name": "miah", "family_name": "hannah", "postcode": "LS16 1RU"},
            {"given_name": "hannah", "family_name": "dunn", "postcode": "LS16 1RU"},
        ]
    )
    rules = [
        BlockingRule("names_unordered", ("names_unordered",)),
        BlockingRule("postcode+initials_unordered", ("postcode", "initials_unordered")),
    ]
    chunks, _ = run_blocker(frame, rules)
    pairs = sorted((int(x), int(y)) for c in chunks for x, y in zip(c.a, c.b, strict=True))
    assert pairs == [(0, 1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=60), st.sampled_from([40, 2**40]))
def test_repeated_pairs_keep_their_first_rule_on_the_packed_and_the_general_path(raw, n):
    from identity_graph.block.pairs import _first_of_each

    key = np.array([k for k, _ in raw], dtype=np.int64)
    rule = np.array([r for _, r in raw], dtype=np.int16)

    got_key, got_rule = _first_of_each(key.copy(), rule, n, rules=6)

    first: dict[int, int] = {}
    for k, r in raw:
        first[k] = min(first.get(k, r), r)
    assert got_key.tolist() == sorted(first)
    assert got_rule.tolist() == [first[k] for k in sorted(first)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=60), st.integers(1, 7))
def test_runs_of_packed_pairs_are_found_the_same_whatever_the_slice_size(raw, step):
    from identity_graph.block.pairs import _first_of_each_packed

    bits = 3
    packed = np.array([(k << bits) | r for k, r in raw], dtype=np.int64)

    got_key, got_rule = _first_of_each_packed(packed, bits, step=step)

    first: dict[int, int] = {}
    for k, r in raw:
        first[k] = min(first.get(k, r), r)
    assert got_key.tolist() == sorted(first)
    assert got_rule.tolist() == [first[k] for k in sorted(first)]
