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
    """Records of every person sorted best first (trust, recency, completeness, id), with only
    the columns the golden record reads (a sort of a narrow frame, not a copy of the whole)."""
    fields = [c for c in (*GOLDEN_FIELDS, *ADDRESS_FIELDS) if c in frame.columns]
    keys = pd.DataFrame(
        {
            "person_id": frame["person_id"].to_numpy(),
            "trust": frame["trust"].to_numpy(),
            "_date": frame["record_date"].fillna("").to_numpy(),
            "_complete": frame[list(GOLDEN_FIELDS) + list(ADDRESS_FIELDS)].notna().sum(axis=1).to_numpy(),
            "record_id": frame["record_id"].to_numpy(),
        }
    )
    order = keys.sort_values(
        ["person_id", "trust", "_date", "_complete", "record_id"],
        ascending=[True, False, False, False, True],
        kind="stable",
    ).index.to_numpy()
    cols = list(dict.fromkeys(["person_id", "record_id", "source", "trust", *fields]))
    return frame[cols].take(order)


#: persons per JSON chunk: the JSON text of every person at once is a few hundred MB at 650k
JSON_CHUNK = 100_000


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
    # (no people: an update whose region lost every record; ``.str`` needs text, even none)
    out["sources"] = sources.reindex(out.index).astype(object).str.split(",") if len(out) else pd.Series(
        index=out.index, dtype=object)
    out = out[sorted(out.columns)]
    # pandas' C JSON writer: one JSON object per person, keys sorted, a chunk of people at a time
    lines: list[str] = []
    for start in range(0, len(out), JSON_CHUNK):
        part = out.iloc[start : start + JSON_CHUNK]
        lines.extend(part.to_json(orient="records", lines=True, force_ascii=False).splitlines())
    return pd.DataFrame({"person_id": out.index.to_numpy(), "golden": pd.Series(lines, dtype=object)})
