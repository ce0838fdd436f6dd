"""The sex a given name is given to, for the names that are given to one sex only.

Two given names of opposite sexes are two people, however alike they are spelt: "paul" /
"paula", "daniel" / "danielle", "francis" / "frances", "louis" / "louise" and "stephen" /
"stephanie" are one letter or a few apart, and the nickname table even lists some of them under
one another, but a household holding both holds a brother and sister, a husband and wife, or
twins. ``data/given_name_sex.csv`` is a hand-written list of common given names in the UK that
are given (almost) only to one sex; names given to both ("alex", "sam", "chris", "jo", "robin",
"frankie", "jamie") are left out, and a name not in the list has no sex: it never makes a pair
opposite. The list also says which of its names are a conventional short form of another name
("bob", "harry", "jack", "molly"): the others are given names in their own right, and two of
those are two names however the nickname table links them ("emily" / "emma", "mary" /
"marie"; :func:`names_of_their_own`).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["given_name_sex", "names_of_their_own", "opposite_sex_names"]

#: codes of :func:`given_name_sex`
UNKNOWN, MALE, FEMALE = 0, 1, 2


@lru_cache(maxsize=1)
def _rows() -> list[dict[str, str]]:
    text = resources.files("identity_graph.standardise").joinpath("data/given_name_sex.csv")
    with text.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, int]:
    return {row["name"]: MALE if row["sex"] == "m" else FEMALE for row in _rows()}


@lru_cache(maxsize=1)
def _own_names() -> frozenset[str]:
    return frozenset(row["name"] for row in _rows() if row["short"] == "0")


def given_name_sex(values: Any) -> np.ndarray:
    """Per normalised (lower-case) given name: 1 male, 2 female, 0 unknown or both.

    Examples
    --------
    >>> given_name_sex(["paul", "paula", "alex", None]).tolist()
    [1, 2, 0, 0]
    """
    lex = _lexicon()
    out = [lex.get(v, UNKNOWN) if isinstance(v, str) else UNKNOWN for v in values]
    return np.asarray(out, dtype=np.int8)


def opposite_sex_names(a: Any, b: Any) -> np.ndarray:
    """Elementwise: both names have a sex, and not the same one.

    Examples
    --------
    >>> opposite_sex_names(["paul", "francis", "emily", "alex"], ["paula", "frances", "emma", "alexandra"]).tolist()
    [True, True, False, False]
    """
    sa, sb = given_name_sex(a), given_name_sex(b)
    return (sa != UNKNOWN) & (sb != UNKNOWN) & (sa != sb)


def names_of_their_own(a: Any, b: Any) -> np.ndarray:
    """Elementwise: two different given names, each a given name in its own right (in the list,
    and not a short form of another name).

    The nickname table lists some such names under one another ("emma" under "emily", "mary"
    under "marie", "peter" under "patrick"): two sisters, twins even, are named like that, so
    the listing is no evidence that they are one person. "bob" / "robert", "harry" / "henry"
    and "lucy" / "lucinda" (a name the list does not hold) stay nicknames.

    Examples
    --------
    >>> names_of_their_own(["emily", "bob", "harry", "lucy", "emma"], ["emma", "robert", "henry", "lucinda", "emma"]).tolist()
    [True, False, False, False, False]
    """
    own = _own_names()
    out = [
        isinstance(x, str) and isinstance(y, str) and x != y and x in own and y in own
        for x, y in zip(a, b, strict=True)
    ]
    return np.asarray(out, dtype=bool)


def own_given_names() -> frozenset[str]:
    """The names of the list that are given names in their own right (not short forms)."""
    return _own_names()
