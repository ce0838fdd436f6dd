"""``idgraph mapping check`` and ``idgraph mapping suggest``: is a mapping right, and a first
draft of one, before anything is loaded (ADR 0030). Neither command opens a store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["mapping"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def mapping() -> None:
    """Check a source mapping against an export, or draft one from the export.

    Example: idgraph mapping suggest exports/housing.csv --out mappings/housing.toml
    """


@mapping.command("check")
@click.argument("export", type=_FILE)
@click.option("--mapping", "-m", "mapping_file", type=_FILE, required=True, help="The source mapping TOML.")
@click.option("--rows", type=click.IntRange(1), default=None, help="Only the first ROWS rows (default: all).")
@click.option("--strict", is_flag=True, help="Exit with status 8 when a field loses more than 20% of its values.")
@click.option("--json", "as_json", is_flag=True, help="The fill and validity per field, as JSON.")
def check(export: Path, mapping_file: Path, rows: int | None, strict: bool, as_json: bool) -> None:
    """Preview a load without loading: per mapped field, how many rows hold a value (fill) and
    how many of those values pass validation (valid), the rows a load would reject, and a
    warning for each field that loses more than 20% of its values.

    Example: idgraph mapping check exports/febrl.csv --mapping febrl.toml

    Example: idgraph mapping check exports/housing.xlsx -m housing.toml --json
    """
    from ..ingest.mapping_check import check_mapping
    from .main import run_or_exit

    res = run_or_exit(check_mapping, export, mapping_file, max_rows=rows)
    if as_json:
        print_json(res.to_dict())
    else:
        import pandas as pd

        click.echo(f"{res.source}: {res.rows:,} rows in {export.name}; a load would reject {res.rows_rejected:,} of them")
        table = pd.DataFrame([
            {"field": f.field, "columns": " + ".join(f.columns), "filled": f"{f.filled:,}",
             "fill": f"{f.fill_rate:.1%}", "valid": f"{f.valid:,}",
             "valid_of_filled": f"{f.valid_rate:.1%}" if f.filled else "-",
             "note": "<- warning" if any(w.field == f.field for w in res.warnings) else ""}
            for f in res.fields
        ])
        print_table(table, list(table.columns), max_width=60)
        if res.unmapped_columns:
            shown = ", ".join(res.unmapped_columns[:12]) + (" ..." if len(res.unmapped_columns) > 12 else "")
            click.echo(f"not mapped (kept as attributes): {shown}")
        for w in res.warnings:
            click.echo(f"warning: {w.message()}", err=True)
        if not res.warnings:
            click.echo("no field loses more than 20% of its values")
    if strict and res.warnings:
        sys.exit(8)


@mapping.command("suggest")
@click.argument("export", type=_FILE)
@click.option("--source", default=None, help="The source name (default: from the file name).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the mapping here (default: print it). An existing file is not overwritten.")
@click.option("--rows", type=click.IntRange(1), default=5000, show_default=True, help="Rows read to decide.")
@click.option("--region", default="GB", show_default=True, help="Default phone region of the export.")
@click.option("--sheet", default=None, help="XLSX: the sheet to read (default: the first).")
@click.option("--record-path", default=None, help="JSON: the dotted key holding the list of records.")
@click.option("--delimiter", default=None, help="CSV: the delimiter (default: sniffed).")
@click.option("--json", "as_json", is_flag=True, help="The proposal and the evidence per column, as JSON.")
def suggest(export: Path, source: str | None, out: Path | None, rows: int, region: str, sheet: str | None,
            record_path: str | None, delimiter: str | None, as_json: bool) -> None:
    """Draft a mapping from the export's header and values: names, dates and their format,
    postcodes, phones, emails, NHS and NI numbers, the record id. Every line carries a comment
    with its confidence and evidence; read and edit it, then `idgraph mapping check`.

    Example: idgraph mapping suggest exports/housing.csv --out mappings/housing.toml
    """
    from ..ingest.mapping_suggest import suggest_mapping
    from .main import run_or_exit

    if out is not None and out.exists():
        raise click.UsageError(f"{out} exists; choose another --out, or remove it first")
    res: Any = run_or_exit(suggest_mapping, export, source=source, max_rows=rows, region=region.upper(),
                           sheet=sheet, record_path=record_path, delimiter=delimiter)
    if as_json:
        print_json(res.to_dict())
        return
    text = res.to_toml()
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    low = sum(1 for g in res.guesses if g.confidence == "low" and g.target != "attribute")
    click.echo(f"mapping for {export.name} -> {out} ({len(res.mapping['fields'])} fields; "
               f"{low} low-confidence guesses to check); next: idgraph mapping check {export} --mapping {out}")
