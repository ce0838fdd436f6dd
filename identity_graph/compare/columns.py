"""Whole-column helpers for comparisons: factorised columns and similarity on unique pairs.

Every string column a comparison reads is factorised once into int32 codes (-1 = missing), so
exact agreement of millions of pairs is one numpy comparison, and fuzzy similarity is computed
once per *distinct* pair of values with ``rapidfuzz.process.cpdist`` on both cores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process

__all__ = ["Coded", "factorise", "factorise_shared", "pair_similarity", "pair_predicate"]


@dataclass
class Coded:
    """A factorised column: ``values[codes[i]]`` is row i's value; code -1 is missing."""

    codes: np.ndarray
    values: np.ndarray
    counts: np.ndarray  # records per code, for term frequencies
    #: frozen relative frequencies per code (a stored model's), used instead of ``counts``
    frozen_tf: np.ndarray | None = None

    @property
    def nonnull(self) -> int:
        return int(self.counts.sum())

    def tf(self) -> np.ndarray:
        """Relative frequency of each value among non-missing records (or the frozen ones)."""
        if self.frozen_tf is not None:
            return self.frozen_tf
        total = max(self.nonnull, 1)
        return self.counts / total


def _factorize(v: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of ``_clean(v)``: int32 codes (-1 missing or empty) and the values, in
    order of first appearance. The empty string is dropped from the values afterwards, rather
    than found cell by cell (a Python comparison per record)."""
    raw = v.to_numpy(dtype=object) if isinstance(v, pd.Series) else np.asarray(v, dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    empty = np.flatnonzero(uniques == "")
    if len(empty):
        e = int(empty[0])
        codes = np.where(codes == e, -1, codes - (codes > e))
        uniques = np.delete(uniques, e)
    return codes.astype(np.int32), uniques


def factorise(s: pd.Series) -> Coded:
    codes, uniques = _factorize(s)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.int64)
    return Coded(codes, uniques, counts)


def factorise_shared(*cols: pd.Series | np.ndarray) -> list[Coded]:
    """Factorise several columns over one vocabulary (so given_a can equal family_b)."""
    n = [len(c) for c in cols]
    both = np.concatenate([
        c.to_numpy(dtype=object) if isinstance(c, pd.Series) else np.asarray(c, dtype=object) for c in cols
    ]) if cols else np.zeros(0, dtype=object)
    codes, uniques = _factorize(both)
    out, start = [], 0
    for k in n:
        part = codes[start : start + k]
        counts = np.bincount(part[part >= 0], minlength=len(uniques)).astype(np.int64)
        out.append(Coded(part, uniques, counts))
        start += k
    return out


def pair_similarity(
    col_a: Coded,
    col_b: Coded,
    ia: np.ndarray,
    ib: np.ndarray,
    scorer: Callable[..., float],
    workers: int = 2,
) -> np.ndarray:
    """Scorer value (similarity or distance) of ``col_a[ia]`` and ``col_b[ib]``; 0 where either is missing.

    Computed once per distinct code pair.
    """
    ca, cb = col_a.codes[ia], col_b.codes[ib]
    out = np.zeros(len(ia), dtype=np.float32)
    ok = (ca >= 0) & (cb >= 0)
    if not ok.any():
        return out
    key = ca[ok].astype(np.int64) * (len(col_b.values) + 1) + cb[ok]
    inverse, uniq = pd.factorize(key)  # hashing: O(n), where np.unique sorts
    ua = (uniq // (len(col_b.values) + 1)).astype(np.int64)
    ub = (uniq % (len(col_b.values) + 1)).astype(np.int64)
    sims = process.cpdist(
        col_a.values[ua], col_b.values[ub], scorer=scorer, workers=workers
    ).astype(np.float32)
    out[ok] = sims[inverse]
    return out


def pair_predicate(
    col: Coded, ia: np.ndarray, ib: np.ndarray, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """``fn(values_a, values_b) -> bool array`` evaluated once per distinct code pair."""
    ca, cb = col.codes[ia], col.codes[ib]
    out = np.zeros(len(ia), dtype=bool)
    ok = (ca >= 0) & (cb >= 0)
    if not ok.any():
        return out
    base = len(col.values) + 1
    key = ca[ok].astype(np.int64) * base + cb[ok]
    inverse, uniq = pd.factorize(key)
    res = np.asarray(fn(col.values[uniq // base], col.values[uniq % base]), dtype=bool)
    out[ok] = res[inverse]
    return out
