"""Alerts over the whole index (issue 13): every rule of ``investigate.alerts`` timed on a
resolved synthetic council, plus the workbench's reads for one person (graph, search by
address text). Target: every alert for the whole index in 30 s at 650k records. Prints one JSON
line; ``--out`` keeps the council and resolved store for a rerun (only the alerts are re-timed).

    .venv/bin/python benchmarks/alerts_bench.py --people 20000 --out /tmp/alerts20k
    .venv/bin/python benchmarks/alerts_bench.py --people 350000 --out /tmp/alerts350k   # ~650k records
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from identity_graph import api
from identity_graph.investigate.alerts import RULES, run_alert
from identity_graph.investigate.neighbourhood import person_graph
from identity_graph.store.contract import Store
from identity_graph.synth import generate


def time_rules(store: Store) -> tuple[float, dict[str, dict[str, float | int]]]:
    """Every alert rule over the whole index, one after another: (seconds for all, per rule
    its seconds, hits and values set apart)."""
    rules: dict[str, dict[str, float | int]] = {}
    t_all = time.perf_counter()
    for name in RULES:
        t = time.perf_counter()
        res = run_alert(store, name)
        rules[name] = {"seconds": round(time.perf_counter() - t, 3), "hits": len(res["hits"]),
                       "excluded": len(res["excluded"])}
    return round(time.perf_counter() - t_all, 3), rules


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--store", default=None, help="a resolved store to time (a file or bolt:// URI) instead")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--persons", type=int, default=50, help="person graphs timed")
    args = ap.parse_args()
    resolve_s = None
    if args.store:
        store = api.open_store(args.store)
    else:
        out = args.out or Path(tempfile.mkdtemp(prefix="idgraph-alerts-bench-"))
        out.mkdir(parents=True, exist_ok=True)
        db = out / "bench.idgraph.db"
        store = api.open_store(db, create=True)
        if store.latest_model() is None:
            s = generate(args.people, args.seed, out / "council")
            api.load_many(store, [(s.files[src], s.mappings[src]) for src in sorted(s.files)])
            t = time.perf_counter()
            api.resolve(store)
            resolve_s = round(time.perf_counter() - t, 2)
    stats = store.stats()
    all_s, rules = time_rules(store)
    people = store.current_assignment()["person_id"].drop_duplicates().sort_values().tolist()
    step = max(1, len(people) // max(args.persons, 1))
    graph_ms = []
    for pid in people[::step][: args.persons]:
        t = time.perf_counter()
        person_graph(store, pid)
        graph_ms.append((time.perf_counter() - t) * 1000)
    graph_ms.sort()
    print(json.dumps({
        "bench": "alerts", "store": store.uri, "records": stats["records"], "people": stats["people"],
        "resolve_s": resolve_s, "alerts_all_s": all_s, "rules": rules,
        "person_graph_ms": {"median": round(statistics.median(graph_ms), 1),
                            "p95": round(graph_ms[int(0.95 * (len(graph_ms) - 1))], 1), "n": len(graph_ms)},
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
    }))
    store.close()


if __name__ == "__main__":
    main()
