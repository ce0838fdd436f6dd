"""Run the engine end to end on benchmark datasets; measure accuracy, time and memory on the same runs.

For each dataset, in a fresh temporary store, the engine's CLI runs as child processes::

    idgraph --store DB --quiet load EXPORT --mapping MAPPING     (once per export)
    idgraph --store DB --quiet resolve
    idgraph --store DB --quiet export links --out links.csv

Each phase is timed (wall clock) and its peak memory measured: the larger of the kernel's high-water
mark for the child (``ru_maxrss`` from ``wait4``, exact for a single process) and the summed RSS of
the child's process tree sampled every 50 ms (catches concurrent worker processes). The links are
scored against the truth with :func:`identity_graph.evaluate.evaluate_clusters`.

Examples::

    .venv/bin/python benchmarks/run.py --quick
    .venv/bin/python benchmarks/run.py --suite standard --write-md
    .venv/bin/python benchmarks/run.py --datasets febrl3,synth-2k
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.datasets import (  # noqa: E402
    DEFAULT_DATA_DIR,
    DEFAULT_WORK_ROOT,
    DatasetError,
    PreparedDataset,
    idgraph_command,
    load_prepared,
    prepare,
)
from identity_graph.evaluate import evaluate_clusters  # noqa: E402

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is in the test and bench extras
    psutil = None

__all__ = [
    "MD_END",
    "MD_START",
    "QUICK",
    "STANDARD",
    "BenchmarkError",
    "CommandResult",
    "machine_facts",
    "main",
    "markdown_section",
    "measure_command",
    "run_dataset",
    "table_rows",
    "write_markdown",
]

STANDARD = ("febrl3", "febrl4", "historical_50k", "synth-10k", "synth-100k", "synth-350k")
QUICK = ("febrl3", "historical_50k", "synth-10k")
SUITES = {"standard": STANDARD, "quick": QUICK}
MD_START = "<!-- results:start -->"
MD_END = "<!-- results:end -->"
POLL_SECONDS = 0.05
MIB = 1024 * 1024


class BenchmarkError(RuntimeError):
    """A benchmark step failed (the engine exited non-zero, timed out, or wrote no links)."""


# --- measuring one child process ------------------------------------------------------------------


@dataclass(frozen=True)
class CommandResult:
    seconds: float
    peak_rss_bytes: int
    returncode: int


def _tree_rss(proc: Any) -> int:
    """Summed RSS of a psutil process and its live descendants (0 once it has gone)."""
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def _maxrss_bytes(ru_maxrss: int) -> int:
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024  # Linux reports KiB


def measure_command(
    cmd: Sequence[str], *, log: Path, timeout: float | None = None
) -> CommandResult:
    """Run ``cmd`` (output appended to ``log``); return its wall time, peak RSS and exit code."""
    with log.open("ab") as out:
        out.write(f"$ {shlex.join(cmd)}\n".encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        peak = 0
        stop = threading.Event()
        timed_out = threading.Event()

        def sample() -> None:
            nonlocal peak
            watched = None
            if psutil is not None:
                try:
                    watched = psutil.Process(proc.pid)
                except psutil.Error:
                    watched = None
            while not stop.is_set():
                if watched is not None:
                    peak = max(peak, _tree_rss(watched))
                if timeout is not None and time.perf_counter() - start > timeout:
                    timed_out.set()
                    _kill_group(proc.pid)
                    return
                stop.wait(POLL_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            stop.set()
        seconds = time.perf_counter() - start
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
        _kill_group(proc.pid)  # leftovers of the process group, if any
        if timed_out.is_set():
            out.write(f"[benchmark] killed after {timeout:.0f} s\n".encode())
            return CommandResult(
                seconds, max(peak, _maxrss_bytes(usage.ru_maxrss)), -signal.SIGKILL
            )
    return CommandResult(seconds, max(peak, _maxrss_bytes(usage.ru_maxrss)), proc.returncode)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# --- one dataset ------------------------------------------------------------------------------------


def _log_tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(text[-lines:])


def read_links(path: Path) -> pd.Series:
    """``links.csv`` (source,source_record_id,person_id) as person id by record key."""
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, usecols=["source", "source_record_id", "person_id"]
    )
    keys = frame["source"] + ":" + frame["source_record_id"]
    return pd.Series(frame["person_id"].to_numpy(), index=pd.Index(keys, name="record"))


def run_dataset(
    prepared: PreparedDataset,
    *,
    idgraph: Sequence[str],
    timeout: float | None = None,
    keep_store: bool = False,
) -> dict[str, Any]:
    """Load, resolve and export ``prepared`` in a fresh store; return its result record."""
    log = prepared.work_dir / "run.log"
    log.unlink(missing_ok=True)
    links = prepared.work_dir / "links.csv"
    links.unlink(missing_ok=True)
    store_dir = Path(tempfile.mkdtemp(prefix=f"idgraph-bench-{prepared.name}-"))
    store = store_dir / "bench.idgraph.db"
    base = [*idgraph, "--store", str(store), "--quiet"]
    steps: list[tuple[str, list[str]]] = [
        ("load", [*base, "load", str(load.export), "--mapping", str(load.mapping)])
        for load in prepared.loads
    ]
    steps += [
        ("resolve", [*base, "resolve"]),
        ("export", [*base, "export", "links", "--out", str(links)]),
    ]
    phases: dict[str, dict[str, Any]] = {
        name: {"seconds": 0.0, "peak_rss_mib": 0.0, "commands": 0}
        for name in ("load", "resolve", "export")
    }
    try:
        for phase, cmd in steps:
            result = measure_command(cmd, log=log, timeout=timeout)
            record = phases[phase]
            record["seconds"] += result.seconds
            record["peak_rss_mib"] = max(record["peak_rss_mib"], result.peak_rss_bytes / MIB)
            record["commands"] += 1
            if result.returncode != 0:
                raise BenchmarkError(
                    f"{prepared.name}: {phase} exited {result.returncode}: {shlex.join(cmd)}\n{_log_tail(log)}"
                )
        store_mib = sum(p.stat().st_size for p in store_dir.iterdir() if p.is_file()) / MIB
    finally:
        if not keep_store:
            shutil.rmtree(store_dir, ignore_errors=True)
    if not links.is_file():
        raise BenchmarkError(f"{prepared.name}: export wrote no {links}")

    predicted = read_links(links)
    metrics = evaluate_clusters(prepared.truth, predicted)
    found = int(prepared.truth.index.isin(predicted.index).sum())
    for record in phases.values():
        record["seconds"] = round(record["seconds"], 3)
        record["peak_rss_mib"] = round(record["peak_rss_mib"], 1)
    return {
        "dataset": prepared.name,
        "task": prepared.task,
        "sources": len(prepared.loads),
        "records": prepared.records,
        "records_in_links": found,
        "metrics": metrics.to_dict(),
        "phases": phases,
        "total_seconds": round(sum(p["seconds"] for p in phases.values()), 3),
        "peak_rss_mib": max(p["peak_rss_mib"] for p in phases.values()),
        "store_mib": round(store_mib, 1),
        "store": str(store) if keep_store else None,
    }


# --- machine facts and reporting -----------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _ram_bytes() -> int | None:
    if psutil is not None:
        return int(psutil.virtual_memory().total)
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def machine_facts() -> dict[str, Any]:
    """What the numbers were measured on."""
    ram = _ram_bytes()
    try:
        version = metadata.version("identity-graph")
    except metadata.PackageNotFoundError:
        version = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False) if psutil is not None else None,
        "ram_gib": round(ram / 1024**3, 1) if ram else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "identity_graph": version,
        "git_commit": _git_commit(),
    }


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("dataset", lambda r: r["dataset"]),
    ("records", lambda r: f"{r['records']:,}"),
    ("pair P", lambda r: _fmt(r["metrics"]["pairwise_precision"])),
    ("pair R", lambda r: _fmt(r["metrics"]["pairwise_recall"])),
    ("pair F1", lambda r: _fmt(r["metrics"]["pairwise_f1"])),
    ("B3 P", lambda r: _fmt(r["metrics"]["bcubed_precision"])),
    ("B3 R", lambda r: _fmt(r["metrics"]["bcubed_recall"])),
    ("B3 F1", lambda r: _fmt(r["metrics"]["bcubed_f1"])),
    ("exact", lambda r: _fmt(r["metrics"]["exact_share"])),
    (
        "largest pred/true",
        lambda r: (
            f"{r['metrics']['largest_predicted_cluster']}/{r['metrics']['largest_true_cluster']}"
        ),
    ),
    ("load s", lambda r: _fmt(r["phases"]["load"]["seconds"], 1)),
    ("resolve s", lambda r: _fmt(r["phases"]["resolve"]["seconds"], 1)),
    ("total s", lambda r: _fmt(r["total_seconds"], 1)),
    ("peak MiB", lambda r: f"{r['peak_rss_mib']:.0f}"),
]
_WIDTHS = [16, 9, 6, 6, 7, 6, 6, 6, 6, 17, 7, 9, 8, 8]


def table_rows(result: dict[str, Any] | None = None) -> str:
    """The console header (no argument) or one console row for a result."""
    cells = (
        [name for name, _ in _COLUMNS] if result is None else [cell(result) for _, cell in _COLUMNS]
    )
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, _WIDTHS, strict=True))
    )


def markdown_section(report: dict[str, Any]) -> str:
    """The text that goes between the results markers of BENCHMARKS.md."""
    m = report["machine"]
    cores = f"{m['logical_cores']} logical cores"
    if m.get("physical_cores"):
        cores += f" ({m['physical_cores']} physical)"
    engine = f"identity-graph {m.get('identity_graph') or '?'}"
    if m.get("git_commit"):
        engine += f" @ `{m['git_commit']}`"
    lines = [
        f"Run {m['date']} with `{report['command']}`.",
        "",
        f"Machine: {m['cpu']}, {cores}, {m['ram_gib']} GiB RAM; Python {m['python']} on {m['platform']}; {engine}.",
        "",
        "| " + " | ".join(name for name, _ in _COLUMNS) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(_COLUMNS))) + "|",
    ]
    lines += ["| " + " | ".join(cell(r) for _, cell in _COLUMNS) + " |" for r in report["results"]]
    if report["failures"]:
        lines += ["", "Failed:", ""]
        lines += [f"- `{f['dataset']}`: {f['error'].splitlines()[0]}" for f in report["failures"]]
    return "\n".join(lines)


def write_markdown(path: Path, section: str) -> None:
    """Replace what lies between the results markers of ``path``; keep the rest of the file."""
    text = path.read_text()
    start, end = text.find(MD_START), text.find(MD_END)
    if start < 0 or end < start:
        raise BenchmarkError(f"{path} lacks the markers {MD_START} ... {MD_END}")
    path.write_text(text[: start + len(MD_START)] + "\n" + section.strip() + "\n" + text[end:])


# --- command line -----------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the engine: accuracy, time and memory on the same runs.",
        epilog="Example: .venv/bin/python benchmarks/run.py --suite standard --write-md",
    )
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument(
        "--datasets",
        help="comma-separated: febrl3,febrl4,historical_50k,synth-<N> (e.g. synth-10k)",
    )
    pick.add_argument("--suite", choices=sorted(SUITES), help=f"standard = {','.join(STANDARD)}")
    pick.add_argument("--quick", action="store_true", help=f"= {','.join(QUICK)}")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_WORK_ROOT / "results.json", help="results JSON"
    )
    parser.add_argument(
        "--write-md", action="store_true", help="rewrite the results section of BENCHMARKS.md"
    )
    parser.add_argument(
        "--md", type=Path, default=REPO_ROOT / "BENCHMARKS.md", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="folder holding febrl/ and splink/"
    )
    parser.add_argument(
        "--work-root", type=Path, default=DEFAULT_WORK_ROOT, help="datasets go to ROOT/<name>"
    )
    parser.add_argument("--idgraph", help="engine command (default: idgraph next to this python)")
    parser.add_argument(
        "--timeout", type=float, help="kill any one command after this many seconds"
    )
    parser.add_argument(
        "--reuse-prepared", action="store_true", help="reuse datasets already in --work-root"
    )
    parser.add_argument(
        "--keep-store", action="store_true", help="keep each temporary store (path in the JSON)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.datasets:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    else:
        names = list(SUITES["quick" if args.quick else (args.suite or "standard")])
    idgraph = shlex.split(args.idgraph) if args.idgraph else idgraph_command()
    command = "benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "schema": 1,
        "command": command.strip(),
        "machine": machine_facts(),
        "results": [],
        "failures": [],
    }
    print(table_rows(), flush=True)
    for name in names:
        work_dir = args.work_root / name
        try:
            if args.reuse_prepared and (work_dir / "dataset.json").is_file():
                prepared = load_prepared(work_dir)
            else:
                prepared = prepare(name, data_dir=args.data, work_dir=work_dir, idgraph=idgraph)
            result = run_dataset(
                prepared, idgraph=idgraph, timeout=args.timeout, keep_store=args.keep_store
            )
        except (BenchmarkError, DatasetError, ValueError, OSError) as exc:
            report["failures"].append({"dataset": name, "error": str(exc)})
            print(f"{name:<16}  FAILED: {exc}", file=sys.stderr, flush=True)
            continue
        report["results"].append(result)
        print(table_rows(result), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.out}", file=sys.stderr)
    if args.write_md:
        write_markdown(args.md, markdown_section(report))
        print(f"updated: {args.md}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
