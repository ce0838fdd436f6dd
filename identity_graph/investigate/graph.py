"""Investigator queries over the identity graph: who shares this phone, this address, this email;
who lived here when; how two people connect; what changed.

Each store answers the primitives (``shared_identifiers``, ``identifier_people``, ``residents``,
``person_links``, ``changed_since``: SQL in the embedded store, ``cypher/investigate/*.cypher`` in
Neo4j); the walks (neighbourhood, shortest connection) are breadth-first over ``person_links``,
in sorted order, so both stores give identical answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import IdentityGraphError, NotFoundError
from ..standardise.emails import normalise_emails
from ..standardise.phones import normalise_phones
from ..store.contract import Store
from ..types import LINK_KINDS

__all__ = [
    "LINK_KINDS",
    "Neighbourhood",
    "neighbourhood",
    "shortest_connection",
    "shared_identifiers",
    "identifier_people",
    "residents",
    "changed_since",
    "parse_identifier",
    "with_names",
]



def parse_identifier(text: str) -> tuple[str, str]:
    """``"phone:07700 900123"`` → ``("phone", "+447700900123")``: normalised like the records."""
    if ":" not in text:
        raise IdentityGraphError(f"identifier {text!r} needs a kind: e.g. phone:07700900123, email:a@b.com, address:KEY")
    kind, value = text.split(":", 1)
    kind = kind.strip().lower()
    if kind not in (*LINK_KINDS, "name", "dob", "postcode"):
        raise IdentityGraphError(f"unknown identifier kind {kind!r}; use one of {', '.join(LINK_KINDS)}, name, dob, postcode")
    value = value.strip()
    if kind == "phone":
        norm = normalise_phones(pd.Series([value]))["value"].iloc[0]
        value = norm.split("|")[0] if norm else value
    elif kind == "email":
        norm = normalise_emails(pd.Series([value]))["value"].iloc[0]
        value = norm.split("|")[0] if norm else value
    elif kind == "postcode":
        value = value.upper()
    return kind, value


def _check_person(store: Store, person_id: str) -> str:
    p = store.person(person_id)
    if p is None:
        owner = store.person_of(person_id)
        if owner is None:
            raise NotFoundError(f"no person or record {person_id!r}")
        return owner
    if p["status"] != "active" and p.get("merged_into"):
        return str(p["merged_into"])
    return person_id


@dataclass
class Neighbourhood:
    person_id: str
    depth: int
    #: person_id -> hops from the centre
    people: dict[str, int] = field(default_factory=dict)
    #: (person_id, other_person_id, kind, value), each link once (person_id < other_person_id)
    links: list[tuple[str, str, str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "depth": self.depth,
            "people": [{"person_id": p, "hops": h} for p, h in sorted(self.people.items(), key=lambda x: (x[1], x[0]))],
            "links": [{"person_a": a, "person_b": b, "kind": k, "value": v} for a, b, k, v in self.links],
        }


def neighbourhood(store: Store, person_id: str, depth: int = 1, kinds: tuple[str, ...] = LINK_KINDS) -> Neighbourhood:
    """People reachable from a person through shared identifiers, up to ``depth`` hops."""
    if depth < 1:
        raise IdentityGraphError("depth must be at least 1")
    pid = _check_person(store, person_id)
    nb = Neighbourhood(pid, depth, {pid: 0})
    frontier = [pid]
    seen_links: set[tuple[str, str, str, str]] = set()
    for hop in range(1, depth + 1):
        if not frontier:
            break
        links = store.person_links(sorted(frontier), list(kinds))
        nxt: set[str] = set()
        for a, b, k, v in links[["person_id", "other_person_id", "kind", "value"]].itertuples(index=False, name=None):
            key = (min(a, b), max(a, b), k, v)
            seen_links.add(key)
            if b not in nb.people:
                nb.people[b] = hop
                nxt.add(b)
        frontier = sorted(nxt)
    nb.links = sorted(seen_links)
    return nb


def shortest_connection(
    store: Store, person_a: str, person_b: str, *, max_depth: int = 6, kinds: tuple[str, ...] = LINK_KINDS
) -> list[dict[str, str]]:
    """The shortest chain person → identifier → person … from ``person_a`` to ``person_b``.

    Breadth-first, expanding in sorted order, so ties always resolve the same way. Returns the
    steps ``[{person_id, kind, value, next_person_id}, …]``; empty when they are the same person;
    raises NotFoundError when no chain of at most ``max_depth`` hops exists.
    """
    a, b = _check_person(store, person_a), _check_person(store, person_b)
    if a == b:
        return []
    parent: dict[str, tuple[str, str, str]] = {}
    seen = {a}
    frontier = [a]
    for _ in range(max_depth):
        links = store.person_links(sorted(frontier), list(kinds))
        nxt: list[str] = []
        for p, q, k, v in links[["person_id", "other_person_id", "kind", "value"]].itertuples(index=False, name=None):
            if q not in seen:
                seen.add(q)
                parent[q] = (p, k, v)
                nxt.append(q)
        if b in seen:
            path: list[dict[str, str]] = []
            cur = b
            while cur != a:
                p, k, v = parent[cur]
                path.append({"person_id": p, "kind": k, "value": v, "next_person_id": cur})
                cur = p
            return path[::-1]
        frontier = sorted(nxt)
        if not frontier:
            break
    raise NotFoundError(f"no connection between {a} and {b} within {max_depth} hops through {', '.join(kinds)}")


def shared_identifiers(
    store: Store, *, kinds: tuple[str, ...] = LINK_KINDS, min_people: int = 2, limit: int = 50
) -> pd.DataFrame:
    """Identifiers held by more than one person, ranked by how many people share them."""
    return store.shared_identifiers(list(kinds), min_people, limit)


def identifier_people(store: Store, identifier: str) -> pd.DataFrame:
    kind, value = parse_identifier(identifier)
    return store.identifier_people(kind, value)


def residents(store: Store, address: str) -> pd.DataFrame:
    """Everyone who lived at an address, with first/last seen dates and sources, and ``match``
    (how well each dwelling fits the text, 0-1; best first). ``address`` is text as people type
    it ("14 Hyde Park Road", "LS61AB", "flat 2, 14 hyde park rd, ls6 1ab") or an address key
    such as ``|12|high street|LS6 2AB``; see ``investigate.addresses``."""
    from .addresses import address_rows

    return address_rows(store, address)


def with_names(store: Store, frame: pd.DataFrame, column: str = "person_id", name: str = "name") -> pd.DataFrame:
    """``frame`` with a column ``name``: the golden name of the person in ``column`` ("" when
    none), read in one bulk call."""
    from .neighbourhood import golden_name

    ids = sorted({str(p) for p in frame[column] if isinstance(p, str)}) if len(frame) else []
    goldens = store.goldens(ids) if ids else {}
    names = [golden_name(goldens[p]) if isinstance(p, str) and p in goldens else "" for p in frame[column]]
    return frame.assign(**{name: names})


def parse_since(since: str) -> str:
    """An ISO 8601 date or date-time as the stores write ``updated_at`` (UTC, seconds), so the
    stores can compare it as text. A date means its midnight UTC; a time without an offset is
    UTC. Anything else (``yesterday``, ``01/11/2026``, ``2026-13-45``) is an error.

    >>> parse_since("2026-11-01"), parse_since("2026-11-01T10:30+01:00")
    ('2026-11-01T00:00:00+00:00', '2026-11-01T09:30:00+00:00')
    """
    from datetime import UTC, datetime

    text = str(since).strip()
    try:
        when = datetime.fromisoformat(text)
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise IdentityGraphError(
            f"--since {since!r} is not an ISO date or date-time: give e.g. 2026-11-01 or 2026-11-01T09:30 "
            "(UTC unless an offset such as +01:00 is given)"
        ) from None
    return when.isoformat(timespec="seconds")


def changed_since(store: Store, since: str, limit: int = 1000) -> pd.DataFrame:
    """Records created or changed at or after ``since`` (an ISO date or date-time: see
    ``parse_since``), newest first, with their person."""
    return store.changed_since(parse_since(since), limit)
