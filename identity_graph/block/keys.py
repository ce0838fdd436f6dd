"""Blocking keys: the columns blocking rules join on, derived from the canonical record frame."""

from __future__ import annotations

import pandas as pd

__all__ = ["MULTI_KEYS", "blocking_keys"]

#: keys that hold several "|"-joined values per record (a record has several phones)
MULTI_KEYS = {"phone": "phones", "email": "emails"}


def _slice(s: pd.Series, start: int, stop: int | None) -> pd.Series:
    out = s.astype(object)
    mask = out.notna()
    out = out.where(~mask, out[mask].str.slice(start, stop)) if mask.any() else out
    return out.astype(object).where(out.notna(), None)


def _sorted_pair(x: pd.Series, y: pd.Series) -> pd.Series:
    """Order-free pair of two columns ("a|b" with a <= b): the same for a record whose given and
    family names were entered the wrong way round. None where either is missing."""
    x, y = x.astype(object), y.astype(object)
    ok = (x.notna() & y.notna()).to_numpy()
    out = pd.Series([None] * len(x), index=x.index, dtype=object)
    if ok.any():
        xs, ys = x[ok].astype(str), y[ok].astype(str)
        lo = xs.where(xs <= ys, ys)
        hi = ys.where(xs <= ys, xs)
        out[ok] = (lo + "|" + hi).to_numpy(dtype=object)
    return out


def blocking_keys(frame: pd.DataFrame, needed: set[str]) -> pd.DataFrame:
    """Return a frame with an ``idx`` column (row position) and one column per needed key.

    Derived keys: ``given_initial``, ``family_initial``, ``dob_year``, ``dob_md`` (month-day),
    ``family_or_given`` (the family name, or the given name of a record without one: a surname
    typed into the forename field), ``names_unordered`` and ``initials_unordered`` (given and family name, or their initials, in
    either order: swapped names still meet),
    ``phone`` / ``email`` (the "|"-joined lists, exploded in SQL). Anything else is a column of
    ``frame`` itself (canonical or ``x_`` extra field).
    """
    out = pd.DataFrame({"idx": range(len(frame))}, index=frame.index)
    out["idx"] = out["idx"].astype("int32")
    derived = {
        "given_initial": lambda: _slice(frame["given_name"], 0, 1),
        "family_initial": lambda: _slice(frame["family_name"], 0, 1),
        "dob_year": lambda: _slice(frame["dob"], 0, 4),
        "dob_md": lambda: _slice(frame["dob"], 5, None),
        "family_or_given": lambda: _slice(frame["family_name"], 0, None).where(
            frame["family_name"].notna(), _slice(frame["given_name"], 0, None)
        ),
        "names_unordered": lambda: _sorted_pair(frame["given_name"], frame["family_name"]),
        "initials_unordered": lambda: _sorted_pair(
            _slice(frame["given_name"], 0, 1), _slice(frame["family_name"], 0, 1)
        ),
    }
    for key in sorted(needed):
        if key in derived:
            col = derived[key]()
        elif key in MULTI_KEYS:
            col = frame[MULTI_KEYS[key]]
        elif key in frame.columns:
            col = frame[key]
        else:
            col = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        out[key] = col.astype(object).where(col.notna(), None)
    return out.reset_index(drop=True)
