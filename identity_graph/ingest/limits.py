"""Limits on what one value of an export may hold (ADR 0029).

A value past these limits is not data but a symptom: a quote that never closed and swallowed the
rest of a file, a column mapped wrongly, a binary file read as text. The row holding it is
rejected with the reason, so the rest of the file still loads.

>>> id_problem("CT-000123") is None
True
>>> id_problem("12\\x003")
'record id holds a control character (U+0000); ids are printable text'
>>> id_problem("x" * 300)
'record id is 300 characters long (the limit is 256)'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "MAX_FIELD_CHARS",
    "MAX_ID_CHARS",
    "MAX_RECORD_LINES",
    "id_problem",
    "id_problems",
    "field_problems",
]

#: Longest value any field may hold, in characters: the csv module's own default field limit
#: (128 Ki), four times what an Excel cell can hold (32,767).
MAX_FIELD_CHARS = 131_072
#: Longest record id, in characters (after surrounding blanks are removed). Service systems use
#: numbers, codes and GUIDs (36); 256 leaves room for composite keys.
MAX_ID_CHARS = 256
#: Default for the mapping's ``max_record_lines``: the most lines one CSV record may span when a
#: quoted value holds line breaks (an address, a note).
MAX_RECORD_LINES = 50

#: C0 controls (NUL, tab, line breaks ...), DEL, C1 controls and the Unicode line separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def id_problem(value: str) -> str | None:
    """Why ``value`` (an id with surrounding blanks removed) cannot be a record id, or None."""
    if len(value) > MAX_ID_CHARS:
        return f"record id is {len(value):,} characters long (the limit is {MAX_ID_CHARS})"
    hit = _CONTROL.search(value)
    if hit:
        return f"record id holds a control character (U+{ord(hit.group()):04X}); ids are printable text"
    return None


def id_problems(ids: Sequence[str | None]) -> dict[int, str]:
    """``{position: reason}`` for the ids that fail :func:`id_problem` (stripped; a missing id,
    None or NaN, is skipped: it is reported as missing elsewhere).

    One pass in C over the whole column when every id is fine, which is nearly always.
    """
    present = [v for v in ids if isinstance(v, str)]
    if not present:
        return {}
    if max(map(len, present)) <= MAX_ID_CHARS and not _CONTROL.search("".join(present)):
        return {}
    out: dict[int, str] = {}
    for i, v in enumerate(ids):
        if isinstance(v, str) and (reason := id_problem(v)) is not None:
            out[i] = reason
    return out


def field_problems(values: Sequence[str | None]) -> dict[int, str]:
    """``{position: reason}`` for values longer than :data:`MAX_FIELD_CHARS` or holding NUL."""
    present = [v for v in values if isinstance(v, str)]
    if not present:
        return {}
    if max(map(len, present)) <= MAX_FIELD_CHARS and "\x00" not in "".join(present):
        return {}
    out: dict[int, str] = {}
    for i, v in enumerate(values):
        if not isinstance(v, str):
            continue
        if len(v) > MAX_FIELD_CHARS:
            out[i] = (
                f"value is {len(v):,} characters long (the limit for any field is "
                f"{MAX_FIELD_CHARS:,}); is a quote left open, or the wrong column exported?"
            )
        elif "\x00" in v:
            out[i] = (
                "value holds a NUL character (byte 0): part of the file is binary, or in another "
                "encoding such as UTF-16; export it again as UTF-8 text"
            )
    return out
