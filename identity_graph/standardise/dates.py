"""Dates (of birth, of record): detect the column's format, parse, check the range."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from identity_graph.standardise._util import is_missing, map_unique_frame

__all__ = ["DATE_FORMATS", "DATE_MISSING", "parse_dates", "parse_date", "date_parser", "dob_transposed"]

#: Formats tried when none is given, in order of preference (UK day-first).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y", "%d %b %Y",
    "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d",
)  # fmt: skip

_DAY_MONTH_NUMERIC = frozenset({"%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"})
_TIME = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_TWO_DIGIT_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: A shape check per format, to tell "31/02/1980" (not a real date) from "abc" (not a date).
_SHAPES = {
    "%Y-%m-%d": r"\d{4}-\d{1,2}-\d{1,2}", "%d/%m/%Y": r"\d{1,2}/\d{1,2}/\d{4}",
    "%d-%m-%Y": r"\d{1,2}-\d{1,2}-\d{4}", "%d.%m.%Y": r"\d{1,2}\.\d{1,2}\.\d{4}",
    "%Y%m%d": r"\d{8}", "%d/%m/%y": r"\d{1,2}/\d{1,2}/\d{2}", "%Y/%m/%d": r"\d{4}/\d{1,2}/\d{1,2}",
}  # fmt: skip


def _clean_text(text: str) -> str:
    text = _TIME.sub("", text.strip())
    text = _ORDINAL.sub("", text.replace(",", " "))
    return " ".join(text.split())


def _literals(fmt: str) -> tuple[frozenset[str], bool]:
    """The characters every string ``strptime`` accepts for ``fmt`` must contain: the format's
    literal characters (its directives removed), and whether it needs whitespace (strptime
    turns a run of spaces in the format into ``\\s+``)."""
    rest = re.sub(r"%.", "", fmt)
    return frozenset(c for c in rest if not c.isspace()), any(c.isspace() for c in rest)


#: for the known formats (no ``%%``, no letters among the literals): skip strptime when the text
#: lacks a character the format requires; strptime would raise, so results never differ
_REQUIRED = {f: _literals(f) for f in DATE_FORMATS}


#: the numeric formats written with two-digit day and month, four-digit year and a separator:
#: for a text of exactly that shape (ASCII digits) strptime gives ``date(year, month, day)`` and
#: raises exactly when that date does not exist, so the date is built directly (strptime's
#: Python regex machinery costs ~10x more); any other text goes to strptime
_FIXED: dict[str, tuple[re.Pattern[str], tuple[int, int, int]]] = {
    "%Y-%m-%d": (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), (1, 2, 3)),
    "%d/%m/%Y": (re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})"), (3, 2, 1)),
    "%d-%m-%Y": (re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})"), (3, 2, 1)),
    "%d.%m.%Y": (re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})"), (3, 2, 1)),
    "%Y/%m/%d": (re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})"), (1, 2, 3)),
    # no separator: strptime's month (1[0-2]|0[1-9]|[1-9]) and day alternatives cannot split
    # eight digits any other way than 4-2-2 and still reach the end of the text
    "%Y%m%d": (re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"), (1, 2, 3)),
}
#: a common record-date format: the same shortcut, time fields checked as strptime checks them
_ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
_ISO_UTC_FIXED = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def _foreign(fmt: str) -> re.Pattern[str] | None:
    """For a format of numeric directives only: a pattern finding a character that strptime's
    regex for it can never match (not a digit, not whitespace, not one of the format's literal
    characters, case-insensitively as strptime matches), so such text is refused without it."""
    if re.search(r"%[^YmdHMSy]", fmt):
        return None
    literals = "".join(sorted(set(re.sub(r"%.", "", fmt))))
    return re.compile(r"[^\d\s" + re.escape(literals) + "]", re.IGNORECASE)


_FOREIGN: dict[str, re.Pattern[str] | None] = {}


def _strptime(text: str, fmt: str) -> dt.date | None:
    if fmt == "%d/%m/%y":
        m = _TWO_DIGIT_YEAR.match(text)
        if not m:
            return None
        yy = int(m.group(3))
        pivot = dt.date.today().year % 100
        year = 2000 + yy if yy <= pivot else 1900 + yy
        text, fmt = f"{m.group(1)}/{m.group(2)}/{year}", "%d/%m/%Y"
    required = _REQUIRED.get(fmt)
    if required is not None:
        chars, space = required
        if (space and not any(c.isspace() for c in text)) or not all(c in text for c in chars):
            return None
    if fmt == _ISO_UTC and (m := _ISO_UTC_FIXED.fullmatch(text)) is not None:
        if int(m.group(4)) > 23 or int(m.group(5)) > 59 or int(m.group(6)) > 59:
            return None  # strptime refuses hour 24+, minute 60+ and (datetime) second 60+
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if fmt not in _FOREIGN:
        _FOREIGN[fmt] = _foreign(fmt)
    foreign = _FOREIGN[fmt]
    if foreign is not None and foreign.search(text):
        return None
    fixed = _FIXED.get(fmt)
    if fixed is not None and (m := fixed[0].fullmatch(text)) is not None:
        y, mo, d = fixed[1]
        try:
            return dt.date(int(m.group(y)), int(m.group(mo)), int(m.group(d)))
        except ValueError:
            return None
    try:
        return dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def _as_date(value: Any) -> dt.date | None:
    """Dates that arrive already typed (Excel, Parquet): Timestamp, datetime, date, datetime64."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    return None


