"""A batch load: several exports in one process (``api.load_many``, ``idgraph load A B -m a -m b``,
``idgraph load --manifest``), each export still atomic and idempotent on its own."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.errors import BatchLoadError, IdentityGraphError, ManifestError
from identity_graph.store.embedded import EmbeddedStore

pytestmark = pytest.mark.embedded

HR_MAPPING = """\
source = "hr"
id = "REF"
encoding = "utf-8"

[fields]
given_name = "FORENAME"
family_name = "SURNAME"
dob = "DOB"
postcode = "POSTCODE"

[formats]
dob = "%d/%m/%Y"
"""

GIVEN = ["John", "Mary", "Robert", "Aisha", "Tomasz", "Siobhan", "Wei", "Olu"]
FAMILY = ["Smith", "Jones", "Brown", "Khan", "Nowak", "Murphy", "Chen", "Adeyemi"]


def _rows(n: int, prefix: str) -> list[list[str]]:
    return [
        [f"{prefix}{i:05d}", FAMILY[i % 8], GIVEN[(i // 8) % 8], f"{1 + i % 28:02d}/{1 + i % 12:02d}/19{50 + i % 50}",
         f"LS{1 + i % 9} {1 + i % 9}AB"]
        for i in range(n)
    ]


def _export(path: Path, rows: list[list[str]], *, bad_byte_at_row: int | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["REF", "SURNAME", "FORENAME", "DOB", "POSTCODE"])
        w.writerows(rows)
    if bad_byte_at_row is not None:  # a cp1252 "é" in a file declared utf-8, far down the file
        lines = path.read_bytes().split(b"\n")
        lines[bad_byte_at_row] = lines[bad_byte_at_row].replace(b",", b"\xe9,", 1)
        path.write_bytes(b"\n".join(lines))
    return path


def _mapping(path: Path, source: str) -> Path:
    path.write_text(HR_MAPPING.replace('source = "hr"', f'source = "{source}"'), encoding="utf-8")
    return path


@pytest.fixture()
def three(tmp_path: Path) -> list[tuple[Path, Path]]:
    """Three good exports of three sources, big enough for several chunks each."""
    return [
        (_export(tmp_path / f"{s}.csv", _rows(n, s[:2].upper())), _mapping(tmp_path / f"{s}.toml", s))
        for s, n in (("payroll", 900), ("pensions", 40), ("training", 700))
    ]


def _contents(store: EmbeddedStore) -> tuple[pd.DataFrame, list[tuple[object, ...]]]:
    records = store.records_frame()
    idents = store.con.execute("SELECT kind, value, record_id FROM identifiers ORDER BY 1, 2, 3").fetchall()
    return records, idents


def _idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_a_batch_gives_the_same_store_as_one_load_per_export(three: list[tuple[Path, Path]], tmp_path: Path) -> None:
    one_by_one = EmbeddedStore(tmp_path / "one.idgraph.db")
    for export, mapping in three:
        api.load(one_by_one, export, mapping, chunk_rows=100)
    batch = EmbeddedStore(tmp_path / "batch.idgraph.db")

    reports = api.load_many(batch, three, chunk_rows=100)

    assert [(r.source, r.inserted) for r in reports] == [("payroll", 900), ("pensions", 40), ("training", 700)]
    want, got = _contents(one_by_one), _contents(batch)
    pd.testing.assert_frame_equal(got[0], want[0])
    assert got[1] == want[1]
    assert batch.stats()["loads"] == 3


def test_a_batch_loaded_again_changes_nothing(three: list[tuple[Path, Path]], tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.idgraph.db")
    api.load_many(store, three, chunk_rows=100)
    before = _contents(store)

    again = api.load_many(store, three, chunk_rows=100)

    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [(0, 0, 900), (0, 0, 40), (0, 0, 700)]
    pd.testing.assert_frame_equal(_contents(store)[0], before[0])


def test_a_bad_export_is_rolled_back_the_earlier_ones_kept_and_the_later_ones_not_started(
    three: list[tuple[Path, Path]], tmp_path: Path
) -> None:
    bad = _export(tmp_path / "bad.csv", _rows(2000, "BD"), bad_byte_at_row=1500)
    batch = [three[0], (bad, _mapping(tmp_path / "bad.toml", "bad")), three[2]]
    store = EmbeddedStore(tmp_path / "s.idgraph.db")
    seen: list[str] = []

    # chunk_rows=100: several chunks of bad.csv are written before data row 1,500 is reached
    with pytest.raises(BatchLoadError) as caught:
        api.load_many(store, batch, chunk_rows=100, on_report=lambda r: seen.append(r.source))

    err = caught.value
    assert err.path == str(bad) and [r.source for r in err.loaded] == seen == ["payroll"]
    assert err.not_started == 1 and err.exit_code == 3  # the cause's (an IngestError)
    assert "bad.csv, row 1500, column 'REF'" in str(err)  # the file, the data row, the column
    assert "rolled back" in str(err)
    assert sorted(store.records_frame()["source"].unique()) == ["payroll"]
    assert store.stats()["loads"] == 1
    assert store.con.execute("SELECT count(*) FROM identifiers WHERE record_id LIKE 'bad:%'").fetchone() == (0,)


def test_an_unreadable_later_export_does_not_disturb_the_one_being_written(
    three: list[tuple[Path, Path]], tmp_path: Path
) -> None:
    """The next export's header is read (and found wrong) while the first is still being
    written: the error waits for its own export."""
    no_dob = tmp_path / "no_dob.csv"
    no_dob.write_text("REF,SURNAME,FORENAME,POSTCODE\nX1,Smith,John,LS1 1AA\n", encoding="utf-8")
    store = EmbeddedStore(tmp_path / "s.idgraph.db")

    with pytest.raises(BatchLoadError, match=r"column 'DOB' not in \S*no_dob\.csv") as caught:
        api.load_many(store, [three[0], (no_dob, _mapping(tmp_path / "n.toml", "nodob"))], chunk_rows=10)

    assert [r.inserted for r in caught.value.loaded] == [900]
    assert len(store.records_frame()) == 900


def test_every_missing_export_and_bad_mapping_is_reported_before_anything_loads(
    three: list[tuple[Path, Path]], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('source = "x"\n[fields]\ngiven_name = "A"\n', encoding="utf-8")  # no id
    store = EmbeddedStore(tmp_path / "s.idgraph.db")

    with pytest.raises(IdentityGraphError) as caught:
        api.load_many(store, [three[0], (tmp_path / "missing.csv", three[1][1]), (three[2][0], broken)])

    text = str(caught.value)
    assert text.startswith("nothing loaded: 2 problems")
    assert "missing.csv not found" in text and "broken.toml" in text
    assert store.stats()["loads"] == 0


def test_the_cli_pairs_each_export_with_its_mapping_in_order(three: list[tuple[Path, Path]], tmp_path: Path) -> None:
    (e1, m1), (e2, m2), _ = three
    result = _idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", e1, e2, "-m", m1, "-m", m2, "--json")

    assert result.exit_code == 0, result.output
    assert [(r["source"], r["inserted"]) for r in json.loads(result.stdout)] == [("payroll", 900), ("pensions", 40)]


def test_the_cli_refuses_a_mapping_count_that_pairs_with_nothing(three: list[tuple[Path, Path]], tmp_path: Path) -> None:
    exports = [e for e, _ in three]
    result = _idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", *exports, "-m", three[0][1], "-m", three[1][1])

    assert result.exit_code == 2
    assert "3 exports but 2 --mapping options" in result.output


def test_a_manifest_lists_the_exports_relative_to_itself(three: list[tuple[Path, Path]], tmp_path: Path) -> None:
    manifest = tmp_path / "load.toml"
    manifest.write_text(
        "".join(f'[[export]]\nfile = "{e.name}"\nmapping = "{m.name}"\n\n' for e, m in three)
        + f'rejects = "{tmp_path / "training-rejects.csv"}"\n',
        encoding="utf-8",
    )
    result = _idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", "--manifest", manifest)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # (stderr has the progress: ADR 0039)
    assert [line.split(":")[0] for line in lines] == ["payroll", "pensions", "training"]
    assert "(see " in lines[2] and (tmp_path / "training-rejects.csv").exists()  # its own rejects file


def test_a_manifest_reports_every_problem_at_once(tmp_path: Path) -> None:
    manifest = tmp_path / "load.toml"
    manifest.write_text('[[export]]\nfile = "nope.csv"\n\n[[export]]\nmapping = 3\nfiel = "x.csv"\n', encoding="utf-8")

    with pytest.raises(ManifestError) as caught:
        from identity_graph.ingest.manifest import read_manifest

        read_manifest(manifest)

    problems = caught.value.problems
    assert any("number 1: mapping is missing" in p for p in problems)
    assert any("number 1: file" in p and "nope.csv not found" in p for p in problems)
    assert any("number 2: unknown key 'fiel'" in p for p in problems)
    assert any("number 2: mapping must be a path" in p for p in problems)
    result = _idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", "--manifest", manifest)
    assert result.exit_code == 2 and "load manifest" in result.output


def test_the_cli_prints_the_loaded_exports_then_names_the_one_that_failed(
    three: list[tuple[Path, Path]], tmp_path: Path
) -> None:
    bad = _export(tmp_path / "bad.csv", _rows(2000, "BD"), bad_byte_at_row=1500)
    result = _idgraph("--store", tmp_path / "s.idgraph.db", "load", "--create", three[0][0], bad, three[2][0],
                      "-m", three[0][1], "-m", _mapping(tmp_path / "bad.toml", "bad"), "-m", three[2][1])

    assert result.exit_code == 3
    assert result.stdout.startswith("payroll: 900 rows from payroll.csv: 900 new")
    assert "error: " in result.stderr and "bad.csv, row 1500, column 'REF'" in result.stderr
    assert "the 1 export(s) after it were not started" in result.stderr


def _cli_process(store: Path, *args: str | Path, crash_after: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IDGRAPH_CRASH_AFTER"}
    if crash_after:
        env["IDGRAPH_CRASH_AFTER"] = crash_after
    return subprocess.run(
        [sys.executable, "-m", "identity_graph.cli.main", "--quiet", "--store", str(store), *map(str, args)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_a_batch_killed_in_its_second_export_keeps_the_first_and_a_rerun_completes_it(
    three: list[tuple[Path, Path]], tmp_path: Path
) -> None:
    (e1, m1), _, (e3, m3) = three
    store_path = tmp_path / "s.idgraph.db"
    load = ["load", "--create", e1, e3, "-m", m1, "-m", m3, "--chunk-rows", "100"]

    # payroll is 9 chunks of 100; the 11th chunk written is training's second: kill -9 there
    killed = _cli_process(store_path, *load, crash_after="load:11")
    assert killed.returncode == 137, killed.stderr
    with EmbeddedStore(store_path) as s:
        assert s.records_frame()["source"].value_counts().to_dict() == {"payroll": 900}
        assert s.loads()["source"].tolist() == ["payroll"]  # training's load rolled back with it

    rerun = _cli_process(store_path, *load)
    assert rerun.returncode == 0, rerun.stderr
    assert "payroll: 900 rows from payroll.csv: 0 new, 0 updated, 900 unchanged" in rerun.stdout
    assert "training: 700 rows from training.csv: 700 new" in rerun.stdout

    clean = EmbeddedStore(tmp_path / "clean.idgraph.db")
    api.load(clean, e1, m1)
    api.load(clean, e3, m3)
    with EmbeddedStore(store_path) as s:
        pd.testing.assert_frame_equal(_contents(s)[0], _contents(clean)[0])
        assert _contents(s)[1] == _contents(clean)[1]
