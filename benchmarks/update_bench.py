"""Incremental update benchmark (issue 11): N new records into a resolved index.

Generates a synthetic council, loads it with the last ``--new`` rows of council_tax held back,
resolves, opens the warm live index, then loads the held-back rows and times ``api.update`` on the
warm index (and the cold open that a CLI ``idgraph update`` pays). Also times ``match`` queries on
the warm index. Prints one JSON line.

    .venv/bin/python benchmarks/update_bench.py --people 20000 --new 1000
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from identity_graph import api
from identity_graph.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile stats of the update here")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="idgraph-update-bench-"))
    s = generate(args.people, args.seed, out / "council") if not (out / "council" / "truth.csv").exists() else None
    if s is None:  # --out of an earlier run: its council, and its resolved store if it got that far
        s = generate(args.people, args.seed, out / "council")
    db, snapshot = out / "bench.idgraph.db", out / "bench.resolved.db"
    if snapshot.exists():  # the resolved store of an earlier run, before its update
        for side in ("", "-wal", "-shm"):
            Path(f"{db}{side}").unlink(missing_ok=True)
        shutil.copyfile(snapshot, db)
    store = api.open_store(db, create=True)
    resolve_s = None
    if store.latest_model() is None:
        ct = pd.read_csv(s.files["council_tax"], dtype=str, keep_default_na=False)
        head = out / "council_tax_head.csv"
        ct.iloc[: len(ct) - args.new].to_csv(head, index=False)
        api.load_many(store, [(head if src == "council_tax" else s.files[src], s.mappings[src]) for src in sorted(s.files)])
        t = time.perf_counter()
        api.resolve(store)
        resolve_s = round(time.perf_counter() - t, 2)
        store.close()
        shutil.copyfile(db, snapshot)  # checkpointed on close: one file
        store = api.open_store(db)
    records = store.stats()["records"]
    t = time.perf_counter()
    index = api.open_live(store)
    open_s = time.perf_counter() - t
    api.load(store, s.files["council_tax"], s.mappings["council_tax"])
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t = time.perf_counter()
    res = api.update(store, index=index)
    update_s = time.perf_counter() - t
    if prof is not None:
        prof.disable()
        prof.dump_stats(str(args.profile))
    print(json.dumps({"update_s": round(update_s, 3), "update": res.to_dict(), "stages": res.timings}),
          file=sys.stderr)
    # match latency on the warm index: queries built from records of the index
    recs = store.records_frame().sample(min(args.queries, records), random_state=1)
    lat: list[float] = []
    first = [0, 0]
    truth = dict(zip(store.current_assignment()["record_id"], store.current_assignment()["person_id"], strict=True))
    for r in recs.itertuples(index=False):
        fields = {k: getattr(r, k) for k in ("given_name", "family_name", "dob", "postcode") if getattr(r, k)}
        if len(fields) < 2 or not (r.given_name or r.family_name):
            continue
        t = time.perf_counter()
        found = api.match(index, fields, limit=5)
        lat.append((time.perf_counter() - t) * 1000)
        first[1] += 1
        first[0] += bool(found) and found[0].person_id == truth.get(r.record_id)
    lat.sort()
    print(json.dumps({
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "people": args.people, "records": records, "resolve_s": resolve_s,
        "open_live_s": round(open_s, 2), "new_records": res.records_changed, "update_s": round(update_s, 3),
        "update": res.to_dict(), "update_stages": res.timings,
        "match_ms_p50": round(statistics.median(lat), 1) if lat else None,
        "match_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
        "match_true_person_first": round(first[0] / max(first[1], 1), 4),
    }))


if __name__ == "__main__":
    main()
