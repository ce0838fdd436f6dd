"""The field comparisons: each turns a batch of record pairs into similarity levels.

Level 0 is always "missing" (either side null: no evidence, weight 0); the last level is
"else" (disagreement). In between, levels go from the strongest agreement down. Levels are
computed for whole arrays of pairs at once (codes for exact agreement, ``pair_similarity``
on distinct value pairs for fuzzy agreement).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from .._threads import map_chunks
from ..settings import ComparisonSpec
from ..standardise.name_sex import given_name_sex
from ..standardise.nicknames import nickname_listed, nickname_match
from ..standardise.placeholders import KNOWN_PLACEHOLDERS
from .columns import Coded, factorise, factorise_shared, pair_predicate, pair_similarity

__all__ = ["Comparison", "build_comparisons", "CompareContext", "FrozenTF"]


def _split_multi(v: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th of each record's "|"-joined values (None where it has fewer)."""
    arr = _arrow_text(v)
    if arr is None:  # not all text: one value at a time
        missing = pd.isna(v)
        out = np.empty(len(v), dtype=object)
        out[:] = [
            None if miss else (parts[k] if len(parts := str(x).split("|")) > k else None)
            for x, miss in zip(v.tolist(), missing.tolist(), strict=True)
        ]
        return out
    # split in C (Arrow), as ``str.split`` splits: "a||b" has an empty second part
    parts = pc.split_pattern(arr, "|")
    starts = np.asarray(parts.offsets)[:-1].astype(np.int64) + k
    has = pc.fill_null(pc.greater(pc.list_value_length(parts), k), False).to_numpy(zero_copy_only=False)
    picked = parts.values.take(pa.array(starts, mask=~has))  # (a null index takes a null)
    return picked.to_numpy(zero_copy_only=False)


def _arrow_text(v: np.ndarray) -> pa.Array | None:
    """An object column as an Arrow string array (None, NaN: null); None if it holds non-text."""
    try:
        return pa.array(v, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError):
        return None


