"""Opening the store from the command line (ADR 0028): reads never lock, never migrate and never
create; a writer waits for another and then names it; a wrong store is one line, not a traceback.

The concurrent tests run real processes on one SQLite file: a *holder* process holds a load's
write transaction open (through the store's own ``load``) while `idgraph` commands run beside it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph.cli.main import cli
from identity_graph.cli.store_cmd import READ_ONLY_COMMANDS
from identity_graph.synth import SynthSummary, generate

#: (people, seed) of the council these tests load (~220 records)
COUNCIL = (120, 5)

#: holds a load's write transaction on the store until ``release`` exists (or ``hold`` seconds)
HOLDER = """
import pathlib, sys, time
from identity_graph import api
from identity_graph.store.contract import FileInfo, SourceInfo

path, ready, release, hold = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]), float(sys.argv[4])
store = api.open_store(path, command="holder-load")
with store.load(SourceInfo("holder", 1, "{}"), FileInfo("holder.csv", "0" * 64)) as writer:
    ready.touch()
    deadline = time.monotonic() + hold
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.finish({})
"""


def idgraph(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def idgraph_process(*args: str | Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IDGRAPH_WAIT", "IDGRAPH_STORE")}
    return subprocess.Popen([sys.executable, "-m", "identity_graph.cli.main", "--quiet", *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    people, seed = COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("opening_council"))


def _files(council: SynthSummary, source: str) -> tuple[Path, str, Path]:
    """``EXPORT -m MAPPING`` of one source."""
    return council.files[source], "-m", council.mappings[source]


@pytest.fixture
def loaded(council: SynthSummary, tmp_path: Path) -> Path:
    """A store holding council_tax, made with the CLI."""
    store = tmp_path / "council.idgraph.db"
    result = idgraph("--store", store, "load", "--create", *_files(council, "council_tax"))
    assert result.exit_code == 0, result.stderr
    return store


class Holder:
    def __init__(self, store: Path, tmp: Path, hold: float):
        self.ready, self.release = tmp / "holder.ready", tmp / "holder.release"
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store), str(self.ready), str(self.release),
                                      str(hold)], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not self.ready.exists():
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.05)

    def let_go(self) -> None:
        self.release.touch()
        self.ended()
        assert self.proc.returncode == 0

    def ended(self) -> None:
        """Wait for the holder to end (and close its pipe)."""
        self.proc.communicate(timeout=120)


@pytest.fixture
def holder(loaded: Path, tmp_path: Path) -> Iterator[Holder]:
    """Another process in the middle of a load: it holds the write lock until ``let_go``."""
    h = Holder(loaded, tmp_path, hold=600)
    yield h
    if h.proc.poll() is None:
        h.let_go()


def _loads(store: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(store) as con:
        return [(int(i), str(s)) for i, s in con.execute("SELECT load_id, source FROM loads ORDER BY load_id")]


# -- writers wait, then explain ------------------------------------------------------------------


def test_a_second_load_waits_for_the_first_and_then_loads(loaded: Path, council: SynthSummary, tmp_path: Path) -> None:
    # held for longer than SQLite's 5 s default, well inside the 60 s a writer now waits
    h = Holder(loaded, tmp_path, hold=7)
    second = idgraph_process("--store", loaded, "load", *_files(council, "housing"))
    out, err = second.communicate(timeout=300)
    h.ended()

    assert second.returncode == 0, err
    assert "housing:" in out
    # the second load's transaction began only after the holder's committed
    assert [s for _, s in _loads(loaded)] == ["council_tax", "holder", "housing"]


def test_a_writer_that_waited_in_vain_names_the_holder_and_writes_nothing(
    loaded: Path, council: SynthSummary, holder: Holder
) -> None:
    result = idgraph("--wait", "1", "--store", loaded, "load", *_files(council, "housing"))
    holder.let_go()

    assert result.exit_code == 8
    assert len(result.stderr.splitlines()) == 1
    assert f"pid {holder.proc.pid} on " in result.stderr and "(holder-load, since " in result.stderr
    assert "Nothing was written" in result.stderr and "--wait SECONDS" in result.stderr
    assert "housing" not in [s for _, s in _loads(loaded)]
    assert not Path(f"{loaded}-writer").exists()  # the holder's note went with its transaction


def test_a_writer_killed_mid_transaction_blocks_no_one(loaded: Path, council: SynthSummary, tmp_path: Path) -> None:
    h = Holder(loaded, tmp_path, hold=600)
    os.kill(h.proc.pid, signal.SIGKILL)  # no cleanup: its note stays behind, its lock does not
    h.ended()
    assert Path(f"{loaded}-writer").exists()

    result = idgraph("--wait", "5", "--store", loaded, "load", *_files(council, "housing"))

    assert result.exit_code == 0, result.stderr
    assert [s for _, s in _loads(loaded)] == ["council_tax", "housing"]  # the killed load left nothing


def test_two_resolve_commands_half_a_second_apart_never_crash_nor_repeat_events(
    loaded: Path, council: SynthSummary
) -> None:
    for source in ("housing", "electoral_register", "libraries"):
        assert idgraph("--store", loaded, "load", *_files(council, source)).exit_code == 0
    first = idgraph_process("--store", loaded, "resolve")
    time.sleep(0.5)
    second = idgraph_process("--store", loaded, "resolve")
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    results = [(p.returncode, out, err) for p, (out, err) in zip((first, second), outputs, strict=True)]

    for code, _, err in results:
        assert code in (0, 9), err  # recorded, or refused as stale: never a crash
        assert "Traceback" not in err
        if code == 9:
            assert "Nothing was written: run it again" in err
    recorded = [out for code, out, _ in results if code == 0]
    assert recorded
    with sqlite3.connect(loaded) as con:
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        created = [p for (p,) in con.execute("SELECT person_id FROM person_events WHERE event = 'created'")]
        people = {p for (p,) in con.execute("SELECT person_id FROM persons")}
    assert runs == len(recorded)
    assert len(created) == len(set(created)) and set(created) == people


# -- reads never lock, never migrate, never create ---------------------------------------------


def test_stats_during_a_load_answers_from_what_is_committed(loaded: Path, holder: Holder) -> None:
    with sqlite3.connect(loaded) as con:
        committed = con.execute("SELECT count(*) FROM records").fetchone()[0]

    result = idgraph("--wait", "1", "--store", loaded, "stats", "--json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["records_by_source"] == {"council_tax": committed}
    assert result.stderr == ""


def test_an_audited_read_during_a_load_waits_for_its_audit_entry_or_shows_nothing(
    loaded: Path, holder: Holder
) -> None:
    with sqlite3.connect(loaded) as con:
        record = con.execute("SELECT record_id FROM records LIMIT 1").fetchone()[0]
    result = idgraph("--wait", "1", "--store", loaded, "graph", "changes", "--since", "2000-01-01")

    assert result.exit_code == 8  # its audit entry could not be written: nothing is shown
    assert record not in result.stdout
    assert "holder-load" in result.stderr
    holder.let_go()
    after = idgraph("--store", loaded, "graph", "changes", "--since", "2000-01-01", "--json")
    assert after.exit_code == 0 and record in after.stdout


def test_a_read_never_migrates_a_store_and_says_how_to(loaded: Path) -> None:
    with sqlite3.connect(loaded) as con:  # a store made before this version added its trigger
        con.execute("DROP TRIGGER records_deleted_version")
    schema = _schema(loaded)

    result = idgraph("--store", loaded, "stats")

    assert result.exit_code == 4
    assert f"run `idgraph --store {loaded} migrate`" in result.stderr
    assert _schema(loaded) == schema  # untouched
    assert idgraph("--store", loaded, "migrate").exit_code == 0
    assert idgraph("--store", loaded, "stats").exit_code == 0


def _schema(store: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(store) as con:
        return sorted(con.execute("SELECT type, name FROM sqlite_master"))


def test_every_read_only_command_exists() -> None:
    import click

    for path in READ_ONLY_COMMANDS:
        cmd: click.Command = cli
        for part in path.split():
            assert isinstance(cmd, click.Group), path
            cmd = cmd.commands[part]


# -- a mistyped or wrong store ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["stats"], ["person", "P1"], ["resolve"], ["graph", "changes", "--since", "2026-01-01"],
                                     ["load", "x.csv", "-m", "x.toml"], ["export", "links", "--out", "l.csv"]])
def test_a_mistyped_store_is_an_error_never_a_new_empty_store(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "councill.idgraph.db"

    result = idgraph("--store", typo, *command)

    assert result.exit_code == 4
    assert result.stderr.startswith(f"error: no store at {typo}: check --store")
    assert "init" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not typo.exists()


def test_init_creates_a_store_once_and_load_can_create_one(council: SynthSummary, tmp_path: Path) -> None:
    store = tmp_path / "new.idgraph.db"
    assert idgraph("--store", store, "init").stdout == f"created store {store}\n"
    again = idgraph("--store", store, "init")
    assert again.exit_code == 0 and "exists already (0 records" in again.stdout
    other = tmp_path / "other.idgraph.db"
    assert idgraph("--store", other, "load", "--create", *_files(council, "parking")).exit_code == 0
    assert json.loads(idgraph("--store", other, "stats", "--json").stdout)["records"] > 0


def _not_a_store(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some text " * 200, encoding="utf-8")
    return path


@pytest.mark.parametrize("store", ["folder", "text file", "http://example.org/store", "bolt://127.0.0.1:1",
                                   "neo4j://", "missing folder"])
@pytest.mark.parametrize("command", [["load", "--create", "x.csv", "-m", "x.toml"], ["graph", "changes", "--since",
                                     "2026-01-01"], ["stats"], ["resolve"]])
def test_a_wrong_store_is_one_clear_line_never_a_traceback(
    tmp_path: Path, store: str, command: list[str]
) -> None:
    where = {"folder": str(tmp_path), "text file": str(_not_a_store(tmp_path)),
             "missing folder": str(tmp_path / "nope" / "s.idgraph.db")}.get(store, store)
    (tmp_path / "x.csv").write_text("REF,NAME\nR1,Ann Lee\n", encoding="utf-8")
    (tmp_path / "x.toml").write_text('source = "x"\nid = "REF"\n[fields]\nfull_name = "NAME"\n', encoding="utf-8")
    env = {"NEO4J_PASSWORD": "not-the-password", "NEO4J_USER": "neo4j"}

    result = idgraph("--store", where, *[str(tmp_path / c) if c.startswith("x.") else c for c in command], env=env)

    assert result.exit_code == 4, result.output
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert "point --store at a new file" not in result.stderr


@pytest.mark.parametrize("since", ["yesterday", "2026-13-45", "01/11/2026"])
def test_changes_since_refuses_anything_but_an_iso_date(loaded: Path, since: str) -> None:
    result = idgraph("--store", loaded, "graph", "changes", "--since", since)

    assert result.exit_code == 1
    assert f"--since {since!r} is not an ISO date or date-time" in result.stderr
