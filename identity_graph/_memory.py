"""Keeping hundreds of thousands of records in memory compactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["share_repeated_strings"]


def share_repeated_strings(frame: pd.DataFrame, max_share: float = 0.5) -> pd.DataFrame:
    """In place, and returned: in every object column where distinct values are at most
    ``max_share`` of the rows, make equal values one shared object.

    A store hands back a new ``str`` per cell (about 60 bytes each); postcode sectors, towns,
    given names or sources repeat thousands of times. Measured on 655k records: the records frame
    shrinks from 1.4 GB to about 0.6 GB for a second of work.
    """
    n = len(frame)
    for c in frame.columns:
        if frame[c].dtype != object:
            continue
        codes, uniques = pd.factorize(frame[c].to_numpy(dtype=object), use_na_sentinel=True)
        if len(uniques) > max_share * n:
            continue
        values = np.empty(len(uniques) + 1, dtype=object)
        values[:-1] = np.asarray(uniques, dtype=object)
        values[-1] = None
        frame[c] = pd.Series(values[codes], index=frame.index, dtype=object)  # -1: the trailing None
    return frame
