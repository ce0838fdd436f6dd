import numpy as np
import pandas as pd

from identity_graph.standardise.nicknames import canonical_given, nickname_listed, nickname_match


def test_common_nicknames_map_to_formal_names():
    names = pd.Series(["bob", "bill", "liz", "peggy", "billy", "dick"])
    assert canonical_given(names).tolist() == [
        "robert",
        "william",
        "elizabeth",
        "margaret",
        "william",
        "richard",
    ]


def test_formal_names_map_to_themselves():
    names = pd.Series(["robert", "william", "john", "mary", "elizabeth", "michael"])
    assert canonical_given(names).tolist() == names.tolist()


def test_unknown_names_and_none_pass_through():
    out = canonical_given(pd.Series(["zebedee", None], index=[5, 6]))
    assert out.tolist() == ["zebedee", None]
    assert list(out.index) == [5, 6]


def test_canonical_given_is_deterministic_and_idempotent():
    s = pd.Series(["bob", "ann", "jon", "kate", "sam"])
    once = canonical_given(s)
    assert canonical_given(once).tolist() == canonical_given(once).tolist()
    assert canonical_given(s).tolist() == once.tolist()


def test_nickname_match_equal_nickname_and_shared_formal():
    a = ["bob", "robert", "bill", "john", None, "zz", "bob"]
    b = ["robert", "bob", "will", "mary", None, "zz", "bobby"]
    assert nickname_match(a, b).tolist() == [True, True, True, False, False, True, True]


def test_nickname_match_handles_many_pairs_and_empty_input():
    rng = np.random.default_rng(0)
    a = rng.choice(["bob", "robert", "john", "x"], 100_000)
    assert nickname_match(a, a).all()
    assert nickname_match([], []).tolist() == []


def test_nickname_listed_needs_one_name_listed_under_the_other():
    a = ["bob", "robert", "jim", "ian", "lewis", None, "zz"]
    b = ["robert", "bob", "jimmy", "jack", "louise", "bob", "zz"]
    assert nickname_listed(a, b).tolist() == [True, True, True, False, False, False, True]
    # never wider than nickname_match
    assert not (nickname_listed(a, b) & ~nickname_match(a, b)).any()
    assert nickname_listed([], []).tolist() == []


def test_a_few_pairs_match_as_whole_arrays_of_them_do(monkeypatch):
    """The lookup path for a handful of pairs (a match query's) agrees with the array path."""
    import random

    from identity_graph.standardise import nicknames

    table = nicknames._table()
    rng = random.Random(7)
    formal = sorted(table.nicks)
    names = [*sorted(table.code)[::7], "zebedee", "x", None]
    a = [rng.choice(names) for _ in range(400)]
    b = [rng.choice(names) for _ in range(400)]
    for i in range(150):  # and many real nickname pairs
        a[i] = rng.choice(formal)
        b[i] = rng.choice(sorted(table.nicks[a[i]]))
    few = nicknames.nickname_match(a, b)
    monkeypatch.setattr(nicknames, "_SMALL", 0)
    assert few.tolist() == nicknames.nickname_match(a, b).tolist()
    assert few.sum() >= 150
