"""``idgraph``: the command line is a thin, documented, scriptable shell over the library."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from identity_graph.cli.main import cli

TINY_PEOPLE, TINY_SEED = 120, 3


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def _params() -> list[object]:
    out: list[object] = [pytest.param((), id="idgraph")]
    for path in _commands(cli):
        out.append(pytest.param(path, id=" ".join(path)))
    return out


def idgraph(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.mark.parametrize("path", _params())
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = idgraph(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_the_installed_entry_point_prints_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "identity_graph.cli.main", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Example:" in proc.stdout
    for command in ("synth", "load", "resolve", "person", "search", "explain", "stats", "export"):
        assert command in proc.stdout


def test_starting_the_cli_imports_no_data_library_until_a_command_needs_one() -> None:
    """`idgraph --help` (and the start of every command) stays fast: pandas, NumPy, DuckDB,
    SciPy and the Neo4j driver are imported by the commands that use them."""
    code = (
        "import sys\n"
        "from identity_graph.cli.main import cli\n"
        "try:\n    cli(['--help'], prog_name='idgraph')\nexcept SystemExit:\n    pass\n"
        "heavy = ('pandas', 'numpy', 'duckdb', 'scipy', 'neo4j', 'openpyxl', 'pyarrow')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


# -- end to end on a tiny synthetic council -------------------------------------------------


class Tiny:
    def __init__(self, root: Path):
        self.root = root
        self.out = root / "synth"
        self.store = root / "tiny.idgraph.db"
        self.exports = sorted((self.out / "exports").iterdir())

    def mapping(self, export: Path) -> Path:
        return self.out / "mappings" / f"{export.stem}.toml"

    def links(self) -> list[dict[str, str]]:
        out = self.root / "links.csv"
        result = idgraph("--store", self.store, "export", "links", "--out", out)
        assert result.exit_code == 0, result.stderr
        with out.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    """A tiny council made, loaded and resolved with the CLI alone."""
    root = tmp_path_factory.mktemp("cli")
    result = idgraph("synth", "--people", TINY_PEOPLE, "--seed", TINY_SEED, "--out", root / "synth")
    assert result.exit_code == 0, result.stderr
    assert f"{TINY_PEOPLE} people" in result.stdout  # (stderr has the progress: ADR 0039)
    t = Tiny(root)
    for export in t.exports:
        result = idgraph("--store", t.store, "load", "--create", export, "--mapping", t.mapping(export))
        assert result.exit_code == 0, result.stderr
        assert "rows from" in result.stdout
    result = idgraph("--store", t.store, "resolve")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("run 1:")
    return t


def test_synth_writes_exports_mappings_and_truth(tiny: Tiny) -> None:
    assert len(tiny.exports) >= 5
    assert all(tiny.mapping(e).exists() for e in tiny.exports)
    assert (tiny.out / "truth.csv").exists()


def test_load_again_reports_every_row_unchanged_as_json(tiny: Tiny) -> None:
    export = tiny.exports[0]
    result = idgraph("--store", tiny.store, "load", export, "-m", tiny.mapping(export), "--json")
    assert result.exit_code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert (report["inserted"], report["updated"]) == (0, 0)
    assert report["unchanged"] + report["rejected"] == report["rows"] > 0


def test_stats_json_counts_the_loaded_records_and_resolved_people(tiny: Tiny) -> None:
    result = idgraph("--store", tiny.store, "stats", "--json")
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.output)
    links = tiny.links()
    assert stats["records"] == len(links)
    assert stats["people"] == len({row["person_id"] for row in links})
    assert stats["last_run"]["run_id"] >= 1


def test_export_links_writes_one_row_per_record_with_its_person(tiny: Tiny) -> None:
    out = tiny.root / "links_check.csv"
    result = idgraph("--store", tiny.store, "export", "links", "--out", out)
    assert result.exit_code == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source,source_record_id,person_id"
    stats = json.loads(idgraph("--store", tiny.store, "stats", "--json").output)
    assert len(lines) - 1 == stats["records"]
    rows = tiny.links()
    assert all(r["person_id"].startswith("P") for r in rows)
    assert len({(r["source"], r["source_record_id"]) for r in rows}) == len(rows)


def _biggest_person(tiny: Tiny) -> tuple[str, list[str]]:
    by_person: dict[str, list[str]] = {}
    for r in tiny.links():
        by_person.setdefault(r["person_id"], []).append(f"{r['source']}:{r['source_record_id']}")
    pid = max(sorted(by_person), key=lambda p: len(by_person[p]))
    return pid, sorted(by_person[pid])


def test_person_shows_a_person_by_person_id_or_by_record_id(tiny: Tiny) -> None:
    pid, records = _biggest_person(tiny)
    result = idgraph("--store", tiny.store, "person", pid)
    assert result.exit_code == 0, result.stderr
    assert result.output.startswith(pid)
    assert f"records ({len(records)})" in result.output

    as_json = json.loads(idgraph("--store", tiny.store, "person", records[-1], "--json").output)
    assert as_json["person_id"] == pid
    assert sorted(r["record_id"] for r in as_json["records"]) == records
    assert as_json["address_history"]


def test_search_by_name_and_dob_finds_the_person(tiny: Tiny) -> None:
    pid, _ = _biggest_person(tiny)
    golden = json.loads(idgraph("--store", tiny.store, "person", pid, "--json").output)["golden"]
    name = f"{golden['given_name']} {golden['family_name']}"
    result = idgraph("--store", tiny.store, "search", "--name", name, "--dob", golden["dob"], "--json")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.output)
    assert pid in [h["person_id"] for h in hits[:3]]
    table = idgraph("--store", tiny.store, "search", "--name", name, "--dob", golden["dob"])
    assert pid in table.output


def test_explain_shows_the_evidence_between_two_records_of_one_person(tiny: Tiny) -> None:
    pid, records = _biggest_person(tiny)
    result = idgraph("--store", tiny.store, "explain", records[0], records[1], "--json")
    assert result.exit_code == 0, result.stderr
    exp = json.loads(result.output)
    assert (exp["person_a"], exp["person_b"], exp["same_person"]) == (pid, pid, True)
    assert exp["comparisons"] and all("weight" in c for c in exp["comparisons"])
    text = idgraph("--store", tiny.store, "explain", records[0], records[1])
    assert "total weight" in text.output and "same person" in text.output


def test_the_store_is_also_read_from_IDGRAPH_STORE(tiny: Tiny) -> None:
    result = idgraph("stats", "--json", env={"IDGRAPH_STORE": str(tiny.store)})
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.output)
    assert stats["store"] == str(tiny.store)
    assert stats["records"] > 0


# -- errors -------------------------------------------------------------------------------------


def assert_clear_error(result: Result, *, exit_code: int, says: str) -> None:
    """A library error: its exit code, one ``error: ...`` line on stderr, no traceback."""
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ")
    assert says in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_mapping_with_an_unknown_key_fails_with_exit_2_naming_the_key(tiny: Tiny) -> None:
    bad = tiny.root / "bad.toml"
    bad.write_text('source = "x"\nid = "REF"\nsurnam = "SURNAME"\n', encoding="utf-8")
    result = idgraph("--store", tiny.root / "e1.db", "load", "--create", tiny.exports[0], "--mapping", bad)
    assert_clear_error(result, exit_code=2, says=f"mapping {bad}")
    # every problem in the mapping is listed on its own line under the error line
    problems = result.stderr.splitlines()[1:]
    assert len(problems) == 1
    assert "unknown key 'surnam'" in problems[0]


def test_a_missing_export_fails_and_names_the_file(tiny: Tiny) -> None:
    missing = tiny.root / "no_such_export.csv"
    result = idgraph("--store", tiny.root / "e2.db", "load", "--create", missing, "-m", tiny.mapping(tiny.exports[0]))
    assert result.exit_code != 0
    assert "no_such_export.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_export_is_a_one_line_error(tiny: Tiny) -> None:
    missing = tiny.root / "no_such_export.csv"
    result = idgraph("--store", tiny.root / "e3.db", "load", "--create", missing, "-m", tiny.mapping(tiny.exports[0]))
    assert_clear_error(result, exit_code=1, says="not found")
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_person_fails_with_exit_7(tiny: Tiny) -> None:
    result = idgraph("--store", tiny.store, "person", "P000000000000")
    assert_clear_error(result, exit_code=7, says="no person or record 'P000000000000'")
    assert len(result.stderr.splitlines()) == 1


def test_explain_before_any_resolve_fails_with_exit_5(tiny: Tiny) -> None:
    export = tiny.exports[0]
    fresh = tiny.root / "unresolved.db"
    assert idgraph("--store", fresh, "load", "--create", export, "-m", tiny.mapping(export)).exit_code == 0
    result = idgraph("--store", fresh, "explain", "a:1", "b:2")
    assert_clear_error(result, exit_code=5, says="run `idgraph resolve` first")
    assert len(result.stderr.splitlines()) == 1


def test_resolve_on_an_empty_store_fails_with_a_hint_to_load(tiny: Tiny) -> None:
    assert idgraph("--store", tiny.root / "empty.db", "init").exit_code == 0
    result = idgraph("--store", tiny.root / "empty.db", "resolve")
    assert_clear_error(result, exit_code=1, says="idgraph load")
