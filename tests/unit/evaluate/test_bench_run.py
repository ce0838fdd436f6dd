"""The benchmark runner, driven against a stand-in CLI with the engine's interface."""

from __future__ import annotations

import json
import sys

import pytest
from benchdata import FAKE_IDGRAPH, make_data_dir

from benchmarks.datasets import prepare
from benchmarks.run import (
    MD_END,
    MD_START,
    BenchmarkError,
    _rows_in_order,
    machine_facts,
    main,
    markdown_section,
    measure_command,
    ratio_row,
    run_dataset,
    table_rows,
    write_markdown,
)

MIB = 1024 * 1024


@pytest.fixture
def data_dir(tmp_path):
    return make_data_dir(tmp_path / "data")


def test_measure_command_reports_peak_memory_time_and_exit_code(tmp_path):
    log = tmp_path / "log"
    code = "import time; b = bytearray(120 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.2); raise SystemExit(4)"
    result = measure_command([sys.executable, "-c", code], log=log)
    assert result.returncode == 4
    assert result.seconds >= 0.2
    assert result.peak_rss_bytes >= 120 * MIB
    assert log.read_text().startswith("$ ")


def test_measure_command_counts_a_process_tree(tmp_path):
    child = "import time; b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.6)"
    parent = (
        "import subprocess, sys; "
        f"ps = [subprocess.Popen([sys.executable, '-c', {child!r}]) for _ in range(2)]; "
        "[p.wait() for p in ps]"
    )
    result = measure_command([sys.executable, "-c", parent], log=tmp_path / "log")
    assert result.returncode == 0
    assert result.peak_rss_bytes >= 160 * MIB  # two concurrent children, summed


def test_measure_command_timeout_kills(tmp_path):
    result = measure_command(
        [sys.executable, "-c", "import time; time.sleep(30)"], log=tmp_path / "log", timeout=0.3
    )
    assert result.returncode != 0
    assert result.seconds < 10


