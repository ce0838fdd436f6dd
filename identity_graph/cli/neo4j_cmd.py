"""``idgraph neo4j start|stop|status``: the development Neo4j server (docs/adr/0007).

``start`` and ``status`` print ``export NEO4J_URI=…``, ``export NEO4J_USER=…`` and
``export NEO4J_PASSWORD=…`` on stdout and nothing else (values quoted for a POSIX shell), so
``eval "$(idgraph neo4j start)"`` sets them for every command the shell runs next; progress goes
to stderr.
"""

from __future__ import annotations

import functools
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..store.neo4j import server

__all__ = ["neo4j"]

_HOME = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="IDGRAPH_NEO4J_HOME",
    default=None,
    help="The server's folder (data, logs, credentials). Default: .neo4j/ at the repository "
    "root (installed from a wheel: in the working directory). Env: IDGRAPH_NEO4J_HOME.",
)


def _errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The CLI's one error handler (imported late: main.py imports this module)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .main import run_or_exit

        return run_or_exit(fn, *args, **kwargs)

    return wrapper


def _print_env(info: server.ServerInfo) -> None:
    """``export NAME=value`` lines: exported, so the commands the shell runs next see them (a
    bare ``NAME=value`` would set shell variables that no child process inherits)."""
    for key, value in info.env().items():
        click.echo(f"export {key}={shlex.quote(value)}")


@click.group()
def neo4j() -> None:
    """A local Neo4j 5.26 server for development and tests, built from Maven Central.

    Example: eval "$(idgraph neo4j start)"
    """


@neo4j.command()
@_HOME
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Bolt port on 127.0.0.1 (default: a free one).",
)
@click.option(
    "--timeout",
    type=float,
    default=server.START_TIMEOUT,
    show_default=True,
    help="Seconds to wait for Bolt to answer.",
)
@_errors
def start(home: Path | None, port: int | None, timeout: float) -> None:
    """Start the server (build it on first use) and print ``export NEO4J_*=…`` lines.

    Starting when it already runs prints the running server's variables.

    Example: eval "$(idgraph neo4j start)"
    """
    info = server.start(
        home, port, timeout=timeout, progress=lambda message: click.echo(message, err=True)
    )
    _print_env(info)


@neo4j.command()
@_HOME
@_errors
def status(home: Path | None) -> None:
    """Print the running server's ``export NEO4J_*=…`` lines; exit 1 when none runs.

    Example: idgraph neo4j status && eval "$(idgraph neo4j status)"
    """
    info = server.status(home)
    if info is None:
        click.echo(f"Neo4j is not running (home {server.neo4j_home(home)})", err=True)
        sys.exit(1)
    _print_env(info)


@neo4j.command()
@_HOME
@_errors
def stop(home: Path | None) -> None:
    """Stop the server (SIGTERM: a clean shutdown; SIGKILL after a minute).

    Example: idgraph neo4j stop
    """
    if server.stop(home):
        click.echo("Neo4j stopped", err=True)
    else:
        click.echo("Neo4j was not running", err=True)
