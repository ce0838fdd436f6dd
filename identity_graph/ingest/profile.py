"""What a column's values look like: the evidence behind ``idgraph mapping suggest`` and the
advice in a mapping warning (ADR 0030).

A profile is computed from a sample of a column's values with the project's own validators (a
UK postcode is what :func:`~identity_graph.standardise.addresses.normalise_postcode` accepts, an
NHS number what passes its check digit, ...), so a suggestion and the load that follows it agree.
A profile holds shares and shapes ("4-digit numbers"), never a value: it is shown to people and
values are personal data.

>>> p = profile(["4223", "2615", "3070", None])
>>> p.values, p.describe()
(3, '4-digit numbers')
>>> profile(["SW1A 1AA", "ls6 2ab"]).share("uk_postcode")
1.0
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from identity_graph.standardise.addresses import normalise_postcode
from identity_graph.standardise.dates import DATE_FORMATS, parse_dates
from identity_graph.standardise.emails import normalise_emails
from identity_graph.standardise.gender import normalise_gender
from identity_graph.standardise.identifiers import normalise_nhs_number, normalise_ni_number
from identity_graph.standardise.names import SUFFIXES, TITLES
from identity_graph.standardise.phones import normalise_phones

__all__ = ["ColumnProfile", "profile", "KINDS", "postcode_shape"]

#: What a value can look like, each tested with the validator the load itself uses.
KINDS: tuple[str, ...] = (
    "uk_postcode", "date", "nhs_number", "ni_number", "email", "phone", "gender", "title", "suffix",
    "given_name", "name", "full_name", "address", "digits",
)  # fmt: skip
#: formats tried on a column's dates: the ones a load detects by itself, then ones it parses
#: only when the mapping names them (a suggestion then writes them under [formats])
PROFILE_DATE_FORMATS: tuple[str, ...] = DATE_FORMATS + ("%d-%b-%Y", "%d-%b-%y", "%d/%b/%Y", "%m/%d/%Y", "%Y.%m.%d")
#: at most this many distinct values are profiled (the most frequent first)
MAX_DISTINCT = 2000

_TIME_TAIL = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$")
_WORD = re.compile(r"[a-z]+(?:['\-][a-z]+)*")
_NAME_TEXT = re.compile(r"[A-Za-z][A-Za-z'\-. ,]*")
_STREET_WORDS = frozenset(
    ["road", "rd", "street", "st", "lane", "ln", "avenue", "ave", "close", "cl", "drive", "dr", "way", "court", "ct", "crescent", "cres", "place", "pl", "gardens", "gdns", "terrace", "tce", "grove", "gr", "hill", "square", "sq", "park", "walk", "row", "mews", "parade", "rise", "view", "green", "house", "flat", "cottage", "farm", "estate", "circuit", "parkway", "highway", "hwy", "boulevard"]
)
_GENDER_CODES = frozenset({"u", "unknown", "not known", "x", "other", "i", "indeterminate", "n"})
#: postcode shapes of other countries (on upper-case text), for the advice on a postcode column
_FOREIGN_POSTCODES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}"), "4-digit postcodes (Australia, New Zealand, Denmark, ...)"),
    (re.compile(r"\d{5}"), "5-digit postcodes or ZIP codes (United States, Germany, France, ...)"),
    (re.compile(r"\d{5}-\d{4}"), "US ZIP+4 codes"),
    (re.compile(r"\d{4} ?[A-Z]{2}"), "Dutch postcodes"),
    (re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"), "Canadian postcodes"),
    (re.compile(r"[AC-FHKNPRTV-Y]\d{2} ?[0-9AC-FHKNPRTV-Y]{4}"), "Irish Eircodes"),
    (re.compile(r"\d{3}-\d{4}"), "Japanese postcodes"),
    (re.compile(r"\d{2}-\d{3}"), "Polish postcodes"),
)


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    """Given names known to the project: the UK list behind ``name_sex`` and every name in the
    ``nicknames`` package's table."""
    from nicknames import name_triplets

    from identity_graph.standardise.name_sex import own_given_names

    names = set(own_given_names())
    for t in name_triplets():
        names.add(t.name1.strip().lower())
        names.add(t.name2.strip().lower())
    return frozenset(n for n in names if n)


