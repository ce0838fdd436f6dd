"""Checks every store makes on a ``ResolutionDelta`` before it writes anything.

A delta that cannot be applied as its docstring orders (a missing column, an assignment outside
its region, an edge the wrong way round) is refused whole, with every problem named, before the
store's transaction starts. Problems only the stored data reveals (a retired record that does not
exist, an edge to a record that is gone) are found inside the transaction, which then rolls back:
``missing_records_error`` and ``missing_people_error`` word them the same way for every store.
"""

from __future__ import annotations

import pandas as pd

from ..errors import StaleInputError, StoreError
from .contract import ResolutionDelta

__all__ = [
    "DELTA_COLUMNS", "check_delta", "missing_records_error", "missing_people_error", "stale_run_error",
    "stale_records_error",
]

#: the columns each frame of a delta must have (an empty frame may have none)
DELTA_COLUMNS: dict[str, list[str]] = {
    "retired_records": ["record_id", "reason"],
    "assignment": ["record_id", "person_id", "row_hash"],
    "persons": ["person_id", "created_run", "size", "review", "golden"],
    "retired": ["person_id", "merged_into"],
    "events": ["event", "person_id", "other_person_id", "records"],
    "edges": ["record_a", "record_b", "weight", "probability", "tier", "levels"],
    "address_history": [
        "person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources",
        "records", "is_current",
    ],
}


def _some(ids: list[str], n: int = 5) -> str:
    shown = ", ".join(sorted(ids)[:n])
    return shown + (f" and {len(ids) - n} more" if len(ids) > n else "")


def check_delta(delta: ResolutionDelta) -> None:
    """Raise a StoreError naming every structural problem of ``delta`` (nothing is written)."""
    problems: list[str] = []
    for name, cols in DELTA_COLUMNS.items():
        frame = getattr(delta, name)
        if not isinstance(frame, pd.DataFrame):
            problems.append(f"{name} must be a DataFrame (an empty one when there is nothing), not {type(frame).__name__}")
            continue
        if len(frame) == 0:
            continue
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            problems.append(f"{name} lacks column(s) {missing}")
    if problems:
        raise _error(problems)

    region = set(delta.region)
    a = delta.assignment
    if len(a):
        outside = sorted(set(a["record_id"]) - region)
        if outside:
            problems.append(f"assignment links record(s) outside region ({_some(outside)}); add them to region")
        dup = a["record_id"][a["record_id"].duplicated()].tolist()
        if dup:
            problems.append(f"assignment links record(s) twice ({_some(dup)})")
        if a["person_id"].isna().any():
            problems.append("assignment has rows without a person_id")
    r = delta.retired_records
    if len(r) and len(a):
        both = sorted(set(r["record_id"]) & set(a["record_id"]))
        if both:
            problems.append(f"record(s) both retired and assigned ({_some(both)})")
    e = delta.edges
    if len(e):
        wrong = e[~(e["record_a"].astype(str) < e["record_b"].astype(str))]
        if len(wrong):
            problems.append(
                f"{len(wrong)} edge(s) not written record_a < record_b (first: {wrong['record_a'].iloc[0]} - "
                f"{wrong['record_b'].iloc[0]}); order each pair"
            )
    h = delta.address_history
    if len(h):
        outside = sorted(set(h["person_id"]) - set(delta.history_people))
        if outside:
            problems.append(
                f"address_history has rows of people not in history_people ({_some(outside)}); add them there"
            )
    p, gone = delta.persons, delta.retired
    if len(p) and len(gone):
        both = sorted(set(p["person_id"]) & set(gone["person_id"]))
        if both:
            problems.append(f"person(s) both upserted and retired ({_some(both)})")
    if problems:
        raise _error(problems)


def _error(problems: list[str]) -> StoreError:
    lines = "\n".join(f"  - {p}" for p in problems)
    return StoreError(f"the update cannot be written ({len(problems)} problem(s)); nothing was written:\n{lines}")


def missing_records_error(what: str, ids: list[str]) -> StoreError:
    return StoreError(
        f"the update names {len(ids)} record(s) that are not in the store ({what}: {_some(ids)}); "
        "it was computed against another state of the store: nothing was written, compute it again"
    )


def missing_people_error(ids: list[str]) -> StoreError:
    return StoreError(
        f"the update links records to {len(ids)} person id(s) that are not active after it "
        f"({_some(ids)}); add them to persons: nothing was written"
    )


def stale_run_error(run_id: int, next_run_id: int) -> StaleInputError:
    """A run computed before another run was recorded (checked inside the write transaction)."""
    return StaleInputError(
        f"run {run_id} is not after the latest recorded run (run {next_run_id - 1}): another resolve, "
        "recluster or update was recorded after this one read the store, so its people are out of "
        f"date. Nothing was written: run it again (in code: compute it again, as run {next_run_id})"
    )


def stale_records_error(read_at: int, now: int) -> StaleInputError:
    """A run whose records changed (loaded, changed, removed) after it read them."""
    return StaleInputError(
        "records were loaded, changed or removed after this run read them (records version "
        f"{read_at}, now {now}): its people would leave those changes out. Nothing was written: "
        "run it again"
    )
