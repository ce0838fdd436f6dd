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

from ._groups import descending, first_present, group_numbers, run_starts, sets_of, sorted_codes

__all__ = ["address_history"]

COLUMNS = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "records", "is_current"]


def address_history(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (person, address) from records carrying ``person_id``.

    Columns: person_id, address_key, address, postcode, first_seen, last_seen, sources
    (comma-separated), records, is_current. Rows by person, the current address first.
    """
    has = (frame["address_key"].notna() | frame["address"].notna() | frame["postcode"].notna()) & frame["person_id"].notna()
    rows = np.flatnonzero(has.to_numpy())
    if not len(rows):
        return pd.DataFrame(columns=COLUMNS)
    f = frame.take(rows)

    def col(c: str) -> np.ndarray:
        return f[c].to_numpy(dtype=object)

    key = col("address_key").copy()
    bare = f["address_key"].isna().to_numpy()
    if bare.any():  # no key: the normalised line and postcode stand in, marked apart by "~"
        g = f[bare]
        key[bare] = ("~" + g["address"].fillna("").astype(str) + "|" + g["postcode"].fillna("").astype(str)).to_numpy(dtype=object)
    person, people = sorted_codes(f["person_id"].to_numpy())
    kcode, _ = sorted_codes(key)
    dcode, dates = sorted_codes(f["record_date"].to_numpy(dtype=object))  # ISO dates: text order is time order
    trust = f["trust"].to_numpy()
    # records by person, address, date (missing first), trust: all keys numbers (sorted codes)
    tkey = trust if trust.dtype.kind in "iub" else sorted_codes(trust)[0]
    order = np.lexsort((tkey, dcode, kcode, person))
    p, k, d = person[order], kcode[order], dcode[order]
    starts = run_starts(p, k)  # one run per (person, address)
    n, size = len(starts), np.diff(np.append(starts, len(order)))
    grp = group_numbers(starts, len(order))
    address_key = first_present(key[order], ~bare[order], grp, n)
    addr, pcode = col("address")[order], col("postcode")[order]
    address = first_present(addr, ~pd.isna(addr), grp, n, last=True)
    postcode = first_present(pcode, ~pd.isna(pcode), grp, n, last=True)
    first = np.minimum.reduceat(np.where(d >= 0, d, len(dates)), starts)  # (missing dates skipped)
    last = np.maximum.reduceat(d, starts)
    if trust.dtype.kind in "iub":
        top = np.maximum.reduceat(trust[order], starts)
    else:
        top = pd.Series(trust[order]).groupby(grp).max().to_numpy()
    texts, which = sets_of(col("source")[order], grp, starts, n)
    n_sources = np.array([t.count(",") + 1 for t in texts], dtype=np.int64)[which]
    # the current address: latest last seen (none as ""), then trust, sources, then the key
    empty = int(np.searchsorted(dates, "")) if len(dates) and dates[0] == "" else -1
    latest = np.where(last >= 0, last, empty)
    pg, kg = p[starts], k[starts]
    rank = np.lexsort((kg, -n_sources, descending(top), -latest, pg))
    pr = pg[rank]
    current = np.ones(n, dtype=bool)
    current[1:] = pr[1:] != pr[:-1]
    person_ids = people[pr]
    out = pd.DataFrame(
        {
            "person_id": person_ids,
            "address_key": pd.Series(address_key[rank], dtype=object),
            "address": pd.Series(address[rank], dtype=object),
            "postcode": pd.Series(postcode[rank], dtype=object),
        }
    )
    dates = np.asarray(dates, dtype=object)
    for c, v in (("first_seen", first), ("last_seen", last)):
        v = v[rank]
        ok = (v >= 0) & (v < len(dates))
        text = np.full(len(v), None, dtype=object)
        text[ok] = dates[v[ok]]
        out[c] = text
    out["sources"] = texts[which[rank]]
    out["records"] = size[rank].astype(np.int64)
    out["is_current"] = current
    # text columns with None for missing; counts and flags stay numeric: an object cell per
    # number would be a Python int per row, scattered among freed temporaries (at 650k records
    # the histories' cells kept ~300 MB of the heap resident)
    for c in ("person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources"):
        if out[c].dtype == object:
            out[c] = out[c].where(out[c].notna(), None)
    return out
