"""Vectorised per-group helpers for the people stage (hundreds of thousands of groups).

Rows come in group order (a group's rows contiguous, groups in order), so a group is a run of
equal keys: its first/last present value, its reductions and its set of sources are numpy
kernels over run boundaries, never a Python call per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "descending", "first_present", "first_rows", "group_numbers", "joined_sets", "mask_texts",
    "run_starts", "set_masks", "sets_of", "sorted_codes",
]


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


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``values`` numbered in sorted order of the distinct values (-1: missing), and
    those values: comparing codes compares the values."""
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques)


def descending(values: np.ndarray) -> np.ndarray:
    """A sort key putting ``values`` in descending order, missing ones last (as a descending
    ``sort_values`` does)."""
    if values.dtype.kind in "iub":
        return -values.astype(np.int64)
    codes, uniques = sorted_codes(values)
    return np.where(codes >= 0, -codes, len(uniques))


def group_numbers(starts: np.ndarray, n: int) -> np.ndarray:
    """Each row's group number from the groups' first rows (``run_starts``)."""
    return np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal keys begins (rows sorted by the keys: a run is a group)."""
    n = len(keys[0]) if keys else 0
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(new)


def first_rows(present: np.ndarray, group: np.ndarray, n_groups: int, *, last: bool = False) -> np.ndarray:
    """Per group, the row of its first (``last``: last) ``present`` value, -1 when it has none:
    the row a groupby ``first``/``last`` takes (missing values skipped). Rows in group order;
    ``group``: each row's group number (0 .. n_groups-1, non-decreasing)."""
    out = np.full(n_groups, -1, dtype=np.int64)
    idx = np.flatnonzero(present)
    if len(idx):
        g = group[idx]
        edge = g[1:] != g[:-1]
        keep = np.concatenate([edge, [True]]) if last else np.concatenate([[True], edge])
        out[g[keep]] = idx[keep]
    return out


def first_present(
    values: np.ndarray, present: np.ndarray, group: np.ndarray, n_groups: int, *, last: bool = False
) -> np.ndarray:
    """Per group, its first (``last``: last) value where ``present``, else None (see
    ``first_rows``); ``values`` aligned with the rows."""
    rows = first_rows(present, group, n_groups, last=last)
    out = np.full(n_groups, None, dtype=object)
    has = rows >= 0
    out[has] = values[rows[has]]
    return out


def set_masks(codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per run (``starts`` from ``run_starts``), the OR of the bits of its value codes (0..61;
    a missing value, -1, sets none)."""
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    c = codes.astype(np.int64)
    bits = np.where(c >= 0, np.left_shift(np.int64(1), np.maximum(c, 0)), np.int64(0))
    return np.bitwise_or.reduceat(bits, starts)


def mask_texts(masks: np.ndarray, names: np.ndarray, sep: str = ",") -> np.ndarray:
    """Each mask's names (sorted ``names``, bit i = names[i]) joined by ``sep``: each distinct
    mask formatted once."""
    distinct, inverse = np.unique(masks, return_inverse=True)
    text = np.array(
        [sep.join(names[[(int(m) >> i) & 1 == 1 for i in range(len(names))]]) for m in distinct.tolist()],
        dtype=object,
    )
    return text[inverse.reshape(-1)] if len(masks) else np.zeros(0, dtype=object)


def sets_of(values: np.ndarray, group: np.ndarray, starts: np.ndarray, n: int, sep: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """Each group's distinct values sorted and joined by ``sep``, as (distinct texts, each
    group's index into them). Rows in group order: ``group`` their group numbers (0..n-1),
    ``starts`` each group's first row (``run_starts``)."""
    codes, names = sorted_codes(values)
    if len(names) > 62:  # too many for a bitmask: grouped sets of text
        text = joined_sets(pd.Series(group), pd.Series(values, dtype=object), sep).reindex(range(n)).to_numpy(dtype=object)
        which, distinct = pd.factorize(text)
        return np.asarray(distinct, dtype=object), which
    distinct_masks, which = np.unique(set_masks(codes, starts), return_inverse=True)
    return mask_texts(distinct_masks, np.asarray(names, dtype=object), sep), which.reshape(-1)
