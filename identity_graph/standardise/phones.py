"""Telephone numbers to E.164, several per cell joined with "|"."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd
import phonenumbers

from identity_graph.standardise._util import map_unique_frame
from identity_graph.types import MULTI_SEPARATOR

__all__ = ["normalise_phones"]

_SPLIT = re.compile(r"\s*(?:[/,;|]|\bor\b)\s*", re.IGNORECASE)
_TRUNK_IN_BRACKETS = re.compile(r"\(\s*0\s*\)")
_NON_DIGITS = re.compile(r"\D")

#: Ofcom's ranges reserved for drama and testing (national significant numbers, as prefixes).
#: They never ring anyone, so synthetic and training data use them; treat them as valid.
_OFCOM_DRAMA = (
    "7700900", "2079460", "1632960", "1134960", "1144960", "1154960", "1164960", "1174960",
    "1184960", "1214960", "1314960", "1414960", "1514960", "1614960", "1914980", "2890180",
    "2920180", "8081570", "9098790", "3069990",
)  # fmt: skip


def _valid(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    national = str(number.national_number)
    return (
        number.country_code == 44
        and phonenumbers.is_possible_number(number)
        and national.startswith(_OFCOM_DRAMA)
    )


_PLAIN = re.compile(r"^[\d\s().-]+$")
_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
    "pager", "uan", "voicemail",
)  # fmt: skip


@lru_cache(maxsize=8)
def _type_patterns(region: str) -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], frozenset[int]]]] | None:
    """The region's own libphonenumber metadata (general pattern; per number type, pattern and
    possible lengths), for the fast path."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.general_desc is None or not meta.general_desc.national_number_pattern:
        return None
    kinds = []
    for name in _TYPES:
        desc = getattr(meta, name, None)
        if desc is not None and desc.national_number_pattern:
            kinds.append((re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ())))
    return re.compile(meta.general_desc.national_number_pattern), kinds


def _fast(text: str, digits: str, region: str) -> str | None:
    """E.164 for the common case, a plain national number ("07700 900123", "(020) 7946 0018")
    that the region's metadata says is valid, without the full parser (about 20x faster). None
    means "not decided here": the caller runs the full parser, so results never differ."""
    if text.startswith("+44") and digits.isascii() and _PLAIN_AFTER_44.fullmatch(text, 3):
        # "+44 7700 900123": the country code is explicit (whatever ``region``); the parser
        # would strip GB's national prefix ("0" or "180020") from the rest, so those are left
        # to it, and any other rest is the national number as it stands
        national = digits[2:]
        if national.startswith(("0", "180020")):
            return None
        return _gb_valid(national)
    if region != "GB" or not digits.startswith("0") or digits.startswith("00") or not _PLAIN.match(text):
        return None
    return _gb_valid(digits[1:])


#: what may follow "+44" for the fast path: ASCII digits, spaces and the punctuation every
#: parser accepts between digits
_PLAIN_AFTER_44 = re.compile(r"[0-9 ().-]*")


def _gb_valid(national: str) -> str | None:
    """"+44" + ``national`` when GB's metadata says the national number is valid, else None."""
    patterns = _type_patterns("GB")
    if patterns is None:
        return None
    general, kinds = patterns
    if not general.fullmatch(national):
        return None
    for pattern, lengths in kinds:
        if (not lengths or len(national) in lengths) and pattern.fullmatch(national):
            return "+44" + national
    return None


def _parse(piece: str, region: str) -> str | None:
    text = _TRUNK_IN_BRACKETS.sub("", piece)
    digits = _NON_DIGITS.sub("", text)
    fast = _fast(text, digits, region)
    if fast is not None:
        return fast
    attempts = [text]
    if not text.lstrip().startswith("+") and len(digits) > 10:
        attempts.append("+" + text)  # "447700900123": international without the plus
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if _valid(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


_MISSING = frozenset({"", "n/a", "na", "none", "nil", "-", "?", "unknown", "not known", "tba"})
_EXCEL_FLOAT = re.compile(r"^(\d+)\.0+$")


def _one(value: Any, region: str) -> tuple[str | None, str | None]:
    text = _EXCEL_FLOAT.sub(r"\1", str(value).strip())
    if text.lower() in _MISSING:
        return None, None
    if not any(c.isdigit() for c in text):
        return None, f"'{text}' is not a phone number"
    good: set[str] = set()
    bad: list[str] = []
    for piece in _SPLIT.split(text):
        piece = piece.strip()
        if not piece or not any(c.isdigit() for c in piece):
            if piece:
                bad.append(f"'{piece}' is not a phone number")
            continue
        e164 = _parse(piece, region)
        if e164 is None:
            bad.append(f"'{piece}' is not a valid phone number")
        else:
            good.add(e164)
    return (
        MULTI_SEPARATOR.join(sorted(good)) if good else None,
        "; ".join(bad) if bad else None,
    )


def normalise_phones(s: pd.Series, region: str = "GB") -> pd.DataFrame:
    """Normalise phone cells (possibly several per cell) to E.164.

    Cells may hold several numbers separated by ``/ , ; |`` or "or". Extensions are dropped,
    "+44 (0)20 ..." and "447700 ..." are understood, Ofcom drama ranges count as valid.

    Parameters
    ----------
    s : pandas.Series
        Raw phone cells.
    region : str
        Default region for numbers written without a country code.

    Returns
    -------
    pandas.DataFrame
        ``value``: "|"-joined sorted unique E.164 numbers or ``None``; ``error``: ``None`` or
        the reason naming each bad value. Same index as ``s``.

    Examples
    --------
    >>> normalise_phones(pd.Series(["07700 900123 / +44 (0)20 7946 0018"])).iloc[0].tolist()
    ['+442079460018|+447700900123', None]
    """
    return map_unique_frame(s, lambda v: _one(v, region), ("value", "error"))