def _excel_serial(text: str) -> dt.date | None:
    if not _EXCEL_SERIAL.match(text):
        return None
    serial = int(float(text))
    if not 1 <= serial <= 2958465:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def _detect(texts: list[str]) -> str | None:
    """The format that parses most of ``texts`` (a sample of unique values); ties by preference."""
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        count = sum(1 for t in texts if _strptime(t, fmt) is not None)
        if count > best_count:
            best, best_count = fmt, count
    return best


def parse_dates(
    s: pd.Series,
    fmt: str | None = None,
    *,
    earliest: str = "1890-01-01",
    latest: str | None = None,
) -> pd.DataFrame:
    """Parse a column of dates to ISO strings, flagging ambiguous and impossible values.

    Without ``fmt`` the column's format is detected: of :data:`DATE_FORMATS`, the one that
    parses most distinct values (day-first UK formats win ties); values it cannot parse are
    tried against the others. Typed values (Timestamp, datetime, date) and Excel serial numbers
    ("29221") are accepted, and a trailing time ("00:00:00") is ignored.

    Parameters
    ----------
    s : pandas.Series
        Raw dates.
    fmt : str, optional
        A ``strptime`` format applied strictly.
    earliest : str
        ISO date; earlier dates are errors.
    latest : str, optional
        ISO date; later dates are errors. Default: today ("... is in the future").

    Returns
    -------
    pandas.DataFrame
        ``value`` (ISO "YYYY-MM-DD" or ``None``), ``ambiguous`` (bool: parsed with a numeric
        day/month format, both <= 12 and different, no ``fmt`` given), ``error`` (``None`` or a
        reason) and ``unreal`` (a well-formed but impossible date in ISO field order, kept for
        comparison only). Same index as ``s``.

    Examples
    --------
    >>> parse_dates(pd.Series(["03/04/1980", "31/12/1980", "31/02/1980"])).to_dict("list")
    {'value': ['1980-04-03', '1980-12-31', None], 'ambiguous': [True, False, False], 'error': [None, None, '31/02/1980 is not a real date'], 'unreal': [None, None, '1980-02-31']}
    """
    obj = s.astype(object)
    one = date_parser(pd.unique(obj[obj.notna()].to_numpy(dtype=object)), fmt, earliest=earliest, latest=latest)
    return map_unique_frame(
        s, one, ("value", "ambiguous", "error", "unreal"), missing=DATE_MISSING
    )


#: what :func:`parse_dates` gives a missing value
DATE_MISSING = (None, False, None, None)


