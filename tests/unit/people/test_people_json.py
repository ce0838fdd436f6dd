"""The golden JSON built by Arrow kernels is byte for byte what pandas' writer gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from identity_graph.people._json import json_rows

TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('ab/"\\\n\x01é ,~|𝄞')), max_size=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8))
def test_json_rows_equal_pandas_to_json(rows):
    a = np.array([r[0] for r in rows], dtype=object)
    b = np.array([r[1] for r in rows], dtype=object)
    want = pd.DataFrame({"a_key": a, "b": b}, dtype=object).to_json(orient="records", lines=True, force_ascii=False)
    got = json_rows({"b": b, "a_key": a})
    assert got is not None
    assert "\n".join(got) + "\n" == want


def test_a_value_that_is_not_text_is_left_to_pandas():
    assert json_rows({"a": np.array([1, None], dtype=object)}) is None
