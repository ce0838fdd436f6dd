"""Address history: every address a person has been recorded at, with first/last seen dates
and the sources that say so; the current address is the one seen most recently.

An address is identified by its ``address_key`` (flat, house, street, postcode) or, where the
standardiser could not build one, by its normalised line and postcode. Dates come from each
record's ``record_date``. The current address is the latest ``last_seen``; ties go to the
more trusted source, then to the address more sources agree on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._groups import joined_sets

__all__ = ["address_history"]


def address_history(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (person, address) from records carrying ``person_id``.

    Columns: person_id, address_key, address, postcode, first_seen, last_seen, sources
    (comma-separated), records, is_current.
    """
    f = frame[["person_id", "address_key", "address", "postcode", "record_date", "source", "trust"]].copy()
    has = f["address_key"].notna() | f["address"].notna() | f["postcode"].notna()
    f = f[has]
    cols = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen",
            "sources", "records", "is_current"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    fallback = f["address"].fillna("").astype(str) + "|" + f["postcode"].fillna("").astype(str)
    f["key"] = f["address_key"].where(f["address_key"].notna(), "~" + fallback)
    f = f.sort_values(["person_id", "key", "record_date", "trust"], na_position="first", kind="stable")
    # ISO dates sort as text: min/max over their sorted codes (a cython reduction; min/max of
    # strings per group would be a Python call per group)
    dcodes, dates = pd.factorize(f["record_date"], sort=True)
    f["_d"] = np.where(dcodes >= 0, dcodes, np.nan)
    g = f.groupby(["person_id", "key"], sort=True)
    out = g.agg(
        address_key=("address_key", "first"),
        address=("address", "last"),
        postcode=("postcode", "last"),
        first_seen=("_d", "min"),
        last_seen=("_d", "max"),
        records=("source", "size"),
        trust=("trust", "max"),
    )
    dates = np.asarray(dates, dtype=object)
    for c in ("first_seen", "last_seen"):
        v = out[c].to_numpy()
        ok = ~np.isnan(v)
        col = np.full(len(v), None, dtype=object)
        col[ok] = dates[v[ok].astype(np.int64)]
        out[c] = col
    gkey = f["person_id"].astype(str) + "\x1f" + f["key"].astype(str)
    src = joined_sets(gkey.reset_index(drop=True), f["source"].reset_index(drop=True))
    out["sources"] = (out.index.get_level_values(0).astype(str) + "\x1f" + out.index.get_level_values(1).astype(str)).map(src).to_numpy()
    out = out.reset_index()
    out["n_sources"] = out["sources"].str.count(",") + 1
    out["_last"] = out["last_seen"].fillna("")
    out = out.sort_values(
        ["person_id", "_last", "trust", "n_sources", "key"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )
    out["is_current"] = ~out.duplicated("person_id")
    out = out[cols].reset_index(drop=True)
    # text columns with None for missing; counts and flags stay numeric: an object cell per
    # number would be a Python int per row, scattered among freed temporaries (at 650k records
    # the histories' cells kept ~300 MB of the heap resident)
    for c in ("person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources"):
        if out[c].dtype == object:
            out[c] = out[c].where(out[c].notna(), None)
    out["records"] = out["records"].astype(np.int64)
    out["is_current"] = out["is_current"].astype(bool)
    return out
