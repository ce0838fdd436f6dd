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


def blocking_keys(frame: pd.DataFrame, needed: set[str]) -> pd.DataFrame:
    """Return a frame with an ``idx`` column (row position) and one column per needed key.

    Derived keys: ``given_initial``, ``family_initial``, ``dob_year``, ``dob_md`` (month-day),
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
