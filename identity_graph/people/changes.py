"""Person events for the change feed, beyond the stable-id policy's created / merged / split /
dissolved: records added to and removed from a person, and details changed (the golden record's
name, dob, address, phones, emails...), each with the sources the person's records come from,
so that a service can follow the people its own records belong to ("tell us once")."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..store.contract import EVENT_COLUMNS
from .golden import GOLDEN_FIELDS

__all__ = ["DETAIL_FIELDS", "person_events", "old_goldens"]

#: golden-record fields whose change is a ``details_changed`` event
DETAIL_FIELDS = (*GOLDEN_FIELDS, "address", "postcode")


def _sources_by_person(links: pd.DataFrame) -> dict[Any, list[str]]:
    """Person id -> the sorted distinct sources of its records ("source:id"): the source split
    off in Arrow, (person, source) pairs as integer codes made distinct by one ``np.unique``, and
    one list per person; no string split, set or sort per record or person in Python."""
    if not len(links):
        return {}
    ids = pa.array(links["record_id"].to_numpy(dtype=object), type=pa.string())
    enc = pc.list_element(pc.split_pattern(ids, ":", max_splits=1), 0).dictionary_encode()
    names = enc.dictionary.to_pylist()
    ordered = sorted(names)
    rank = np.array([ordered.index(n) for n in names], dtype=np.int64)
    person, people = pd.factorize(links["person_id"].to_numpy(dtype=object))
    key = np.sort(person.astype(np.int64) * len(names) + rank[enc.indices.to_numpy()])
    key = key[np.r_[True, key[1:] != key[:-1]]]  # distinct (a sort, not numpy's hashing unique)
    people = people.tolist()
    out: dict[Any, list[str]] = {}
    last, sources = -1, None
    for p, s in zip((key // len(names)).tolist(), (key % len(names)).tolist(), strict=True):
        if p != last:
            sources = out[people[p]] = []
            last = p
        sources.append(ordered[s])  # type: ignore[union-attr]
    return out


def _moved(assignment: pd.DataFrame, previous: pd.DataFrame) -> list[tuple[Any, ...]]:
    """``records_added`` and ``records_removed`` rows of people active before and after, in
    person-id order (added before removed), each with its record ids sorted: the records whose
    person changed, found by one join, not by a set of record ids per person."""
    now_ids = set(assignment["person_id"].tolist())
    before_ids = set(previous["person_id"].tolist())
    both = now_ids & before_ids
    if not both:
        return []
    joined = assignment[["record_id", "person_id"]].merge(
        previous[["record_id", "person_id"]], on="record_id", how="outer", suffixes=("", "_before"))
    new_p = joined["person_id"].to_numpy(dtype=object)
    old_p = joined["person_id_before"].to_numpy(dtype=object)
    rid = joined["record_id"].to_numpy(dtype=object)
    differ = ~((new_p == old_p) & ~pd.isna(new_p))
    parts = []
    for kind, code, who in (("records_added", 0, new_p), ("records_removed", 1, old_p)):
        hit = differ & pd.Series(who, dtype=object).isin(both).to_numpy()
        parts.append(pd.DataFrame({"p": who[hit], "k": code, "event": kind, "r": rid[hit]}))
    moved = pd.concat(parts, ignore_index=True).sort_values(["p", "k", "r"], kind="stable")
    rows: list[tuple[Any, ...]] = []
    for (pid, _), group in moved.groupby(["p", "k"], sort=False):
        ids = group["r"].tolist()
        rows.append((group["event"].iat[0], pid, None, len(ids), json.dumps({"records": ids})))
    return rows


def person_events(
    base: pd.DataFrame,
    previous: pd.DataFrame,
    assignment: pd.DataFrame,
    golden: dict[str, Any],
    old_golden: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """All events of a run over some people (``EVENT_COLUMNS``).

    ``base``: the stable-id events; ``previous`` / ``assignment``: record_id, person_id before
    and after, over the same records (and the records that left); ``golden``: person id ->
    golden record (dict or JSON text) after; ``old_golden``: person id -> golden record before,
    for the people that were active before.
    """
    src_now = _sources_by_person(assignment)
    src_before = _sources_by_person(previous)
    empty: list[str] = []

    def sources(pid: Any, other: Any = None) -> list[str]:
        now, before = src_now.get(pid, empty), src_before.get(pid, empty)
        if not isinstance(other, str) and (not before or before == now):  # the usual case: no set
            return list(now)
        out = set(now) | set(before)
        if isinstance(other, str):
            out |= set(src_before.get(other, empty))
        return sorted(out)

    cols = [base[c].tolist() for c in ("event", "person_id", "other_person_id", "records")] if len(base) else [[]] * 4
    if not src_before:  # a first run: each event's sources are its person's list (one event each)
        srcs = [src_now.get(p) or [] for p in cols[1]]
    else:
        srcs = [sources(p, o) for p, o in zip(cols[1], cols[2], strict=True)]
    rows: list[tuple[Any, ...]] = [(*row, sources(row[1])) for row in _moved(assignment, previous)]
    for pid in sorted(set(golden) & set(old_golden)):
        new = golden[pid]
        new = json.loads(new) if isinstance(new, str) else new
        old = old_golden[pid]
        for f in DETAIL_FIELDS:
            o, nv = old.get(f), new.get(f)
            if o != nv:
                rows.append(("details_changed", pid, None, None,
                             json.dumps({"field": f, "old": o, "new": nv}, default=str), sources(pid)))
    # column by column: the stable-id events (one a person on a first run) make no tuple each
    data = [*cols, [None] * len(cols[0]), srcs]
    for j, values in enumerate(zip(*rows, strict=True)):
        data[j] = [*data[j], *values]
    return pd.DataFrame(dict(zip(EVENT_COLUMNS, data, strict=True)), dtype=object)


def old_goldens(store: Any, person_ids: list[str], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stored golden records of these people, parsed only where the text changed (an
    unchanged golden record has no details_changed event)."""
    stored = store.goldens(person_ids)
    return {pid: json.loads(text) for pid, text in stored.items() if text != new.get(pid)}
