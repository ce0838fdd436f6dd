"""Gender / sex codes to "m", "f" or None."""

from __future__ import annotations

from typing import Any

import pandas as pd

from identity_graph.standardise._util import map_unique

__all__ = ["normalise_gender"]

_MALE = frozenset({"m", "male", "man", "boy", "mr"})
_FEMALE = frozenset({"f", "female", "woman", "girl", "fem"})


def _one(value: Any) -> str | None:
    text = str(value).strip().lower().rstrip(".")
    if text in _MALE:
        return "m"
    if text in _FEMALE:
        return "f"
    return None  # "u", "unknown", "x", "other", and numeric codes such as "1"/"2" are not guessed


def normalise_gender(s: pd.Series) -> pd.Series:
    """Normalise gender values to ``"m"``, ``"f"`` or ``None``.

    Numeric codes ("1"/"2") differ between systems, so they are not guessed.

    Examples
    --------
    >>> normalise_gender(pd.Series(["Male", "F", "girl", "1", "unknown", None])).tolist()
    ['m', 'f', 'f', None, None, None]
    """
    return map_unique(s, _one)
