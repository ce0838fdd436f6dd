"""`idgraph synth` writes a load manifest that `idgraph load --manifest` reads (it used to write
only JSON, which the loader rejected as "not valid TOML")."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from identity_graph.cli.main import cli
from identity_graph.ingest.manifest import read_manifest


def idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_synth_then_load_manifest_loads_every_export_with_its_mapping(tmp_path: Path) -> None:
    out = tmp_path / "council"
    made = idgraph("synth", "--people", 60, "--seed", 2, "--out", out)
    assert made.exit_code == 0, made.output
    assert f"idgraph load --manifest {out / 'load.toml'}" in made.stdout
    entries = read_manifest(out / "load.toml")
    exports = sorted((out / "exports").iterdir())
    assert [e.file for e in entries] == exports
    assert [e.mapping for e in entries] == [out / "mappings" / f"{e.stem}.toml" for e in exports]

    loaded = idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", "--manifest", out / "load.toml", "--json")
    assert loaded.exit_code == 0, loaded.output
    reports = json.loads(loaded.stdout)
    truth_rows = len((out / "truth.csv").read_text().splitlines()) - 1
    assert [r["source"] for r in reports] == [e.stem for e in exports]
    assert sum(r["inserted"] for r in reports) == truth_rows
    assert json.loads((out / "manifest.json").read_text())["load_manifest"] == "load.toml"


def test_the_synth_json_given_as_a_load_manifest_points_at_the_toml_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "council"
    assert idgraph("synth", "--people", 30, "--seed", 2, "--out", out).exit_code == 0
    res = idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", "--manifest", out / "manifest.json")
    assert res.exit_code == 2
    assert "is JSON, but a load manifest is TOML" in res.stderr
    assert f"the load manifest beside it is {out / 'load.toml'}" in res.stderr
    assert "Traceback" not in res.output
