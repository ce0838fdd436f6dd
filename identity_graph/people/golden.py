"""The golden record: one best current value per field for each person (ADR 0004).

Survivorship, per field, first non-missing value in this order of records:
1. most trusted source (the mapping's ``trust``, higher first);
2. most recent ``record_date`` (when the source last confirmed the record);
3. most complete record (more non-missing canonical fields);
4. smallest record id (a deterministic tie-break).
The address fields come from the person's *current* address (see ``history``), not field by
field, so a golden address is never stitched from two homes.
"""

from __future__ import annotations

import pandas as pd

from ._groups import joined_sets

__all__ = ["GOLDEN_FIELDS", "ADDRESS_FIELDS", "golden_records"]

GOLDEN_FIELDS = (
    "title", "given_name", "middle_names", "family_name", "suffix", "dob", "gender",
    "phones", "emails", "nhs_number", "ni_number", "uprn",
)
ADDRESS_FIELDS = ("address", "postcode", "address_key")


def survivorship_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Records of every person sorted best first (trust, recency, completeness, id)."""
    f = frame.copy()
    f["_complete"] = f[list(GOLDEN_FIELDS) + list(ADDRESS_FIELDS)].notna().sum(axis=1)
    f["_date"] = f["record_date"].fillna("")
    return f.sort_values(
        ["person_id", "trust", "_date", "_complete", "record_id"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )


def golden_records(frame: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """person_id, golden (JSON text) from records with ``person_id`` and the current addresses.

    ``current``: person_id, address, postcode, address_key (one row per person).
    """
    ordered = survivorship_order(frame)
    best = ordered.groupby("person_id", sort=True)[list(GOLDEN_FIELDS)].first()
    best = best.astype(object).where(best.notna(), None)
    cur = current.set_index("person_id")[list(ADDRESS_FIELDS)].reindex(best.index)
    cur = cur.astype(object).where(cur.notna(), None)
    sources = joined_sets(ordered["person_id"].reset_index(drop=True), ordered["source"].reset_index(drop=True))
    out = best.join(cur)
    out["sources"] = sources.reindex(out.index).str.split(",")
    out = out[sorted(out.columns)]
    # pandas' C JSON writer: one JSON object per person, keys sorted
    lines = out.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    return pd.DataFrame({"person_id": out.index.to_numpy(), "golden": lines})
