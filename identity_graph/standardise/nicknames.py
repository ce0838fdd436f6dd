"""Nickname-aware given names, from the ``nicknames`` package's name table.

The table (``nicknames.name_triplets``) lists "formal name has nickname" pairs, but it is noisy
and partly symmetric ("bob has_nickname robert" as well as the reverse), so "formal" is decided
by a documented rule rather than taken from the relationship direction:

* a name is *formal* when it has a nickname shorter than itself and is not a diminutive (a name
  ending in -y/-ie/-ey/-i that is listed as a nickname of a longer name), except for a short list
  of common formal names with such endings ("mary", "henry", "emily", ...);
* a formal name, and any name not in the table, is its own canonical form;
* a nickname maps to one of the names it is listed under: preferring names that share a
  two-letter run with it ("bob" -> "robert", not "bert"), then formal ones, then the one whose
  own nicknames overlap most with the nickname's neighbourhood, then the one with most
  nicknames, then the alphabetically first.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from nicknames import name_triplets

from identity_graph.standardise._util import map_unique
from identity_graph.standardise.name_sex import own_given_names

__all__ = ["canonical_given", "nickname_listed", "nickname_match"]

#: at most this many pairs are matched by lookups one at a time rather than by whole arrays
_SMALL = 2000

#: Common formal names that end like a diminutive (-y, -ie, -ey, -i).
_FORMAL_DESPITE_ENDING = frozenset(
    {
        "mary", "henry", "emily", "lucy", "amy", "anthony", "timothy", "jeremy", "geoffrey",
        "jeffrey", "stanley", "shirley", "beverley", "kimberley", "ashley", "audrey", "dorothy",
        "gregory", "rodney", "sidney", "sydney", "barry", "gary", "harvey", "murray", "roy",
        "guy", "ruby", "lily", "daisy", "hayley", "kelly", "natalie", "leslie", "valerie",
        "rosemary", "zachary", "jacqueline", "marie", "sophie", "julie",
    }
)  # fmt: skip


def _bigrams(name: str) -> set[str]:
    return {name[i : i + 2] for i in range(len(name) - 1)}


class _Table:
    """The nickname table, with canonical names and equivalence groups precomputed."""

    def __init__(self) -> None:
        nicks: dict[str, set[str]] = defaultdict(set)
        formal_of: dict[str, set[str]] = defaultdict(set)
        for t in name_triplets():
            a, b = t.name1.strip().lower(), t.name2.strip().lower()
            if a and b and a != b:
                nicks[a].add(b)
                formal_of[b].add(a)
        self.nicks = dict(nicks)
        self.formal_of = dict(formal_of)
        names = sorted(set(nicks) | set(formal_of))
        self.canonical = {n: self._canonical(n) for n in names}
        # groups: each name1 with all its nicknames; a name belongs to every group it appears in
        groups: dict[str, set[int]] = defaultdict(set)
        for gid, formal in enumerate(sorted(nicks)):
            for member in {formal} | nicks[formal]:
                groups[member].add(gid)
        self.index = pd.Index(names)
        # equivalent pairs as codes a * n + b over ``names`` (both orders)
        n = len(names)
        code = {name: i for i, name in enumerate(names)}
        pair_codes: set[int] = set()
        for formal in nicks:
            members = [code[m] for m in {formal} | nicks[formal]]
            for i in members:
                for j in members:
                    pair_codes.add(i * n + j)
        self.n = n
        self.pairs = np.array(sorted(pair_codes), dtype=np.int64)
        self.code = code
        self.pair_set = frozenset(pair_codes)

    def _diminutive(self, name: str) -> bool:
        if name in _FORMAL_DESPITE_ENDING or not name.endswith(("y", "ie", "ey", "i")):
            return False
        return any(len(c) > len(name) for c in self.formal_of.get(name, ()))

    def is_formal(self, name: str) -> bool:
        if name in _FORMAL_DESPITE_ENDING:
            return True
        has_shorter = any(len(x) < len(name) for x in self.nicks.get(name, ()))
        return has_shorter and not self._diminutive(name)

    def _canonical(self, name: str) -> str:
        if name not in self.formal_of or self.is_formal(name):
            return name
        candidates = self.formal_of[name]
        similar = [c for c in candidates if _bigrams(c) & _bigrams(name)] or list(candidates)
        formal = [c for c in similar if self.is_formal(c)] or similar
        hood = {name} | self.nicks.get(name, set()) | candidates
        return min(
            formal,
            key=lambda c: (-len(self.nicks.get(c, set()) & hood), -len(self.nicks.get(c, ())), c),
        )


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table()


def canonical_given(s: pd.Series) -> pd.Series:
    """Map normalised given names to a nickname-canonical form.

    Parameters
    ----------
    s : pandas.Series
        Normalised (lower-case) given names; ``None`` stays ``None``.

    Returns
    -------
    pandas.Series
        Object dtype, same index. Names not in the table map to themselves.

    Examples
    --------
    >>> canonical_given(pd.Series(["bob", "bill", "robert", "zebedee", None])).tolist()
    ['robert', 'william', 'robert', 'zebedee', None]
    """
    canonical = _table().canonical

    def one(value: Any) -> str:
        name = str(value)
        return canonical.get(name, name)

    return map_unique(s, one)


def nickname_match(a: Any, b: Any) -> np.ndarray:
    """Elementwise: the two given names are equal or nickname-equivalent.

    Two names match when equal, when one is listed as a nickname of the other, or when both are
    listed as nicknames of one name. ``None`` never matches.

    Parameters
    ----------
    a, b : array-like of str or None
        Normalised given names, the same length.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> nickname_match(["bob", "bill", "john", None], ["robert", "will", "mary", None]).tolist()
    [True, True, False, False]
    """
    table = _table()
    if len(a) <= _SMALL:  # a few pairs (a match query's): dict and set lookups, no factorising
        code, pairs, n = table.code, table.pair_set, table.n

        def one(x: Any, y: Any) -> bool:
            if x is None or y is None or x != x or y != y:  # None and NaN never match
                return False
            if x == y:
                return True
            i, j = code.get(x), code.get(y)
            return i is not None and j is not None and i * n + j in pairs

        return np.fromiter((one(x, y) for x, y in zip(list(a), list(b), strict=True)), dtype=bool, count=len(a))
    ca, ua = pd.factorize(np.asarray(a, dtype=object), use_na_sentinel=True)
    cb, ub = pd.factorize(np.asarray(b, dtype=object), use_na_sentinel=True)
    present = (ca >= 0) & (cb >= 0)
    # equal: same value; compare via a shared code space over the union of uniques
    union = pd.Index(np.concatenate([np.asarray(ua, dtype=object), np.asarray(ub, dtype=object)]))
    union_codes, _ = pd.factorize(union)
    ga = np.append(union_codes[: len(ua)], -1)[ca]
    gb = np.append(union_codes[len(ua) :], -2)[cb]
    equal = present & (ga == gb)
    ia = np.append(table.index.get_indexer(pd.Index(ua, dtype=object)), -1)[ca]
    ib = np.append(table.index.get_indexer(pd.Index(ub, dtype=object)), -1)[cb]
    known = present & (ia >= 0) & (ib >= 0)
    codes = ia.astype(np.int64) * table.n + ib.astype(np.int64)
    in_pairs = np.zeros(len(codes), dtype=bool)
    if known.any():
        in_pairs[known] = np.isin(codes[known], table.pairs)
    return np.asarray(equal | in_pairs, dtype=bool)


def nickname_listed(a: Any, b: Any) -> np.ndarray:
    """Elementwise: equal, the same canonical name, or one listed as a nickname of the other,
    unless both are given names in their own right
    (:func:`identity_graph.standardise.name_sex.names_of_their_own`).

    Stricter than :func:`nickname_match`, which also accepts two names that are only both
    listed under a third ("ian" and "jack" under "john", "lewis" and "louise" under "louis"):
    in one household those are mostly two people. The table also lists some given names under
    others that people are christened with in their own right ("emma" under "emily", "mary"
    under "marie"): two sisters, twins even, are named like that, so such a pair is no nickname
    either.

    Examples
    --------
    >>> nickname_listed(["bob", "ian", "jim", "emily", None], ["robert", "jack", "jimmy", "emma", None]).tolist()
    [True, False, True, False, False]
    """
    table = _table()
    canonical = table.canonical
    own = own_given_names()

    def one(x: Any, y: Any) -> bool:
        if x is None or y is None or (isinstance(x, float) or isinstance(y, float)):
            return False
        x, y = str(x), str(y)
        if x == y:
            return True
        if x in own and y in own:  # two given names in their own right
            return False
        return (
            canonical.get(x, x) == canonical.get(y, y)
            or y in table.nicks.get(x, ())
            or x in table.nicks.get(y, ())
        )

    return np.fromiter((one(x, y) for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))
