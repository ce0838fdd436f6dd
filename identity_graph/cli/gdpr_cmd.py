"""``idgraph subject-access``, ``idgraph erase`` and ``idgraph retention``: personal-data duties
(UK GDPR; ADR 0032) from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .render import print_json

__all__ = ["register"]


def register(cli: click.Group, api: Any, handle_errors: Any) -> None:
    @cli.command("subject-access")
    @click.argument("person_or_record_id")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Folder to write subject_access.json and subject_access.html to (created owner-only).")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def subject_access(obj: Any, person_or_record_id: str, out: Path, as_json: bool) -> None:
        """Write everything held about a person: records and their history, identifiers, links,
        decisions, change-feed events, golden record and the audit of who viewed them.

        The export is audited (give --purpose, e.g. the request's reference).

        Example: idgraph --purpose "SAR 2026-041" subject-access P1a2b3c4d5e6f --out sar-041
        """
        from ..access import audit

        rep = api.subject_access(obj.store, person_or_record_id, out, actor=audit.cli_actor(), purpose=obj.purpose)
        if as_json:
            print_json(rep.to_dict())
            return
        click.echo(f"{rep.person_id or person_or_record_id}: {rep.records} records -> {rep.json_path}, {rep.html_path}")

    @cli.command()
    @click.argument("person_or_record_id")
    @click.option("--reason", required=True, help="Why (kept in the tombstone; no personal data), e.g. the request's reference.")
    @click.option("--rejects-dir", "rejects_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Another folder of rejects files to clean (the store's own is always cleaned).")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def erase(obj: Any, person_or_record_id: str, reason: str, rejects_dirs: tuple[Path, ...], yes: bool,
              as_json: bool) -> None:
        """Erase a person (every record they hold) or one record, everywhere; keep only a tombstone.

        Records, their history, identifiers, links, decisions, the golden record, the change
        feed's values and term frequencies go; a tombstone (salted hash, when, why, who) makes a
        reload of an old export refuse the record (`load --allow-erased` lets it back). When one
        record of a person is erased, the rest are re-clustered as `idgraph delete` would.

        Example: idgraph erase P1a2b3c4d5e6f --reason "SAR 2026-041 erasure request"
        """
        from ..access import audit

        if not yes and not as_json:
            click.confirm(f"Erase {person_or_record_id} everywhere? This cannot be undone", abort=True, err=True)
        rep = api.erase(obj.store, person_or_record_id, reason=reason, actor=audit.cli_actor(),
                        rejects_dirs=list(rejects_dirs))
        if as_json:
            print_json(rep.to_dict())
            return
        d = rep.to_dict()
        run = f"; remaining records re-clustered in run {d['run_id']}" if d["run_id"] else ""
        click.echo(
            f"erased {d['records']} records of {rep.person_id or person_or_record_id}{run}; "
            f"{d['events_redacted']} change-feed details redacted, {d['term_frequencies']} term frequencies "
            f"adjusted, {d['rejects_rows']} rejects rows removed; {d['tombstones']} tombstones kept"
        )
        if d["compacted"] and not d["compacted"].get("wal_truncated", True):
            click.echo("warning: another process holds the store open, so its WAL file could not be emptied; "
                       "stop it and run `idgraph retention apply` (any compaction) again", err=True)

    @cli.group()
    def retention() -> None:
        """Retention of history per source (`retain_history_days` in the mapping).

        Example: idgraph retention apply --dry-run
        """

    @retention.command("apply")
    @click.option("--dry-run", is_flag=True, help="Count what would be removed; remove nothing.")
    @click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Apply the rules as of this day (default: now), e.g. to preview next month's run.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    @handle_errors
    def retention_apply(obj: Any, dry_run: bool, as_of: datetime | None, as_json: bool) -> None:
        """Remove history older than each source's `retain_history_days`: replaced values,
        retired records' last values, the change feed's old and new values, retired people's
        golden records. Current values are never removed.

        Example: idgraph retention apply --dry-run
        """
        rep = api.retention_apply(obj.store, dry_run=dry_run, as_of=as_of)
        if as_json:
            print_json(rep.to_dict())
            return
        verb = "would remove" if dry_run else "removed"
        if not rep.sources:
            click.echo("no source sets retain_history_days: nothing to do (see docs/MAPPING_SPEC.md)")
            return
        for source, s in rep.sources.items():
            click.echo(f"{source}: keep {s['limit_days']} days (before {s['cutoff']}): {verb} "
                       f"{s['history_rows']:,} history rows ({s['retired_records']:,} retired records)")
        click.echo(f"change feed: {verb} the values of {rep.events_redacted:,} events; "
                   f"retired people: {verb} {rep.retired_people_cleared:,} golden records")
