"""Output people read (aligned tables) and output machines read (JSON)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["print_json", "print_table", "print_dry_run"]


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=str, sort_keys=False))


def print_table(frame: pd.DataFrame, columns: list[str], max_width: int = 40) -> None:
    if frame.empty:
        click.echo("  (none)")
        return
    cols = [c for c in columns if c in frame.columns]
    cells = frame[cols].astype(object).where(frame[cols].notna(), "")
    text = [[str(v)[:max_width] for v in row] for row in cells.itertuples(index=False, name=None)]
    widths = [max(len(c), *(len(r[i]) for r in text)) for i, c in enumerate(cols)]
    click.echo("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for r in text:
        click.echo("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def print_dry_run(rep: Any, shown: int = 20) -> None:
    """What ``resolve --dry-run`` found a resolve would change (``cluster.run_diff``)."""
    ch = rep.changes or {}
    n = ch.get("counts", {})
    click.echo(
        f"dry run (nothing written): {rep.records:,} records -> {rep.people:,} people; a resolve would make "
        f"{n.get('merges', 0):,} merges, {n.get('splits', 0):,} splits, {n.get('created', 0):,} new people, "
        f"{n.get('dissolved', 0):,} dissolved, and move {n.get('moved_records', 0):,} records "
        f"({n.get('new_records', 0):,} records new to the index) [{rep.seconds:.1f}s]"
    )
    for m in ch.get("merges", [])[:shown]:
        click.echo(f"  merge  {m['merged']} into {m['person_id']} ({m['records']} records)")
    for m in ch.get("splits", [])[:shown]:
        click.echo(f"  split  {m['records']} records of {m['person_id']} into {m['into']}")
    for m in ch.get("moved", [])[:shown]:
        click.echo(f"  move   {m['record_id']}: {m['from']} -> {m['to']}")
    if any(len(ch.get(k, [])) > shown for k in ("merges", "splits", "moved")):
        click.echo(f"  (first {shown} of each shown; --json lists them all)")
