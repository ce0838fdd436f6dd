"""``idgraph serve``, ``idgraph keys …`` and ``idgraph audit``: the match service and its access."""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["serve", "keys", "audit_cmd"]

ROLES = ["match", "service", "reviewer", "investigator", "admin"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the service to the network: put TLS in front.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--store", "store_uri", default=None, help="The store to serve (default: the global --store).")
@click.pass_obj
def serve(obj: Any, host: str, port: int, store_uri: str | None) -> None:
    """Run the match service: HTTP routes over the store, behind API keys (one process).

    Every route but /v1/health needs a key (make one with `idgraph keys add`); every read of a
    person is written to the audit log; the log holds method, route, status and latency only.
    Docs at http://HOST:PORT/docs. Stop with Ctrl-C.

    Example: idgraph --store council.idgraph.db serve --port 8765
    """
    import logging

    import uvicorn

    from ..serve import create_app
    from .main import run_or_exit

    uri = store_uri or obj.store_uri
    app = run_or_exit(create_app, uri)
    from ..access.users import list_users

    active = [k for k in app.state.service.store.api_keys()["revoked_at"] if k is None]
    users = [u for u in list_users(app.state.service.store) if u.disabled_at is None]
    if not active and not users:
        click.echo("no API keys or users yet: every request will be refused. Make a key with "
                   "`idgraph keys add NAME --role admin`, or a workbench user with "
                   "`idgraph users add NAME --role admin`.", err=True)
    elif not active:
        click.echo("no API keys yet: the API (/v1) refuses every request (401); the workbench takes its "
                   f"{len(users)} user(s). Make a key with `idgraph keys add NAME --role admin`.", err=True)
    click.echo(f"workbench: http://{host if ':' not in host else f'[{host}]'}:{port}/workbench/", err=True)
    if not _loopback(host):
        click.echo(f"warning: listening on {host}, not loopback: anyone who can reach it can try keys, "
                   "and keys travel in clear text without TLS in front", err=True)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # access_log=False: uvicorn's access log prints paths and query strings (person ids, names)
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, log_level="info")


@click.group()
def keys() -> None:
    """API keys for the match service: add, list, revoke.

    Example: idgraph keys add housing-app --role service --source housing
    """


@keys.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="match: match and read its source's changes; service: also write its source's records; "
                   "reviewer: review queue and decisions; investigator: read people, search, explain; admin: all.")
@click.option("--source", default=None, help="Bind a match or service key to one source (a service key must be).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def keys_add(obj: Any, name: str, role: str, source: str | None, as_json: bool) -> None:
    """Make a key and print it once: only its hash is stored, it cannot be shown again.

    The key alone goes to stdout (KEY=$(idgraph keys add ...) works); the rest to stderr.

    Example: idgraph keys add front-desk --role match
    """
    from ..access import keys as keys_lib
    from .main import run_or_exit

    key, secret = run_or_exit(keys_lib.add_key, obj.store, name, role, source)
    obj.audit("idgraph keys add", [(None, None)], detail=f"added key {key.name} ({key.role.value})")
    if as_json:
        print_json({**key.to_dict(), "secret": secret})
        return
    bound = f", source {key.source}" if key.source else ""
    click.echo(f"key {key.name} ({key.role.value}{bound}); shown this once, store it now. "
               "Send it as: Authorization: Bearer KEY", err=True)
    click.echo(secret)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def keys_list(obj: Any, as_json: bool) -> None:
    """Every key, revoked ones too (names and roles; never the keys).

    Example: idgraph keys list
    """
    import pandas as pd

    from ..access import keys as keys_lib
    from .main import run_or_exit

    rows = [k.to_dict() for k in run_or_exit(keys_lib.list_keys, obj.store)]
    if as_json:
        print_json(rows)
        return
    print_table(pd.DataFrame(rows, columns=["name", "role", "source", "created_at", "revoked_at"]),
                ["name", "role", "source", "created_at", "revoked_at"])


@keys.command("revoke")
@click.argument("name")
@click.pass_obj
def keys_revoke(obj: Any, name: str) -> None:
    """Revoke a key: the next request with it is refused (its name stays in the audit log).

    Example: idgraph keys revoke front-desk
    """
    from ..access import keys as keys_lib
    from .main import run_or_exit

    run_or_exit(keys_lib.revoke_key, obj.store, name)
    obj.audit("idgraph keys revoke", [(None, None)], detail=f"revoked key {name}")
    click.echo(f"revoked {name}")


@click.command("audit")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@click.option("--person", "person_id", default=None, help="Only reads of this person (a subject access request).")
@click.option("--actor", default=None, help="Only this key's (or cli:USER's) reads.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_cmd(obj: Any, limit: int, person_id: str | None, actor: str | None, as_json: bool) -> None:
    """Who read which person or record, when, through what, and why: newest first.

    Example: idgraph audit --person P1a2b3c4d5e6f --limit 50
    """
    from ..access import audit
    from .main import run_or_exit

    log = run_or_exit(audit.audit_log, obj.store, limit=limit, person_id=person_id, actor=actor)
    if as_json:
        print_json(log.to_dict(orient="records"))
        return
    print_table(log, ["seq", "at", "actor", "action", "person_id", "record_id", "purpose", "detail"], max_width=44)