def postcode_shape(values: Iterable[str]) -> str | None:
    """The other country's postcode format most of ``values`` have, described, or ``None``."""
    texts = [re.sub(r"\s+", " ", v.strip().upper()) for v in values if v and v.strip()]
    if not texts:
        return None
    best, share = None, 0.0
    for pattern, label in _FOREIGN_POSTCODES:
        s = sum(1 for t in texts if pattern.fullmatch(t)) / len(texts)
        if s > share:
            best, share = label, s
    return best if share >= 0.6 else None


def _shape(text: str) -> str:
    """"AB12 3CD" -> "AA99 9AA": letters as A, digits as 9, the rest kept (no value leaks)."""
    return re.sub(r"[0-9]", "9", re.sub(r"[^\W\d_]", "A", text))


@dataclass(frozen=True)
class ColumnProfile:
    """The evidence about one column, from a sample of its values (see :func:`profile`)."""

    values: int  # non-empty values profiled (counted with repeats)
    distinct: int
    shares: dict[str, float] = field(default_factory=dict)  # kind -> share of the values
    date_format: str | None = None  # the strptime format most of the dates have
    date_has_time: bool = False  # the dates carry a time of day ("2024-01-02T10:11:12Z")
    date_median_year: int | None = None
    shapes: tuple[tuple[str, float], ...] = ()  # most common shapes first, with their shares
    digit_lengths: tuple[int, ...] = ()  # lengths of all-digit values, when most are digits

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)

    @property
    def unique_share(self) -> float:
        """Distinct values per value: 1.0 when no value repeats."""
        return self.distinct / self.values if self.values else 0.0

    def describe(self) -> str:
        """What most values look like, in words (no value is quoted)."""
        if not self.values:
            return "empty"
        if self.share("date") >= 0.6:
            fmt = self.date_format or "several formats"
            return f"dates ({fmt}{', with times' if self.date_has_time else ''})"
        if self.share("digits") >= 0.6 and self.digit_lengths:
            lo, hi = min(self.digit_lengths), max(self.digit_lengths)
            return f"{lo}-digit numbers" if lo == hi else f"numbers of {lo} to {hi} digits"
        for kind, words in (("email", "email addresses"), ("uk_postcode", "UK postcodes"),
                            ("phone", "phone numbers"), ("nhs_number", "NHS numbers"),
                            ("ni_number", "National Insurance numbers"), ("gender", "gender codes"),
                            ("title", "titles (Mr, Mrs, ...)"), ("full_name", "full names"),
                            ("given_name", "given names"), ("address", "address lines"),
                            ("name", "words (names?)")):
            if self.share(kind) >= 0.6:
                return words
        if self.shapes:
            shape, share = self.shapes[0]
            if share >= 0.5 and len(shape) <= 20:
                return f'values shaped like "{shape}" (A a letter, 9 a digit)'
        return "mixed text"


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _name_kinds(text: str, given: frozenset[str]) -> tuple[bool, bool, bool]:
    """(a name: words only; a known given name; a full name: two or more words with a given name)."""
    if not _NAME_TEXT.fullmatch(text.strip()):
        return False, False, False
    tokens = [t for t in _tokens(text) if t not in TITLES]
    if not tokens or len(tokens) > 5:
        return False, False, False
    is_given = tokens[0] in given and len(tokens) <= 2
    if "," in text:  # "SMITH, John"
        after = _tokens(text.split(",", 1)[1])
        full = bool(after) and after[0] in given and len(tokens) >= 2
    else:
        full = len(tokens) >= 2 and (tokens[0] in given or tokens[-1] in given)
    return len(tokens) <= 3, is_given, full


