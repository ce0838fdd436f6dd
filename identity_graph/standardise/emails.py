"""E-mail addresses: tidy, validate syntax, join several with "|"."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from identity_graph.standardise._util import map_unique_frame
from identity_graph.types import MULTI_SEPARATOR

__all__ = ["normalise_emails"]

_SPLIT = re.compile(r"\s*(?:[;,|]|\s+or\s+|\s+)\s*", re.IGNORECASE)
_VALID = re.compile(r"^[^@\s]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$")


def _one(value: Any) -> tuple[str | None, str | None]:
    text = str(value).strip()
    if not text:
        return None, None
    good: set[str] = set()
    bad: list[str] = []
    for piece in _SPLIT.split(text):
        email = piece.strip().strip("<>\"'()[]").strip().lower()
        if email.startswith("mailto:"):
            email = email[len("mailto:") :]
        email = email.rstrip(".")
        if not email:
            continue
        local = email.split("@", 1)[0]
        if _VALID.match(email) and not local.startswith(".") and ".." not in email:
            good.add(email)
        else:
            bad.append(f"'{piece}' is not a valid email address")
    value_out = MULTI_SEPARATOR.join(sorted(good)) if good else None
    return value_out, ("; ".join(bad) if bad else None)


def normalise_emails(s: pd.Series) -> pd.DataFrame:
    """Normalise e-mail cells (possibly several per cell) and report unusable ones.

    Returns
    -------
    pandas.DataFrame
        ``value``: "|"-joined, sorted, de-duplicated lower-case addresses or ``None``;
        ``error``: ``None`` or a reason naming each bad value. Same index as ``s``.

    Examples
    --------
    >>> normalise_emails(pd.Series(["MAILTO:Jo@Example.com; x@y.org"])).iloc[0].tolist()
    ['jo@example.com|x@y.org', None]
    """
    return map_unique_frame(s, _one, ("value", "error"))
