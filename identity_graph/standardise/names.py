"""Person names: normalise, split full names into parts, detect given/family swaps.

Every function works on whole columns: it computes on the distinct values and maps the result
back onto the original index. Missing or placeholder names come out as ``None``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from identity_graph.standardise._util import (
    is_missing,
    map_unique,
    map_unique_frame,
    to_ascii,
)

__all__ = [
    "NAME_PART_COLUMNS",
    "normalise_name",
    "parse_full_name",
    "split_name_parts",
    "name_swapped",
]

#: Columns returned by :func:`parse_full_name` and :func:`split_name_parts`, in order.
NAME_PART_COLUMNS: tuple[str, ...] = (
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "suffix",
)

PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {"unknown", "n/a", "na", "n a", "-", "?", "xxx", "not known", "tba", "none", "null", "nk"}
)

#: Title spellings (after normalisation) and the canonical title they mean.
TITLES: dict[str, str] = {
    "mr": "mr", "mister": "mr", "mrs": "mrs", "ms": "ms", "miss": "miss", "mx": "mx",
    "dr": "dr", "doctor": "dr", "rev": "rev", "revd": "rev", "reverend": "rev",
    "prof": "prof", "professor": "prof", "sir": "sir", "lady": "lady", "lord": "lord",
    "dame": "dame", "master": "master", "mstr": "master",
}  # fmt: skip

#: Suffix spellings and the canonical suffix they mean.
SUFFIXES: dict[str, str] = {
    "jr": "jr", "jnr": "jr", "junior": "jr", "sr": "sr", "snr": "sr", "senior": "sr",
    "ii": "ii", "iii": "iii", "iv": "iv",
}  # fmt: skip

#: Lower-case particles that belong to the family name ("van der Berg", "de la Cruz").
PARTICLES: frozenset[str] = frozenset(
    {
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "di",
        "le",
        "la",
        "du",
        "del",
        "st",
        "bin",
        "al",
        "ter",
    }
)

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4\u02bc]")
_HYPHEN = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014]+\s*")
_PUNCT_KEEP_CASE = re.compile(r"[^A-Za-z0-9\-,\s]")
_PUNCT = re.compile(r"[^a-z0-9\-\s]")
_SPACES = re.compile(r"\s+")
_MC = re.compile(r"\b(ma?c)\s+(?=[a-z])", re.IGNORECASE)
_EDGE_HYPHENS = re.compile(r"(^|\s)-+|-+(\s|$)")


#: most names: ASCII words of letters, single spaces; none of the folding below changes them
#: except lower-casing and joining "mc donald" (checked for), so they skip six substitutions
_PLAIN_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def _clean(text: str, keep_case: bool) -> str:
    """Shared folding: ASCII, apostrophes out, hyphens tidied, punctuation to spaces."""
    if _PLAIN_WORDS.fullmatch(text) and (" " not in text or not _MC.search(text)):
        return text if keep_case else text.lower()
    text = to_ascii(text)
    if not keep_case:
        text = text.lower()
    text = _APOSTROPHES.sub("", text)
    text = _HYPHEN.sub("-", text)
    text = (_PUNCT_KEEP_CASE if keep_case else _PUNCT).sub(" ", text)
    text = _MC.sub(r"\1", text)
    text = _EDGE_HYPHENS.sub(r"\1\2", text)
    return _SPACES.sub(" ", text).strip(" -")


def _normalise_one(value: Any) -> str | None:
    if is_missing(value):
        return None
    raw = str(value).strip().lower()
    if not raw or raw in PLACEHOLDER_NAMES:
        return None
    text = _clean(raw, keep_case=False)
    if not text or text in PLACEHOLDER_NAMES:
        return None
    return text


def normalise_name(s: pd.Series) -> pd.Series:
    """Normalise a column of names to lower-case ASCII with punctuation folded.

    Accents are stripped, apostrophes removed, "Mc Donald"/"Mac Donald" joined, hyphens kept as
    a single "-", other punctuation turned into spaces and whitespace collapsed. Empty values
    and placeholders such as "unknown", "n/a" or "tba" become ``None``.

    Parameters
    ----------
    s : pandas.Series
        Raw names (any dtype; non-strings are converted with ``str``).

    Returns
    -------
    pandas.Series
        Object dtype, same index, ``str`` or ``None``.

    Examples
    --------
    >>> normalise_name(pd.Series(["O'Brien", "Smith - Jones", "José", "n/a"])).tolist()
    ['obrien', 'smith-jones', 'jose', None]
    """
    return map_unique(s, _normalise_one)


# ---------------------------------------------------------------------------- full names

Parts = tuple[str | None, str | None, str | None, str | None, str | None]
_EMPTY: Parts = (None, None, None, None, None)


def _lower_token(token: str) -> str:
    return token.lower().strip("-")


def _is_caps(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and token.isupper()


def _take_titles(tokens: list[str]) -> tuple[str | None, list[str]]:
    title = None
    while tokens and tokens[0].lower() in TITLES:
        title = title or TITLES[tokens[0].lower()]
        tokens = tokens[1:]
    return title, tokens


def _take_suffix(tokens: list[str]) -> tuple[str | None, list[str]]:
    suffix = None
    while len(tokens) > 1 and tokens[-1].lower() in SUFFIXES:
        suffix = suffix or SUFFIXES[tokens[-1].lower()]
        tokens = tokens[:-1]
    return suffix, tokens


def _join(tokens: list[str]) -> str | None:
    words = [w for w in (_lower_token(t) for t in tokens) if w]
    joined = " ".join(words)
    return joined if joined and joined not in PLACEHOLDER_NAMES else None


def _given_side(tokens: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """Split "Mr John Paul Jr" into (title, given, middle, suffix)."""
    title, tokens = _take_titles(tokens)
    suffix, tokens = _take_suffix(tokens)
    if not tokens:
        return title, None, None, suffix
    return title, _join(tokens[:1]), _join(tokens[1:]), suffix


def _family_start(tokens: list[str]) -> int:
    """Index where the family name starts in given-first order (particles join it)."""
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].lower() in PARTICLES:
        start -= 1
    return start


def _parse_full_one(value: Any) -> Parts:
    if is_missing(value):
        return _EMPTY
    raw = str(value).strip()
    if not raw or raw.lower() in PLACEHOLDER_NAMES:
        return _EMPTY
    text = _clean(raw, keep_case=True)
    if not text.replace(",", "").strip() or text.lower() in PLACEHOLDER_NAMES:
        return _EMPTY

    # "John Smith, Jr": a trailing comma part that is only a suffix
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if p]
    suffix = None
    if len(parts) > 1 and parts[-1].lower() in SUFFIXES:
        suffix = SUFFIXES[parts[-1].lower()]
        parts = parts[:-1]
    if not parts:
        return _EMPTY

    if len(parts) > 1:
        # "SMITH, John Paul" / "de la Cruz, Maria" / "Mr SMITH, John"
        family_tokens = parts[0].split()
        title, family_tokens = _take_titles(family_tokens)
        fam_suffix, family_tokens = _take_suffix(family_tokens)
        given_tokens = " ".join(parts[1:]).split()
        g_title, given, middle, g_suffix = _given_side(given_tokens)
        return (
            title or g_title,
            given,
            middle,
            _join(family_tokens),
            suffix or fam_suffix or g_suffix,
        )

    tokens = parts[0].split()
    title, tokens = _take_titles(tokens)
    tail_suffix, tokens = _take_suffix(tokens)
    suffix = suffix or tail_suffix
    if not tokens:
        return title, None, None, None, suffix
    if len(tokens) == 1:
        return title, None, None, _join(tokens), suffix

    # "SMITH John", "DE LA CRUZ Maria", "SMITH J": a leading all-caps run, then no more caps words
    caps_run = 0
    while caps_run < len(tokens) and _is_caps(tokens[caps_run]):
        caps_run += 1
    rest = tokens[caps_run:]
    if 0 < caps_run < len(tokens) and not any(_is_caps(t) for t in rest):
        g_title, given, middle, g_suffix = _given_side(rest)
        return title or g_title, given, middle, _join(tokens[:caps_run]), suffix or g_suffix

    start = _family_start(tokens)
    return title, _join(tokens[:1]), _join(tokens[1:start]), _join(tokens[start:]), suffix


def parse_full_name(s: pd.Series) -> pd.DataFrame:
    """Split a column of full names into title, given, middle, family and suffix.

    Handles "SMITH, John Paul" (family first, comma), "SMITH John" (an all-caps word followed by
    mixed- or lower-case words), "Mr John P. Smith Jr", initials ("J Smith"), hyphenated and
    apostrophe names, and family-name particles ("Ann van der Berg", "de la Cruz, Maria").
    A single word is taken as the family name. Every part is normalised as by
    :func:`normalise_name`.

    Parameters
    ----------
    s : pandas.Series
        Raw full names.

    Returns
    -------
    pandas.DataFrame
        Columns ``title, given_name, middle_names, family_name, suffix`` (object dtype,
        ``str`` or ``None``), same index as ``s``.

    Examples
    --------
    >>> parse_full_name(pd.Series(["SMITH, John Paul"])).iloc[0].tolist()
    [None, 'john', 'paul', 'smith', None]
    """
    return map_unique_frame(s, _parse_full_one, NAME_PART_COLUMNS)


def _given_field_one(value: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """A given-name field alone: (title, given, middle, suffix)."""
    if is_missing(value) or _normalise_one(value) is None:
        return None, None, None, None
    return _given_side(_clean(str(value), True).split())


def _family_field_one(value: Any) -> tuple[str | None, str | None]:
    """A family-name field alone: (family, suffix)."""
    if is_missing(value) or _normalise_one(value) is None:
        return None, None
    f_suffix, f_tokens = _take_suffix(_clean(str(value), True).split())
    return _join(f_tokens), f_suffix


def _title_field_one(value: Any) -> str | None:
    t = _normalise_one(str(value)) if not is_missing(value) else None
    return TITLES.get(t, t) if t else None


def _first(*cols: pd.Series) -> pd.Series:
    """Elementwise first non-missing value of the columns."""
    out = cols[0]
    for c in cols[1:]:
        out = out.where(out.notna(), c)
    return out.astype(object).where(out.notna(), None)


def split_name_parts(
    given: pd.Series,
    family: pd.Series,
    middle: pd.Series | None = None,
    title: pd.Series | None = None,
) -> pd.DataFrame:
    """Tidy separately supplied name fields into the five name-part columns.

    A given field holding several words ("John Paul") keeps the first as the given name and
    prepends the rest to the middle names; a title inside it ("Mr John") is extracted (the
    ``title`` column wins when present); a suffix at the end of the family field ("Smith Jr")
    is extracted.

    Parameters
    ----------
    given, family : pandas.Series
        Raw given and family names, aligned on the same index.
    middle, title : pandas.Series, optional
        Raw middle names and titles.

    Returns
    -------
    pandas.DataFrame
        Columns ``title, given_name, middle_names, family_name, suffix``, same index as ``given``.

    Examples
    --------
    >>> split_name_parts(pd.Series(["Mr John Paul"]), pd.Series(["Smith Jr"])).iloc[0].tolist()
    ['mr', 'john', 'paul', 'smith', 'jr']
    """
    # each field on its own distinct values (a few thousand given names, not one call per
    # distinct combination of four fields), then combined column-wise
    g = map_unique_frame(given, _given_field_one, ("title", "given", "middle", "suffix"))
    f = map_unique_frame(family, _family_field_one, ("family", "suffix"))
    none = pd.Series([None] * len(given), index=given.index, dtype=object)
    t = map_unique(title, _title_field_one) if title is not None else none
    extra = map_unique(middle, _normalise_one) if middle is not None else none
    mid = g["middle"].where(extra.isna(), g["middle"].fillna("").astype(str) + " " + extra.fillna("").astype(str))
    mid = mid.where(g["middle"].notna() | extra.isna(), extra).astype(object)
    return pd.DataFrame(
        {
            "title": _first(t, g["title"]),
            "given_name": g["given"],
            "middle_names": mid.where(mid.notna(), None),
            "family_name": f["family"],
            "suffix": _first(f["suffix"], g["suffix"]),
        },
        index=given.index,
    )[list(NAME_PART_COLUMNS)]


def _as_object_array(x: Any) -> np.ndarray:
    s = pd.Series(np.asarray(x, dtype=object) if not isinstance(x, pd.Series) else x.to_numpy())
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def name_swapped(given_a: Any, family_a: Any, given_b: Any, family_b: Any) -> np.ndarray:
    """Elementwise: record A's given name is B's family name and vice versa.

    Parameters
    ----------
    given_a, family_a, given_b, family_b : array-like of str or None
        Normalised names, all the same length.

    Returns
    -------
    numpy.ndarray of bool
        True where both swaps hold and all four values are present.

    Examples
    --------
    >>> name_swapped(["john"], ["smith"], ["smith"], ["john"]).tolist()
    [True]
    """
    ga, fa, gb, fb = (_as_object_array(x) for x in (given_a, family_a, given_b, family_b))
    present = pd.notna(ga) & pd.notna(fa) & pd.notna(gb) & pd.notna(fb)
    with np.errstate(all="ignore"):
        result = present & (ga == fb) & (fa == gb)
    return np.asarray(result, dtype=bool)