def date_parser(
    uniques: Any, fmt: str | None = None, *, earliest: str = "1890-01-01", latest: str | None = None
) -> Callable[[Any], tuple[str | None, bool, str | None, str | None]]:
    """The per-value parser :func:`parse_dates` applies to a column whose distinct non-missing
    values are ``uniques`` (they decide the detected format): value -> (ISO date or None,
    ambiguous, error, unreal). ``parse_date`` is this for a column of one value."""
    lo = dt.date.fromisoformat(earliest)
    hi = dt.date.fromisoformat(latest) if latest else dt.date.today()
    hi_reason = f"is after {latest}" if latest else "is in the future"

    texts = [
        _clean_text(str(u))
        for u in uniques
        if _as_date(u) is None and isinstance(u, str) and _excel_serial(u.strip()) is None
    ]
    formats: list[str]
    detected: str | None = None
    if fmt is not None:
        formats = [fmt]
    else:
        sample = sorted(set(texts))[:5000]
        detected = _detect(sample)
        formats = [f for f in DATE_FORMATS if f != detected]
        if detected:
            formats.insert(0, detected)
    shown = fmt or detected or "%d/%m/%Y"

    def one(value: Any) -> tuple[str | None, bool, str | None, str | None]:
        if is_missing(value):
            return None, False, None, None
        date = _as_date(value)
        used = None
        raw = str(value).strip()
        if date is None:
            if not raw:
                return None, False, None, None
            if fmt is None:
                date = _excel_serial(raw)
            if date is None:
                text = _clean_text(raw) if fmt is None else raw
                for f in formats:
                    date = _strptime(text, f)
                    if date is not None:
                        used = f
                        break
                if date is None:
                    shaped = [f for f in formats if re.fullmatch(_SHAPES.get(f, r"(?!)"), text)]
                    if shaped:
                        return None, False, f"{raw} is not a real date", _digits_iso(text, shaped[0])
                    return None, False, f"'{raw}' is not a date; expected a format like {shown}", None
        if date < lo:
            return None, False, f"{date.isoformat()} is before {earliest}", None
        if date > hi:
            return None, False, f"{date.isoformat()} {hi_reason}", None
        ambiguous = (
            fmt is None
            and used in _DAY_MONTH_NUMERIC
            and date.day <= 12
            and date.month <= 12
            and date.day != date.month
        )
        return date.isoformat(), bool(ambiguous), None, None

    return one


def parse_date(
    value: Any, fmt: str | None = None, *, earliest: str = "1890-01-01", latest: str | None = None
) -> tuple[str | None, bool, str | None, str | None]:
    """One date as :func:`parse_dates` parses a column holding only it (its own format
    detected): (ISO date or None, ambiguous, error, unreal)."""
    if is_missing(value):
        return DATE_MISSING
    return date_parser([value], fmt, earliest=earliest, latest=latest)(value)


def _digits_iso(text: str, fmt: str) -> str | None:
    """A well-formed but impossible date ("1853-15-20", "31/02/1980") rewritten in ISO field
    order, "YYYY-MM-DD", so that it can still be compared digit by digit with real dates."""
    order = re.findall(r"%([Ymd])", fmt)
    if sorted(order) != ["Y", "d", "m"]:
        return None
    groups = re.findall(r"\d+", text)
    if len(groups) == 1:  # compact: "18531520"
        widths = {"Y": 4, "m": 2, "d": 2}
        digits, groups, at = groups[0], [], 0
        for part in order:
            groups.append(digits[at : at + widths[part]])
            at += widths[part]
        if at != len(digits):
            return None
    if len(groups) != 3:
        return None
    got = dict(zip(order, groups, strict=True))
    if len(got["Y"]) != 4 or not (1 <= len(got["m"]) <= 2) or not (1 <= len(got["d"]) <= 2):
        return None
    return f"{got['Y']}-{got['m'].zfill(2)}-{got['d'].zfill(2)}"


def dob_transposed(a: Any, b: Any) -> np.ndarray:
    """Elementwise: same year, day and month swapped (both present, not equal).

    Parameters
    ----------
    a, b : array-like of ISO date str or None

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> dob_transposed(["1980-04-03", "1980-04-04", None], ["1980-03-04", "1980-04-04", None]).tolist()
    [True, False, False]
    """
    sa = pd.Series(np.asarray(a, dtype=object), dtype=object)
    sb = pd.Series(np.asarray(b, dtype=object), dtype=object)
    present = sa.notna() & sb.notna()
    sa = sa.where(present, "0000-00-00").astype(str)
    sb = sb.where(present, "0000-00-00").astype(str)
    result = (
        present
        & (sa != sb)
        & (sa.str[0:4] == sb.str[0:4])
        & (sa.str[5:7] == sb.str[8:10])
        & (sa.str[8:10] == sb.str[5:7])
    )
    return result.to_numpy(dtype=bool)
