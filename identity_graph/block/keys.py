"""Blocking keys: the columns blocking rules join on, derived from the canonical record frame.

A blocking rule only asks whether two records' keys are *equal*, so every single-valued key
goes to DuckDB as int32 codes of its distinct values (null where missing or empty), in an Arrow
table DuckDB reads without converting a Python object per cell; derived keys (initials, birth
year, names in either order) are computed once per distinct value, not once per record. The
multi-valued keys (phones, emails) stay text, split into their values in SQL.

Which names a rule may join on is the fixed list of ``block.key_names``: a key is looked up here
by name (a derived key's function, a canonical column, a mapping's ``x_`` field), and an unknown
name is an error, never a column name passed on (ADR 0027).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ModelError
from .key_names import (
    BLOCKING_KEY_NAMES,
    COLUMN_KEYS,
    DERIVED_KEYS,
    EXTRA_PREFIX,
    MULTI_KEYS,
    is_blocking_key,
)

__all__ = ["MULTI_KEYS", "blocking_keys"]


def _factorize(values: np.ndarray, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(int64 codes, distinct values): -1 for a missing or empty value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True, sort=sort)
    uniques = np.asarray(uniques, dtype=object)
    codes = codes.astype(np.int64)
    empty = np.flatnonzero(np.array([u == "" for u in uniques.tolist()], dtype=bool))
    if len(empty):
        codes[np.isin(codes, empty)] = -1
    return codes, uniques


def _column(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    if name not in frame.columns:
        return np.full(len(frame), -1, dtype=np.int64), np.zeros(0, dtype=object)
    return _factorize(frame[name].to_numpy(dtype=object))


def _sliced(frame: pd.DataFrame, name: str, start: int, stop: int | None) -> np.ndarray:
    """Codes of ``frame[name].str[start:stop]``, the slice taken once per distinct value."""
    codes, uniques = _column(frame, name)
    part = np.array([str(u)[start:stop] for u in uniques.tolist()], dtype=object)
    pcodes, _ = _factorize(part)
    return np.where(codes >= 0, pcodes[np.maximum(codes, 0)] if len(pcodes) else -1, -1)


def _either(primary: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Codes of ``primary``, else ``fallback``, over one vocabulary."""
    return _factorize(np.where(pd.isna(primary), fallback, primary))[0]


def _unordered(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Codes of the order-free pair {x, y} (the same for a record whose given and family names
    were entered the wrong way round); missing where either is."""
    n = len(x)
    codes, _ = _factorize(np.concatenate([x, y]))
    cx, cy = codes[:n], codes[n:]
    base = int(codes.max()) + 2 if n else 1
    key = np.minimum(cx, cy) * base + np.maximum(cx, cy)
    return np.where((cx >= 0) & (cy >= 0), _factorize(key)[0], -1)


def _values(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    v = frame[name].to_numpy(dtype=object)
    missing = pd.isna(v) | (v == "")
    return np.where(missing, None, v)


def _initials(frame: pd.DataFrame, name: str) -> np.ndarray:
    codes, uniques = _factorize(_values(frame, name))  # the slice taken once per distinct value
    firsts = np.array([str(u)[:1] for u in uniques.tolist()] + [None], dtype=object)
    return firsts[codes]  # code -1: the trailing None


def blocking_keys(frame: pd.DataFrame, needed: set[str]) -> pa.Table:
    """An Arrow table with ``idx`` (row position) and one column per needed key: int32 codes
    (null: no value) for single-valued keys, "|"-joined text for ``phone`` and ``email``.

    Derived keys: ``given_initial``, ``family_initial``, ``dob_year``, ``dob_md`` (month-day),
    ``family_or_given`` (the family name, or the given name of a record without one: a surname
    typed into the forename field), ``names_unordered`` and ``initials_unordered`` (given and
    family name, or their initials, in either order: swapped names still meet). Anything else is
    a column of ``frame`` itself (canonical or ``x_`` extra field); a column the frame lacks has
    no values.
    """
    derived: dict[str, Callable[[], np.ndarray]] = {
        "given_initial": lambda: _sliced(frame, "given_name", 0, 1),
        "family_initial": lambda: _sliced(frame, "family_name", 0, 1),
        "dob_year": lambda: _sliced(frame, "dob", 0, 4),
        "dob_md": lambda: _sliced(frame, "dob", 5, None),
        "family_or_given": lambda: _either(_values(frame, "family_name"), _values(frame, "given_name")),
        "names_unordered": lambda: _unordered(_values(frame, "given_name"), _values(frame, "family_name")),
        "initials_unordered": lambda: _unordered(_initials(frame, "given_name"), _initials(frame, "family_name")),
    }
    assert set(derived) == set(DERIVED_KEYS)
    unknown = sorted(k for k in needed if not is_blocking_key(k))
    if unknown:
        raise ModelError(
            f"unknown blocking key(s) {unknown}; known: {', '.join(BLOCKING_KEY_NAMES)} "
            f"(or {EXTRA_PREFIX}<field> for a mapping's [compare] field)"
        )
    columns: dict[str, pa.Array] = {"idx": pa.array(np.arange(len(frame), dtype=np.int32))}
    for key in sorted(needed):
        if key in MULTI_KEYS:
            columns[key] = pa.array(_values(frame, MULTI_KEYS[key]).tolist(), type=pa.string())
            continue
        if key in derived:
            codes = derived[key]()
        else:  # a canonical column or an x_ field: one of the frame's own columns
            assert key in COLUMN_KEYS or key.startswith(EXTRA_PREFIX)
            codes = _column(frame, key)[0]
        columns[key] = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.table(columns)
