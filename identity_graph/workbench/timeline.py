"""The address timeline: a person's dwellings as bars on a time axis, laid out for an inline SVG
(``templates/_timeline.html``) and listed as a table beside it (for screen readers and print).

>>> t = timeline([{"address": "1 A St", "postcode": "LS1 1AA", "address_key": "k", "first_seen": "2010-01-01",
...                "last_seen": "2020-01-01", "sources": "council_tax,housing", "is_current": True}])
>>> t["rows"][0]["x"], t["rows"][0]["width"], t["rows"][0]["sources"]
(0.0, 800.0, ['council_tax', 'housing'])
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

__all__ = ["timeline", "WIDTH", "ROW", "LEFT"]

#: the drawing's width in SVG units (it scales to the page), each dwelling's row height, and
#: the margin left of the axis
WIDTH, ROW, LEFT, TOP = 1000.0, 34, 0.0, 28
SPAN = 800.0  # the axis's length; the rest of the width holds the year labels' overhang
MIN_BAR = 6.0


def _day(v: Any) -> date | None:
    if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
        return None
    ts = pd.to_datetime(str(v), errors="coerce")
    return None if pd.isna(ts) else ts.date()


def _sources(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and v != v):
        return []
    if isinstance(v, list | tuple):
        return sorted({str(s) for s in v if s})
    return sorted({s.strip() for s in str(v).split(",") if s.strip()})


def timeline(spells: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows (address, dates, sources, bar position) oldest first, year ticks, and the height."""
    rows = []
    for s in spells:
        first, last = _day(s.get("first_seen")), _day(s.get("last_seen"))
        rows.append({"address": s.get("address") or s.get("address_key") or "(no address)",
                     "postcode": s.get("postcode"), "address_key": s.get("address_key"),
                     "first": first, "last": last or first, "sources": _sources(s.get("sources")),
                     "current": bool(s.get("is_current")), "records": s.get("records")})
    rows.sort(key=lambda r: (r["first"] is None, r["first"] or date.max, r["address"]))
    days = [d for r in rows for d in (r["first"], r["last"]) if d is not None]
    lo, hi = (min(days), max(days)) if days else (date.today(), date.today())
    lo = date(lo.year, 1, 1)
    hi = date(hi.year + 1, 1, 1)
    total = max((hi - lo).days, 1)

    def x(d: date) -> float:
        return round(LEFT + SPAN * (d - lo).days / total, 1)

    for i, r in enumerate(rows):
        r["y"] = TOP + i * ROW
        if r["first"] is None:
            r["x"], r["width"], r["drawn"] = LEFT, 0.0, False
            continue
        x1, x2 = x(r["first"]), x(r["last"])
        r["x"], r["width"], r["drawn"] = x1, max(round(x2 - x1, 1), MIN_BAR), True
    step = max(1, (hi.year - lo.year) // 10)
    ticks = [{"x": x(date(y, 1, 1)), "label": str(y)} for y in range(lo.year, hi.year + 1, step)]
    return {"rows": rows, "ticks": ticks, "height": TOP + len(rows) * ROW + 24, "width": WIDTH,
            "axis_y": TOP + len(rows) * ROW + 4}
