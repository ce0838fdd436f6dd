"""Retention (UK GDPR article 5(1)(e), storage limitation): history kept no longer than each
source's mapping says (``retain_history_days``), applied by ``idgraph retention apply``.

What it means, precisely (ADR 0032):

- **current values** are never touched: they are what the source system holds today. A record
  leaves when its source stops sending it (a snapshot load retires it) or on ``idgraph delete``;
- **history** (a record's replaced values, and the last values of a retired record) of a source
  with ``retain_history_days = N`` is removed once it is more than N days old (``replaced_at``).
  A retired record lives on only in its history: once that goes, nothing of it is left, and
  reviewers' decisions naming it go too. (No tombstone: retention is not an erasure request,
  and a later export that holds the record again brings it back as a new record);
- **the change feed** keeps its events (what happened to which person id, when), but a
  ``details_changed`` event's old and new values are removed once the event is older than the
  shortest limit among the sources it touched;
- **retired people** (merged, dissolved) lose their last golden record and address history once
  retired longer than the shortest limit among the sources in that golden record;
- sources without ``retain_history_days`` keep their history; the audit log is not history of a
  person's data but of who read it, and is kept.

A dry run reports the same counts and removes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..store.contract import Purge, Store

__all__ = ["RetentionReport", "retention_limits", "apply_retention"]


@dataclass
class RetentionReport:
    as_of: str
    dry_run: bool
    #: per source: limit_days, cutoff, history_rows, retired_records
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    events_redacted: int = 0
    retired_people_cleared: int = 0
    compacted: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def retention_limits(store: Store) -> dict[str, int]:
    """source -> retain_history_days, for the sources whose stored mapping sets it."""
    out: dict[str, int] = {}
    for s in store.sources():
        try:
            days = json.loads(s.mapping_json or "{}").get("retain_history_days")
        except ValueError:
            days = None
        if isinstance(days, int) and not isinstance(days, bool):
            out[s.source] = days
    return out


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def apply_retention(store: Store, *, dry_run: bool = False, now: datetime | None = None) -> RetentionReport:
    """Remove (or with ``dry_run`` count) what each source's ``retain_history_days`` no longer
    allows; see the module docstring."""
    when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    limits = retention_limits(store)
    report = RetentionReport(as_of=_iso(when), dry_run=dry_run)
    cutoffs = {s: _iso(when - timedelta(days=d)) for s, d in limits.items()}
    gone: list[str] = []
    for source in sorted(limits):
        cutoff = cutoffs[source]
        rows = store.history_before(source, cutoff)
        retired = sorted(set(rows.loc[~rows["current"] & rows["reason"].notna(), "record_id"]))
        report.sources[source] = {"limit_days": limits[source], "cutoff": cutoff, "history_rows": int(len(rows)),
                                  "retired_records": len(retired)}
        if not dry_run and len(rows):
            store.prune_history(source, cutoff)
            left = set(store.history_record_ids(retired)) if retired else set()
            gone.extend(r for r in retired if r not in left)
    # the change feed's old and new values, and retired people's last golden records
    details: dict[int, str | None] = {}
    people: list[str] = []
    if limits:
        latest_cutoff = max(cutoffs.values())
        events = store.detailed_events(latest_cutoff)
        for seq, at, detail, sources in zip(events["seq"].tolist(), events["at"].tolist(), events["detail"].tolist(),
                                            events["sources"].tolist(), strict=True):
            limited = [cutoffs[s] for s in sources if s in cutoffs]
            if limited and at < max(limited):  # the shortest limit: the latest cutoff
                details[int(seq)] = _without_values(detail)
        for pid, golden, retired_at in store.retired_goldens().itertuples(index=False, name=None):
            sources = _golden_sources(golden)
            limited = [cutoffs[s] for s in sources if s in cutoffs]
            if limited and retired_at and retired_at < max(limited):
                people.append(pid)
    report.events_redacted = len(details)
    report.retired_people_cleared = len(people)
    if not dry_run and (gone or details or people):
        store.purge(Purge(record_ids=sorted(set(gone)), people=people, event_details=details))
    if not dry_run and (details or people or any(v["history_rows"] for v in report.sources.values())):
        report.compacted = store.compact()
    return report


def _without_values(detail: str | None) -> str | None:
    """A details_changed event's detail with its old and new values removed (the field kept)."""
    try:
        d = json.loads(detail or "")
    except ValueError:
        return None
    if not isinstance(d, dict):
        return None
    return json.dumps({"field": d.get("field"), "removed": "retention"}, sort_keys=True)


def _golden_sources(golden: str | None) -> list[str]:
    try:
        g = json.loads(golden or "{}")
    except ValueError:
        return []
    s = g.get("sources") if isinstance(g, dict) else None
    return [str(x) for x in s] if isinstance(s, list) else []
