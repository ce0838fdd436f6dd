"""Run the engine, and Splink beside it, end to end on benchmark datasets; measure accuracy, time
and memory on the same runs.

For each dataset, in a fresh temporary store, the engine's CLI runs as child processes::

    idgraph --store DB --quiet load --create EXPORT... --mapping MAPPING...  (one process, every export)
    idgraph --store DB --quiet resolve
    idgraph --store DB --quiet export links --out links.csv

and Splink (``--engines ours,splink``, the default when Splink is installed) runs on the same
data as one child process (``benchmarks/splink_engine.py``: its input is prepared untimed, then
reading it, training, predicting, clustering and collecting the clusters are timed).

Each child is timed (wall clock) and its peak memory measured: the larger of the kernel's
high-water mark for the child (``ru_maxrss`` from ``wait4``, exact for a single process) and the
summed RSS of the child's process tree sampled every 50 ms (catches concurrent worker
processes). A child over ``--max-rss-gib`` is killed and recorded as failed. Both engines'
clusters are scored against the same truth with :func:`identity_graph.evaluate.evaluate_clusters`;
a ratio row per dataset gives ours/Splink time and memory and the metric differences.

Examples::

    .venv/bin/python benchmarks/run.py --quick
    .venv/bin/python benchmarks/run.py --suite standard --write-md
    .venv/bin/python benchmarks/run.py --datasets febrl3,synth-2k --engines ours
    .venv/bin/python benchmarks/run.py --suite scale --engines ours,splink
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
from benchmarks.splink_engine import (  # noqa: E402
    SplinkInputError,
    child_command,
    prepare_input,
    read_clusters,
    splink_version,
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
    "ENGINES",
    "machine_facts",
    "main",
    "markdown_section",
    "measure_command",
    "ratio_row",
    "run_dataset",
    "run_splink",
    "table_rows",
    "write_markdown",
]

STANDARD = ("febrl3", "febrl4", "historical_50k", "synth-10k", "synth-100k", "synth-350k")
QUICK = ("febrl3", "historical_50k", "synth-10k")
SCALE = ("synth-700k", "synth-1400k")  # ≈1.3M and ≈2.6M records (issue 4 item 4)
SUITES = {"standard": STANDARD, "quick": QUICK, "scale": SCALE}
ENGINES = ("ours", "splink")
MD_START = "<!-- results:start -->"
MD_END = "<!-- results:end -->"
POLL_SECONDS = 0.05
MIB = 1024 * 1024


class BenchmarkError(RuntimeError):
    """A benchmark step failed (an engine exited non-zero, was killed, or wrote no clusters).

    ``details`` holds what was measured before the failure (seconds, peak_rss_mib, killed).
    """

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.details = details or {}


# --- measuring one child process ------------------------------------------------------------------


@dataclass(frozen=True)
class CommandResult:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    killed: str | None = None  # "timeout" | "memory": the harness killed it


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
    cmd: Sequence[str],
    *,
    log: Path,
    timeout: float | None = None,
    max_rss_bytes: int | None = None,
) -> CommandResult:
    """Run ``cmd`` (output appended to ``log``); return its wall time, peak RSS and exit code.

    The process group is killed after ``timeout`` seconds, or as soon as the sampled tree RSS
    exceeds ``max_rss_bytes`` (before the kernel's OOM killer picks a victim of its own).
    """
    with log.open("ab") as out:
        out.write(f"$ {shlex.join(cmd)}\n".encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        peak = 0
        stop = threading.Event()
        killed: list[str] = []

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
                    killed.append("timeout")
                elif max_rss_bytes is not None and peak > max_rss_bytes:
                    killed.append("memory")
                if killed:
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
        peak = max(peak, _maxrss_bytes(usage.ru_maxrss))
        if killed:
            why = (
                f"after {timeout:.0f} s"
                if killed[0] == "timeout"
                else f"at {peak / MIB:,.0f} MiB (limit {(max_rss_bytes or 0) / MIB:,.0f} MiB)"
            )
            out.write(f"[benchmark] killed {why}\n".encode())
            return CommandResult(seconds, peak, -signal.SIGKILL, killed[0])
    return CommandResult(seconds, peak, proc.returncode)


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


def _load_avg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def _failure(
    name: str, what: str, cmd: Sequence[str], result: CommandResult, log: Path
) -> BenchmarkError:
    if result.killed == "memory":
        how = f"killed at {result.peak_rss_bytes / MIB:,.0f} MiB peak (over --max-rss-gib)"
    elif result.killed == "timeout":
        how = f"killed after {result.seconds:.0f} s (--timeout)"
    elif result.returncode == -signal.SIGKILL:
        how = f"killed by SIGKILL at {result.peak_rss_bytes / MIB:,.0f} MiB peak (out of memory?)"
    else:
        how = f"exited {result.returncode}"
    return BenchmarkError(
        f"{name}: {what} {how}: {shlex.join(cmd)}\n{_log_tail(log)}",
        {
            "seconds": round(result.seconds, 3),
            "peak_rss_mib": round(result.peak_rss_bytes / MIB, 1),
            "killed": result.killed,
            "returncode": result.returncode,
        },
    )


def _scored(prepared: PreparedDataset, predicted: pd.Series) -> dict[str, Any]:
    return {
        "dataset": prepared.name,
        "task": prepared.task,
        "sources": len(prepared.loads),
        "records": prepared.records,
        "records_in_links": int(prepared.truth.index.isin(predicted.index).sum()),
        "metrics": evaluate_clusters(prepared.truth, predicted).to_dict(),
    }


def run_dataset(
    prepared: PreparedDataset,
    *,
    idgraph: Sequence[str],
    timeout: float | None = None,
    keep_store: bool = False,
    max_rss_bytes: int | None = None,
) -> dict[str, Any]:
    """Our engine: load, resolve and export ``prepared`` in a fresh store; its result record."""
    log = prepared.work_dir / "run.log"
    log.unlink(missing_ok=True)
    links = prepared.work_dir / "links.csv"
    links.unlink(missing_ok=True)
    load_avg = _load_avg()
    store_dir = Path(tempfile.mkdtemp(prefix=f"idgraph-bench-{prepared.name}-"))
    store = store_dir / "bench.idgraph.db"
    base = [*idgraph, "--store", str(store), "--quiet"]
    # one process loads every export (each its own transaction), pairing exports with mappings
    # in order; the load phase is that command's wall time
    steps: list[tuple[str, list[str]]] = [
        (
            "load",
            [*base, "load", "--create", *(str(load.export) for load in prepared.loads),
             *(a for load in prepared.loads for a in ("--mapping", str(load.mapping)))],
        )
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
            result = measure_command(cmd, log=log, timeout=timeout, max_rss_bytes=max_rss_bytes)
            record = phases[phase]
            record["seconds"] += result.seconds
            record["peak_rss_mib"] = max(record["peak_rss_mib"], result.peak_rss_bytes / MIB)
            record["commands"] += 1
            if result.returncode != 0:
                raise _failure(prepared.name, phase, cmd, result, log)
        store_mib = sum(p.stat().st_size for p in store_dir.iterdir() if p.is_file()) / MIB
    finally:
        if not keep_store:
            shutil.rmtree(store_dir, ignore_errors=True)
    if not links.is_file():
        raise BenchmarkError(f"{prepared.name}: export wrote no {links}")

    for record in phases.values():
        record["seconds"] = round(record["seconds"], 3)
        record["peak_rss_mib"] = round(record["peak_rss_mib"], 1)
    return {
        **_scored(prepared, read_links(links)),
        "engine": "ours",
        "phases": phases,
        "total_seconds": round(sum(p["seconds"] for p in phases.values()), 3),
        "peak_rss_mib": max(p["peak_rss_mib"] for p in phases.values()),
        "store_mib": round(store_mib, 1),
        "store": str(store) if keep_store else None,
        "load_avg": load_avg,
    }


def run_splink(
    prepared: PreparedDataset,
    *,
    timeout: float | None = None,
    max_rss_bytes: int | None = None,
    python: str | None = None,
) -> dict[str, Any]:
    """Splink on the same data: prepare its input (untimed), run it as one measured child."""
    job = prepare_input(prepared)
    folder = job.parent
    log = folder / "run.log"
    log.unlink(missing_ok=True)
    clusters = folder / "clusters.parquet"
    clusters.unlink(missing_ok=True)
    timings_file = folder / "splink_timings.json"
    timings_file.unlink(missing_ok=True)
    cmd = child_command(job, clusters, python=python)
    load_avg = _load_avg()
    result = measure_command(cmd, log=log, timeout=timeout, max_rss_bytes=max_rss_bytes)
    if result.returncode != 0:
        raise _failure(prepared.name, "splink", cmd, result, log)
    if not clusters.is_file():
        raise BenchmarkError(f"{prepared.name}: splink wrote no {clusters}")
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}
    seconds = round(result.seconds, 3)
    peak = round(result.peak_rss_bytes / MIB, 1)
    return {
        **_scored(prepared, read_clusters(clusters)),
        "engine": "splink",
        "phases": {"run": {"seconds": seconds, "peak_rss_mib": peak, "commands": 1}},
        "total_seconds": seconds,
        "peak_rss_mib": peak,
        "splink": {"version": splink_version(), **timings},
        "load_avg": load_avg,
    }


_DIFFS = (
    "pairwise_precision",
    "pairwise_recall",
    "pairwise_f1",
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
    "exact_share",
)


def ratio_row(ours: dict[str, Any], splink: dict[str, Any]) -> dict[str, Any]:
    """Ours against Splink on one dataset: time and memory ratios, metric differences."""

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    return {
        "dataset": ours["dataset"],
        "engine": "ours/splink",
        "time_ratio": ratio(ours["total_seconds"], splink["total_seconds"]),
        "memory_ratio": ratio(ours["peak_rss_mib"], splink["peak_rss_mib"]),
        "differences": {k: round(ours["metrics"][k] - splink["metrics"][k], 4) for k in _DIFFS},
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
        "splink": splink_version(),
        "load_avg": _load_avg(),
    }


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def _is_ratio(r: dict[str, Any]) -> bool:
    return r.get("engine") == "ours/splink"


def _metric(key: str) -> Callable[[dict[str, Any]], str]:
    def cell(r: dict[str, Any]) -> str:
        if _is_ratio(r):
            return f"{r['differences'][key]:+.3f}"
        return _fmt(r["metrics"][key])

    return cell


def _phase(name: str) -> Callable[[dict[str, Any]], str]:
    def cell(r: dict[str, Any]) -> str:
        phase = r.get("phases", {}).get(name)
        return _fmt(phase["seconds"], 1) if phase else ""

    return cell


def _times(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}×"


def _total(r: dict[str, Any]) -> str:
    return _times(r["time_ratio"]) if _is_ratio(r) else _fmt(r["total_seconds"], 1)


def _peak(r: dict[str, Any]) -> str:
    return _times(r["memory_ratio"]) if _is_ratio(r) else f"{r['peak_rss_mib']:.0f}"


def _largest(r: dict[str, Any]) -> str:
    if _is_ratio(r):
        return ""
    return f"{r['metrics']['largest_predicted_cluster']}/{r['metrics']['largest_true_cluster']}"


def _load(r: dict[str, Any]) -> str:
    avg = r.get("load_avg")
    return f"{avg[0]:.1f}" if avg else ""


_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("dataset", lambda r: r["dataset"]),
    ("engine", lambda r: r.get("engine", "ours")),
    ("records", lambda r: "" if _is_ratio(r) else f"{r['records']:,}"),
    ("pair P", _metric("pairwise_precision")),
    ("pair R", _metric("pairwise_recall")),
    ("pair F1", _metric("pairwise_f1")),
    ("B3 P", _metric("bcubed_precision")),
    ("B3 R", _metric("bcubed_recall")),
    ("B3 F1", _metric("bcubed_f1")),
    ("exact", _metric("exact_share")),
    ("largest pred/true", _largest),
    ("load s", _phase("load")),
    ("resolve s", _phase("resolve")),
    ("total s", _total),
    ("peak MiB", _peak),
    ("load avg", _load),
]
_WIDTHS = [16, 11, 9, 6, 6, 7, 6, 6, 6, 6, 17, 7, 9, 8, 8, 8]


def table_rows(result: dict[str, Any] | None = None) -> str:
    """The console header (no argument) or one console row for a result or ratio record."""
    cells = (
        [name for name, _ in _COLUMNS] if result is None else [cell(result) for _, cell in _COLUMNS]
    )
    return "  ".join(
        c.ljust(w) if i < 2 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, _WIDTHS, strict=True))
    )


def _rows_in_order(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Results grouped by dataset (in run order), each dataset's ratio row after its engines."""
    ratios = {r["dataset"]: r for r in report.get("ratios", [])}
    rows: list[dict[str, Any]] = []
    for result in report["results"]:
        rows.append(result)
        ratio = ratios.get(result["dataset"])
        last = [r for r in report["results"] if r["dataset"] == result["dataset"]][-1]
        if ratio is not None and result is last:
            rows.append(ratio)
    return rows


def markdown_section(report: dict[str, Any]) -> str:
    """The text that goes between the results markers of BENCHMARKS.md."""
    m = report["machine"]
    cores = f"{m['logical_cores']} logical cores"
    if m.get("physical_cores"):
        cores += f" ({m['physical_cores']} physical)"
    engine = f"identity-graph {m.get('identity_graph') or '?'}"
    if m.get("git_commit"):
        engine += f" @ `{m['git_commit']}`"
    if m.get("splink") and any(r.get("engine") == "splink" for r in report["results"]):
        engine += f"; Splink {m['splink']} (DuckDB)"
    lines = [
        f"Run {m['date']} with `{report['command']}`.",
        "",
        f"Machine: {m['cpu']}, {cores}, {m['ram_gib']} GiB RAM; Python {m['python']} on {m['platform']}; {engine}.",
        "",
        "| " + " | ".join(name for name, _ in _COLUMNS) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(_COLUMNS))) + "|",
    ]
    lines += [
        "| " + " | ".join(cell(r) for _, cell in _COLUMNS) + " |" for r in _rows_in_order(report)
    ]
    if report.get("ratios"):
        lines += [
            "",
            "`ours/splink` rows: metric columns are ours minus Splink's; total s and peak MiB are "
            "ours divided by Splink's (below 1: ours is faster / smaller). load avg: the machine's "
            "1-minute load average when the run started (2 cores; above ~0.5 other work was "
            "running and timings are disturbed).",
        ]
    if report["failures"]:
        lines += ["", "Failed:", ""]
        lines += [
            f"- `{f['dataset']}` ({f.get('engine', 'ours')}): {f['error'].splitlines()[0]}"
            for f in report["failures"]
        ]
    return "\n".join(lines)


