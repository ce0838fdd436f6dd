"""The change feed's rows, as every store writes and reads them.

A run's events arrive as a frame of ``EVENT_COLUMNS`` (``detail`` and ``sources`` may be absent);
each store gives them a ``seq`` (the durable cursor), the run id and the time. These helpers turn
the frame into plain rows the same way for every store, and the stored rows back into the frame
``Store.changes`` returns, so both stores answer with the same values and types.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import StoreError

__all__ = ["CHANGE_COLUMNS", "EVENT_ROW_KEYS", "event_columns", "event_rows", "changes_frame", "check_feed_window"]

#: the columns of ``Store.changes``
CHANGE_COLUMNS = [
    "seq", "run_id", "at", "event", "person_id", "other_person_id", "records", "detail", "sources",
]
#: the keys of one row from ``event_rows``
EVENT_ROW_KEYS = ["event", "person_id", "other_person_id", "records", "detail", "sources"]


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and v != v


def _text(v: Any) -> str | None:
    return None if _missing(v) else str(v)


def _count(v: Any) -> int | None:
    if _missing(v):
        return None
    return int(v)


def _detail(v: Any) -> str | None:
    """JSON text (kept as given), or a mapping/list serialised to JSON; None stays None."""
    if _missing(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, Mapping | list | tuple):
        return json.dumps(v, default=str, sort_keys=True)
    raise StoreError(f"an event's detail must be JSON text, a dict or None, not {type(v).__name__}")


def _sources(v: Any) -> list[str]:
    """A sorted list of distinct source names; None (or absent) is the empty list."""
    if v is None or (isinstance(v, float) and v != v):
        return []
    if isinstance(v, str):
        raise StoreError(
            f"an event's sources must be a list of source names, not the string {v!r}; wrap it: [{v!r}]"
        )
    if isinstance(v, np.ndarray | Iterable):
        return sorted({str(s) for s in v if not _missing(s)})
    raise StoreError(f"an event's sources must be a list of source names, not {type(v).__name__}")


def event_columns(events: pd.DataFrame) -> dict[str, list[Any]]:
    """The events of a run column by column (``EVENT_ROW_KEYS``), in frame order, normalised as
    ``event_rows`` normalises each row: text or None, a count or None, detail as JSON text or None,
    sources a sorted list of distinct names.

    Plain values (``str``, ``int``, None) pass through without a call per row, and each distinct
    list of sources is normalised once: rows with equal sources share one list, so the lists
    must not be changed in place.
    """
    if events is None or len(events) == 0:
        return {k: [] for k in EVENT_ROW_KEYS}
    missing = [c for c in ("event", "person_id") if c not in events.columns]
    if missing:
        raise StoreError(f"the run's events lack column(s) {missing}; they need at least event and person_id")
    n = len(events)

    def col(name: str) -> list[Any]:
        return events[name].tolist() if name in events.columns else [None] * n

    def texts(name: str) -> list[Any]:
        return [v if type(v) is str or v is None else _text(v) for v in col(name)]

    seen: dict[tuple[Any, ...], list[str]] = {}

    def sources(v: Any) -> list[str]:
        if type(v) is not list:
            return _sources(v)
        try:
            key = tuple(v)
            hit = seen.get(key)
        except TypeError:  # an unhashable element: normalised (and refused) as it is
            return _sources(v)
        if hit is None:
            hit = seen[key] = _sources(v)
        return hit

    return {
        "event": [e if type(e) is str else str(e) for e in col("event")],
        "person_id": texts("person_id"),
        "other_person_id": texts("other_person_id"),
        "records": [r if type(r) is int or r is None else _count(r) for r in col("records")],
        "detail": [d if d is None else _detail(d) for d in col("detail")],
        "sources": [sources(s) for s in col("sources")],
    }


def event_rows(events: pd.DataFrame) -> list[dict[str, Any]]:
    """The events of a run as plain rows (``EVENT_ROW_KEYS``), in frame order.

    ``detail`` and ``sources`` may be missing from the frame (events of ``assign_stable_ids``):
    they are stored as None and the empty list.
    """
    cols = event_columns(events)
    return [
        {"event": e, "person_id": p, "other_person_id": o, "records": r, "detail": d, "sources": list(s)}
        for e, p, o, r, d, s in zip(*(cols[k] for k in EVENT_ROW_KEYS), strict=True)
    ]


def changes_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Stored events (dicts with ``CHANGE_COLUMNS``; ``sources`` a list or JSON text) as the frame
    ``Store.changes`` returns: ``seq``/``run_id`` int64, ``records`` an int or None, ``detail`` JSON
    text or None, ``sources`` a list of str."""
    data = [
        [
            int(r["seq"]),
            int(r["run_id"]),
            r["at"],
            r["event"],
            r["person_id"],
            r["other_person_id"],
            _count(r["records"]),
            r["detail"],
            json.loads(r["sources"]) if isinstance(r["sources"], str) else list(r["sources"] or []),
        ]
        for r in rows
    ]
    df = pd.DataFrame(data, columns=CHANGE_COLUMNS, dtype=object)
    df["seq"] = df["seq"].astype("int64")
    df["run_id"] = df["run_id"].astype("int64")
    return df


def check_feed_window(after: int, limit: int) -> None:
    if after < 0:
        raise StoreError(f"changes(after={after}): the cursor is a seq (0 or more); use 0 to read from the start")
    if limit < 0:
        raise StoreError(f"changes(limit={limit}): the limit is a number of events (0 or more)")
