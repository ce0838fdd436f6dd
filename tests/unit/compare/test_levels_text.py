"""Stored comparison levels: text built and parsed as whole arrays, the same as a join per edge."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from identity_graph.compare.levels_text import levels_to_text, text_to_levels


@given(st.integers(0, 40), st.integers(1, 14), st.data())
def test_levels_round_trip_and_match_a_join_per_row(n, k, data):
    levels = data.draw(arrays(np.int8, (n, k), elements=st.integers(0, 9)))

    text = levels_to_text(levels)

    assert text.tolist() == [",".join(map(str, row)) for row in levels.tolist()]
    assert all(type(t) is str for t in text)
    assert np.array_equal(text_to_levels(text, k), levels)


def test_a_level_above_nine_takes_the_general_path_both_ways():
    levels = np.array([[12, 0], [3, 1]], dtype=np.int8)
    assert levels_to_text(levels).tolist() == ["12,0", "3,1"]
    assert text_to_levels(np.array(["12,0", "3,1"], dtype=object), 2).tolist() == [[12, 0], [3, 1]]


def test_a_missing_text_reads_as_all_zero_levels():
    assert text_to_levels([None, "", "1,2"], 2).tolist() == [[0, 0], [0, 0], [1, 2]]


def test_no_edges_no_text():
    assert levels_to_text(np.zeros((0, 5), np.int8)).shape == (0,)
    assert text_to_levels([], 5).shape == (0, 5)