def _initial_features(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per name: is it a single letter; its first letter (as a code point)."""
    one = np.fromiter((len(v) == 1 for v in values), dtype=bool, count=len(values))
    first = np.fromiter((ord(v[0]) if v else -1 for v in values), dtype=np.int32, count=len(values))
    return one, first


def _transposed_codes(values: np.ndarray) -> tuple[np.ndarray]:
    """Per ISO date YYYY-MM-DD: the code of YYYY-DD-MM among ``values`` (-1 if absent or equal)."""
    code = {v: i for i, v in enumerate(values.tolist())}
    swapped = [(t := str(v))[:5] + t[8:10] + "-" + t[5:7] for v in values.tolist()]
    out = np.fromiter((code.get(w, -1) for w in swapped), dtype=np.int32, count=len(swapped))
    out[[w == str(v) for w, v in zip(swapped, values.tolist(), strict=True)]] = -1
    return (out,)


@dataclass(frozen=True)
class FrozenTF:
    """A column's term frequencies as a stored model knew them: ``table`` value -> relative
    frequency, and ``floor`` for a value it never saw (the frequency of a value seen once)."""

    table: dict[str, float]
    floor: float

    def lookup(self, values: np.ndarray) -> np.ndarray:
        get, floor = self.table.get, self.floor
        return np.fromiter((get(v, floor) for v in values.tolist()), dtype=np.float64, count=len(values))


@dataclass
class CompareContext:
    """Factorised columns of one record frame, built lazily and shared by the comparisons."""

    frame: pd.DataFrame
    workers: int = 2
    #: column -> (value -> relative frequency, frequency of a value not listed): a stored
    #: model's term frequencies, used instead of this frame's counts (``FrozenTF``)
    frozen_tf: dict[str, FrozenTF] | None = None
    _cache: dict[str, Coded] = field(default_factory=dict)
    _extra: dict[str, np.ndarray] = field(default_factory=dict)
    _features: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)

    def col(self, name: str) -> Coded:
        if name not in self._cache:
            if name in ("given_name", "family_name"):
                g, f = factorise_shared(self._array("given_name"), self._array("family_name"))
                self._cache["given_name"], self._cache["family_name"] = g, f
            elif name in ("phone1", "phone2"):
                p1, p2 = factorise_shared(
                    _split_multi(self._array("phones"), 0), _split_multi(self._array("phones"), 1)
                )
                self._cache["phone1"], self._cache["phone2"] = p1, p2
            elif name in ("email1", "email2"):
                e1, e2 = factorise_shared(
                    _split_multi(self._array("emails"), 0), _split_multi(self._array("emails"), 1)
                )
                self._cache["email1"], self._cache["email2"] = e1, e2
            else:
                self._cache[name] = factorise(self._array(name))
            if self.frozen_tf:
                for key, coded in self._cache.items():
                    if key in self.frozen_tf and coded.frozen_tf is None:
                        coded.frozen_tf = self.frozen_tf[key].lookup(coded.values)
        return self._cache[name]

    def _array(self, name: str) -> np.ndarray:
        """A column's values as an object array (all None for a column the frame lacks)."""
        if name in self.frame.columns:
            return self.frame[name].to_numpy(dtype=object)
        return np.full(len(self.frame), None, dtype=object)

    def many(self, name: str) -> np.ndarray:
        """Per record: the "|"-joined column holds more than two values."""
        key = f"__many_{name}"
        if key not in self._extra:
            arr = _arrow_text(self._array(name))
            if arr is None:  # not all text: one value at a time
                values = self._array(name).tolist()
                self._extra[key] = np.fromiter(
                    (v is not None and str(v).count("|") >= 2 for v in values), dtype=bool, count=len(values)
                )
            else:  # counted in C (a NaN counts as text here, as ``str(nan)`` holds no "|")
                many = pc.greater_equal(pc.count_substring(arr, "|"), 2)
                self._extra[key] = pc.fill_null(many, False).to_numpy(zero_copy_only=False)
        return self._extra[key]

    def per_value(
        self, name: str, feature: str, fn: Callable[[np.ndarray], tuple[np.ndarray, ...]]
    ) -> tuple[np.ndarray, ...]:
        """Arrays over the distinct values of column ``name`` (index = code), computed once:
        a pair's feature is then ``arr[codes[ia]]``, not a string operation per pair. Each array
        ends with one extra zero, so that ``arr[max(code, 0)]`` is safe (and masked by the
        caller) even in a frame where the column holds no value at all (a match query)."""
        key = f"__value_{name}_{feature}"
        if key not in self._features:
            self._features[key] = tuple(
                np.concatenate([a, np.zeros(1, dtype=a.dtype)]) for a in fn(self.col(name).values)
            )
        return self._features[key]

    def per_record(self, feature: str, fn: Callable[[CompareContext], np.ndarray]) -> np.ndarray:
        """An array over the records (index = record row), computed once from the whole frame:
        evidence a pair's two records alone do not hold (who else lives there)."""
        key = f"__record_{feature}"
        if key not in self._extra:
            self._extra[key] = fn(self)
        return self._extra[key]

    def has_column(self, name: str) -> bool:
        return name in self.frame.columns

    def has_data(self, name: str) -> bool:
        key = f"__has_{name}"
        if key not in self._extra:
            self._extra[key] = name in self.frame.columns and not pd.isna(self._array(name)).all()
        return bool(self._extra[key])


class Comparison:
    """Base class: subclasses set ``labels`` and implement ``levels``."""

    labels: tuple[str, ...] = ("missing", "exact", "else")
    #: the level index whose weight is term-frequency adjusted (exact agreement)
    tf_level: int = 1

    def __init__(self, spec: ComparisonSpec, ctx: CompareContext):
        self.spec = spec
        self.ctx = ctx

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def n_levels(self) -> int:
        return len(self.labels)

    def levels(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def tf_column(self) -> Coded | None:
        """The factorised column whose value frequencies adjust the exact level, if tf_adjust."""
        return self.ctx.col(self.spec.column) if self.spec.tf_adjust else None

    # helpers --------------------------------------------------------------------------------
    def _exact(self, col: str, ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = self.ctx.col(col)
        ca, cb = c.codes[ia], c.codes[ib]
        null = (ca < 0) | (cb < 0)
        return null, (ca == cb) & ~null

    def _sim(self, col: str, ia: np.ndarray, ib: np.ndarray, scorer, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(len(ia), dtype=np.float32)
        if mask.any():
            c = self.ctx.col(col)
            out[mask] = pair_similarity(c, c, ia[mask], ib[mask], scorer, self.ctx.workers)
        return out

    @staticmethod
    def _assign(n: int, null: np.ndarray, conds: list[np.ndarray]) -> np.ndarray:
        """Level = 0 if null, else 1 + index of the first true condition, else len(conds)+1."""
        lv = np.full(n, len(conds) + 1, dtype=np.int8)
        for k in range(len(conds) - 1, -1, -1):
            lv[conds[k]] = k + 1
        lv[null] = 0
        return lv


class _Names:
    """Mixin: detects given/family swaps between two records."""

    ctx: CompareContext

    def swapped(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        g, f = self.ctx.col("given_name"), self.ctx.col("family_name")
        ga, gb, fa, fb = g.codes[ia], g.codes[ib], f.codes[ia], f.codes[ib]
        return (ga >= 0) & (fa >= 0) & (ga == fb) & (fa == gb) & (ga != fa)

    def shifted(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """One record has no family name and its given name is the other's family name: the
        surname typed into the forename field. Family names agree; given names are unknown."""
        g, f = self.ctx.col("given_name"), self.ctx.col("family_name")
        ga, gb, fa, fb = g.codes[ia], g.codes[ib], f.codes[ia], f.codes[ib]
        a_shift = (fa < 0) & (ga >= 0) & (ga == fb) & (ga != gb)
        b_shift = (fb < 0) & (gb >= 0) & (gb == fa) & (ga != gb)
        return a_shift | b_shift


class GivenName(Comparison, _Names):
    """Given names. Between Jaro-Winkler 0.92 and 0.80, a single typing slip ("srah", "mwria",
    "sahra": one insertion, deletion, substitution or transposition) is told apart from two
    different names that share a beginning ("mary" / "marek", "oliver" / "olivia", "jane" /
    "james"): household members are named like that, and only the first is the same person.
    Likewise a nickname (one name listed under the other, or the same canonical name) is told
    apart from two names only both listed under a third ("ian" / "jack" under "john", "lewis" /
    "louise"): at one dwelling, 15 % of those pairs are one person (synth 650k)."""

    labels = (
        "missing", "exact", "nickname", "jw>=0.92", "one edit", "nickname via another name",
        "jw>=0.80", "initial", "else",
    )

    def levels(self, ia, ib):
        sw = self.swapped(ia, ib)
        null, exact = self._exact("given_name", ia, ib)
        exact |= sw
        null |= self.shifted(ia, ib)
        _, canon = self._exact("given_canonical", ia, ib)
        maybe = ~null & ~exact & ~canon
        via = np.zeros(len(ia), dtype=bool)
        if maybe.any():
            via[maybe] = pair_predicate(self.ctx.col("given_name"), ia[maybe], ib[maybe], nickname_match)
            t = np.flatnonzero(via)
            if len(t):
                canon[t] = pair_predicate(self.ctx.col("given_name"), ia[t], ib[t], nickname_listed)
            via &= ~canon
        todo = ~null & ~exact & ~canon
        sim = self._sim("given_name", ia, ib, JaroWinkler.normalized_similarity, todo)
        g = self.ctx.col("given_name")
        # edit distance (transpositions count once) only where Jaro-Winkler left it open
        mid = todo & (sim >= 0.80) & (sim < 0.92)
        one_edit = np.zeros(len(ia), dtype=bool)
        if mid.any():
            one_edit[mid] = pair_similarity(g, g, ia[mid], ib[mid], OSA.distance, self.ctx.workers) <= 1
        # an initial against a name with the same first letter, from per-value arrays
        one, first = self.ctx.per_value("given_name", "initial", _initial_features)
        ca, cb = np.maximum(g.codes[ia], 0), np.maximum(g.codes[ib], 0)
        initial = todo & (one[ca] | one[cb]) & (first[ca] == first[cb])
        # string evidence first: an indirect nickname that is also one typo away is a typo
        via &= ~(sim >= 0.92) & ~one_edit
        lv = self._assign(len(ia), null, [exact, canon, sim >= 0.92, one_edit, via, sim >= 0.80, initial])
        # a name given to men against one given to women: two people, however alike
        (sex,) = self.ctx.per_value("given_name", "sex", lambda v: (given_name_sex(v),))
        sa, sb = sex[ca], sex[cb]
        opposite = ~null & ~exact & (g.codes[ia] >= 0) & (g.codes[ib] >= 0) & (sa > 0) & (sb > 0) & (sa != sb)
        lv[opposite] = len(self.labels) - 1
        return lv


class FamilyName(Comparison, _Names):
    labels = ("missing", "exact", "jw>=0.92", "part of double-barrelled", "jw>=0.80", "else")

    def levels(self, ia, ib):
        sw = self.swapped(ia, ib)
        sh = self.shifted(ia, ib)
        null, exact = self._exact("family_name", ia, ib)
        exact |= sw | sh
        null &= ~sh
        todo = ~null & ~exact
        sim = self._sim("family_name", ia, ib, JaroWinkler.normalized_similarity, todo)
        part = np.zeros(len(ia), dtype=bool)
        f = self.ctx.col("family_name")
        cand = todo & (sim < 0.92)
        if cand.any():
            t = np.flatnonzero(cand)
            va = f.values[f.codes[ia[t]]]
            vb = f.values[f.codes[ib[t]]]
            part[t] = [
                (("-" in x or " " in x or "-" in y or " " in y)
                 and bool(set(x.replace("-", " ").split()) & set(y.replace("-", " ").split())))
                for x, y in zip(va, vb, strict=True)
            ]
        return self._assign(len(ia), null, [exact, sim >= 0.92, part, sim >= 0.80])


def _middle_features(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per middle-names value ("albert edward"): a code for its first name, the code point of
    its first letter, and whether that first name is a single letter (an initial)."""
    first = pd.Series(values, dtype=object).astype(str).str.split().str[0].fillna("")
    codes, _ = pd.factorize(first)
    letter = np.fromiter((ord(v[0]) if v else -1 for v in first), dtype=np.int32, count=len(first))
    one = (first.str.len() == 1).to_numpy()
    return codes.astype(np.int64), letter, one


class MiddleName(Comparison):
    """Middle names, where both records hold one (an electoral register's FORENAMES "JOHN
    ALBERT", a council-tax "SMITH, John Albert"). Agreement is person-level evidence that
    outlasts a move: a register entry at an old address without a dob shares with the person's
    newer records only the name, and "john albert smith" is far rarer than "john smith".
    Disagreement ("albert" / "edward") is evidence of two people with one given and family
    name (a father and son, two namesakes). A middle name on one side only is no evidence:
    most systems have no field for it."""

    labels = ("missing", "exact", "same first middle name", "initial", "else")

    def levels(self, ia, ib):
        null, exact = self._exact(self.spec.column, ia, ib)
        same_first = np.zeros(len(ia), dtype=bool)
        initial = np.zeros(len(ia), dtype=bool)
        t = np.flatnonzero(~null & ~exact)
        if len(t):  # both hold a middle name: per-value features, read by code
            c = self.ctx.col(self.spec.column)
            first, letter, one = self.ctx.per_value(self.spec.column, "first", _middle_features)
            ca, cb = c.codes[ia[t]], c.codes[ib[t]]
            same_first[t] = (first[ca] == first[cb]) & ~one[ca] & ~one[cb]
            initial[t] = (one[ca] | one[cb]) & (letter[ca] == letter[cb])
        return self._assign(len(ia), null, [exact, same_first, initial])


class Dob(Comparison):
    labels = ("missing", "exact", "day/month transposed", "one digit", "two digits", "else")

    def levels(self, ia, ib):
        # real dates for exact agreement and transpositions; for digit distance, the text also
        # of well-formed impossible dates ("1853-15-20"), which are otherwise missing
        text = "dob_text" if self.ctx.has_column("dob_text") else "dob"
        _, exact = self._exact("dob", ia, ib)
        null, _ = self._exact(text, ia, ib)
        if text != "dob":  # a known filler ("1900-01-01") is no date at all: missing, not else
            d, t = self.ctx.col("dob").codes, self.ctx.col(text).codes
            (filler,) = self.ctx.per_value(text, "filler", _filler_dates)
            gone = (d < 0) & (t >= 0) & filler[np.maximum(t, 0)]
            null |= gone[ia] | gone[ib]
        null &= ~exact
        todo = ~null & ~exact
        trans = np.zeros(len(ia), dtype=bool)
        dist = np.full(len(ia), 99, dtype=np.int16)
        if todo.any():
            c = self.ctx.col("dob")
            t = np.flatnonzero(todo)
            # each dob's code with day and month swapped (-1 if no record has that date)
            (swapped,) = self.ctx.per_value("dob", "transposed", _transposed_codes)
            ca, cb = c.codes[ia[t]], c.codes[ib[t]]
            trans[t] = (ca >= 0) & (swapped[np.maximum(ca, 0)] == cb)
            ct = self.ctx.col(text)
            dist[t] = pair_similarity(ct, ct, ia[t], ib[t], Levenshtein.distance, self.ctx.workers).astype(np.int16)
        return self._assign(len(ia), null, [exact, trans, dist <= 1, dist <= 2])


def _filler_dates(values: np.ndarray) -> tuple[np.ndarray]:
    """Per ISO date text: whether it is a known filler for an unknown date ("1900-01-01").

    Only the known fillers: a date the data shows to be shared by implausibly many people is
    taken out of ``dob`` too, but it can still carry a year (historical_50k's "1840-01-01" is
    a year of birth), and its digits stay evidence."""
    known = KNOWN_PLACEHOLDERS["dob"]
    return (np.fromiter((v in known for v in values), dtype=bool, count=len(values)),)


def _years(values: np.ndarray) -> tuple[np.ndarray]:
    """Per ISO date: its year."""
    years = pd.Series(values, dtype=object).astype(str).str[:4]
    return (pd.to_numeric(years, errors="coerce").fillna(-9999).to_numpy(dtype=np.int32),)


#: dates of birth this many years apart or more (and more than a typo apart) are two
#: generations: a parent and a child, never one person
GENERATION_YEARS = 15


class Generations(Comparison):
    """An indicator: the two dates of birth are more than a typo apart (three digits or more,
    not day and month transposed) and at least :data:`GENERATION_YEARS` years apart. A father
    and son with one name and one address ("David Jones", 1955 and 1983) are told apart by it,
    even where a third record without a date of birth joins them.

    It has one level besides missing, so its m and u are both 1 and its weight 0: it adds no
    evidence of its own, it names an outcome for the keep-apart rules and the household vetoes
    (``Settings.keep_apart``, ``Settings.vetoes``; ADR 0022)."""

    labels = ("missing", "generations apart")

    def levels(self, ia, ib):
        c = self.ctx.col(self.spec.column)
        ca, cb = c.codes[ia], c.codes[ib]
        (year,) = self.ctx.per_value(self.spec.column, "year", _years)
        both = (ca >= 0) & (cb >= 0)
        far = both & (np.abs(year[np.maximum(ca, 0)] - year[np.maximum(cb, 0)]) >= GENERATION_YEARS)
        if far.any():  # a one- or two-digit typo can move a year by decades ("1955" / "1985")
            t = np.flatnonzero(far)
            far[t] = pair_similarity(c, c, ia[t], ib[t], Levenshtein.distance, self.ctx.workers) > 2
        return far.astype(np.int8)


def _namesake_records(ctx: CompareContext) -> np.ndarray:
    """Per record: it has no date of birth, and its name (canonical given name and family name)
    at its postcode is held by two people there: records with dates of birth more than a typo
    apart (more than two digits, with day and month either way round), or a record with a suffix ("jr", "sr": the suffix says a namesake exists)."""
    n = len(ctx.frame)
    cols = [ctx.col(k) for k in ("given_canonical", "family_name", "postcode")]
    g, f, p = (c.codes.astype(np.int64) for c in cols)
    ok = (g >= 0) & (f >= 0) & (p >= 0)
    out = np.zeros(n, dtype=bool)
    if not ok.any():
        return out
    # one int64 per (name, postcode): codes are below each column's count of values
    key = np.full(n, -1, dtype=np.int64)
    key[ok] = pd.factorize((g[ok] * (len(cols[1].values) + 1) + f[ok]) * (len(cols[2].values) + 1) + p[ok])[0]
    two = np.zeros(int(key.max()) + 1, dtype=bool)
    if ctx.has_data("suffix"):
        sfx = ctx.col("suffix").codes
        two[np.unique(key[ok & (sfx >= 0)])] = True
    d = ctx.col("dob")
    dated = ok & (d.codes >= 0)
    if dated.any():
        # the distinct (name here, dob) pairs; a name here with two or more dobs is checked
        pair, first = np.unique(key[dated] * (len(d.values) + 1) + d.codes[dated], return_index=True)
        pair = pair[np.lexsort((first, pair // (len(d.values) + 1)))]  # each name's dobs as first seen
        pk, pd_ = pair // (len(d.values) + 1), pair % (len(d.values) + 1)
        starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
        ends = np.r_[starts[1:], len(pk)]
        for s_, e_ in zip(starts.tolist(), ends.tolist(), strict=True):
            if e_ - s_ < 2:
                continue
            k = int(pk[s_])
            texts = d.values[pd_[s_:e_]]
            two[k] = two[k] or any(
                min(Levenshtein.distance(x, y), Levenshtein.distance(x, y[:5] + y[8:10] + "-" + y[5:7])) > 2
                for i, x in enumerate(texts) for y in texts[i + 1 :]
            )
    out[ok] = two[key[ok]] & (d.codes[ok] < 0)
    return out


class Namesakes(Comparison):
    """An indicator: one record of the pair has no date of birth, and two people hold its name
    at its postcode (records of that name there with dates of birth more than a typo apart, or
    one with a "jr" / "sr" suffix). Which of the two the record is, its name and address cannot
    tell: the electoral-register entry "David Jones" at the home of a father and son of that
    name is as much the son's as the father's.

    Like :class:`Generations`, one level besides missing: weight 0; the household vetoes name it
    (``Settings.vetoes``), so the shared address, phone and surname do not carry such a pair
    (ADR 0022)."""

    labels = ("missing", "another person of this name here")

    def levels(self, ia, ib):
        flag = self.ctx.per_record("namesakes", _namesake_records)
        return (flag[ia] | flag[ib]).astype(np.int8)


class Gender(Comparison):
    labels = ("missing", "exact", "else")

    def levels(self, ia, ib):
        null, exact = self._exact(self.spec.column, ia, ib)
        return self._assign(len(ia), null, [exact])


class Exact(Gender):
    """Plain identifiers: NHS/NI number, UPRN, exact extra fields."""


class SourceSystem(Comparison):
    """Whether the two records come from one source system. A system mostly holds one record
    per person (it knows its own residents by its own account numbers), so two of its records
    that share a name and little else are mostly two people, and a record from another system
    is where a person's other records are found. Learned like any comparison: u from random
    pairs (the share of pairs within one system), m by EM. Synth 100k: 2.8 % of true pairs lie
    within one system against 23 % of random pairs (EM: -2.7 bits within, +0.3 across); of the
    candidate pairs scored 0.5-0.95, 9.5 % within one system are one person against 75 %
    across. Needs two systems or more (``build_comparisons`` drops it otherwise)."""

    labels = ("missing", "same source", "other source")

    def levels(self, ia, ib):
        null, same = self._exact(self.spec.column, ia, ib)
        return self._assign(len(ia), null, [same])


class Postcode(Comparison):
    labels = ("missing", "exact", "same sector", "same district", "else")

    def levels(self, ia, ib):
        null, exact = self._exact("postcode", ia, ib)
        _, sector = self._exact("postcode_sector", ia, ib)
        _, district = self._exact("postcode_district", ia, ib)
        return self._assign(len(ia), null, [exact, sector, district])


class Address(Comparison):
    """Where the two records say the person lives, as one comparison: dwelling, house,
    postcode, street, sector, district. One comparison, not separate postcode and address
    ones, because they are the same evidence: counting both would double it."""

    labels = (
        "missing",
        "same dwelling",
        "same house, similar street",
        "same postcode",
        "same street",
        "same sector",
        "same district",
        "else",
    )

    def levels(self, ia, ib):
        knull, key = self._exact("address_key", ia, ib)
        pnull, pc = self._exact("postcode", ia, ib)
        snull, _ = self._exact("street", ia, ib)
        _, house = self._exact("house_number", ia, ib)
        fnull, flat = self._exact("flat", ia, ib)
        _, sector = self._exact("postcode_sector", ia, ib)
        _, district = self._exact("postcode_district", ia, ib)
        null = knull & pnull & snull
        todo = ~snull & ~key
        sim = self._sim("street", ia, ib, JaroWinkler.normalized_similarity, todo)
        same_street = sim >= 0.9
        # the same street must also be in the same postcode district when both have one
        same_street &= district | pnull
        # two different flats in one building are different dwellings: not "same house"
        same_house = house & (flat | fnull) & same_street
        return self._assign(len(ia), null, [key, same_house, pc, same_street, sector, district])


class _Multi(Comparison):
    first: str
    second: str

    #: the full "|"-joined column, for records holding more than two values
    column: str

    def _any_exact(self, ia, ib):
        c1, c2 = self.ctx.col(self.first), self.ctx.col(self.second)
        a1, a2, b1, b2 = c1.codes[ia], c2.codes[ia], c1.codes[ib], c2.codes[ib]
        null = (a1 < 0) | (b1 < 0)
        hit = ((a1 == b1) & (a1 >= 0)) | ((a1 == b2) & (a1 >= 0)) | ((a2 == b1) & (a2 >= 0)) | (
            (a2 == b2) & (a2 >= 0)
        )
        # the first two values cover almost every record; check the rest exactly where needed
        many = self.ctx.many(self.column)
        todo = ~hit & ~null & (many[ia] | many[ib])
        if todo.any():
            hit[todo] = pair_predicate(
                self.ctx.col(self.column), ia[todo], ib[todo],
                lambda xs, ys: [bool(set(x.split("|")) & set(y.split("|"))) for x, y in zip(xs, ys, strict=True)],
            )
        return null, hit & ~null

    def tf_column(self) -> Coded | None:
        return None


class Phone(_Multi):
    labels = ("missing", "exact", "one digit", "else")
    first, second, column = "phone1", "phone2", "phones"

    def levels(self, ia, ib):
        null, exact = self._any_exact(ia, ib)
        todo = ~null & ~exact
        dist = np.full(len(ia), 99.0, dtype=np.float32)
        if todo.any():
            c = self.ctx.col("phone1")
            dist[todo] = pair_similarity(c, c, ia[todo], ib[todo], Levenshtein.distance, self.ctx.workers)
        return self._assign(len(ia), null, [exact, dist <= 1])


def _local_digits(values: np.ndarray) -> tuple[np.ndarray]:
    """Per email: a code for the digits of its local part ("john.smith1984@x" -> "1984")."""
    local = pd.Series(values, dtype=object).astype(str).str.split("@").str[0]
    codes, _ = pd.factorize(local.str.replace(r"\D", "", regex=True))
    return (codes.astype(np.int64),)


class Email(_Multi):
    """Emails. People make their addresses from their names, so two people with one name have
    similar emails ("john.smith12@…", "john.smith845@…"): a similar email is the same person only
    when the account numbers in it agree (a typo in the letters, another domain). Measured on
    the synthetic council at 650k records: of 12,890 pairs with Jaro-Winkler ≥ 0.92 and other
    digits, none was one person."""

    labels = ("missing", "exact", "jw>=0.92", "else")
    first, second, column = "email1", "email2", "emails"

    def levels(self, ia, ib):
        null, exact = self._any_exact(ia, ib)
        todo = ~null & ~exact
        sim = np.zeros(len(ia), dtype=np.float32)
        if todo.any():
            c = self.ctx.col("email1")
            sim[todo] = pair_similarity(
                c, c, ia[todo], ib[todo], JaroWinkler.normalized_similarity, self.ctx.workers
            )
            (digits,) = self.ctx.per_value("email1", "local_digits", _local_digits)
            ca, cb = np.maximum(c.codes[ia], 0), np.maximum(c.codes[ib], 0)
            sim[digits[ca] != digits[cb]] = 0.0
        return self._assign(len(ia), null, [exact, sim >= 0.92])


class Fuzzy(Comparison):
    labels = ("missing", "exact", "jw>=0.90", "jw>=0.75", "else")

    def levels(self, ia, ib):
        null, exact = self._exact(self.spec.column, ia, ib)
        todo = ~null & ~exact
        sim = self._sim(self.spec.column, ia, ib, JaroWinkler.normalized_similarity, todo)
        return self._assign(len(ia), null, [exact, sim >= 0.90, sim >= 0.75])


KINDS: dict[str, type[Comparison]] = {
    "given_name": GivenName,
    "family_name": FamilyName,
    "middle_name": MiddleName,
    "dob": Dob,
    "gender": Gender,
    "postcode": Postcode,
    "address": Address,
    "phone": Phone,
    "email": Email,
    "exact": Exact,
    "fuzzy": Fuzzy,
    "source": SourceSystem,
    "age_gap": Generations,
    "namesake": Namesakes,
}

#: the frame column whose presence makes a comparison worth running
_DATA_COLUMN = {"phone": "phones", "email": "emails", "address": "postcode", "namesake": "given_name"}


def build_comparisons(specs: list[ComparisonSpec], ctx: CompareContext) -> list[Comparison]:
    """Instantiate the comparisons whose data column has at least one value in this frame."""
    out = []
    for spec in specs:
        col = _DATA_COLUMN.get(spec.kind, spec.column)
        if spec.kind == "source":  # evidence only where records come from two systems or more
            if ctx.has_data(col) and len(ctx.col(col).values) >= 2:
                out.append(KINDS[spec.kind](spec, ctx))
        elif ctx.has_data(col) or (spec.kind == "address" and ctx.has_data("address_key")):
            out.append(KINDS[spec.kind](spec, ctx))
    return out


def comparison_levels(
    comps: list[Comparison], ia: np.ndarray, ib: np.ndarray, *, threads: int = 1
) -> np.ndarray:
    """An (n_pairs, n_comparisons) int8 matrix of levels.

    ``threads > 1`` compares parts of a large batch on that many threads (the same levels: each
    pair's levels depend on that pair alone).
    """
    out = np.empty((len(ia), len(comps)), dtype=np.int8)

    def fill(s: int, e: int) -> None:
        for k, c in enumerate(comps):
            out[s:e, k] = c.levels(ia[s:e], ib[s:e])

    if threads <= 1 or len(ia) < 2 * _MIN_THREAD_PAIRS:
        fill(0, len(ia))
    else:
        step = max(_MIN_THREAD_PAIRS, -(-len(ia) // threads))
        for _ in map_chunks(fill, len(ia), step, threads=threads):
            pass
    return out


#: pairs below which a batch is not worth splitting over threads
_MIN_THREAD_PAIRS = 100_000
