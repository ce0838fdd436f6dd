"""Postal addresses: one normalised line, parts (flat, number, street, town) and postcode.

UK addresses are parsed with rules (comma-separated parts, abbreviations expanded, postcode
validated against the official UK format); US-style addresses (ending in a state code and a
ZIP) go through ``usaddress``. Anything else still yields a normalised ``address`` line.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import usaddress

from identity_graph.standardise._util import combine_keys, is_missing, map_unique_frame, to_ascii

__all__ = ["ADDRESS_COLUMNS", "UK_POSTCODE", "normalise_postcode", "parse_addresses"]

ADDRESS_COLUMNS: tuple[str, ...] = (
    "address", "flat", "house_number", "street", "town", "postcode", "postcode_valid",
    "postcode_sector", "postcode_district", "postcode_area", "address_key",
)  # fmt: skip

#: The UK postcode format (with GIR 0AA), on upper-case text with one space before the inward code.
UK_POSTCODE = re.compile(
    r"^(GIR 0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2})$"
)
_POSTCODE_IN_TEXT = re.compile(
    r"(?:^|[\s,])(gir\s*0aa|[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2})\s*$", re.IGNORECASE
)
_US_TAIL = re.compile(r"[\s,]([a-z]{2})\s+(\d{5})(?:-\d{4})?\s*$")
_US_STATES = frozenset(
    [
        "al",
        "ak",
        "az",
        "ar",
        "ca",
        "co",
        "ct",
        "de",
        "dc",
        "fl",
        "ga",
        "hi",
        "id",
        "il",
        "in",
        "ia",
        "ks",
        "ky",
        "la",
        "me",
        "md",
        "ma",
        "mi",
        "mn",
        "ms",
        "mo",
        "mt",
        "ne",
        "nv",
        "nh",
        "nj",
        "nm",
        "ny",
        "nc",
        "nd",
        "oh",
        "ok",
        "or",
        "pa",
        "pr",
        "ri",
        "sc",
        "sd",
        "tn",
        "tx",
        "ut",
        "vt",
        "va",
        "wa",
        "wv",
        "wi",
        "wy",
    ]
)

_ABBREVIATIONS = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "dr": "drive", "cres": "crescent", "cresc": "crescent", "ct": "court", "crt": "court",
    "pl": "place", "sq": "square", "gdns": "gardens", "gdn": "gardens", "cl": "close",
    "tce": "terrace", "terr": "terrace", "hse": "house", "apt": "flat", "flt": "flat",
    "apartment": "flat", "blvd": "boulevard", "pde": "parade", "wy": "way", "gr": "grove",
    "gro": "grove", "mt": "mount", "pk": "park", "est": "estate", "bldgs": "buildings",
    "ho": "house", "nr": "near", "hwy": "highway",
}  # fmt: skip
_STREET_TYPES = frozenset(
    [
        "road",
        "street",
        "avenue",
        "lane",
        "drive",
        "crescent",
        "court",
        "place",
        "square",
        "gardens",
        "close",
        "terrace",
        "way",
        "grove",
        "walk",
        "mews",
        "row",
        "hill",
        "rise",
        "view",
        "green",
        "park",
        "parade",
        "boulevard",
        "highway",
        "wharf",
        "yard",
        "mount",
        "vale",
        "crossway",
        "approach",
        "gate",
        "broadway",
        "circus",
        "quay",
        "wynd",
    ]
)
_FLAT = re.compile(r"\b(?:flat|unit|room|suite|maisonette)\s*(?:no\s*)?([0-9]+[a-z]?|[a-z])\b")
_SLASH_FLAT = re.compile(r"^([0-9]+[a-z]?)\s*/\s*([0-9]+[a-z]?)\b\s*")
_NUMBER = re.compile(r"^([0-9]+[a-z]?(?:\s*-\s*[0-9]+[a-z]?)?)\b\s*(.*)$")
_NON_WORD = re.compile(r"[^a-z0-9,/\- ]+")
_SPACES = re.compile(r"\s+")
# compiled once: these run for every distinct address (re.sub with a pattern string pays a cache lookup)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_LINE_BREAKS = re.compile(r"[\n\r;]+")
_SPACED_HYPHEN = re.compile(r"\s*-\s*")
_SPACED_SLASH = re.compile(r"\s*/\s*")
_LOOSE_HYPHEN_OR_SLASH = re.compile(r"(?<![0-9a-z])[-/]+|[-/]+(?![0-9a-z])")
_LETTERS = re.compile(r"[A-Z]+")


def normalise_postcode(value: Any) -> tuple[str | None, bool]:
    """("sw1a1aa") -> ("SW1A 1AA", True); invalid or empty -> (None, False)."""
    if is_missing(value):
        return None, False
    compact = _NOT_ALNUM.sub("", str(value)).upper()
    if len(compact) < 5:
        return None, False
    candidate = f"{compact[:-3]} {compact[-3:]}"
    if UK_POSTCODE.match(candidate):
        return candidate, True
    return None, False


#: most address lines: ASCII letters and digits, words parted by one space, a comma or ", ";
#: the folding below changes nothing in them but the case, so they skip its seven substitutions
_PLAIN_LINE = re.compile(r"[A-Za-z0-9]+(?:(?:, |,| )[A-Za-z0-9]+)*")


def _clean(text: str) -> str:
    if _PLAIN_LINE.fullmatch(text):
        return text.lower()
    text = to_ascii(text).lower()
    text = _LINE_BREAKS.sub(",", text)
    text = text.replace("'", "").replace("\u2019", "")
    text = _NON_WORD.sub(" ", text)
    text = _SPACED_HYPHEN.sub("-", text)
    text = _SPACED_SLASH.sub("/", text)
    text = _LOOSE_HYPHEN_OR_SLASH.sub(" ", text)
    return _SPACES.sub(" ", text).strip(" ,")


def _expand(part: str) -> str:
    words = part.split(" ")
    out = []
    for i, w in enumerate(words):
        if w == "st" and i + 1 < len(words) and words[i + 1] and words[i + 1][0].isalpha():
            out.append("saint")  # "st johns road"
        else:
            out.append(_ABBREVIATIONS.get(w, w))
    return " ".join(out)


def _postcode_parts(pc: str | None) -> tuple[str | None, str | None, str | None]:
    if pc is None or pc == "GIR 0AA":
        return (pc[:-2] if pc else None), ("GIR" if pc else None), ("GIR" if pc else None)
    outward, inward = pc.split(" ")
    area = _LETTERS.match(outward)
    return f"{outward} {inward[0]}", outward, area.group(0) if area else None


def _key(flat: str | None, house: str | None, street: str | None, pc: str | None) -> str | None:
    if not street and not house:
        return None
    return "|".join(x or "" for x in (flat, house, street, pc))


def _result(
    line: str | None,
    flat: str | None,
    house_number: str | None,
    house_name: str | None,
    street: str | None,
    town: str | None,
    postcode: str | None,
    valid: bool,
) -> tuple[Any, ...]:
    sector, district, area = _postcode_parts(postcode if valid else None)
    key = _key(flat, house_number or house_name, street, postcode)
    return (
        line or None, flat, house_number, street, town, postcode, valid, sector, district, area,
        key,
    )  # fmt: skip


def _parse_us(original: str, zip_code: str) -> tuple[Any, ...] | None:
    try:
        tagged, _ = usaddress.tag(original)
    except usaddress.RepeatedLabelError:
        return None

    def get(*labels: str) -> str | None:
        words = [_clean(tagged[k]) for k in labels if tagged.get(k)]
        text = " ".join(w for w in words if w)
        return text or None

    number = get("AddressNumber")
    street_words = get(
        "StreetNamePreDirectional", "StreetNamePreType", "StreetName", "StreetNamePostType",
        "StreetNamePostDirectional",
    )  # fmt: skip
    street = _expand(street_words) if street_words else None
    flat = get("OccupancyIdentifier")
    town = get("PlaceName")
    state = get("StateName")
    first = " ".join(x for x in (number, street) if x)
    parts = [p for p in (f"flat {flat}" if flat else None, first, town, state) if p]
    return _result(", ".join(parts), flat, number, None, street, town, zip_code, False)


def _parse_one(key: tuple[Any, Any]) -> tuple[Any, ...]:
    address_raw, postcode_raw = key
    text = "" if is_missing(address_raw) else _clean(str(address_raw))

    given_pc = None if is_missing(postcode_raw) else str(postcode_raw).strip()
    postcode, valid = normalise_postcode(given_pc) if given_pc else (None, False)
    m = _POSTCODE_IN_TEXT.search(text)
    if m:
        in_text, in_text_valid = normalise_postcode(m.group(1))
        if in_text_valid:
            text = text[: m.start(1)].strip(" ,")
            if not given_pc:
                postcode, valid = in_text, True

    us = _US_TAIL.search(text)
    if us and us.group(1) in _US_STATES and not given_pc:
        parsed = _parse_us(str(address_raw), us.group(2))
        if parsed is not None:
            return parsed

    parts = [_expand(p.strip()) for p in text.split(",")]
    parts = [p for p in parts if p]
    flat = house_number = house_name = street = None
    street_idx = None
    # flat: "flat 3", "apartment 3b", "3/12 high street"
    work = list(parts)
    for i, p in enumerate(parts):
        fm = _FLAT.search(p)
        sm = None if fm else _SLASH_FLAT.match(p)
        if fm:
            flat = fm.group(1)
            work[i] = _SPACES.sub(" ", p[: fm.start()] + " " + p[fm.end() :]).strip()
        elif sm:
            flat = sm.group(1)
            work[i] = f"{sm.group(2)} {p[sm.end() :]}".strip()
        if flat is not None:
            break
    # house number and street
    for j, p in enumerate(work):
        nm = _NUMBER.match(p)
        if nm:
            house_number = nm.group(1).replace(" ", "")
            if nm.group(2):
                street, street_idx = nm.group(2), j
            elif j + 1 < len(work):
                street, street_idx = work[j + 1], j + 1
            break
    if street is None:
        for j, p in enumerate(work):
            if p and p.split(" ")[-1] in _STREET_TYPES:
                street, street_idx = p, j
                break
    named = [j for j, p in enumerate(work) if p and not p[0].isdigit()]
    if house_number is None and named:
        first = named[0]
        if (street_idx is None and len(named) >= 2) or (
            street_idx is not None and first < street_idx
        ):
            house_name = work[first]
        if street is None and len(named) >= 3:
            street, street_idx = work[named[1]], named[1]
    town = None
    nonempty = [j for j, p in enumerate(work) if p]
    if len(nonempty) > 1:
        last = nonempty[-1]
        if last != street_idx and work[last] != house_name and not _NUMBER.match(work[last]):
            town = work[last]
    line = ", ".join(parts)
    return _result(line, flat, house_number, house_name, street, town, postcode, valid)


def parse_addresses(address: pd.Series, postcode: pd.Series | None = None) -> pd.DataFrame:
    """Parse a column of addresses (and optionally a postcode column) into address parts.

    Parameters
    ----------
    address : pandas.Series
        Free-text addresses, one per row (parts usually comma-separated).
    postcode : pandas.Series, optional
        Postcodes. When missing or empty for a row, a postcode at the end of the address text
        is used instead; a postcode in the text is always removed from ``address``.

    Returns
    -------
    pandas.DataFrame
        Columns ``address, flat, house_number, street, town, postcode, postcode_valid,
        postcode_sector, postcode_district, postcode_area, address_key`` with the same index as
        ``address``. ``address_key`` is "{flat}|{house number or name}|{street}|{postcode}" or
        ``None`` when neither a street nor a house number/name is known. For US addresses the
        ZIP is the postcode and ``postcode_valid`` is False.

    Examples
    --------
    >>> r = parse_addresses(pd.Series(["Flat 3, 12 High St, London SW1A 1AA"])).iloc[0]
    >>> r["address"], r["address_key"], r["town"], r["postcode_sector"]
    ('flat 3, 12 high street, london', '3|12|high street|SW1A 1AA', 'london', 'SW1A 1')
    """
    keys = combine_keys(address, postcode)
    missing = (None, None, None, None, None, None, False, None, None, None, None)
    return map_unique_frame(keys, _parse_one, ADDRESS_COLUMNS, missing=missing)