def _is_address(text: str) -> bool:
    tokens = _tokens(text)
    if len(tokens) < 1:
        return False
    has_digit = any(c.isdigit() for c in text)
    return (any(t in _STREET_WORDS for t in tokens) and len(tokens) >= 2) or (
        has_digit and len(tokens) >= 2 and bool(re.match(r"^\s*(?:flat\s+)?\d+[a-z]?\b", text, re.I))
    )


def _dates(texts: pd.Series, weights: pd.Series) -> tuple[float, str | None, bool, int | None]:
    """(share of values that are dates in the best format, that format, times?, median year)."""
    has_time = texts.str.contains(_TIME_TAIL, regex=True)
    bare = texts.str.replace(_TIME_TAIL, "", regex=True).str.strip()
    total = float(weights.sum())
    best: tuple[float, str | None, pd.Series | None] = (0.0, None, None)
    for fmt in PROFILE_DATE_FORMATS:
        parsed = parse_dates(bare, fmt, earliest="1000-01-01", latest="2999-12-31")["value"]
        share = float(weights[parsed.notna()].sum()) / total
        if share > best[0]:
            best = (share, fmt, parsed)
    share, fmt, parsed = best
    if parsed is None:
        return 0.0, None, False, None
    ok = parsed.notna()
    years = parsed[ok].str[:4].astype(int).repeat(weights[ok].to_numpy())
    median = int(years.median()) if len(years) else None
    times = float(weights[ok & has_time].sum()) / max(float(weights[ok].sum()), 1.0) > 0.5
    return share, fmt, times, median


def profile(values: Iterable[Any], *, region: str = "GB") -> ColumnProfile:
    """Profile a column from its values (``None`` and blanks are skipped).

    Each kind's share is the share of the non-empty values the project's validator for it
    accepts; the shares of different kinds overlap (a 10-digit NHS number is also digits).
    """
    counts = Counter(str(v).strip() for v in values if v is not None and str(v).strip())
    n = sum(counts.values())
    if not n:
        return ColumnProfile(values=0, distinct=0)
    common = counts.most_common(MAX_DISTINCT)
    texts = pd.Series([t for t, _ in common], dtype=object)
    weights = pd.Series([c for _, c in common], dtype="int64")
    total = float(weights.sum())

    def share(mask: Any) -> float:
        return float(weights[pd.Series(mask, dtype=bool).to_numpy()].sum()) / total

    given = _given_names()
    name_flags = [_name_kinds(t, given) for t in texts]
    lowered = texts.str.lower().str.rstrip(".")
    digits = texts.str.fullmatch(r"\d+")
    shares = {
        "uk_postcode": share([normalise_postcode(t)[1] for t in texts]),
        "nhs_number": share(normalise_nhs_number(texts)["value"].notna()),
        "ni_number": share(normalise_ni_number(texts)["value"].notna()),
        "email": share(texts.str.contains("@", regex=False) & normalise_emails(texts)["value"].notna()),
        "phone": share(texts.str.contains(r"\d", regex=True) & normalise_phones(texts, region)["value"].notna()),
        "gender": share(normalise_gender(texts).notna() | lowered.isin(_GENDER_CODES)),
        "title": share(lowered.isin(TITLES)),
        "suffix": share(lowered.isin(SUFFIXES)),
        "name": share([f[0] for f in name_flags]),
        "given_name": share([f[1] for f in name_flags]),
        "full_name": share([f[2] for f in name_flags]),
        "address": share([_is_address(t) for t in texts]),
        "digits": share(digits),
    }
    date_share, fmt, has_time, median = _dates(texts, weights)
    shares["date"] = date_share
    shape_counts: Counter[str] = Counter()
    for t, c in common:
        shape_counts[_shape(t)] += c
    shapes = tuple((s, c / total) for s, c in shape_counts.most_common(3))
    lengths = tuple(sorted({len(t) for t in texts[digits]})) if shares["digits"] >= 0.6 else ()
    return ColumnProfile(
        values=n,
        distinct=len(counts),
        shares=shares,
        date_format=fmt if date_share > 0 else None,
        date_has_time=has_time,
        date_median_year=median,
        shapes=shapes,
        digit_lengths=lengths,
    )
