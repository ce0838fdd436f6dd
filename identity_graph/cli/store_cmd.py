"""Opening the store for a command, and ``idgraph init`` / ``idgraph migrate`` (ADR 0028).

Every command opens the store the same way, through ``open_for``:

- commands that only read (``READ_ONLY_COMMANDS``) open it read-only: no migration, no lock, so
  they work while another process writes; the audit entry of a read is one short write of its
  own. A store that needs migrating says to run ``idgraph migrate``.
- every other command opens it for writing: a store that does not exist is an error unless the
  command was given ``--create`` (``load --create``) or is ``init``, so a mistyped ``--store``
  never becomes a new, empty store. A write waits ``--wait`` seconds for another writer.
- whatever goes wrong (no such file, not a store, a wrong URI, Neo4j not running) is one line on
  stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import IdentityGraphError

__all__ = ["READ_ONLY_COMMANDS", "open_for", "init", "migrate"]

#: commands (paths below ``idgraph``) that never change the store: opened read-only. Every other
#: command opens it for writing. A test checks that each of these exists.
READ_ONLY_COMMANDS = frozenset({
    "stats", "person", "search", "explain", "blocking", "export links", "changes", "audit",
    "graph person", "graph shared", "graph residents", "graph path", "graph changes",
    "review list", "review show", "keys list", "evaluate",
})


def command_name(ctx: click.Context | None = None) -> str:
    """The running command's path below the program name: ``review list``, ``load``."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return ""
    parts = ctx.command_path.split()[1:]
    return " ".join(parts)


def open_for(uri: str, *, create: bool, wait: float, command: str | None = None) -> Any:
    """The store for the running command (read-only or for writing, as ``READ_ONLY_COMMANDS``
    says); a library error becomes one line on stderr and its exit code."""
    from .. import api

    name = command if command is not None else command_name()
    try:
        return api.open_store(uri, create=create, read_only=name in READ_ONLY_COMMANDS, wait=wait,
                              command=f"idgraph {name}".strip())
    except IdentityGraphError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


def _describe(store: Any) -> str:
    stats = store.stats()
    return f"{stats['records']:,} records, {stats['people']:,} people, {stats['loads']} loads"


@click.command()
@click.pass_obj
def init(obj: Any) -> None:
    """Create an empty store at --store (an existing one is left as it is, brought up to this
    version's schema if it needs it).

    Other commands never create a store, so a mistyped --store is an error, not a new empty
    store: run this once first (or give `load` its --create flag).

    Example: idgraph --store council.idgraph.db init
    """
    from .. import api
    from ..errors import StoreNotFoundError

    opened = {"uri": obj.store_uri, "wait": obj.wait, "command": "idgraph init"}
    try:
        try:
            obj._store = api.open_store(**opened, create=False)
        except StoreNotFoundError:
            obj._store = api.open_store(**opened, create=True)
            click.echo(f"created store {obj.store_uri}")
            return
        click.echo(f"store {obj.store_uri} exists already ({_describe(obj._store)}); its schema is up to date")
    except IdentityGraphError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


@click.command()
@click.pass_obj
def migrate(obj: Any) -> None:
    """Bring an existing store up to this version's schema (any writing command also does).

    Read-only commands (stats, person, search, ...) never migrate a store: after an upgrade
    they ask for this once.

    Example: idgraph --store council.idgraph.db migrate
    """
    store = obj.store  # a writable open migrates whatever needs it
    click.echo(f"store {obj.store_uri} is up to date ({_describe(store)})")
