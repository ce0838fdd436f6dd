"""Where our end-to-end run spends its time: wall seconds and CPU seconds per stage, per core.

Runs the three commands of the standard benchmark (``load --create`` of every export, ``resolve``,
``export links``) on one prepared dataset in a fresh store, as child processes, with
``IDGRAPH_PROGRESS=lines``: the CLI prints one line as each stage ends (ADR 0039). At each such
line (and at each command's start and exit) this script reads

* the wall clock;
* the CPU seconds (user + system) of the command's whole process tree (its standardising
  workers included), from ``/proc``;
* the busy seconds of each core of the machine, from ``/proc/stat``.

A stage's figures are the differences between the line that ends it and the one before; time
after a command's last stage line (its commit, closing the store, the interpreter's exit) is its
``(finish)`` row, and the first stage of a command includes the interpreter's start. ``cores``
is CPU seconds over wall seconds: 1.0 is one core busy throughout, 2.0 both (this machine has 2).
Per-core busy seconds are the machine's, not only ours: run it on a quiet machine.

    .venv/bin/python benchmarks/profile_stages.py synth-350k --write-md

writes the table between ``<!-- profile:start -->`` and ``<!-- profile:end -->`` in BENCHMARKS.md
and the raw figures to ``benchmarks/out/profile-<dataset>.json``. ``--demo`` times ``idgraph demo``
(2,000 residents) the same way instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.datasets import DEFAULT_WORK_ROOT, idgraph_command, load_prepared, prepare  # noqa: E402
from benchmarks.run import machine_facts, read_links, write_markdown  # noqa: E402
from identity_graph.evaluate import evaluate_clusters  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def core_busy() -> list[float]:
    """Busy seconds of each core since boot (``/proc/stat``: all but idle and iowait)."""
    out = []
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = [int(x) for x in line.split()[1:]]
                out.append((sum(v[:8]) - v[3] - v[4]) / TICK)
    return out


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def tree_cpu(pid: int, seen: dict[int, float]) -> float:
    """CPU seconds of ``pid`` and its descendants; ``seen`` keeps the last figure of each process,
    so a worker that has exited still counts."""
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            seen[p] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
        stack += _children(p)
    return sum(seen.values())


def run_profiled(name: str, cmd: Sequence[str], log: Path) -> list[dict[str, Any]]:
    """Run ``cmd`` with progress lines on; one row per stage it reports, and ``(finish)``."""
    env = {**os.environ, "IDGRAPH_PROGRESS": "lines", "PYTHONUNBUFFERED": "1"}
    rows: list[dict[str, Any]] = []
    seen: dict[int, float] = {}
    t0, busy0 = time.perf_counter(), core_busy()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    last = {"t": t0, "cpu": 0.0, "busy": busy0}
    lock = threading.Lock()

    def mark(stage: str) -> None:
        with lock:
            now, busy, cpu = time.perf_counter(), core_busy(), tree_cpu(proc.pid, seen)
            rows.append({
                "command": name, "stage": stage, "wall_s": round(now - last["t"], 3),
                "cpu_s": round(cpu - last["cpu"], 3),
                "core_busy_s": [round(b - a, 2) for a, b in zip(last["busy"], busy, strict=True)],
            })
            last.update(t=now, cpu=cpu, busy=busy)

    # a sampler keeps the tree's CPU figures fresh, so a worker's seconds are counted before it exits
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            with lock:
                tree_cpu(proc.pid, seen)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    with log.open("a") as out:
        for line in proc.stderr:
            out.write(line)
            text = line.strip()
            # a stage's end: "resolve block: 27,407 pairs in 0.2s (...)"; running lines say "after"
            if ": " in text and " in " in text and " after " not in text and not text.startswith("Error"):
                mark(text.split(": ", 1)[0])
    proc.wait()
    stop.set()
    sampler.join()
    mark("(finish)")
    if proc.returncode != 0:
        raise SystemExit(f"{name} exited {proc.returncode}: see {log}")
    return rows


def profile_dataset(name: str, work: Path | None) -> dict[str, Any]:
    work_dir = DEFAULT_WORK_ROOT / name
    try:
        prepared = load_prepared(work_dir)
    except Exception:  # not prepared yet (or an older layout): prepare it, untimed
        prepared = prepare(name)
    store_dir = Path(tempfile.mkdtemp(prefix=f"idgraph-profile-{name}-", dir=work))
    store = store_dir / "profile.idgraph.db"
    links = store_dir / "links.csv"
    base = [*idgraph_command(), "--store", str(store)]
    log = prepared.work_dir / "profile.log"
    log.unlink(missing_ok=True)
    load_avg = [round(x, 2) for x in os.getloadavg()]
    rows = []
    try:
        rows += run_profiled("load", [*base, "load", "--create", *(str(x.export) for x in prepared.loads),
                                      *(a for x in prepared.loads for a in ("--mapping", str(x.mapping)))], log)
        rows += run_profiled("resolve", [*base, "resolve"], log)
        rows += run_profiled("export", [*base, "export", "links", "--out", str(links)], log)
        metrics = evaluate_clusters(prepared.truth, read_links(links)).to_dict()
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
    return {"dataset": name, "load_avg": load_avg, "rows": rows, "facts": machine_facts(),
            "records": prepared.records, "b3_f1": metrics.get("bcubed_f1")}


def profile_demo(work: Path | None) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="idgraph-profile-demo-", dir=work))
    log = out / "demo.log"
    try:
        rows = run_profiled("demo", [*idgraph_command(), "demo", "--people", "2000", "--seed", "7",
                                     "--out", str(out / "demo")], log)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"dataset": "demo (2,000 residents)", "load_avg": [round(x, 2) for x in os.getloadavg()], "rows": rows,
            "facts": machine_facts()}


def markdown(result: dict[str, Any]) -> str:
    rows = result["rows"]
    ncores = len(rows[0]["core_busy_s"]) if rows else 0
    facts = result.get("facts") or machine_facts()  # as measured (older results: now)
    head = "| command | stage | wall s | CPU s | cores | " + " | ".join(f"core {i} busy s" for i in range(ncores)) + " |"
    rule = "|---|---|---:|---:|---:|" + "---:|" * ncores
    lines = [
        f"Run {facts.get('date') or dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} with `benchmarks/profile_stages.py "
        f"{result['dataset'] if not result['dataset'].startswith('demo') else '--demo'}`; "
        f"identity-graph @ `{facts.get('git_commit')}`; {facts.get('cpu')}, {facts.get('logical_cores')} cores; "
        f"1-minute load average at the start {result['load_avg'][0]}.",
        "",
        head,
        rule,
    ]
    totals: dict[str, list[float]] = {}
    for r in rows:
        cores = r["cpu_s"] / r["wall_s"] if r["wall_s"] > 0 else 0.0
        busy = " | ".join(f"{b:.1f}" for b in r["core_busy_s"])
        lines.append(f"| {r['command']} | {r['stage']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {cores:.2f} | {busy} |")
        t = totals.setdefault(r["command"], [0.0, 0.0])
        t[0] += r["wall_s"]
        t[1] += r["cpu_s"]
    wall = sum(t[0] for t in totals.values())
    cpu = sum(t[1] for t in totals.values())
    lines.append(f"| **all** | | **{wall:.1f}** | **{cpu:.1f}** | {cpu / wall if wall else 0:.2f} | " + " | ".join(
        f"{sum(r['core_busy_s'][i] for r in rows):.1f}" for i in range(ncores)) + " |")
    lines.append("")
    per = "; ".join(f"{k} {t[0]:.1f} s" for k, t in totals.items())
    tail = f" B-cubed F1 {result['b3_f1']:.5f}." if "b3_f1" in result else ""
    lines.append(f"Per command: {per}.{tail}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", nargs="?", default="synth-350k", help="a benchmarks/datasets.py name (default synth-350k)")
    ap.add_argument("--demo", action="store_true", help="profile `idgraph demo` (2,000 residents) instead")
    ap.add_argument("--write-md", action="store_true", help="write the table into BENCHMARKS.md")
    ap.add_argument("--md-marker", default=None, help="the BENCHMARKS.md marker (default profile, or profile-demo)")
    ap.add_argument("--tmp", type=Path, default=None, help="where the temporary store goes")
    ap.add_argument("--from-json", type=Path, default=None, help="print (and --write-md) a saved result, not a new run")
    args = ap.parse_args(argv)
    if args.from_json:
        result = json.loads(args.from_json.read_text())
    else:
        result = profile_demo(args.tmp) if args.demo else profile_dataset(args.dataset, args.tmp)
        out = DEFAULT_WORK_ROOT / f"profile-{'demo' if args.demo else args.dataset}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
    text = markdown(result)
    print(text)
    if args.write_md:
        write_markdown(REPO_ROOT / "BENCHMARKS.md", text, args.md_marker or ("profile-demo" if args.demo else "profile"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
