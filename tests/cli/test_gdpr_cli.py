"""``idgraph subject-access``, ``idgraph erase``, ``idgraph retention apply`` and ``load
--snapshot``: personal-data duties from a shell (the stores' behaviour is in
tests/store/test_gdpr_contract.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.synth import SynthSummary, generate


def idgraph(store: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), "--quiet", *[str(a) for a in args]],
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(120, 3, tmp_path_factory.mktemp("gdpr_cli"))


@pytest.fixture
def store_path(council: SynthSummary, tmp_path: Path) -> Path:
    path = tmp_path / "c.idgraph.db"
    store = api.open_store(path, create=True)
    for source in sorted(council.files):
        api.load(store, council.files[source], council.mappings[source], rejects_path=tmp_path / f"{source}.csv")
    api.resolve(store)
    store.close()
    return path


def test_subject_access_then_erase_then_an_old_export_is_refused(
    council: SynthSummary, store_path: Path, tmp_path: Path
) -> None:
    store = api.open_store(store_path)
    record = sorted(store.records_frame()["record_id"])[0]
    pid = store.person_of(record)
    store.close()

    sar = CliRunner().invoke(cli, ["--store", str(store_path), "--purpose", "SAR 7", "subject-access", pid,
                                   "--out", str(tmp_path / "sar"), "--json"], catch_exceptions=False)
    assert sar.exit_code == 0, sar.output
    written = json.loads(sar.output)
    assert json.loads(Path(written["json_path"]).read_text(encoding="utf-8"))["person"]["person_id"] == pid
    assert Path(written["html_path"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    no_reason = idgraph(store_path, "erase", pid, "--yes")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    done = idgraph(store_path, "erase", pid, "--reason", "SAR 7 erasure", "--yes")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("erased ") and "tombstones kept" in done.output

    source = record.split(":", 1)[0]
    again = idgraph(store_path, "load", council.files[source], "--mapping", council.mappings[source],
                    "--rejects", tmp_path / "again.csv")
    assert again.exit_code == 0, again.output
    assert "0 new" in again.output and "rejected" in again.output
    assert "erased on" in (tmp_path / "again.csv").read_text(encoding="utf-8")
    assert api.open_store(store_path).person(pid)["status"] == "retired"


def test_retention_without_limits_says_so(store_path: Path) -> None:
    out = idgraph(store_path, "retention", "apply", "--dry-run")
    assert out.exit_code == 0 and "retain_history_days" in out.output


def test_a_snapshot_that_would_retire_too_much_is_refused_with_the_flag_to_use(
    council: SynthSummary, store_path: Path, tmp_path: Path
) -> None:
    export = Path(council.files["council_tax"])
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    half = tmp_path / "council_tax_half.csv"
    df.iloc[: len(df) // 2].to_csv(half, index=False)
    refused = idgraph(store_path, "load", half, "--mapping", council.mappings["council_tax"], "--snapshot")
    assert refused.exit_code != 0
    assert "--allow-mass-retire" in refused.output and "nothing was loaded" in refused.output
    done = idgraph(store_path, "load", half, "--mapping", council.mappings["council_tax"], "--snapshot",
                   "--allow-mass-retire")
    assert done.exit_code == 0, done.output
    assert f"{len(df) - len(df) // 2:,} retired (missing from the snapshot" in done.output
