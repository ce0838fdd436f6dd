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

import numpy as np
import pandas as pd

from ._groups import descending, first_rows, run_starts, sets_of, sorted_codes
from ._json import encode, json_rows

__all__ = ["GOLDEN_FIELDS", "ADDRESS_FIELDS", "golden_records", "survivorship_order"]

GOLDEN_FIELDS = (
    "title", "given_name", "middle_names", "family_name", "suffix", "dob", "gender",
    "phones", "emails", "nhs_number", "ni_number", "uprn",
)
ADDRESS_FIELDS = ("address", "postcode", "address_key")


def _record_rank(record_id: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Numbers ordering the records of each person by record id. Positions, when rows are in
    person order and each person's in id order (the people stage's slices: no sort of text);
    otherwise the ids' sorted codes."""
    n = len(record_id)
    if n > 1 and bool((person[1:] >= person[:-1]).all()):
        same = person[1:] == person[:-1]
        try:
            if bool((record_id[1:][same] > record_id[:-1][same]).all()):
                return np.arange(n)
        except TypeError:  # ids that do not compare: sorted as codes below
            pass
    return sorted_codes(record_id)[0]


def survivorship_order(frame: pd.DataFrame, person: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Positions of ``frame``'s records sorted by person (``person``: codes in person order),
    then best first: trust, recency, completeness (``present``: per record, how many canonical
    fields it has), record id."""
    date = descending(frame["record_date"].fillna("").to_numpy(dtype=object))
    rank = _record_rank(frame["record_id"].to_numpy(dtype=object), person)
    # np.lexsort: the last key is the first compared; every key is a number, no text is sorted
    return np.lexsort((rank, -present, date, descending(frame["trust"].to_numpy()), person))


#: persons per JSON chunk: the JSON text of every person at once is a few hundred MB at 650k
JSON_CHUNK = 100_000


def golden_records(frame: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """person_id, golden (JSON text) from records with ``person_id`` and the current addresses.

    ``current``: person_id, address, postcode, address_key (one row per person).
    """
    if frame["person_id"].isna().any():  # a record of no one has no golden record
        frame = frame[frame["person_id"].notna().to_numpy()]
    person, people = sorted_codes(frame["person_id"].to_numpy())
    fields = [*GOLDEN_FIELDS, *ADDRESS_FIELDS]
    present = {c: frame[c].notna().to_numpy() for c in fields}
    order = survivorship_order(frame, person, np.sum([present[c] for c in fields], axis=0, dtype=np.int64))
    group = person[order]  # person codes are 0..n-1, each with records: a person's code is its group
    n = len(people)
    values: dict[str, np.ndarray] = {}
    for c in GOLDEN_FIELDS:
        # the value's row found in survivorship order, the value read from the unsorted column
        # (one take of the people's values, not a sorted copy of the column)
        rows = first_rows(present[c][order], group, n)
        col = np.full(n, None, dtype=object)
        has = rows >= 0
        col[has] = frame[c].to_numpy(dtype=object)[order[rows[has]]]
        values[c] = col
    cur = current.set_index("person_id")[list(ADDRESS_FIELDS)].reindex(pd.Index(people))
    cur = cur.astype(object).where(cur.notna(), None)
    for c in ADDRESS_FIELDS:
        values[c] = cur[c].to_numpy(dtype=object)
    texts, which = sets_of(frame["source"].to_numpy(dtype=object)[order], group, run_starts(group), n)
    lines = json_rows(values, {"sources": np.array([encode(t.split(",")) for t in texts], dtype=object)[which]}) \
        if n else np.zeros(0, dtype=object)
    if lines is None:  # a field holding something other than text: pandas' writer, as it is
        lines = _pandas_json(values, [t.split(",") for t in texts], which, people)
    return pd.DataFrame({"person_id": people, "golden": pd.Series(lines, dtype=object)})


def _pandas_json(values: dict[str, np.ndarray], sources: list[list[str]], which: np.ndarray, people: np.ndarray) -> list[str]:
    """The golden JSON by pandas' C writer: one object per person, keys sorted, a chunk of
    people at a time."""
    lists = np.empty(len(sources), dtype=object)
    for k, one in enumerate(sources):  # (one by one: numpy would make a 2-d array of equal lists)
        lists[k] = one
    out = pd.DataFrame({**values, "sources": lists[which]}, index=pd.Index(people), dtype=object)
    out = out[sorted(out.columns)]
    lines: list[str] = []
    for start in range(0, len(out), JSON_CHUNK):
        part = out.iloc[start : start + JSON_CHUNK]
        lines.extend(part.to_json(orient="records", lines=True, force_ascii=False).splitlines())
    return lines
