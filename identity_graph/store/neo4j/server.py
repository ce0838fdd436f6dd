"""Start, stop and inspect the development Neo4j server (one per home folder).

The home folder (``IDGRAPH_NEO4J_HOME``, default ``.neo4j/`` at the repository root) is created
0700 and the server runs with umask 077, so its data and logs are owner-only (ADR 0027). It holds::

    credentials.json   user and password (0600), generated on first start, kept after
    build/             the launcher, built by Maven (see build.py)
    dbms/              Neo4j's data
    logs/              neo4j.out (the launcher's output), debug.log, build.log
    run/server.json    pid and port of the running server; run/ready once Bolt is up

``start`` is idempotent: when the home's server is running it returns that one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..._resources import checkout_root
from ...private_files import PRIVATE_UMASK, open_private, private_dirs
from .build import MAIN_CLASS, build, find_java
from .errors import Neo4jServerError, Neo4jStartError

__all__ = ["ServerInfo", "neo4j_home", "start", "status", "stop"]

log = logging.getLogger(__name__)

USER = "neo4j"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
_DEFAULT_JAVA_OPTS = "-Xms512m -Xmx1g -XX:+UseG1GC --add-opens=java.base/java.nio=ALL-UNNAMED"
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running server."""

    uri: str
    user: str
    password: str
    pid: int
    home: Path

    def env(self) -> dict[str, str]:
        """``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, in that order."""
        return {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}


def neo4j_home(home: Path | str | None = None) -> Path:
    """``home``, else ``IDGRAPH_NEO4J_HOME``, else ``.neo4j/`` at the repository root.

    Outside a source checkout (no ``pyproject.toml`` above the package) the default is
    ``.neo4j/`` in the working directory.
    """
    if home is not None:
        return Path(home).expanduser().resolve()
    if os.environ.get("IDGRAPH_NEO4J_HOME"):
        return Path(os.environ["IDGRAPH_NEO4J_HOME"]).expanduser().resolve()
    return (checkout_root() or Path.cwd()) / ".neo4j"


# -- files in the home ------------------------------------------------------------------------
def _credentials(home: Path) -> dict[str, str]:
    path = home / "credentials.json"
    if path.is_file():
        creds: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return creds
    creds = {"user": USER, "password": secrets.token_urlsafe(24)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(creds, f)
        f.write("\n")
    return creds


def _read_state(home: Path) -> dict[str, int] | None:
    try:
        state: dict[str, int] = json.loads((home / "run" / "server.json").read_text("utf-8"))
        return state
    except (OSError, ValueError):
        return None


def _clear_state(home: Path) -> None:
    for name in ("server.json", "ready"):
        (home / "run" / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """One start/stop at a time per home, across processes."""
    private_dirs(home)  # a new home is 0700: it holds the database (ADR 0027)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# -- processes --------------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (reaping it first if it is our exited child; zombies are dead)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            _CHILDREN.pop(pid, None)
            return False
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_launcher(pid: int) -> bool:
    """Whether ``pid`` is our launcher (not another process that reused the pid)."""
    try:
        return MAIN_CLASS.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid)  # no /proc (macOS): trust the pid


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bolt_answers(uri: str, user: str, password: str, timeout: float = 5.0) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    try:
        with GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=timeout, max_connection_lifetime=30
        ) as driver:
            driver.verify_connectivity()
        return True
    except (ServiceUnavailable, Neo4jError, OSError):
        return False


def _log_tail(home: Path, lines: int = 30) -> str:
    path = home / "logs" / "neo4j.out"
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return f"(no {path})"
    # stack traces are long: keep the lines that say something
    said = [line for line in text if not line.lstrip().startswith("at ")]
    return "\n".join(said[-lines:])


# -- the API ----------------------------------------------------------------------------------
def status(home: Path | str | None = None) -> ServerInfo | None:
    """The home's running server, or None when none runs (or it does not answer on Bolt)."""
    home = neo4j_home(home)
    state = _read_state(home)
    if not state or not (home / "run" / "ready").is_file():
        return None
    pid, port = int(state["pid"]), int(state["port"])
    if not (_alive(pid) and _is_launcher(pid)):
        return None
    creds = _credentials(home)
    uri = f"bolt://127.0.0.1:{port}"
    if not _bolt_answers(uri, creds["user"], creds["password"]):
        return None
    return ServerInfo(uri, creds["user"], creds["password"], pid, home)


