"""What a run would change: merges, splits, new and dissolved people, and moved records.

``resolve --dry-run`` runs the whole pipeline, writes nothing, and reports this diff between the
stored people and the people the run computed (ADR 0024).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["run_diff"]


def run_diff(previous: pd.DataFrame, assignment: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
    """``previous`` and ``assignment``: record_id, person_id before and after; ``events``: the
    run's person events (event, person_id, other_person_id, records).

    Returns merges (``person_id`` absorbs ``merged``), splits (``records`` of ``person_id`` go
    to ``into``), created and dissolved person ids, moved records (``from`` → ``to``; records
    new to the index are counted in ``new_records``, not moved), and their counts.

    >>> prev = pd.DataFrame({"record_id": ["a", "b"], "person_id": ["P1", "P2"]})
    >>> new = pd.DataFrame({"record_id": ["a", "b", "c"], "person_id": ["P1", "P1", "P1"]})
    >>> ev = pd.DataFrame({"event": ["merged"], "person_id": ["P1"], "other_person_id": ["P2"], "records": [1]})
    >>> d = run_diff(prev, new, ev)
    >>> d["counts"], d["moved"]
    ({'merges': 1, 'splits': 0, 'created': 0, 'dissolved': 0, 'moved_records': 1, 'new_records': 1, 'removed_records': 0}, [{'record_id': 'b', 'from': 'P2', 'to': 'P1'}])
    """
    ev = events if len(events) else pd.DataFrame(columns=["event", "person_id", "other_person_id", "records"])

    def of(kind: str) -> pd.DataFrame:
        return ev[ev["event"] == kind]

    merges = [
        {"person_id": p, "merged": o, "records": int(n)}
        for p, o, n in zip(of("merged")["person_id"], of("merged")["other_person_id"], of("merged")["records"],
                           strict=True)
    ]
    splits = [
        {"person_id": p, "into": o, "records": int(n)}
        for p, o, n in zip(of("split")["person_id"], of("split")["other_person_id"], of("split")["records"],
                           strict=True)
    ]
    before = previous.set_index("record_id")["person_id"] if len(previous) else pd.Series(dtype=object)
    after = assignment.set_index("record_id")["person_id"]
    was = before.reindex(after.index)
    moved_mask = was.notna() & (was != after)
    moved = [
        {"record_id": r, "from": f, "to": t}
        for r, f, t in zip(after.index[moved_mask], was[moved_mask], after[moved_mask], strict=True)
    ]
    out = {
        "merges": sorted(merges, key=lambda m: (m["person_id"], m["merged"])),
        "splits": sorted(splits, key=lambda m: (m["person_id"], m["into"])),
        "created": sorted(of("created")["person_id"].tolist()),
        "dissolved": sorted(of("dissolved")["person_id"].tolist()),
        "moved": sorted(moved, key=lambda m: m["record_id"]),
        "new_records": int(was.isna().sum()),
        "removed_records": int((~before.index.isin(after.index)).sum()),
    }
    out["counts"] = {
        "merges": len(out["merges"]),
        "splits": len(out["splits"]),
        "created": len(out["created"]),
        "dissolved": len(out["dissolved"]),
        "moved_records": len(out["moved"]),
        "new_records": out["new_records"],
        "removed_records": out["removed_records"],
    }
    return out
