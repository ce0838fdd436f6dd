"""``pair_similarity``: the scorer's value on each pair, computed once per distinct value pair,
equals calling rapidfuzz on every pair directly; 0 where either side is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel, JaroWinkler, Levenshtein

from identity_graph.compare.columns import factorise, factorise_shared, pair_similarity

SCORERS = [
    JaroWinkler.normalized_similarity,
    Levenshtein.distance,
    Indel.normalized_similarity,
]

cells = st.lists(
    st.one_of(st.none(), st.just(""), st.text("abcé ", min_size=1, max_size=6)),
    min_size=1,
    max_size=12,
)


def direct(values_a, values_b, ia, ib, scorer) -> np.ndarray:
    out = []
    for i, j in zip(ia, ib, strict=True):
        x, y = values_a[i], values_b[j]
        out.append(0.0 if not x or not y else scorer(x, y))
    return np.asarray(out, dtype=np.float32)


@settings(max_examples=150, deadline=None)
@given(cells, cells, st.data(), st.sampled_from(SCORERS), st.booleans())
def test_pair_similarity_equals_rapidfuzz_on_each_pair(va, vb, data, scorer, shared):
    n = data.draw(st.integers(0, 25))
    ia = np.asarray(
        data.draw(st.lists(st.integers(0, len(va) - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    ib = np.asarray(
        data.draw(st.lists(st.integers(0, len(vb) - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    sa, sb = pd.Series(va, dtype=object), pd.Series(vb, dtype=object)
    col_a, col_b = factorise_shared(sa, sb) if shared else (factorise(sa), factorise(sb))
    got = pair_similarity(col_a, col_b, ia, ib, scorer, workers=1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, direct(va, vb, ia, ib, scorer), rtol=0, atol=1e-6)


def test_factorise_treats_empty_strings_as_missing_and_counts_values():
    c = factorise(pd.Series(["smith", "", None, "smith", "jones"], dtype=object))
    assert (c.codes < 0).tolist() == [False, True, True, False, False]
    assert dict(zip(c.values, c.counts, strict=True)) == {"smith": 2, "jones": 1}
    assert c.tf().tolist() == [2 / 3, 1 / 3]
