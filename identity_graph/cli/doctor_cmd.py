"""``idgraph doctor``: personal data on disk that other local users could read (ADR 0027).

It looks at the store (the file and SQLite's ``-wal``, ``-shm``, ``-journal``), the default
rejects folder beside it, the development Neo4j server's folder, and any folders or files named
on the command line (exports, rejects written elsewhere). It opens nothing: a store it names
is never created. Exit 0 when everything is owner-only, 1 when something is not.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .. import private_files
from ..store.neo4j import server
from .render import print_json

__all__ = ["doctor"]


def _checked(store: str, neo4j_home: Path | None, paths: tuple[Path, ...]) -> list[private_files.Checked]:
    out = private_files.store_paths(store)
    out += private_files.neo4j_paths(server.neo4j_home(neo4j_home))
    out += [private_files.Checked(str(p), "named on the command line") for p in paths]
    return out


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--neo4j-home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IDGRAPH_NEO4J_HOME",
    default=None,
    help="The development Neo4j server's folder. Default: as `idgraph neo4j start`. Env: IDGRAPH_NEO4J_HOME.",
)
@click.option("--fix", "apply_fix", is_flag=True, help="Make what it finds owner-only (the fixes it prints).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: ok, checked paths, findings.")
@click.pass_obj
def doctor(obj: Any, paths: tuple[Path, ...], neo4j_home: Path | None, apply_fix: bool, as_json: bool) -> None:
    """Report personal data on disk that group or other users may read or write, with the fix.

    Checks the store and its side files (-wal, -shm, -journal), the rejects folder beside it,
    the Neo4j server's folder, and every PATH given (export or rejects folders, files). Exit
    code 1 when it finds anything.

    Example: idgraph doctor exports/ --json
    """
    checked = _checked(obj.store_uri, neo4j_home, paths)
    found = private_files.findings(checked)
    fixed: list[private_files.Finding] = []
    if apply_fix and found:
        private_files.fix(found)
        fixed, found = found, private_files.findings(checked)
    if as_json:
        print_json(
            {
                "ok": not found,
                "checked": [{"path": c.path, "what": c.what, "exists": c.exists} for c in checked],
                "findings": [f.to_dict() for f in found],
                "fixed": [f.to_dict() for f in fixed],
            }
        )
    else:
        for f in fixed:
            click.echo(f"fixed: {f.path} ({f.what}, was {f.mode})")
        for f in found:
            inside = f" and {f.inside} path(s) inside it" if f.inside else ""
            click.echo(f"{f.path} ({f.what}, mode {f.mode}){inside}: {f.problem}")
            click.echo(f"  fix: {f.fix}")
        present = sum(1 for c in checked if c.exists)
        if found:
            click.echo(f"{len(found)} problem(s): personal data other local users can reach "
                       "(run the fixes above, or `idgraph doctor --fix`)", err=True)
        else:
            click.echo(f"ok: {present} path(s) checked, all owner-only")
    if found:
        sys.exit(1)
