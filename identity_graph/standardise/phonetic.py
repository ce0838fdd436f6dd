"""Phonetic keys and initials for (already normalised) names."""

from __future__ import annotations

from typing import Any

import jellyfish
import pandas as pd

from identity_graph.standardise._util import map_unique

__all__ = ["phonetic_key", "initial"]


def _key(value: Any) -> str | None:
    letters = "".join(c for c in str(value).lower() if c.isascii() and c.isalpha())
    if not letters:
        return None
    return jellyfish.metaphone(letters) or None


def phonetic_key(s: pd.Series) -> pd.Series:
    """Metaphone key of each name, with hyphens, spaces and other non-letters removed.

    Examples
    --------
    >>> phonetic_key(pd.Series(["smith-jones", "smyth jones", None])).tolist()
    ['SM0JNS', 'SM0JNS', None]
    """
    return map_unique(s, _key)


def _initial(value: Any) -> str | None:
    text = str(value).strip()
    return text[0].lower() if text else None


def initial(s: pd.Series) -> pd.Series:
    """First character of each name (lower-case), ``None`` for missing or empty.

    Examples
    --------
    >>> initial(pd.Series(["john", "", None])).tolist()
    ['j', None, None]
    """
    return map_unique(s, _initial)
