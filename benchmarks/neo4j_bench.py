"""Neo4j write and recompute benchmark (issue 3): time to write N generated records with their
identifier nodes and edges into Neo4j, then the people and similarity edges of a resolve, then
to recompute clusters in the database (GDS WCC).

    .venv/bin/python benchmarks/neo4j_bench.py --people 50000,350000

Runs against a server provisioned from Maven Central in benchmarks/out/neo4j-home (its own data,
wiped first), or NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD if set. Prints one JSON line per size and
writes benchmarks/out/neo4j_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from identity_graph import api  # noqa: E402
from identity_graph.store.neo4j import server  # noqa: E402
from identity_graph.store.neo4j.store import Neo4jStore  # noqa: E402
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe  # noqa: E402


def _synth(people: int, out: Path) -> Path:
    if not (out / "truth.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "identity_graph.cli.main", "-q", "synth", "--people", str(people), "--seed", "42",
             "--out", str(out)],
            check=True,
        )
    return out


def run(people: int, srv: Neo4jForTests) -> dict[str, object]:
    data = _synth(people, ROOT / "benchmarks" / "out" / f"synth-{people // 1000}k")
    wipe(srv)
    store = Neo4jStore(srv.uri, srv.user, srv.password)
    t0 = time.perf_counter()
    loads = [
        (next((data / "exports").glob(mapping.stem + ".*")), mapping)
        for mapping in sorted((data / "mappings").glob("*.toml"))
    ]
    # one batch, as `idgraph load A B -m a -m b` runs it: the next export is standardised while
    # the previous one is written (ADR 0012)
    records = sum(report.accepted for report in api.load_many(store, loads))
    t_load = time.perf_counter() - t0
    counts = store._read("read/graph_counts")[0]
    t1 = time.perf_counter()
    rep = api.resolve(store)
    t_resolve = time.perf_counter() - t1
    t2 = time.perf_counter()
    rc = api.recluster(store)
    t_recluster = time.perf_counter() - t2
    store.close()
    return {
        "people": people,
        "records": records,
        "identifier_nodes": counts["identifiers"],
        "record_identifier_edges": counts["has"],
        "load_seconds": round(t_load, 1),
        "load_records_per_second": round(records / t_load),
        "resolve_seconds": round(t_resolve, 1),
        "similarity_edges": rep.match_edges + rep.possible_edges + rep.related_edges,
        "people_found": rep.people,
        "recluster_seconds": round(t_recluster, 1),
        "recluster_method": rc["components_method"],
        "recluster_events": rc["events"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", default="50000,350000", help="comma-separated sizes (people)")
    args = ap.parse_args()
    home = ROOT / "benchmarks" / "out" / "neo4j-home"
    started = False
    if os.environ.get("NEO4J_URI"):
        srv = Neo4jForTests(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                            os.environ.get("NEO4J_PASSWORD", ""), "external")
    else:
        os.environ.setdefault("IDGRAPH_NEO4J_JAVA_OPTS", "-Xms4g -Xmx4g -Xmn2g -XX:+UseParallelGC --add-opens=java.base/java.nio=ALL-UNNAMED")
        os.environ.setdefault("IDGRAPH_NEO4J_PAGECACHE", "2g")
        started = server.status(home) is None
        info = server.start(home)
        srv = Neo4jForTests(info.uri, info.user, info.password, "provisioned")
    results = []
    try:
        for p in (int(x) for x in args.people.split(",")):
            r = run(p, srv)
            print(json.dumps(r), flush=True)
            results.append(r)
    finally:
        if started:
            server.stop(home)
    out = ROOT / "benchmarks" / "out" / "neo4j_results.json"
    out.write_text(json.dumps({"machine": platform.platform(), "cores": os.cpu_count(),
                               "date": time.strftime("%Y-%m-%d"), "results": results}, indent=2))


if __name__ == "__main__":
    main()
