"""``idgraph users …``: people who log in to the browser workbench with a name and a password."""

from __future__ import annotations

import sys
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["users"]

USER_ROLES = ["reviewer", "investigator", "admin"]


@click.group()
def users() -> None:
    """Workbench users (log in at http://HOST:PORT/workbench/): add, list, password, disable.

    Example: idgraph users add ana.khan --role investigator
    """


def _password_from_stdin() -> str:
    text = sys.stdin.readline().rstrip("\r\n")
    if not text:
        raise click.UsageError("--password-stdin: no password on stdin (give one line)")
    return text


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(USER_ROLES), required=True,
              help="investigator: search, people, addresses; reviewer: the review queue; admin: all, and the audit page.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of generating one.")
@click.pass_obj
def users_add(obj: Any, name: str, role: str, password_stdin: bool) -> None:
    """Make a user. Without --password-stdin a password is generated and printed once (alone,
    on stdout); only a salted scrypt hash of it is stored.

    Example: idgraph users add ana.khan --role investigator
    Example: printf '%s\\n' "$PW" | idgraph users add ana.khan --role reviewer --password-stdin
    """
    from ..access import users as users_lib
    from .main import run_or_exit

    given = _password_from_stdin() if password_stdin else None
    user, password = run_or_exit(users_lib.add_user, obj.store, name, role, given)
    obj.audit("idgraph users add", [(None, None)], detail=f"added user {user.name} ({user.role.value})")
    if given is None:
        click.echo(f"user {user.name} ({user.role.value}); password shown this once, pass it on now", err=True)
        click.echo(password)
    else:
        click.echo(f"user {user.name} ({user.role.value}) added", err=True)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def users_list(obj: Any, as_json: bool) -> None:
    """Every user, disabled ones too (names and roles; never passwords).

    Example: idgraph users list
    """
    import pandas as pd

    from ..access import users as users_lib
    from .main import run_or_exit

    rows = [u.to_dict() for u in run_or_exit(users_lib.list_users, obj.store)]
    if as_json:
        print_json(rows)
        return
    cols = ["name", "role", "created_at", "disabled_at"]
    print_table(pd.DataFrame(rows, columns=cols), cols)


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin instead of generating one.")
@click.pass_obj
def users_password(obj: Any, name: str, password_stdin: bool) -> None:
    """Give a user a new password (generated and printed once unless --password-stdin).

    Example: idgraph users password ana.khan
    """
    from ..access import users as users_lib
    from .main import run_or_exit

    given = _password_from_stdin() if password_stdin else None
    password = run_or_exit(users_lib.set_password, obj.store, name, given)
    obj.audit("idgraph users password", [(None, None)], detail=f"new password for user {name}")
    if given is None:
        click.echo(password)
    else:
        click.echo(f"password of {name} changed", err=True)


@users.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(obj: Any, name: str) -> None:
    """Disable a user: their open sessions end at their next request (the name stays in the audit).

    Example: idgraph users disable ana.khan
    """
    from ..access import users as users_lib
    from .main import run_or_exit

    run_or_exit(users_lib.disable_user, obj.store, name)
    obj.audit("idgraph users disable", [(None, None)], detail=f"disabled user {name}")
    click.echo(f"disabled {name}")