def write_markdown(path: Path, section: str, marker: str = "results") -> None:
    """Replace what lies between the ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->``
    markers of ``path``; keep the rest of the file."""
    md_start, md_end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = path.read_text()
    start, end = text.find(md_start), text.find(md_end)
    if start < 0 or end < start:
        raise BenchmarkError(f"{path} lacks the markers {md_start} ... {md_end}")
    path.write_text(text[: start + len(md_start)] + "\n" + section.strip() + "\n" + text[end:])


# --- command line -----------------------------------------------------------------------------------


def _default_engines() -> str:
    return "ours,splink" if splink_version() is not None else "ours"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the engine, and Splink beside it: accuracy, time and memory on the same runs.",
        epilog="Example: .venv/bin/python benchmarks/run.py --suite standard --write-md",
    )
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument(
        "--datasets",
        help="comma-separated: febrl3,febrl4,historical_50k,synth-<N> (e.g. synth-10k)",
    )
    pick.add_argument(
        "--suite",
        choices=sorted(SUITES),
        help=f"standard = {','.join(STANDARD)}; scale = {','.join(SCALE)}",
    )
    pick.add_argument("--quick", action="store_true", help=f"= {','.join(QUICK)}")
    parser.add_argument(
        "--engines",
        default=None,
        help="comma-separated: ours,splink (default: both if Splink is installed, else ours)",
    )
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
        "--md-section",
        default="results",
        help="with --write-md: the BENCHMARKS.md section to rewrite, between <!-- NAME:start --> "
        "and <!-- NAME:end --> (default results; the scale runs use scale)",
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
        "--max-rss-gib",
        type=float,
        help="kill a command whose process tree passes this RSS and record it as failed "
        "(default: 85%% of RAM, so the kernel's OOM killer never picks a victim)",
    )
    parser.add_argument(
        "--reuse-prepared", action="store_true", help="reuse datasets already in --work-root"
    )
    parser.add_argument(
        "--keep-store", action="store_true", help="keep each temporary store (path in the JSON)"
    )
    return parser.parse_args(argv)


