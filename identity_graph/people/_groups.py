"""Vectorised per-group helpers for the people stage (hundreds of thousands of groups)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["joined_sets"]


def joined_sets(groups: pd.Series, values: pd.Series, sep: str = ",") -> pd.Series:
    """For each group, its distinct values sorted and joined: one pass, no per-group Python.

    Values are few (source names), so each becomes a bit; a group's set is the bitwise OR of its
    values, and each distinct set is formatted once.
    """
    codes, uniques = pd.factorize(values, sort=True)
    if len(uniques) > 62:  # too many distinct values for a bitmask: fall back
        return values.groupby(groups.to_numpy()).agg(lambda s: sep.join(sorted(set(s))))
    # a group's set is the OR of its values' bits: the sum of the bits of its distinct values
    # (a cython group sum, where a per-group bitwise_or would be a Python call per group)
    pairs = pd.DataFrame({"g": groups.to_numpy(), "c": codes}).drop_duplicates()
    bits = np.left_shift(np.int64(1), pairs["c"].to_numpy(dtype=np.int64))
    mask = pd.Series(bits).groupby(pairs["g"].to_numpy()).sum()
    names = np.asarray(uniques, dtype=object)
    text = {m: sep.join(names[[(int(m) >> i) & 1 == 1 for i in range(len(names))]]) for m in mask.unique()}
    return mask.map(text)
