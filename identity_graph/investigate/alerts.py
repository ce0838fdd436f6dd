"""Alerts for investigators: each a rule a person can read (a name, a description in plain
words, its parameters), with its hits listed and each hit explained.

Rules (``RULES``; run one with ``run_alert``, all with ``run_alerts``):

- ``shared-identifier``: a phone, email or address held by several people. Placeholders (known
  fillers, values the latest model stopped counting as evidence, a council's own switchboard
  numbers given as a parameter) are not alerts: they are listed apart, as excluded.
- ``adults-over-discount``: a source record carries a per-source flag such as
  ``single_person_discount`` (a typed flag from the mapping's ``[flags]``), and more adults than
  the flag allows lived at its address in the same period, by the address history.
- ``unrelated-contact``: one phone or email held by people who share neither an address nor a
  family name.
- ``address-churn``: a person first seen at ``min_addresses`` different addresses within
  ``months`` months.

Each rule reads the whole index through the store's bulk reads (``shared_identifiers``,
``address_history_all``, ``source_records``, ``goldens``): the same answers on every store. The
benchmark is ``benchmarks/bench_alerts.py`` (target: the whole index in 30 s at 650k records).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypedDict

import pandas as pd

from ..errors import IdentityGraphError
from ..ingest.flags import FLAGS_KEY
from ..store.contract import Store
from .neighbourhood import golden_name, placeholder_values, readable_address

__all__ = ["AlertRule", "AlertPerson", "AlertHit", "AlertResult", "RULES", "rule_names", "run_alert",
           "run_alerts"]

#: identifiers listed per kind at most (a shared-identifier query's limit)
MAX_SHARED = 1_000_000


@dataclass(frozen=True)
class AlertRule:
    """A rule: ``name`` (what ``--rule`` takes), ``title``, ``description`` (plain words; its
    ``{parameter}`` placeholders are filled from ``parameters``), ``parameters`` (defaults)."""

    name: str
    title: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def describe(self, params: dict[str, Any]) -> str:
        return self.description.format(**{k: _words(v) for k, v in params.items()})


class AlertPerson(TypedDict):
    """A person in a hit: ``person_id`` and golden ``name``."""

    person_id: str
    name: str


class AlertHit(TypedDict):
    """One hit: ``subject`` (what it is about: "phone +447700900123", an address in words),
    ``kind`` (phone, email, address, person), ``value`` (the identifier or address key; the
    person id for churn), ``people``, ``explanation`` (plain words), ``detail`` (rule-specific,
    JSON-serialisable)."""

    rule: str
    subject: str
    kind: str
    value: str
    people: list[AlertPerson]
    explanation: str
    detail: dict[str, Any]


class AlertResult(TypedDict):
    """A rule's outcome: the rule (``rule``, ``title``, ``description`` as filled,
    ``parameters`` used), its ``hits`` (most people first), and ``excluded``: what it saw but
    does not count, with why (placeholders, switchboards)."""

    rule: str
    title: str
    description: str
    parameters: dict[str, Any]
    hits: list[AlertHit]
    excluded: list[AlertHit]


def _words(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {x}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v) or "none"
    return str(v)


class _Run:
    """What the rules of one run share, each read once: the address history of the whole index,
    placeholders, golden names."""

    def __init__(self, store: Store):
        self.store = store
        self._history: pd.DataFrame | None = None
        self._placeholders: dict[str, set[str]] | None = None
        self.names = _Names(store)

    def history(self) -> pd.DataFrame:
        if self._history is None:
            self._history = self.store.address_history_all()
        return self._history

    def placeholders(self, switchboards: Sequence[str] = ()) -> dict[str, set[str]]:
        if self._placeholders is None:
            self._placeholders = placeholder_values(self.store)
        out = {k: set(v) for k, v in self._placeholders.items()}
        out.setdefault("phone", set()).update(_normalised_phones(list(switchboards)))
        return out


class _Names:
    """Golden names of people, read in bulk once per rule."""

    def __init__(self, store: Store):
        self.store = store
        self.cache: dict[str, dict[str, Any]] = {}

    def load(self, ids: set[str] | list[str]) -> None:
        todo = sorted(set(ids) - set(self.cache))
        for i in range(0, len(todo), 5000):
            part = todo[i : i + 5000]
            found = self.store.goldens(part)
            for pid in part:
                g = found.get(pid)
                self.cache[pid] = json.loads(g) if g else {}

    def person(self, pid: str) -> AlertPerson:
        return {"person_id": pid, "name": golden_name(self.cache.get(pid, {}))}

    def golden(self, pid: str) -> dict[str, Any]:
        return self.cache.get(pid, {})


def _subject(kind: str, value: str) -> str:
    return f"address {readable_address(None, None, value)}" if kind == "address" else f"{kind} {value}"


def _people_text(people: list[AlertPerson], most: int = 6) -> str:
    names = [f"{p['name']} ({p['person_id']})" for p in people[:most]]
    more = len(people) - most
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


# -- rule 1: identifiers shared by several people ------------------------------------------------
def _shared(run: _Run, params: dict[str, Any]) -> tuple[list[AlertHit], list[AlertHit]]:
    store = run.store
    extra = {"phone": _normalised_phones(params.get("known_switchboards", []))}
    ph = run.placeholders(params.get("known_switchboards", []))
    names = run.names
    frames = []
    for kind, least in params["min_people"].items():
        df = store.shared_identifiers([kind], int(least), MAX_SHARED)
        frames.append(df)
    shared = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["kind", "value", "people", "person_ids"])
    names.load({p for ids in shared["person_ids"] for p in ids})
    hits: list[AlertHit] = []
    excluded: list[AlertHit] = []
    for kind, value, n, ids in shared[["kind", "value", "people", "person_ids"]].itertuples(index=False, name=None):
        people = [names.person(p) for p in ids]
        is_ph = value in ph.get(kind, set())
        switchboard = kind == "phone" and value in extra["phone"]
        why = ("a known switchboard number (a parameter of this rule)" if switchboard else
               "a placeholder: a filler value, or one the model found shared by implausibly many people")
        text = (f"{_subject(kind, value)} is held by {n} people: {_people_text(people)}"
                + (f"; not an alert: {why}" if is_ph else ""))
        hit: AlertHit = {"rule": "shared-identifier", "subject": _subject(kind, value), "kind": kind,
                         "value": str(value), "people": people, "explanation": text,
                         "detail": {"people": int(n), "placeholder": is_ph, "switchboard": switchboard}}
        (excluded if is_ph else hits).append(hit)
    return hits, excluded


def _normalised_phones(values: list[str]) -> list[str]:
    if not values:
        return []
    from ..standardise.phones import normalise_phones

    norm = normalise_phones(pd.Series(list(values), dtype=object))["value"]
    return [str(v).split("|")[0] for v in norm if v]


# -- rule 2: more adults than a council-tax flag allows -------------------------------------------
def _flag_sources(store: Store, flag: str) -> list[str]:
    """Sources whose mapping declares the typed flag."""
    out = []
    for s in store.sources():
        try:
            mapping = json.loads(s.mapping_json or "{}")
        except json.JSONDecodeError:
            continue
        if flag in (mapping.get("flags") or {}):
            out.append(s.source)
    return out


def _day(text: Any) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _age_on(dob: Any, on: date) -> int | None:
    born = _day(dob)
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _adults(run: _Run, params: dict[str, Any]) -> tuple[list[AlertHit], list[AlertHit]]:
    store = run.store
    flag, allowed, min_age = str(params["flag"]), int(params["adults_allowed"]), int(params["min_age"])
    window = timedelta(days=int(params["window_days"]))
    sources = _flag_sources(store, flag)
    flagged = []
    for src in sources:
        recs = store.source_records(src)
        for rid, pid, key, rdate, attrs in recs[["record_id", "person_id", "address_key", "record_date",
                                                 "attributes"]].itertuples(index=False, name=None):
            if not pid or not key or not attrs:
                continue
            flags = json.loads(attrs).get(FLAGS_KEY, {})
            if flags.get(flag) is True:
                flagged.append((str(rid), str(pid), str(key), rdate, src))
    if not flagged:
        return [], []
    hist = run.history()
    ph = run.placeholders().get("address", set())
    at = hist[hist["address_key"].isin({k for _, _, k, _, _ in flagged})]
    # plain tuples per address: a pandas filter per flagged record cost seconds per thousand
    by_key: dict[str, list[tuple[str, date | None, date | None, str]]] = {}
    for who, key, fs, ls in at[["person_id", "address_key", "first_seen", "last_seen"]].itertuples(index=False, name=None):
        by_key.setdefault(str(key), []).append((str(who), _day(fs), _day(ls), str(fs)))
    names = run.names
    names.load(set(at["person_id"]) | {p for _, p, _, _, _ in flagged})
    hits: list[AlertHit] = []
    seen: set[tuple[str, str]] = set()
    for rid, pid, key, rdate, src in sorted(flagged):
        if key in ph or (pid, key) in seen:
            continue
        seen.add((pid, key))
        rows = by_key.get(key)
        if not rows:
            continue
        own = [(f, last) for who, f, last, _ in rows if who == pid and f is not None and last is not None]
        start = min(f for f, _ in own) if own else _day(rdate)
        end = max(last for _, last in own) if own else _day(rdate)
        if start is None or end is None:
            continue
        lo, hi = start - window, end + window
        adults: list[tuple[str, str, str]] = []
        for other, f, last, fs in rows:
            if f is None or last is None or last < lo or f > hi:
                continue
            age = _age_on(names.golden(other).get("dob"), min(last, hi))
            if age is not None and age < min_age:
                continue
            adults.append((other, fs, "age unknown" if age is None else f"aged {age}"))
        distinct = {a for a, _, _ in adults}
        if len(distinct) <= allowed:
            continue
        people = [names.person(p) for p in sorted(distinct)]
        who = "; ".join(f"{names.person(a)['name']} ({a}, {age}, first seen there {fs})"
                        for a, fs, age in sorted(set(adults)))
        text = (f"{src} record {rid} says {flag} for {names.person(pid)['name']} at "
                f"{readable_address(None, None, key)} ({start} to {end}), but {len(distinct)} adults "
                f"lived there within {params['window_days']} days of that period: {who}")
        hits.append({"rule": "adults-over-discount", "subject": f"address {readable_address(None, None, key)}",
                     "kind": "address", "value": key, "people": people, "explanation": text,
                     "detail": {"record_id": rid, "source": src, "flag": flag, "holder": pid,
                                "adults": len(distinct), "period": [str(start), str(end)]}})
    return hits, []


# -- rule 3: one phone or email across unrelated people -------------------------------------------
def _unrelated(run: _Run, params: dict[str, Any]) -> tuple[list[AlertHit], list[AlertHit]]:
    store = run.store
    kinds = list(params["kinds"])
    ph = run.placeholders(params.get("known_switchboards", []))
    shared = store.shared_identifiers(kinds, 2, MAX_SHARED)
    shared = shared[[v not in ph.get(k, set()) for k, v in zip(shared["kind"], shared["value"], strict=True)]]
    shared = shared[shared["people"] <= int(params["max_people"])]
    if shared.empty:
        return [], []
    involved = {p for ids in shared["person_ids"] for p in ids}
    hist = run.history()
    hist = hist[hist["person_id"].isin(involved) & hist["address_key"].notna()]
    homes: dict[str, set[str]] = {}
    for who, key in hist[["person_id", "address_key"]].itertuples(index=False, name=None):
        homes.setdefault(str(who), set()).add(str(key))
    names = run.names
    names.load(involved)
    hits: list[AlertHit] = []
    for kind, value, n, ids in shared[["kind", "value", "people", "person_ids"]].itertuples(index=False, name=None):
        related = False
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                fa, fb = names.golden(a).get("family_name"), names.golden(b).get("family_name")
                if (homes.get(a, set()) & homes.get(b, set())) or (fa and fa == fb):
                    related = True
                    break
            if related:
                break
        if related:
            continue
        people = [names.person(p) for p in ids]
        text = (f"{_subject(kind, value)} is held by {n} people who share no address and no family name: "
                f"{_people_text(people)}")
        hits.append({"rule": "unrelated-contact", "subject": _subject(kind, value), "kind": kind,
                     "value": str(value), "people": people, "explanation": text, "detail": {"people": int(n)}})
    return hits, []


# -- rule 4: rapid address churn ------------------------------------------------------------------
def _dwelling(key: str) -> str:
    flat, house, street, pc = (str(key).split("|") + ["", "", "", ""])[:4]
    return f"{flat}|{house}||{pc}" if house and pc else str(key)


def _churn(run: _Run, params: dict[str, Any]) -> tuple[list[AlertHit], list[AlertHit]]:
    least, months = int(params["min_addresses"]), int(params["months"])
    span = timedelta(days=round(months * 30.44))
    hist = run.history()
    ph = run.placeholders().get("address", set())
    hist = hist[hist["address_key"].notna() & hist["first_seen"].notna() & ~hist["address_key"].isin(ph)]
    # per person, per dwelling: the first time seen there and the first key naming it (one dwelling
    # written two ways, "51 nelson terrace" / "51 nelson ter", is one address: the same flat and
    # house in one postcode); plain dicts, in one pass
    first: dict[str, dict[str, tuple[str, str]]] = {}
    for pid, key, fs in hist[["person_id", "address_key", "first_seen"]].itertuples(index=False, name=None):
        d = first.setdefault(str(pid), {})
        dw, cur = _dwelling(str(key)), (str(fs)[:10], str(key))
        if dw not in d or cur < d[dw]:
            d[dw] = cur
    found: list[tuple[str, list[tuple[str, str]]]] = []
    for pid in sorted(p for p, d in first.items() if len(d) >= least):
        seq = sorted(first[pid].values())
        days = [_day(fs) for fs, _ in seq]
        best: list[tuple[str, str]] = []
        j = 0
        for i in range(len(seq)):
            while days[i] is not None and days[j] is not None and days[i] - days[j] > span:  # type: ignore[operator]
                j += 1
            if i - j + 1 >= least and i - j + 1 > len(best):
                best = seq[j : i + 1]
        if best:
            found.append((pid, best))
    names = run.names
    names.load({p for p, _ in found})
    hits: list[AlertHit] = []
    for pid, best in found:
        person = names.person(pid)
        moves = "; ".join(f"{readable_address(None, None, k)} (first seen {fs})" for fs, k in best)
        text = f"{person['name']} ({pid}) was first seen at {len(best)} addresses within {months} months: {moves}"
        hits.append({"rule": "address-churn", "subject": f"person {person['name']}", "kind": "person",
                     "value": pid, "people": [person], "explanation": text,
                     "detail": {"addresses": [k for _, k in best], "first_seen": [fs for fs, _ in best]}})
    hits.sort(key=lambda h: (-len(h["detail"]["addresses"]), h["value"]))
    return hits, []


RULES: dict[str, tuple[AlertRule, Callable[[_Run, dict[str, Any]], tuple[list[AlertHit], list[AlertHit]]]]] = {
    "shared-identifier": (AlertRule(
        "shared-identifier", "Identifiers shared by several people",
        "A phone, email or address held by at least this many different people ({min_people}). "
        "Placeholders and known switchboard numbers ({known_switchboards}) are listed apart, not as alerts.",
        {"min_people": {"phone": 3, "email": 3, "address": 6}, "known_switchboards": []},
    ), _shared),
    "adults-over-discount": (AlertRule(
        "adults-over-discount", "More adults at an address than its council-tax account says",
        "A record flagged {flag} (a typed flag from its source's mapping), while more than "
        "{adults_allowed} adult(s) aged {min_age} or over (or of unknown age) lived at its address "
        "within {window_days} days of the flagged person's time there, by the address history.",
        {"flag": "single_person_discount", "adults_allowed": 1, "min_age": 18, "window_days": 0},
    ), _adults),
    "unrelated-contact": (AlertRule(
        "unrelated-contact", "One phone or email across unrelated people",
        "A {kinds} held by 2 to {max_people} people who share neither an address (ever) nor a "
        "family name; placeholders and known switchboard numbers ({known_switchboards}) are left out.",
        {"kinds": ["phone", "email"], "max_people": 10, "known_switchboards": []},
    ), _unrelated),
    "address-churn": (AlertRule(
        "address-churn", "Rapid address churn",
        "A person first seen at {min_addresses} or more different addresses within {months} months "
        "(placeholder addresses such as a hostel left out).",
        {"min_addresses": 3, "months": 12},
    ), _churn),
}


def rule_names() -> list[str]:
    return list(RULES)


def run_alert(store: Store, rule: str, _run: _Run | None = None, **parameters: Any) -> AlertResult:
    """Run one rule; ``parameters`` override its defaults (unknown ones are refused)."""
    if rule not in RULES:
        raise IdentityGraphError(f"no alert rule {rule!r}; the rules are {', '.join(RULES)}")
    spec, fn = RULES[rule]
    unknown = set(parameters) - set(spec.parameters)
    if unknown:
        raise IdentityGraphError(f"rule {rule!r} has no parameter {sorted(unknown)}; its parameters are "
                                 f"{', '.join(spec.parameters)}")
    params = spec.parameters | parameters
    hits, excluded = fn(_run or _Run(store), params)
    if rule != "address-churn":  # churn: most addresses first (its own order)
        hits.sort(key=lambda h: (-len(h["people"]), h["kind"], h["value"]))
    return {"rule": spec.name, "title": spec.title, "description": spec.describe(params),
            "parameters": params, "hits": hits, "excluded": excluded}


def run_alerts(store: Store, rules: list[str] | None = None,
               parameters: dict[str, dict[str, Any]] | None = None) -> list[AlertResult]:
    """Every rule (or those named), in ``RULES`` order; ``parameters`` overrides a rule's
    defaults by rule name (``{"address-churn": {"months": 6}}``; unknown ones are refused)."""
    names = rules or list(RULES)
    given = parameters or {}
    stray = sorted(set(given) - set(names))
    if stray:
        raise IdentityGraphError(f"parameters given for rules not run: {', '.join(stray)}; the rules run are "
                                 f"{', '.join(names)}")
    run = _Run(store)  # the rules share one read of the address history
    return [run_alert(store, r, run, **given.get(r, {})) for r in names]
