"""Person events for the change feed, beyond the stable-id policy's created / merged / split /
dissolved: records added to and removed from a person, and details changed (the golden record's
name, dob, address, phones, emails...), each with the sources the person's records come from,
so that a service can follow the people its own records belong to ("tell us once")."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ..store.contract import EVENT_COLUMNS
from .golden import GOLDEN_FIELDS

__all__ = ["DETAIL_FIELDS", "person_events", "old_goldens"]

#: golden-record fields whose change is a ``details_changed`` event
DETAIL_FIELDS = (*GOLDEN_FIELDS, "address", "postcode")


def _source(record_ids: pd.Series) -> pd.Series:
    return record_ids.astype(str).str.split(":", n=1).str[0]


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
    src_now = assignment.assign(source=_source(assignment["record_id"])).groupby("person_id")["source"].agg(
        lambda s: sorted(set(s))).to_dict()
    src_before = previous.assign(source=_source(previous["record_id"])).groupby("person_id")["source"].agg(
        lambda s: sorted(set(s))).to_dict()

    def sources(pid: Any, other: Any = None) -> list[str]:
        out = set(src_now.get(pid, [])) | set(src_before.get(pid, []))
        if isinstance(other, str):
            out |= set(src_before.get(other, []))
        return sorted(out)

    rows: list[tuple[Any, ...]] = [
        (e.event, e.person_id, e.other_person_id, e.records, None, sources(e.person_id, e.other_person_id))
        for e in base.itertuples(index=False)
    ]
    now = assignment.groupby("person_id")["record_id"].agg(set).to_dict()
    before = previous.groupby("person_id")["record_id"].agg(set).to_dict()
    for pid in sorted(set(now) & set(before)):
        added, removed = sorted(now[pid] - before[pid]), sorted(before[pid] - now[pid])
        if added:
            rows.append(("records_added", pid, None, len(added), json.dumps({"records": added}), sources(pid)))
        if removed:
            rows.append(("records_removed", pid, None, len(removed), json.dumps({"records": removed}), sources(pid)))
    for pid in sorted(set(golden) & set(old_golden)):
        new = golden[pid]
        new = json.loads(new) if isinstance(new, str) else new
        old = old_golden[pid]
        for f in DETAIL_FIELDS:
            o, nv = old.get(f), new.get(f)
            if o != nv:
                rows.append(("details_changed", pid, None, None,
                             json.dumps({"field": f, "old": o, "new": nv}, default=str), sources(pid)))
    return pd.DataFrame(rows, columns=EVENT_COLUMNS, dtype=object)


def old_goldens(store: Any, person_ids: list[str], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stored golden records of these people, parsed only where the text changed (an
    unchanged golden record has no details_changed event)."""
    stored = store.goldens(person_ids)
    return {pid: json.loads(text) for pid, text in stored.items() if text != new.get(pid)}
