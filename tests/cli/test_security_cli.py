"""The command line refuses a hostile settings file before it touches the store, writes private
files, and ``idgraph doctor`` reports what other local users could read (issue 12, defects 1 and
3; ADR 0027)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph.cli.main import cli
from identity_graph.settings import default_settings


def idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a tiny synthetic council loaded, not resolved."""
    root = tmp_path_factory.mktemp("security")
    assert idgraph("synth", "--people", 120, "--seed", 3, "--out", root / "synth").exit_code == 0
    store = root / "tiny.idgraph.db"
    for export in sorted((root / "synth" / "exports").iterdir()):
        mapping = root / "synth" / "mappings" / f"{export.stem}.toml"
        result = idgraph("--store", store, "load", "--create", export, "--mapping", mapping, "--rejects", root / "r" / export.name)
        assert result.exit_code == 0, result.output
    return store


def _settings(tmp_path: Path, key: str) -> Path:
    data = json.loads(default_settings().to_json())
    data["blocking_rules"][0]["keys"] = [key]
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_resolve_refuses_a_settings_file_that_would_run_copy_to(loaded: Path, tmp_path: Path) -> None:
    target = tmp_path / "pwned.csv"
    settings = _settings(tmp_path, f"idx\") AS h FROM base_df b; COPY (SELECT 42) TO '{target}'; --")
    result = idgraph("--store", loaded, "resolve", "--settings", settings)
    assert result.exit_code == 5
    assert f"settings file {settings}: 1 problem(s):" in result.stderr
    assert "blocking_rules[0].keys[0]: unknown key" in result.stderr
    assert not target.exists()
    stats = json.loads(idgraph("--store", loaded, "stats", "--json").output)
    assert stats["last_run"] is None  # nothing ran


def test_blocking_refuses_an_unknown_key_naming_its_path(loaded: Path, tmp_path: Path) -> None:
    result = idgraph("--store", loaded, "blocking", "--settings", _settings(tmp_path, "nosuchcol"))
    assert result.exit_code == 5
    assert 'blocking_rules[0].keys[0]: unknown key "nosuchcol"; known: address' in result.stderr


def test_doctor_finds_nothing_in_what_idgraph_wrote_and_reports_what_was_opened_up(
    tmp_path: Path, umask022: None
) -> None:
    store, home = tmp_path / "people.idgraph.db", tmp_path / "no-neo4j-here"
    data = tmp_path / "hr.csv"
    data.write_text("REF,NAME,EMAIL\nR1,Ann Lee,not-an-email\n", encoding="utf-8")
    (tmp_path / "hr.toml").write_text('source = "hr"\nid = "REF"\n[fields]\nfull_name = "NAME"\nemail = "EMAIL"\n')
    assert idgraph("--store", store, "load", "--create", data, "-m", tmp_path / "hr.toml").exit_code == 0
    assert idgraph("--store", store, "export", "links", "--out", tmp_path / "out" / "links.csv").exit_code == 0
    rejects = tmp_path / "people.idgraph.db.rejects"
    assert mode(rejects) == 0o700 and {mode(p) for p in rejects.iterdir()} == {0o600}

    ok = idgraph("--store", store, "doctor", tmp_path / "out", "--neo4j-home", home)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ok: ")

    store.chmod(0o644)
    (tmp_path / "out").chmod(0o755)
    bad = idgraph("--store", store, "doctor", tmp_path / "out", "--neo4j-home", home)
    assert bad.exit_code == 1
    assert f"{store} (store, mode 0644): group may read; others may read\n  fix: chmod 600 {store}" in bad.output
    assert f"fix: chmod -R go-rwx {tmp_path / 'out'}" in bad.output

    as_json = json.loads(idgraph("--store", store, "doctor", tmp_path / "out", "--neo4j-home", home, "--json").output)
    assert as_json["ok"] is False
    assert {(f["path"], f["mode"]) for f in as_json["findings"]} == {(str(store), "0644"), (str(tmp_path / "out"), "0755")}
    assert {c["what"] for c in as_json["checked"]} >= {"store", "store side file", "rejects folder", "neo4j folder"}

    fixed = idgraph("--store", store, "doctor", tmp_path / "out", "--neo4j-home", home, "--fix")
    assert fixed.exit_code == 0
    assert mode(store) == 0o600 and mode(tmp_path / "out") == 0o700


def test_doctor_never_creates_the_store_it_checks(tmp_path: Path) -> None:
    store = tmp_path / "missing.idgraph.db"
    result = idgraph("--store", store, "doctor", "--neo4j-home", tmp_path / "none")
    assert result.exit_code == 0
    assert not store.exists()
