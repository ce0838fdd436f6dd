"""One record given in canonical field names, standardised value by value (no frame).

A match query ("who is this resident?") is one record of a few fields. ``standardise_chunk``
would give the same record, but it works on whole columns: for a chunk of one row its fixed
cost (a few hundred pandas operations, ~5 ms) is most of a query's time. This module applies
the same per-value functions the column stages map over their distinct values, in the same
order and with the same precedence, so its record equals the one ``standardise_chunk`` makes of
a one-row chunk mapped field to field (a test holds the two equal over generated records).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..types import DOB_UNPARSED, RECORD_COLUMNS
from .addresses import ADDRESS_COLUMNS, _parse_one
from .dates import DATE_MISSING, parse_date
from .emails import _one as _email_one
from .gender import _one as _gender_one
from .identifiers import _nhs_one, _nino_one, _uprn_one
from .names import (
    _EMPTY,
    _family_field_one,
    _given_field_one,
    _normalise_one,
    _parse_full_one,
    _title_field_one,
)
from .nicknames import _table
from .phones import _one as _phone_one
from .phonetic import _key
from .record import _DIGIT, _LETTER, NAME_FIELDS

__all__ = ["FIELDS", "standardise_fields", "records_frame"]

#: the canonical fields this module reads (a match query's fields: ``_search_fields``, and
#: the name parts a mapping may give separately)
FIELDS = (
    "full_name", "title", "given_name", "middle_names", "family_name", "suffix", "dob", "gender",
    "address", "postcode", "uprn", "phone", "email", "nhs_number", "ni_number",
)  # fmt: skip
_NAME_FIELDS = ("given_name", "family_name", "middle_names", "title")
_IDENTIFYING = ("given_name", "family_name", "dob", "nhs_number", "ni_number", "phones", "emails", "uprn")


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def standardise_fields(
    fields: Mapping[str, Any],
    *,
    region: str = "GB",
    dob_earliest: str = "1890-01-01",
    dob_latest: str | None = None,
    max_chars: int = 1000,
) -> tuple[dict[str, Any] | None, list[str]]:
    """(record, problems): ``fields`` (canonical field name -> raw value; a field that is
    absent or None is not given) as a record of ``RECORD_COLUMNS`` (without its ids and source,
    which the caller sets), and the reason for each value dropped, worded as the load's rejects
    word them. The record is None when nothing that identifies a person is left (the last
    problem says so)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; use {list(FIELDS)}")
    problems: list[str] = []
    given_fields = {k for k, v in fields.items() if v is not None}

    seen: dict[str, Any] = {}

    def col(name: str) -> Any:
        """The field's raw value, or None when it is not given or is dropped (once per field)."""
        if name not in seen:
            seen[name] = checked(name)
        return seen[name]

    def checked(name: str) -> Any:
        v = fields.get(name)
        if v is None:
            return None
        if len(str(v)) > max_chars:
            problems.append(f"value is {len(str(v)):,} characters (limit {max_chars:,}); is the column mapped right?")
            return None
        if name in NAME_FIELDS and _DIGIT.search(str(v)) and not _LETTER.search(str(v)):
            problems.append(f"{str(v)[:40]!r} has no letters: a number is not a name; is the column mapped right?")
            return None
        return v

    out: dict[str, Any] = dict.fromkeys(RECORD_COLUMNS)
    # -- names (full name first; separately given parts win where they give something) ---------
    title, given, middle, family, suffix = _EMPTY
    if "full_name" in given_fields:
        v = col("full_name")
        if v is not None:
            title, given, middle, family, suffix = _parse_full_one(v)
    if given_fields & set(_NAME_FIELDS):
        g = _given_field_one(col("given_name")) if col("given_name") is not None else (None,) * 4
        f = _family_field_one(col("family_name")) if col("family_name") is not None else (None, None)
        t = _title_field_one(col("title")) if col("title") is not None else None
        extra = _normalise_one(col("middle_names")) if col("middle_names") is not None else None
        mid = g[2] if extra is None else (f"{g[2]} {extra}" if g[2] is not None else extra)
        split = (_first(t, g[0]), g[1], mid, f[0], _first(f[1], g[3]))
        title, given, middle, family, suffix = (
            s if s is not None else p for s, p in zip(split, (title, given, middle, family, suffix), strict=True)
        )
    if "suffix" in given_fields and col("suffix") is not None:
        suffix = _first(_normalise_one(col("suffix")), suffix)
    out.update(title=title, given_name=given, middle_names=middle, family_name=family, suffix=suffix)
    if given is not None:
        name = str(given)
        out["given_canonical"] = _table().canonical.get(name, name)
        out["given_phonetic"] = _key(given)
    out["family_phonetic"] = _key(family) if family is not None else None
    # -- dates ----------------------------------------------------------------------------------
    dob_raw = col("dob")
    dob, ambiguous, error, unreal = (
        parse_date(dob_raw, earliest=dob_earliest, latest=dob_latest) if dob_raw is not None else DATE_MISSING
    )
    if error is not None:
        problems.append(str(error))
    out["dob"], out["dob_ambiguous"] = dob, bool(ambiguous)
    out["gender"] = _gender_one(col("gender")) if col("gender") is not None else None
    # -- address --------------------------------------------------------------------------------
    pc_raw = col("postcode")
    parsed = dict(zip(ADDRESS_COLUMNS, _parse_one((col("address"), pc_raw)), strict=True))
    for c in ("address", "flat", "house_number", "street", "town", "postcode", "postcode_sector",
              "postcode_district", "postcode_area", "address_key"):
        out[c] = parsed[c]
    if pc_raw is not None and not parsed["postcode_valid"]:
        problems.append(f"{pc_raw!r} is not a valid UK postcode")
    # -- identifiers ----------------------------------------------------------------------------
    for name, fn, target in (("uprn", _uprn_one, "uprn"), ("nhs_number", _nhs_one, "nhs_number"),
                             ("ni_number", _nino_one, "ni_number"),
                             ("phone", lambda v: _phone_one(v, region), "phones"), ("email", _email_one, "emails")):
        v = col(name)
        if v is None:
            continue
        value, error = fn(v)
        if error is not None:
            problems.append(str(error))
        out[target] = value
    out["extra"] = json.dumps({DOB_UNPARSED: unreal}, sort_keys=True) if unreal is not None else None
    out["attributes"] = "{}"
    if all(out[c] is None for c in _IDENTIFYING):
        problems.append("no identifying fields after standardisation (name, dob, NHS/NI number, "
                        "phone, email or UPRN); map at least one of them")
        return None, problems
    return out, problems


def records_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records made by ``standardise_fields`` (with their ids and source set) as a frame of
    ``RECORD_COLUMNS`` and ``trust`` 0, typed as a load's standardised chunk is: object columns
    with None for missing (not pandas' inferred ``str``), ``dob_ambiguous`` a bool."""
    columns: dict[str, np.ndarray] = {}
    for c in RECORD_COLUMNS:
        col = np.empty(len(rows), dtype=object)
        col[:] = [r[c] for r in rows]
        columns[c] = col
    frame = pd.DataFrame(columns, dtype=object)  # no Series per column
    frame["dob_ambiguous"] = frame["dob_ambiguous"].to_numpy().astype(bool)
    frame["trust"] = np.zeros(len(rows), dtype=np.int64)
    return frame
