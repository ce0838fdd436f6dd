"""Load test of the match service (issue 11): mixed reads and writes on loopback, bounded in
time and count; latency percentiles, throughput, errors, and lost writes.

It starts ``idgraph serve`` on a free 127.0.0.1 port over a resolved store (keys made for the
run), drives it from ``--clients`` threads for ``--seconds`` (each client stops by itself), then
stops the server and checks every write the service acknowledged is in the store with a person.

    .venv/bin/python benchmarks/load_test.py --store bench.idgraph.db --clients 8 --seconds 30 \\
        --write-share 0.1

Phases: ``--match-only`` sends only ``POST /v1/match`` (the front-desk target); otherwise a share
``--write-share`` of requests are ``POST /v1/sources/{source}/records`` of one new record each
(an existing record of the source with a new id: a resident registering again).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from identity_graph import api
from identity_graph.access import add_key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--write-share", type=float, default=0.1)
    ap.add_argument("--match-only", action="store_true")
    ap.add_argument("--source", default="council_tax", help="the source the writes belong to")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    store = api.open_store(args.store)
    stamp = time.strftime("%H%M%S")
    _, k_match = add_key(store, f"load-match-{stamp}", "match", None)
    _, k_write = add_key(store, f"load-write-{stamp}", "service", args.source)
    recs = store.records_frame()
    sample = recs.sample(min(5000, len(recs)), random_state=args.seed)
    truth = dict(zip(store.current_assignment()["record_id"], store.current_assignment()["person_id"], strict=True))
    queries = []
    for r in sample.itertuples(index=False):
        fields = {k: getattr(r, k) for k in ("given_name", "family_name", "dob", "postcode") if getattr(r, k)}
        if len(fields) >= 2:
            queries.append((fields, truth.get(r.record_id)))
    mapping = json.loads({s.source: s for s in store.sources()}[args.source].mapping_json)
    raws = [json.loads(x) for x in store.records(
        sample.loc[sample["source"] == args.source, "record_id"].tolist()[:500])["raw"]]
    store.close()

    port = _free_port()
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    # the service's log (a pipe nobody reads would fill and block it); open for the whole run
    log = tempfile.TemporaryFile()  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "identity_graph.cli.main", "--store", str(args.store), "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=log, env=env,
    )
    try:
        deadline = time.time() + 600
        while True:  # wait until the service answers and its index is warm
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                c.request("POST", "/v1/match", json.dumps({"fields": queries[0][0]}),
                          {"Authorization": f"Bearer {k_match}", "Content-Type": "application/json"})
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                log.seek(0)
                raise SystemExit(f"the service did not start: {log.read().decode()[-2000:]}")
            time.sleep(0.5)

        lat: dict[str, list[float]] = {"match": [], "write": []}
        errors: dict[str, int] = {}
        first_right = [0, 0]
        written: list[str] = []
        lock = threading.Lock()
        stop_at = time.time() + args.seconds
        budget = [args.max_requests]

        def client(cid: int) -> None:
            crng = random.Random(args.seed * 1000 + cid)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            n = 0
            while time.time() < stop_at:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                write = not args.match_only and raws and crng.random() < args.write_share
                if write:
                    new_id = f"LOAD-{stamp}-{cid}-{n}"
                    body = {"record": dict(crng.choice(raws)) | {mapping["id"]: new_id}}
                    path, key, kind = f"/v1/sources/{args.source}/records", k_write, "write"
                else:
                    fields, want = crng.choice(queries)
                    body, path, key, kind = {"fields": fields, "limit": 5}, "/v1/match", k_match, "match"
                n += 1
                t = time.perf_counter()
                try:
                    conn.request("POST", path, json.dumps(body),
                                 {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    ms = (time.perf_counter() - t) * 1000
                    with lock:
                        if resp.status != 200:
                            errors[f"{kind} {resp.status}"] = errors.get(f"{kind} {resp.status}", 0) + 1
                            continue
                        lat[kind].append(ms)
                        if kind == "write":
                            written.append(f"{args.source}:{new_id}")
                        else:
                            cands = json.loads(data)["candidates"]
                            first_right[1] += 1
                            first_right[0] += bool(cands) and cands[0]["person_id"] == want
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors[f"{kind} {type(exc).__name__}"] = errors.get(f"{kind} {type(exc).__name__}", 0) + 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        t0 = time.time()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.time() - t0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    store = api.open_store(args.store)
    lost = [r for r in written if store.person_of(r) is None]
    store.close()
    total = len(lat["match"]) + len(lat["write"])
    print(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M"), "clients": args.clients, "seconds": round(elapsed, 1),
        "requests": total, "requests_per_s": round(total / elapsed, 1),
        "match": {"n": len(lat["match"]), "per_s": round(len(lat["match"]) / elapsed, 1),
                  "p50_ms": _pct(lat["match"], 0.5), "p95_ms": _pct(lat["match"], 0.95), "p99_ms": _pct(lat["match"], 0.99),
                  "true_person_first": round(first_right[0] / max(first_right[1], 1), 4)},
        "write": {"n": len(lat["write"]), "p50_ms": _pct(lat["write"], 0.5), "p95_ms": _pct(lat["write"], 0.95),
                  "p99_ms": _pct(lat["write"], 0.99)},
        "errors": errors, "writes_acknowledged": len(written), "writes_lost": len(lost),
    }))


if __name__ == "__main__":
    main()