def _engines(text: str) -> list[str]:
    engines = [e.strip() for e in text.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        raise SystemExit(f"error: --engines takes {','.join(ENGINES)}; got {text!r}")
    if "splink" in engines and splink_version() is None:
        raise SystemExit(
            "error: Splink is not installed: pip install -e '.[bench]' (or --engines ours)"
        )
    return engines


def _print_failure(name: str, engine: str, exc: Exception) -> None:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    print(f"{name:<16}  {engine:<11}  FAILED: {first}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.datasets:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    else:
        names = list(SUITES["quick" if args.quick else (args.suite or "standard")])
    engines = _engines(args.engines or _default_engines())
    idgraph = shlex.split(args.idgraph) if args.idgraph else idgraph_command()
    ram = _ram_bytes()
    if args.max_rss_gib is not None:
        max_rss = int(args.max_rss_gib * 1024**3)
    else:
        max_rss = int(ram * 0.85) if ram else None
    command = "benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "schema": 2,
        "command": command.strip(),
        "engines": engines,
        "max_rss_mib": round(max_rss / MIB) if max_rss else None,
        "machine": machine_facts(),
        "results": [],
        "ratios": [],
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
        except (DatasetError, ValueError, OSError) as exc:
            report["failures"].append({"dataset": name, "engine": "-", "error": str(exc)})
            _print_failure(name, "-", exc)
            continue
        done: dict[str, dict[str, Any]] = {}
        for engine in engines:
            try:
                if engine == "ours":
                    result = run_dataset(
                        prepared,
                        idgraph=idgraph,
                        timeout=args.timeout,
                        keep_store=args.keep_store,
                        max_rss_bytes=max_rss,
                    )
                else:
                    result = run_splink(prepared, timeout=args.timeout, max_rss_bytes=max_rss)
            except (BenchmarkError, SplinkInputError, ValueError, OSError) as exc:
                failure = {"dataset": name, "engine": engine, "error": str(exc)}
                failure.update(getattr(exc, "details", {}))
                report["failures"].append(failure)
                _print_failure(name, engine, exc)
                continue
            done[engine] = result
            report["results"].append(result)
            print(table_rows(result), flush=True)
        if {"ours", "splink"} <= done.keys():
            ratio = ratio_row(done["ours"], done["splink"])
            report["ratios"].append(ratio)
            print(table_rows(ratio), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.out}", file=sys.stderr)
    if args.write_md:
        write_markdown(args.md, markdown_section(report), args.md_section)
        print(f"updated: {args.md}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
