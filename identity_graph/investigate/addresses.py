"""Find a dwelling from address text as people type it: "14 Hyde Park Road", "LS61AB",
"flat 2, 14 hyde park rd, ls6 1ab", or the internal key "|14|hyde park road|LS6 1AB".

The text is standardised by the project's own address and postcode standardisers (the same ones
the records went through), then matched against the stored address history:

- a key (text holding ``|``): that key exactly;
- a postcode alone (any case, with or without its space): every address in it;
- a postcode and more: the addresses in that postcode whose house (and flat, when given) agree
  and whose street is alike (Jaro-Winkler ≥ ``STREET_SIMILARITY``);
- a house and street without a postcode: every address key holding that house and street; when
  none does exactly (a typo: "14 hyde prak road"), the dwellings of that house number (or, with
  no number, on streets holding one of the street's less common words), ranked by street
  similarity.

Scores are 1.0 for an exact key, postcode or street, else the street's similarity.
"""

from __future__ import annotations

from typing import TypedDict

import pandas as pd
from rapidfuzz.distance import JaroWinkler

from ..standardise.addresses import normalise_postcode, parse_addresses
from ..store.contract import Store

__all__ = ["AddressQuery", "AddressMatch", "parse_address_query", "address_rows", "find_addresses",
           "STREET_SIMILARITY"]

#: street similarity (Jaro-Winkler) at or above which two streets are taken as one
STREET_SIMILARITY = 0.88
#: words too common to look a street up by ("road" would fetch half the index)
_STREET_WORDS = frozenset({"road", "street", "avenue", "lane", "close", "drive", "place", "terrace", "court",
                           "crescent", "gardens", "grove", "park", "view", "walk", "mount", "square", "green"})


class AddressQuery(TypedDict):
    """The parts of typed address text, standardised like the records': ``key`` (text given as
    an internal key), ``flat``, ``house`` (number or name), ``street``, ``postcode`` ("LS6 1AB")."""

    key: str | None
    flat: str | None
    house: str | None
    street: str | None
    postcode: str | None


class AddressMatch(TypedDict):
    """One dwelling found: its ``address_key``, readable ``address`` and ``postcode``, ``score``
    (0-1), and how many distinct ``people`` lived there (``current``: of whom it is the current
    address)."""

    address_key: str
    address: str | None
    postcode: str | None
    score: float
    people: int
    current: int


def parse_address_query(text: str) -> AddressQuery:
    """Standardise typed address text into its parts (nothing is looked up)."""
    t = text.strip()
    empty: AddressQuery = {"key": None, "flat": None, "house": None, "street": None, "postcode": None}
    if not t:
        return empty
    if "|" in t:
        return empty | {"key": t}
    pc, ok = normalise_postcode(t)
    if ok:
        return empty | {"postcode": pc}
    row = parse_addresses(pd.Series([t], dtype=object)).iloc[0]

    def get(col: str) -> str | None:
        v = row[col]
        return None if v is None or (isinstance(v, float) and v != v) or v == "" else str(v)

    key = get("address_key")
    parts = key.split("|") if key else ["", "", "", ""]
    return {
        "key": None,
        "flat": get("flat"),
        "house": parts[1] or get("house_number"),
        "street": get("street") or (parts[2] or None),
        "postcode": get("postcode") if bool(row["postcode_valid"]) else None,
    }


def _score(key: str, q: AddressQuery) -> float:
    """How well a stored key fits the query's flat, house and street (0: it does not)."""
    flat, house, street, _ = (key.split("|") + ["", "", "", ""])[:4]
    if q["house"] and house != q["house"]:
        return 0.0
    if q["flat"] and flat != q["flat"]:
        return 0.0
    if not q["street"]:
        return 1.0
    sim = 1.0 if street == q["street"] else float(JaroWinkler.normalized_similarity(street, q["street"]))
    return sim if sim >= STREET_SIMILARITY else 0.0


def address_rows(store: Store, text: str) -> pd.DataFrame:
    """The address history rows of every dwelling the text finds, with a ``match`` score column,
    best match first (then by address key, first seen and person)."""
    q = parse_address_query(text)
    cols = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "is_current"]
    if q["key"]:
        rows = store.residents(q["key"])
        rows = rows[rows["address_key"] == q["key"]]
    elif q["postcode"]:
        rows = store.residents(q["postcode"])
        rows = rows[rows["postcode"] == q["postcode"]]
    elif q["street"]:
        needle = "|".join([q["house"] or "", q["street"], ""]) if q["house"] else f"|{q['street']}|"
        rows = store.residents_matching(needle)
        if rows.empty:  # a typo in the street: every dwelling of that house number, or on a
            # street holding one of its words, ranked by street similarity below
            if q["house"]:
                rows = store.residents_matching(f"|{q['house']}|")
            else:
                words = [w for w in q["street"].split() if len(w) >= 4 and w not in _STREET_WORDS]
                rows = pd.concat([store.residents_matching(w) for w in words] or [rows], ignore_index=True)
                rows = rows.drop_duplicates(["person_id", "address_key", "first_seen", "last_seen"])
    else:
        rows = pd.DataFrame(columns=cols)
    rows = rows.reset_index(drop=True)
    if q["key"] or rows.empty:
        score = pd.Series(1.0, index=rows.index, dtype=float)
    else:
        scores = {k: _score(k, q) for k in rows["address_key"].dropna().unique()}
        score = rows["address_key"].map(lambda k: scores.get(k, 0.0)).astype(float)
    out = rows.assign(match=score.round(4))
    out = out[out["match"] > 0]
    out = out.assign(_fs=out["first_seen"].fillna("")).sort_values(
        ["match", "address_key", "_fs", "person_id"], ascending=[False, True, True, True], kind="stable"
    )
    return out.drop(columns="_fs").reset_index(drop=True)


def find_addresses(store: Store, text: str, limit: int = 20) -> list[AddressMatch]:
    """The dwellings typed address text finds, best first (then by key), at most ``limit``."""
    rows = address_rows(store, text)
    out: list[AddressMatch] = []
    for key, grp in rows.groupby("address_key", sort=False):
        first = grp.iloc[0]
        out.append({
            "address_key": str(key),
            "address": None if first["address"] is None else str(first["address"]),
            "postcode": None if first["postcode"] is None else str(first["postcode"]),
            "score": float(first["match"]),
            "people": int(grp["person_id"].nunique()),
            "current": int(grp.loc[grp["is_current"].astype(bool), "person_id"].nunique()),
        })
    return sorted(out, key=lambda m: (-m["score"], m["address_key"]))[:limit]