def test_run_dataset_end_to_end(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_IDGRAPH_RESOLVE_MIB", "100")
    prepared = prepare("febrl3", data_dir=data_dir, work_dir=tmp_path / "w")
    result = run_dataset(prepared, idgraph=FAKE_IDGRAPH)
    # the stand-in clusters by surname: {1-org, 1-dup-0, 3-org} {2-org} {2-dup-0 "jonse"}
    m = result["metrics"]
    assert m["pairwise_precision"] == pytest.approx(1 / 3)
    assert m["pairwise_recall"] == pytest.approx(1 / 2)
    assert m["largest_predicted_cluster"] == 3
    assert result["records"] == result["records_in_links"] == 5
    assert result["phases"]["load"]["commands"] == 1
    assert result["phases"]["resolve"]["peak_rss_mib"] >= 100
    assert result["peak_rss_mib"] == max(p["peak_rss_mib"] for p in result["phases"].values())
    assert result["total_seconds"] == pytest.approx(
        sum(p["seconds"] for p in result["phases"].values()), abs=0.01
    )
    assert result["store"] is None
    assert (tmp_path / "w" / "links.csv").is_file()
    log = (tmp_path / "w" / "run.log").read_text()
    assert "--quiet load" in log and "--quiet resolve" in log and "export links --out" in log


def test_run_dataset_two_sources(data_dir, tmp_path):
    prepared = prepare("febrl4", data_dir=data_dir, work_dir=tmp_path / "w")
    result = run_dataset(prepared, idgraph=FAKE_IDGRAPH)
    # one load command for both exports: the load phase is one process's wall time
    assert result["phases"]["load"]["commands"] == 1
    (load_line,) = [line for line in (tmp_path / "w" / "run.log").read_text().splitlines() if " load " in line]
    assert load_line.count("--mapping") == 2
    # brown/brown linked, green/grene not
    assert result["metrics"]["pairwise_recall"] == pytest.approx(1 / 2)
    assert result["metrics"]["pairwise_precision"] == 1.0


def test_a_failing_phase_is_reported_with_its_output(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_IDGRAPH_FAIL", "resolve")
    prepared = prepare("febrl3", data_dir=data_dir, work_dir=tmp_path / "w")
    with pytest.raises(BenchmarkError, match="(?s)resolve exited 3.*fake failure in resolve"):
        run_dataset(prepared, idgraph=FAKE_IDGRAPH)


def _md(tmp_path):
    md = tmp_path / "BENCHMARKS.md"
    md.write_text(f"# Benchmarks\n\nintro\n\n{MD_START}\nNot yet run.\n{MD_END}\n\nfooter\n")
    return md


def test_main_writes_json_and_markdown(data_dir, tmp_path):
    md = _md(tmp_path)
    out = tmp_path / "results.json"
    argv = [
        "--datasets", "febrl3,synth-4,historical_50k",
        "--data", str(data_dir),
        "--work-root", str(tmp_path / "work"),
        "--out", str(out),
        "--idgraph", " ".join(FAKE_IDGRAPH),
        "--write-md", "--md", str(md), "--engines", "ours",
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(out.read_text())
    assert [r["dataset"] for r in report["results"]] == ["febrl3", "synth-4", "historical_50k"]
    assert report["failures"] == []
    assert set(report["machine"]) >= {"cpu", "logical_cores", "ram_gib", "python", "date"}
    synth = report["results"][1]["metrics"]
    assert synth["pairwise_f1"] == 1.0  # the stand-in generator's surnames are the truth
    text = md.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n" + MD_START)
    assert text.endswith(MD_END + "\n\nfooter\n")
    assert "Not yet run" not in text
    assert "| febrl3 | ours | 5 |" in text and "| synth-4 | ours | 8 |" in text
    assert report["machine"]["cpu"] in text


def test_main_keeps_going_after_a_failure(data_dir, tmp_path):
    out = tmp_path / "results.json"
    argv = ["--datasets", "febrl3,nonsense", "--data", str(data_dir), "--work-root", str(tmp_path / "w"),
            "--out", str(out), "--idgraph", " ".join(FAKE_IDGRAPH), "--engines", "ours"]  # fmt: skip
    assert main(argv) == 1
    report = json.loads(out.read_text())
    assert [r["dataset"] for r in report["results"]] == ["febrl3"]
    assert report["failures"][0]["dataset"] == "nonsense"
    assert "nonsense" in markdown_section(report)


def test_write_markdown_needs_the_markers(tmp_path):
    md = tmp_path / "B.md"
    md.write_text("no markers here\n")
    with pytest.raises(BenchmarkError, match="markers"):
        write_markdown(md, "x")
    md = _md(tmp_path)
    write_markdown(md, "first")
    write_markdown(md, "second")
    assert md.read_text() == f"# Benchmarks\n\nintro\n\n{MD_START}\nsecond\n{MD_END}\n\nfooter\n"


def test_table_rows_line_up():
    result = {
        "dataset": "synth-350k",
        "records": 650_000,
        "metrics": {
            "pairwise_precision": 0.99, "pairwise_recall": 0.9, "pairwise_f1": 0.94,
            "bcubed_precision": 0.99, "bcubed_recall": 0.95, "bcubed_f1": 0.97, "exact_share": 0.9,
            "largest_predicted_cluster": 12, "largest_true_cluster": 9,
        },
        "phases": {"load": {"seconds": 100.0}, "resolve": {"seconds": 200.0}, "export": {"seconds": 3.0}},
        "total_seconds": 303.0,
        "peak_rss_mib": 4096.4,
    }  # fmt: skip
    header, row = table_rows(), table_rows(result)
    assert len(header) == len(row)
    assert "650,000" in row and "12/9" in row and "303.0" in row


def test_machine_facts():
    facts = machine_facts()
    assert facts["logical_cores"] >= 1
    assert facts["cpu"]
    assert facts["python"].startswith("3.")


def test_measure_command_kills_past_the_memory_limit(tmp_path):
    code = "import time; b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(30)"
    result = measure_command(
        [sys.executable, "-c", code], log=tmp_path / "log", max_rss_bytes=100 * MIB
    )
    assert result.killed == "memory"
    assert result.returncode != 0
    assert result.seconds < 20
    assert "killed at" in (tmp_path / "log").read_text()


def test_a_run_over_the_memory_limit_is_a_recorded_failure(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_IDGRAPH_RESOLVE_MIB", "300")
    prepared = prepare("febrl3", data_dir=data_dir, work_dir=tmp_path / "w")
    with pytest.raises(BenchmarkError, match="resolve killed at") as info:
        run_dataset(prepared, idgraph=FAKE_IDGRAPH, max_rss_bytes=150 * MIB)
    assert info.value.details["killed"] == "memory"
    assert info.value.details["peak_rss_mib"] > 150


def _result(engine, f1, seconds, mib):
    metrics = dict.fromkeys(
        [
            "pairwise_precision",
            "pairwise_recall",
            "bcubed_precision",
            "bcubed_recall",
            "bcubed_f1",
            "exact_share",
        ],
        0.9,
    )
    metrics.update(pairwise_f1=f1, largest_predicted_cluster=3, largest_true_cluster=3)
    return {"dataset": "d", "engine": engine, "records": 10, "metrics": metrics,
            "phases": {}, "total_seconds": seconds, "peak_rss_mib": mib, "load_avg": [0.1, 0.2, 0.3]}  # fmt: skip


def test_ratio_row_and_side_by_side_table():
    ours, splink = _result("ours", 0.95, 10.0, 500.0), _result("splink", 0.90, 20.0, 250.0)
    ratio = ratio_row(ours, splink)
    assert ratio["time_ratio"] == 0.5 and ratio["memory_ratio"] == 2.0
    assert ratio["differences"]["pairwise_f1"] == pytest.approx(0.05)
    row = table_rows(ratio)
    assert len(row) == len(table_rows())
    assert "+0.050" in row and "0.50×" in row and "2.00×" in row
    report = {
        "command": "benchmarks/run.py", "machine": machine_facts(), "failures": [],
        "results": [ours, splink], "ratios": [ratio],
    }  # fmt: skip
    assert [r["engine"] for r in _rows_in_order(report)] == ["ours", "splink", "ours/splink"]
    text = markdown_section(report)
    assert "| d | ours/splink |" in text and "| d | splink | 10 |" in text