def start(
    home: Path | str | None = None,
    port: int | None = None,
    *,
    timeout: float = START_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> ServerInfo:
    """Start the home's server (building the launcher first if needed); return how to reach it.

    Returns the running server when there is one (``port`` is then ignored). ``progress``
    receives one-line messages for an operator (the CLI prints them on stderr).

    Raises :class:`JavaNotFoundError`, :class:`MavenNotFoundError`,
    :class:`LauncherBuildError` or :class:`Neo4jStartError` (with the tail of the log).
    """
    home = neo4j_home(home)
    say = progress or (lambda message: log.info("%s", message))
    with _locked(home):
        running = status(home)
        if running is not None:
            say(f"Neo4j already running (pid {running.pid}) at {running.uri}")
            return running
        state = _read_state(home)
        if state and _alive(int(state["pid"])) and _is_launcher(int(state["pid"])):
            # running but not answering: a hung server; replace it
            say(f"Neo4j pid {state['pid']} does not answer on Bolt; stopping it")
            _terminate(int(state["pid"]), STOP_TIMEOUT)
        _clear_state(home)
        java = find_java()
        if not (home / "build" / "stamp.json").is_file():
            say("building the Neo4j launcher with Maven (first time: ~150 MB from Maven Central)")
        launcher = build(home)
        creds = _credentials(home)
        port = port or _free_port()
        uri = f"bolt://127.0.0.1:{port}"
        private_dirs(home / "logs")
        private_dirs(home / "run")
        env = dict(os.environ)
        env.update(
            IDGRAPH_NEO4J_HOME=str(home),
            IDGRAPH_NEO4J_PORT=str(port),
            IDGRAPH_NEO4J_PASSWORD=creds["password"],
            IDGRAPH_NEO4J_PLUGINS=str(launcher.plugins),
        )
        java_opts = os.environ.get("IDGRAPH_NEO4J_JAVA_OPTS", _DEFAULT_JAVA_OPTS).split()
        cmd = [java, *java_opts, "-cp", launcher.classpath, MAIN_CLASS]
        say(f"starting Neo4j 5.26 on {uri} (data in {home / 'dbms'})")
        t0 = time.monotonic()
        with open_private(home / "logs" / "neo4j.out", append=True, binary=True) as out:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=home,
                umask=PRIVATE_UMASK,  # Neo4j's data, logs and transactions owner-only
                start_new_session=True,  # survives the shell (and Ctrl-C) that started it
            )
        _CHILDREN[proc.pid] = proc
        (home / "run" / "server.json").write_text(
            json.dumps({"pid": proc.pid, "port": port}) + "\n", encoding="utf-8"
        )
        deadline = t0 + timeout
        while True:
            if proc.poll() is not None:
                _CHILDREN.pop(proc.pid, None)
                _clear_state(home)
                raise Neo4jStartError(
                    f"Neo4j exited with code {proc.returncode} while starting (log "
                    f"{home / 'logs' / 'neo4j.out'}; is port {port} free? enough memory?). "
                    f"Last lines:\n{_log_tail(home)}"
                )
            if (home / "run" / "ready").is_file() and _bolt_answers(
                uri, creds["user"], creds["password"]
            ):
                say(f"Neo4j ready in {time.monotonic() - t0:.0f}s (pid {proc.pid})")
                return ServerInfo(uri, creds["user"], creds["password"], proc.pid, home)
            if time.monotonic() > deadline:
                _terminate(proc.pid, 10.0)
                _clear_state(home)
                raise Neo4jStartError(
                    f"Neo4j did not answer on {uri} within {timeout:.0f}s; stopped it. "
                    f"See {home / 'logs'}. Last lines:\n{_log_tail(home)}"
                )
            time.sleep(0.5)


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM (a clean shutdown), then SIGKILL after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            log.warning("Neo4j pid %s ignored SIGTERM for %.0fs; killing it", pid, timeout)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10
            while _alive(pid):
                if time.monotonic() > kill_deadline:
                    raise Neo4jServerError(f"Neo4j pid {pid} survives SIGKILL: stop it by hand")
                time.sleep(0.1)
            break
        time.sleep(0.2)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait()


def stop(home: Path | str | None = None, *, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the home's server; True when one was running."""
    home = neo4j_home(home)
    with _locked(home):
        state = _read_state(home)
        if not state:
            return False
        pid = int(state["pid"])
        was_running = _alive(pid) and _is_launcher(pid)
        if was_running:
            _terminate(pid, timeout)
        _clear_state(home)
        return was_running
