"""Identifier rows (the graph's Name/Address/Phone/Email/... nodes) derived from records.

Every store keeps, per record, the identifiers it carries: these are what investigators pivot on
("who else has this phone?") and what ``search`` looks candidates up by.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd

from ..types import MULTI_SEPARATOR

__all__ = ["IDENTIFIER_KINDS", "identifier_rows"]

#: identifier kind -> canonical column it comes from
IDENTIFIER_KINDS: dict[str, str] = {
    "name": "_name",
    "dob": "dob",
    "address": "address_key",
    "postcode": "postcode",
    "phone": "phones",
    "email": "emails",
    "nhs": "nhs_number",
    "ni": "ni_number",
    "uprn": "uprn",
}


def name_key(given: pd.Series, family: pd.Series) -> pd.Series:
    g = given.astype(object)
    f = family.astype(object)
    ok = g.notna() & f.notna()
    out = pd.Series([None] * len(g), index=g.index, dtype=object)
    out[ok] = (g[ok].astype(str) + " " + f[ok].astype(str)).to_numpy(dtype=object)
    return out


#: up to this many records, rows are built value by value (a person's few records: a graph, a
#: search query), past it column by column; both give the same frame, in the same order
SMALL = 500


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT


def _identifier_rows_small(frame: pd.DataFrame) -> pd.DataFrame:
    rids = frame["record_id"].tolist()
    seen: set[tuple[object, str, object]] = set()
    out: list[tuple[object, str, object]] = []

    def add(row: tuple[object, str, object]) -> None:
        if row not in seen:
            seen.add(row)
            out.append(row)

    for kind, col in IDENTIFIER_KINDS.items():
        if col == "_name":
            values = [None if _missing(g) or _missing(f) else f"{g} {f}"
                      for g, f in zip(frame["given_name"].tolist(), frame["family_name"].tolist(), strict=True)]
        else:
            values = frame[col].tolist()
        for rid, v in zip(rids, values, strict=True):
            if _missing(v):
                continue
            if col in ("phones", "emails"):
                for x in str(v).split(MULTI_SEPARATOR):
                    if x != "":
                        add((rid, kind, x))
            else:
                add((rid, kind, v))
    return pd.DataFrame(out, columns=["record_id", "kind", "value"], dtype=object)


def _split_values(rids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Multi-valued cells (phones, emails) as one (record_id, value) pair per non-empty value,
    in cell order; and whether a pair repeats (a value twice in one cell)."""
    lists = [str(v).split(MULTI_SEPARATOR) for v in values]
    counts = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(counts.sum()))
    keep = flat != ""
    rid, value = np.repeat(rids, counts)[keep], flat[keep]
    return rid, value, bool(pd.DataFrame({"r": rid, "v": value}).duplicated().any())


def identifier_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A long frame (record_id, kind, value) of every identifier of every record."""
    if len(frame) <= SMALL:
        return _identifier_rows_small(frame)
    rid_all = frame["record_id"].to_numpy(dtype=object)
    rids: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    repeats = not frame["record_id"].is_unique  # one record in two rows: its rows may repeat
    for kind, col in IDENTIFIER_KINDS.items():
        if col == "_name":
            values = name_key(frame["given_name"], frame["family_name"])
        else:
            values = frame[col].astype(object)
        ok = values.notna().to_numpy()
        if not ok.any():
            continue
        rid, value = rid_all[ok], values.to_numpy(dtype=object)[ok]
        if col in ("phones", "emails"):
            rid, value, twice = _split_values(rid, value)
            repeats = repeats or twice
        rids.append(rid)
        vals.append(value)
        kinds.append(np.full(len(rid), kind, dtype=object))
    if not rids:
        return pd.DataFrame({"record_id": [], "kind": [], "value": []}, dtype=object)
    out = pd.DataFrame(
        {"record_id": np.concatenate(rids), "kind": np.concatenate(kinds), "value": np.concatenate(vals)},
        dtype=object,
    )
    # rows of two kinds differ by kind and a record has one value of each one-valued kind: a
    # row can repeat only as found above (drop_duplicates over all rows would hash millions of
    # rows of three text columns to find none)
    return out.drop_duplicates() if repeats else out
