"""The rejects file: one CSV row per row (or value) the pipeline could not use, with where and why.

A rejected value is whatever the export held, so a cell that a spreadsheet would run as a
formula (``=HYPERLINK(...)`` typed as an email) is written with a ``'`` in front
(``csvsafe``; ADR 0027); :func:`read_rejects` gives the values back as they were. The file is
created owner-only (``private_files``): it holds whole raw rows.

>>> import tempfile, os
>>> from identity_graph.csvsafe import cell, restore
from identity_graph.private_files import open_private
from identity_graph.types import Reject
>>> path = os.path.join(tempfile.mkdtemp(), "rejects.csv")
>>> write_rejects([Reject("a.csv", 3, None, "row has 2 fields, the header has 3")], path)
1
>>> read_rejects(path)[0].row
3
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from identity_graph.csvsafe import cell, restore
from identity_graph.private_files import open_private
from identity_graph.types import Reject

__all__ = ["REJECT_COLUMNS", "MAX_VALUE_CHARS", "write_rejects", "read_rejects"]

#: ``line``: the line of a text export the row starts on, as an editor numbers it (header
#: included); ``record_id``: the row's id when it could be read (both blank when unknown)
REJECT_COLUMNS: tuple[str, ...] = (
    "file", "row", "column", "reason", "action", "value", "line", "record_id"
)
#: Values longer than this are cut (ending in "…") so a rejects file stays readable.
MAX_VALUE_CHARS = 200


def _clip(value: str | None) -> str:
    if value is None:
        return ""
    if len(value) > MAX_VALUE_CHARS:
        return value[: MAX_VALUE_CHARS - 1] + "…"
    return value


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """Write ``rejects`` as CSV (header always written); return how many were written."""
    count = 0
    with open_private(path, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REJECT_COLUMNS)
        for r in rejects:
            writer.writerow(
                [cell(r.file), r.row, cell(r.column or ""), cell(r.reason), cell(r.action), cell(_clip(r.value)),
                 "" if r.line is None else r.line, cell(_clip(r.record_id))]
            )
            count += 1
    return count


def read_rejects(path: str | Path) -> list[Reject]:
    """Read a file written by :func:`write_rejects` (empty column/value cells become None)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return [
            Reject(
                file=restore(rec["file"]),
                row=int(rec["row"]),
                column=restore(rec["column"]) or None,
                reason=restore(rec["reason"]),
                action="value dropped" if rec["action"] == "value dropped" else "row rejected",
                value=restore(rec["value"]) or None,
                line=int(rec["line"]) if rec.get("line") else None,
                record_id=restore(rec.get("record_id") or "") or None,
            )
            for rec in reader
        ]
