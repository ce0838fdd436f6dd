"""Private helpers shared by the standardise modules: compute on unique values, map back."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["to_ascii", "map_unique", "map_unique_frame", "none_if_na", "is_missing"]


def to_ascii(text: str) -> str:
    """Fold accents away (NFKD) and drop anything outside ASCII."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    if type(value) is str:  # the common case, answered without pandas' scalar check
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _factorize(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    values = s.astype(object).to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def none_if_na(s: pd.Series) -> pd.Series:
    """Object-dtype copy of ``s`` with every missing value as ``None``."""
    out = s.astype(object)
    return out.where(out.notna(), None)


def map_unique(s: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value of ``s``; missing cells give ``None``."""
    codes, uniques = _factorize(s)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(u) for u in uniques]
    results[-1] = None
    return pd.Series(results[codes], index=s.index, dtype=object)


_BOOL_TYPES = frozenset({bool, np.bool_})


def map_unique_frame(
    s: pd.Series,
    func: Callable[[Any], Sequence[Any]],
    columns: Sequence[str],
    missing: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Apply ``func`` (returning one tuple per value) once per distinct value of ``s``.

    Missing cells get ``missing`` (default: all ``None``). Columns are object dtype unless
    every value is a bool, in which case they are bool.
    """
    codes, uniques = _factorize(s)
    fill = tuple(missing) if missing is not None else (None,) * len(columns)
    rows = [tuple(func(u)) for u in uniques]
    rows.append(fill)
    out: dict[str, pd.Series] = {}
    # the results transposed to one tuple per column in C (no Python loop per value and column)
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        col = np.empty(len(rows), dtype=object)
        col[:] = values
        taken = col[codes]
        if set(map(type, values)) <= _BOOL_TYPES:  # bool cannot be subclassed, nor np.bool_
            out[name] = pd.Series(taken.astype(bool), index=s.index)
        else:
            out[name] = pd.Series(taken, index=s.index, dtype=object)
    return pd.DataFrame(out, index=s.index)


def combine_keys(*columns: pd.Series | None) -> pd.Series:
    """One hashable tuple per row from several aligned Series (``None`` for missing)."""
    present = [c for c in columns if c is not None]
    index = present[0].index
    arrays = [
        none_if_na(c).to_numpy() if c is not None else np.full(len(index), None, dtype=object)
        for c in columns
    ]
    keys = np.empty(len(index), dtype=object)
    keys[:] = list(zip(*arrays, strict=True))
    return pd.Series(keys, index=index, dtype=object)
