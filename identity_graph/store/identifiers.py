"""Identifier rows (the graph's Name/Address/Phone/Email/... nodes) derived from records.

Every store keeps, per record, the identifiers it carries: these are what investigators pivot on
("who else has this phone?") and what ``search`` looks candidates up by.
"""

from __future__ import annotations

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


def identifier_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A long frame (record_id, kind, value) of every identifier of every record."""
    if len(frame) <= SMALL:
        return _identifier_rows_small(frame)
    parts = []
    for kind, col in IDENTIFIER_KINDS.items():
        if col == "_name":
            values = name_key(frame["given_name"], frame["family_name"])
        else:
            values = frame[col].astype(object)
        ok = values.notna()
        if not ok.any():
            continue
        part = pd.DataFrame({"record_id": frame.loc[ok, "record_id"].to_numpy(), "value": values[ok].to_numpy()})
        if col in ("phones", "emails"):
            part["value"] = part["value"].astype(str).str.split(MULTI_SEPARATOR)
            part = part.explode("value")
            part = part[part["value"].notna() & (part["value"] != "")]
        part["kind"] = kind
        parts.append(part)
    if not parts:
        return pd.DataFrame({"record_id": [], "kind": [], "value": []}, dtype=object)
    out = pd.concat(parts, ignore_index=True)[["record_id", "kind", "value"]]
    return out.drop_duplicates().astype(object)
