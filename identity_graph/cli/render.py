"""Output people read (aligned tables) and output machines read (JSON)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["print_json", "print_table"]


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
