"""``idgraph update``, ``idgraph delete`` and ``idgraph changes``: the live index from the CLI."""

from __future__ import annotations

import json
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["register"]


def _print_update(res: Any, as_json: bool, dry_run: bool) -> None:
    if as_json:
        print_json(res.to_dict() | {"dry_run": dry_run})
        return
    d = res.to_dict()
    if d["run_id"] is None:
        click.echo("nothing to update: no record was loaded, changed or retired, and no decision was made since the last run")
        return
    verb = "would change" if dry_run else "updated"
    head = "preview" if dry_run else f"run {d['run_id']}"
    click.echo(
        f"{head}: {d['records_changed']:,} new or changed records, "
        f"{d['records_retired']:,} retired; {verb} {d['people_touched']:,} people "
        f"({d['region_records']:,} records re-clustered; events {d['events'] or 'none'}) [{d['seconds']:.2f}s]"
    )


def register(cli: click.Group, api: Any, handle_errors: Any) -> None:
    @cli.command()
    @click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def update(obj: Any, dry_run: bool, as_json: bool) -> None:
        """Resolve the records loaded since the last run, with the stored model.

        Only the people the new or changed records touch are re-clustered; every other person
        keeps its id and records. (`resolve` retrains on everything; `resolve --replay`
        recomputes everything with the stored model.)

        Example: idgraph load housing.csv -m housing.toml && idgraph update
        """
        with obj.progress("update") as bar:
            res = api.update(obj.store, dry_run=dry_run, progress=bar.callback)
        _print_update(res, as_json, dry_run)

    @cli.command()
    @click.argument("record_ids", nargs=-1, required=True)
    @click.option("--reason", required=True, help="Why the record is retired (kept in its history).")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def delete(obj: Any, record_ids: tuple[str, ...], reason: str, as_json: bool) -> None:
        """Retire records (kept in their history); their people shrink, split or dissolve.

        Example: idgraph delete council_tax:CT000123 --reason "account closed"
        """
        with obj.progress("delete") as bar:
            res = api.update(obj.store, retire=list(record_ids), reason=reason, progress=bar.callback)
        _print_update(res, as_json, False)

    @cli.command()
    @click.option("--after", default=0, show_default=True, help="Cursor: the last seq you have read.")
    @click.option("--source", default=None, help="Only events touching this source's records.")
    @click.option("--limit", default=1000, show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def changes(obj: Any, after: int, source: str | None, limit: int, as_json: bool) -> None:
        """The change feed: person events after a cursor (created, merged, split, dissolved,
        records added or removed, details changed with old and new values).

        Example: idgraph changes --after 120 --source housing --json
        """
        df = api.changes(obj.store, after=after, source=source, limit=limit)
        obj.audit("idgraph changes", [(p, None) for p in dict.fromkeys(df["person_id"].dropna().tolist())],
                  detail=f"source {source}" if source else None)
        if as_json:
            rows = df.to_dict(orient="records")
            for r in rows:
                if isinstance(r.get("detail"), str):
                    r["detail"] = json.loads(r["detail"])
            print_json({"changes": rows, "next": int(df["seq"].max()) if len(df) else after})
            return
        print_table(df, ["seq", "run_id", "event", "person_id", "other_person_id", "records", "detail"])
