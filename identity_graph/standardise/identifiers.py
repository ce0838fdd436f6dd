"""Strong identifiers: NHS number, National Insurance number, UPRN."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from identity_graph.standardise._util import map_unique_frame

__all__ = ["normalise_nhs_number", "normalise_ni_number", "normalise_uprn"]

_COLUMNS = ("value", "error")
_SEPARATORS = re.compile(r"[\s\-]+")
_EXCEL_INT = re.compile(r"^(\d+)\.0*$")
_NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


def _nhs_one(value: Any) -> tuple[str | None, str | None]:
    raw = str(value).strip()
    text = _SEPARATORS.sub("", raw)
    text = _EXCEL_INT.sub(r"\1", text)
    if not text:
        return None, None
    if not (text.isdigit() and len(text) == 10):
        return None, f"NHS number {raw} is not 10 digits"
    total = sum(int(d) * (10 - i) for i, d in enumerate(text[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(text[9]):
        return None, f"NHS number {raw} fails its check digit"
    return text, None


def normalise_nhs_number(s: pd.Series) -> pd.DataFrame:
    """Validate NHS numbers: 10 digits (spaces/dashes ignored) with a modulus-11 check digit.

    Examples
    --------
    >>> normalise_nhs_number(pd.Series(["943 476 5919", "943 476 5918"])).to_dict("list")
    {'value': ['9434765919', None], 'error': [None, 'NHS number 943 476 5918 fails its check digit']}
    """
    return map_unique_frame(s, _nhs_one, _COLUMNS)


def _nino_one(value: Any) -> tuple[str | None, str | None]:
    raw = str(value).strip()
    text = re.sub(r"[\s\-]+", "", raw).upper()
    if not text:
        return None, None
    if not _NINO.match(text):
        return None, f"'{raw}' is not a valid National Insurance number"
    return text, None


def normalise_ni_number(s: pd.Series) -> pd.DataFrame:
    """Validate UK National Insurance numbers.

    Two prefix letters (not D, F, I, Q, U, V; second not O; not BG, GB, NK, KN, TN, NT, ZZ),
    six digits and a suffix A-D. Output is upper-case without spaces.

    Examples
    --------
    >>> normalise_ni_number(pd.Series(["ab 12 34 56 c", "QQ123456C"]))["value"].tolist()
    ['AB123456C', None]
    """
    return map_unique_frame(s, _nino_one, _COLUMNS)


def _uprn_one(value: Any) -> tuple[str | None, str | None]:
    raw = str(value).strip()
    if not raw:
        return None, None
    text = raw.replace(" ", "").replace(",", "")
    if not text.isdigit():
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, f"UPRN {raw} is not a number"
        if not number.is_finite() or number != number.to_integral_value() or number < 0:
            return None, f"UPRN {raw} is not a whole number"
        text = str(int(number))
    text = text.lstrip("0")
    if not text:
        return None, f"UPRN {raw} is zero"
    if len(text) > 12:
        return None, f"UPRN {raw} has more than 12 digits"
    return text, None


def normalise_uprn(s: pd.Series) -> pd.DataFrame:
    """Validate UPRNs: 1-12 digits, leading zeros stripped, Excel floats ("1.0e11") accepted.

    Examples
    --------
    >>> normalise_uprn(pd.Series(["000100023336956", "1.00023336956e11", "abc"]))["value"].tolist()
    ['100023336956', '100023336956', None]
    """
    return map_unique_frame(s, _uprn_one, _COLUMNS)
