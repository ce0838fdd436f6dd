"""Typed per-source flags (``[flags]`` in a mapping): a discount, a vulnerability marker, kept as
typed attributes of each record (not evidence for matching).

``single_person_discount = {column = "SPD", type = "bool"}`` reads column ``SPD`` as a boolean;
the record keeps it in its ``attributes`` JSON under ``FLAGS_KEY``:
``{"@flags": {"single_person_discount": true}}``. A value that is not of its type is dropped and
written to the rejects with file, row and column; an empty cell is no flag (absent).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

__all__ = ["FLAGS_KEY", "FLAG_TYPES", "convert_flag"]

#: key of the typed flags in a record's ``attributes`` JSON (no source column starts with "@")
FLAGS_KEY = "@flags"
FLAG_TYPES: tuple[str, ...] = ("bool", "int", "float", "date", "text")

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _one(value: Any, kind: str) -> tuple[Any, str | None]:
    """(typed value or None, error or None) of one cell."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None, None
    if isinstance(value, bool) and kind == "bool":
        return value, None
    text = str(value).strip()
    if not text:
        return None, None
    if kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"not a yes/no value ({', '.join(sorted(_TRUE | _FALSE))})"
    if kind == "int":
        try:
            f = float(text.replace(",", ""))
        except ValueError:
            return None, "not a whole number"
        return (int(f), None) if f.is_integer() else (None, "not a whole number")
    if kind == "float":
        try:
            return float(text.replace(",", "")), None
        except ValueError:
            return None, "not a number"
    if kind == "date":
        if isinstance(value, datetime | date):
            return value.isoformat()[:10], None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"):
            try:
                return datetime.strptime(text[:10], fmt).date().isoformat(), None
            except ValueError:
                continue
        return None, "not a date (YYYY-MM-DD or DD/MM/YYYY)"
    return text, None


def convert_flag(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """(typed values, errors) of one flag column: None where empty or invalid; an error text
    where a value is not of ``kind``."""
    pairs = [_one(v, kind) for v in values.tolist()]
    typed = pd.Series([p[0] for p in pairs], index=values.index, dtype=object)
    errors = pd.Series([p[1] for p in pairs], index=values.index, dtype=object)
    return typed, errors
