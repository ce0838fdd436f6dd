"""Name, street and place vocabularies for the synthetic council, loaded from ``synth/data``.

Every list is returned in a fixed order (never via a ``set``) so that sampling is reproducible
across processes regardless of ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["Vocab", "load_vocab"]

#: Share of the population carrying a "tail" surname (morpheme compounds such as "Thornworth").
SURNAME_TAIL_SHARE = 0.40
#: connectors between surname morphemes, with a weight multiplier ("" is the commonest)
SURNAME_CONNECTORS = (("", 4.0), ("er", 1.0), ("en", 1.0), ("ing", 1.0), ("el", 0.5), ("s", 0.5))


@dataclass(frozen=True)
class Vocab:
    male: np.ndarray  # object array of given names
    male_p: np.ndarray
    female: np.ndarray
    female_p: np.ndarray
    surnames: np.ndarray
    surnames_p: np.ndarray
    streets: np.ndarray
    street_types: np.ndarray
    street_type_abbrev: dict[str, str]
    street_types_p: np.ndarray
    localities: np.ndarray
    post_towns: np.ndarray
    districts: np.ndarray
    localities_p: np.ndarray
    nicknames: dict[str, tuple[str, ...]]  # lower-case canonical -> nicknames (Title case)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("identity_graph.synth").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _p(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


def _nicknames(given: list[str]) -> dict[str, tuple[str, ...]]:
    from nicknames import name_triplets

    known = {g.lower() for g in given}
    out: dict[str, list[str]] = {}
    for t in name_triplets():
        if t.relationship != "has_nickname" or t.name1 not in known:
            continue
        nick = t.name2
        # skip one- and two-letter forms and nicknames that are themselves a given name we use,
        # so a nickname record is never mistaken for a different real first name
        if len(nick) < 3 or nick in known or not nick.isalpha():
            continue
        out.setdefault(t.name1, []).append(nick.title())
    return {k: tuple(sorted(set(v))) for k, v in sorted(out.items())}


@lru_cache(maxsize=1)
def load_vocab() -> Vocab:
    given = _rows("given_names.csv")
    male = [r for r in given if r["sex"] == "M"]
    female = [r for r in given if r["sex"] == "F"]
    sur = _rows("surnames.csv")
    parts = _rows("surname_parts.csv")
    prefixes = [r["part"] for r in parts if r["kind"] == "prefix"]
    suffixes = [r["part"] for r in parts if r["kind"] == "suffix"]
    head_names = [r["name"] for r in sur]
    head_w = [float(r["weight"]) for r in sur]
    existing = set(head_names)
    # the tail: prefix + connector + suffix compounds ("Ash" + "en" + "worth"), each rare, with a
    # Zipf-like weight over a fixed pseudo-random order (the order never depends on the seed)
    tail: list[str] = []
    boost: list[float] = []
    for c, w in SURNAME_CONNECTORS:
        for p in prefixes:
            for s in suffixes:
                name = p + c + s
                if name not in existing:
                    existing.add(name)
                    tail.append(name)
                    boost.append(w)
    rank = np.random.default_rng(0).permutation(len(tail))
    tail_w = np.asarray(boost) / (rank + 50.0) ** 0.9
    tail_w = tail_w / tail_w.sum() * (sum(head_w) * SURNAME_TAIL_SHARE / (1 - SURNAME_TAIL_SHARE))
    surnames = np.array(head_names + tail, dtype=object)
    surnames_p = _p(head_w + list(tail_w))
    types = _rows("street_types.csv")
    places = _rows("places.csv")
    return Vocab(
        male=np.array([r["name"] for r in male], dtype=object),
        male_p=_p([float(r["weight"]) for r in male]),
        female=np.array([r["name"] for r in female], dtype=object),
        female_p=_p([float(r["weight"]) for r in female]),
        surnames=surnames,
        surnames_p=surnames_p,
        streets=np.array([r["name"] for r in _rows("streets.csv")], dtype=object),
        street_types=np.array([r["type"] for r in types], dtype=object),
        street_type_abbrev={r["type"]: r["abbreviation"] for r in types},
        street_types_p=_p([float(r["weight"]) for r in types]),
        localities=np.array([r["locality"] for r in places], dtype=object),
        post_towns=np.array([r["post_town"] for r in places], dtype=object),
        districts=np.array([r["district"] for r in places], dtype=object),
        localities_p=_p([float(r["weight"]) for r in places]),
        nicknames=_nicknames([r["name"] for r in given]),
    )
