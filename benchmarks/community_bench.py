"""Community detection against average linkage as the splitter of suspicious components, and as
a check on chains (issue 14, item 3; ADR 0040).

For each dataset the engine's CLI loads, resolves and exports it once in a fresh store
(:func:`benchmarks.run.run_dataset`: the default settings, average linkage). Then, in this
process, the split's inputs are read from that store once (``cluster.recluster.split_inputs``:
the stored pairs, match components, evidence and decisions, exactly what ``idgraph recluster``
reads) and ``split_components`` runs once per variant:

* ``average-linkage`` (the default; its people equal the CLI run's, checked),
* ``louvain`` and ``leiden`` as the ``splitter`` setting runs them: Louvain on modularity over
  linkage probabilities, Leiden on the constant Potts model over signed bits (a community
  holding a cannot-link pair is split by average linkage),
* ``leiden modularity``: Leiden on Louvain's objective; ``leiden cpm probability``: the Potts
  model over signed probabilities instead of bits,
* ``... bits``: modularity over match weights in bits above zero instead of probabilities,
* ``... refined``: average linkage runs inside every community (the communities only cut),
* ``... γ=G``: modularity at resolution G (``--gammas``) instead of 1,
* ``... chain check``: before the split, every match component of four records or more is cut
  into its Louvain communities (a check on chains that found no pair below the possible-match
  threshold), then split as ``average-linkage`` / ``louvain`` would.

Each variant is scored against the truth: B-cubed precision, recall and F1, the share of people
exactly right, household false merges (on the synthetic council: pairs of true people who share
a dwelling, by relation, from :func:`benchmarks.households.household_merges`; on the hand-written
households fixture: pairs of its true people put in one person), and the time of the split stage
(the splitter alone, and ``split_components`` with the attach steps after it).

Datasets: ``historical_50k``, ``households`` (the fixture ``tests/data/households`` loaded on top
of a synthetic council of ``--council`` people, as ``tests/integration/test_households.py``
does), ``synth-<N>``.

Examples::

    .venv/bin/python benchmarks/community_bench.py --datasets historical_50k,households
    nice -n 10 .venv/bin/python benchmarks/community_bench.py --datasets synth-350k --reuse-prepared
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.datasets import (  # noqa: E402
    DEFAULT_WORK_ROOT,
    DatasetError,
    Load,
    PreparedDataset,
    idgraph_command,
    load_prepared,
    prepare,
    synth_people,
)
from benchmarks.households import household_merges, population  # noqa: E402
from benchmarks.run import BenchmarkError, machine_facts, read_links, run_dataset  # noqa: E402
from identity_graph import api  # noqa: E402
from identity_graph.cluster.community import SPLITTER_OPTIONS, community_split, leiden_available  # noqa: E402
from identity_graph.cluster.components import linkage_probability  # noqa: E402
from identity_graph.cluster.recluster import SplitInputs, split_inputs  # noqa: E402
from identity_graph.cluster.split import agglomerate  # noqa: E402
from identity_graph.evaluate import evaluate_clusters  # noqa: E402
from identity_graph.score.model import Model  # noqa: E402
from identity_graph.settings import Settings  # noqa: E402

__all__ = ["VARIANTS", "chain_cut", "main", "run_variants"]

FIXTURE = REPO_ROOT / "tests" / "data" / "households"
#: the smallest component the chain check looks at: three records cannot hold two
#: communities that modularity prefers to one
CHAIN_MIN = 4

SplitFn = Callable[..., np.ndarray]


#: the modularity resolutions tried besides 1 (``--gammas``)
GAMMAS = (0.5, 0.25)


def _variants(gammas: Sequence[float] = GAMMAS) -> dict[str, tuple[SplitFn, str | None]]:
    """name -> (splitter, chain check method or None). "louvain" and "leiden" are what the
    ``splitter`` setting runs (``community.SPLITTER_OPTIONS``); the others vary one option."""
    cs = community_split
    out: dict[str, tuple[SplitFn, str | None]] = {"average-linkage": (agglomerate, None)}
    out["louvain"] = (partial(cs, **SPLITTER_OPTIONS["louvain"]), None)
    if leiden_available():
        out["leiden"] = (partial(cs, **SPLITTER_OPTIONS["leiden"]), None)
    out["louvain bits"] = (partial(cs, method="louvain", weight="bits"), None)
    out["louvain refined"] = (partial(cs, method="louvain", refine="always"), None)
    for gamma in gammas:
        out[f"louvain γ={gamma:g}"] = (partial(cs, method="louvain", resolution=gamma), None)
    if leiden_available():
        # Leiden on modularity, as Louvain runs it
        out["leiden modularity"] = (partial(cs, method="leiden"), None)
        out["leiden modularity bits"] = (partial(cs, method="leiden", weight="bits"), None)
        out["leiden modularity refined"] = (partial(cs, method="leiden", refine="always"), None)
        for gamma in gammas:
            out[f"leiden modularity γ={gamma:g}"] = (partial(cs, method="leiden", resolution=gamma), None)
        # the constant Potts model over signed probabilities (the setting's uses signed bits)
        out["leiden cpm probability"] = (partial(cs, method="leiden", objective="cpm", resolution=0.0), None)
    out["average-linkage + louvain chain check"] = (agglomerate, "louvain")
    out["louvain + louvain chain check"] = (partial(cs, **SPLITTER_OPTIONS["louvain"]), "louvain")
    return out


VARIANTS = tuple(_variants())


class _Timed:
    """A splitter that adds up the seconds spent in it."""

    def __init__(self, fn: SplitFn) -> None:
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        t = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += 1


def chain_cut(inputs: SplitInputs, settings: Settings, method: str) -> tuple[np.ndarray, int]:
    """Components cut into their communities: every match component of ``CHAIN_MIN`` records or
    more becomes its communities (``community_split`` over its pairs, weights as the splitter's).
    Returns the new component label per record and how many components were cut."""
    comp = inputs.comp
    n = len(comp)
    sizes = np.bincount(comp, minlength=n)
    inside = (comp[inputs.a] == comp[inputs.b]) & (sizes[comp[inputs.a]] >= CHAIN_MIN)
    idx = np.flatnonzero(inside)
    pa, pb, pc = inputs.a[idx], inputs.b[idx], inputs.conflict[idx]
    pp = linkage_probability(inputs.prob[idx], settings.cluster_weak_floor, settings.cluster_link_threshold)
    pcomp = comp[pa]
    order = np.argsort(pcomp, kind="stable")
    pa, pb, pp, pc, pcomp = pa[order], pb[order], pp[order], pc[order], pcomp[order]
    starts = np.flatnonzero(np.r_[True, np.diff(pcomp) != 0]) if len(pcomp) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(pcomp)] if len(pcomp) else np.zeros(0, np.int64)
    out = comp.copy()
    cut = 0
    members_of = pd.Series(np.arange(n)).groupby(comp).indices
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        nodes = np.asarray(members_of[int(pcomp[s])], dtype=np.int64)
        local = community_split(
            nodes, pa[s:e], pb[s:e], pp[s:e], pc[s:e], match_threshold=settings.match_threshold,
            link_threshold=settings.cluster_link_threshold, method=method,
        )
        out[nodes] = local
        cut += len(np.unique(local)) > 1
    return out, cut


def _fixture_merges(truth: pd.Series, predicted: pd.Series) -> dict[str, Any]:
    """Pairs of the fixture's true people put in one predicted person."""
    fx = truth[truth.str.startswith("fixture:")]
    frame = pd.DataFrame({"true": fx.to_numpy(), "pred": predicted.reindex(fx.index).to_numpy()})
    pairs = []
    for _, people in frame.groupby("pred")["true"]:
        names = sorted({p.split(":", 1)[1] for p in people})
        pairs += [f"{x} + {y}" for i, x in enumerate(names) for y in names[i + 1 :]]
    return {"people_pairs": len(pairs), "pairs": sorted(pairs)}


def _score(
    prepared: PreparedDataset, keys: pd.Index, labels: np.ndarray, pop: Any, truth_frame: pd.DataFrame | None
) -> dict[str, Any]:
    predicted = pd.Series(labels, index=keys)
    out: dict[str, Any] = {"metrics": evaluate_clusters(prepared.truth, predicted).to_dict()}
    if pop is not None and truth_frame is not None:
        out["households"] = household_merges(truth_frame, predicted, pop)
    if prepared.name == "households":
        out["fixture"] = _fixture_merges(prepared.truth, predicted)
    return out


def run_variants(
    prepared: PreparedDataset, store_path: Path, variants: Sequence[str], *, people: int | None,
    gammas: Sequence[float] = GAMMAS,
) -> list[dict[str, Any]]:
    """Every variant's split over one store's inputs, scored; one result row per variant."""
    store = api.open_store(store_path, read_only=True)
    try:
        latest = store.latest_model()
        if latest is None:
            raise BenchmarkError(f"{prepared.name}: the store holds no resolve")
        settings = Settings.from_json(latest[1])
        t = time.perf_counter()
        inputs = split_inputs(store, settings, Model.from_json(latest[2]))
        read_seconds = time.perf_counter() - t
    finally:
        store.close()
    recs = inputs.records
    keys = pd.Index(recs["source"].astype(str) + ":" + recs["source_record_id"].astype(str))
    pop, truth_frame = None, None
    if people is not None:
        pop = population(people)
        truth_csv = prepared.work_dir / ("council" if prepared.name == "households" else ".") / "truth.csv"
        truth_frame = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)
        replaced = (truth_frame["source"] + ":" + truth_frame["source_record_id"]).map(prepared.truth)
        truth_frame = truth_frame[~replaced.str.startswith("fixture:").fillna(False)]
    table = _variants(gammas)
    rows = []
    chains: dict[str, tuple[np.ndarray, int, float]] = {}
    for name in variants:
        fn, check = table[name]
        timed = _Timed(fn)
        run_inputs, check_seconds, cut = inputs, 0.0, 0
        if check is not None:
            if check not in chains:
                t = time.perf_counter()
                new_comp, n_cut = chain_cut(inputs, settings, check)
                chains[check] = (new_comp, n_cut, time.perf_counter() - t)
            new_comp, cut, check_seconds = chains[check]
            run_inputs = dataclasses.replace(inputs, comp=new_comp)
        t = time.perf_counter()
        cl = run_inputs.split(settings, splitter=timed)
        seconds = time.perf_counter() - t
        row = {
            "dataset": prepared.name,
            "variant": name,
            "records": len(recs),
            **_score(prepared, keys, cl.labels, pop, truth_frame),
            "components": cl.components,
            "suspicious": cl.suspicious,
            "split": cl.split,
            "chain_check_cut": cut,
            "splitter_seconds": round(timed.seconds, 3),
            "split_components_seconds": round(seconds, 3),
            "chain_check_seconds": round(check_seconds, 3),
            "inputs_read_seconds": round(read_seconds, 3),
        }
        rows.append(row)
        print(" | ".join(_row(row)), flush=True)
    return rows


# --- GDS in the Neo4j store -----------------------------------------------------------------------

# A probe, not part of the store (whose queries live in cypher/): the suspicious components'
# graph written twice, in two orders, and GDS Louvain and Leiden run over each copy.
_GDS_CLEAN = "MATCH (x:CommunityProbe) DETACH DELETE x"
_GDS_NODES = "UNWIND $keys AS k CREATE (:CommunityProbe {run: $run, key: k})"
_GDS_EDGES = (
    "UNWIND $rows AS r MATCH (x:CommunityProbe {run: $run, key: r.a}), (y:CommunityProbe {run: $run, key: r.b}) "
    "CREATE (x)-[:PROBE {w: r.w}]->(y)"
)
_GDS_PROJECT = (
    "MATCH (x:CommunityProbe {run: $run})-[e:PROBE]->(y:CommunityProbe) "
    "WITH gds.graph.project($g, x, y, {relationshipProperties: {w: e.w}}, "
    "{undirectedRelationshipTypes: ['*']}) AS g RETURN g.nodeCount AS nodes"
)
_GDS_ALGO = {
    "louvain": "CALL gds.louvain.stream($g, {relationshipWeightProperty: 'w', concurrency: 1}) "
    "YIELD nodeId, communityId RETURN gds.util.asNode(nodeId).key AS key, communityId AS c",
    "leiden": "CALL gds.leiden.stream($g, {relationshipWeightProperty: 'w', concurrency: 1, randomSeed: 42}) "
    "YIELD nodeId, communityId RETURN gds.util.asNode(nodeId).key AS key, communityId AS c",
}
_GDS_DROP = "CALL gds.graph.drop($g, false) YIELD graphName RETURN graphName"


def _partition(keys: Sequence[int], comm: Sequence[int]) -> frozenset[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for k, c in zip(keys, comm, strict=True):
        groups.setdefault(int(c), set()).add(int(k))
    return frozenset(frozenset(g) for g in groups.values())


def gds_probe(inputs: SplitInputs, settings: Settings, *, limit: int, home: Path) -> dict[str, Any]:
    """GDS Louvain and Leiden on the first ``limit`` suspicious components, against the Python
    splitters. The components' graph (pairs without a conflict, weighted by linkage probability)
    goes into the provisioned Neo4j twice: records created in ascending order, then shuffled
    (relationships shuffled too). GDS runs once over each copy (every component in one
    projection, as a store would run it), concurrency 1 and Leiden's randomSeed fixed.
    Counted per component: partitions that differ between the two copies, and from
    ``community_split``'s (per component, modularity, same weights) without its constraint step."""
    from neo4j import GraphDatabase

    from identity_graph.store.neo4j import server

    captured: list[tuple[np.ndarray, ...]] = []

    def capture(nodes: np.ndarray, a: np.ndarray, b: np.ndarray, prob: np.ndarray, conflict: np.ndarray,
                **kw: Any) -> np.ndarray:
        if len(captured) < limit:
            captured.append((nodes.copy(), a.copy(), b.copy(), prob.copy(), conflict.copy()))
        return agglomerate(nodes, a, b, prob, conflict, **kw)

    inputs.split(settings, splitter=capture)
    keys = sorted({int(v) for c in captured for v in c[0]})
    rows = [{"a": int(x), "b": int(y), "w": float(w)}
            for _, a, b, p, c in captured for x, y, w, bad in zip(a, b, p, c, strict=True) if not bad and w > 0]
    python: dict[str, list[frozenset[frozenset[int]]]] = {}
    for method in COMMUNITY_PROBE:
        t = time.perf_counter()
        python[method] = []
        for nodes, a, b, p, c in captured:
            keep = ~c  # the constraint step is not GDS's to do: compare the communities alone
            lab = community_split(nodes, a[keep], b[keep], p[keep], c[keep], match_threshold=settings.match_threshold,
                                  link_threshold=settings.cluster_link_threshold, method=method)
            python[method].append(_partition(nodes.tolist(), lab.tolist()))
        python[f"{method}_seconds"] = time.perf_counter() - t  # type: ignore[assignment]
    started = server.status(home) is None
    info = server.start(home)
    out: dict[str, Any] = {"components": len(captured), "records": len(keys), "pairs": len(rows)}
    rng = np.random.default_rng(1)
    try:
        with GraphDatabase.driver(info.uri, auth=(info.user, info.password)) as driver:
            driver.execute_query(_GDS_CLEAN)
            found: dict[tuple[str, str], dict[int, int]] = {}
            for run in ("ascending", "shuffled"):
                order = np.arange(len(keys)) if run == "ascending" else rng.permutation(len(keys))
                driver.execute_query(_GDS_NODES, keys=[keys[i] for i in order], run=run)
                edge_order = range(len(rows)) if run == "ascending" else rng.permutation(len(rows)).tolist()
                driver.execute_query(_GDS_EDGES, rows=[rows[i] for i in edge_order], run=run)
                g = f"community-probe-{run}"
                driver.execute_query(_GDS_DROP, g=g)
                driver.execute_query(_GDS_PROJECT, g=g, run=run)
                for method, cypher in _GDS_ALGO.items():
                    t = time.perf_counter()
                    recs, _, _ = driver.execute_query(cypher, g=g)
                    out[f"gds_{method}_{run}_seconds"] = round(time.perf_counter() - t, 3)
                    found[(method, run)] = {int(r["key"]): int(r["c"]) for r in recs}
                driver.execute_query(_GDS_DROP, g=g)
            driver.execute_query(_GDS_CLEAN)
    finally:
        if started:
            server.stop(home)
    for method in _GDS_ALGO:
        order_differs = python_differs = split = 0
        for i, (nodes, *_rest) in enumerate(captured):
            parts = []
            for run in ("ascending", "shuffled"):
                comm = found[(method, run)]
                # a record with no pair left (every pair conflicting) is not projected: alone
                parts.append(_partition(nodes.tolist(), [comm.get(int(v), -1 - int(v)) for v in nodes]))
            order_differs += parts[0] != parts[1]
            python_differs += parts[0] != python[method][i]
            split += len(parts[0]) > 1
        out[method] = {"components_split": split, "partition_differs_by_input_order": order_differs,
                       "partition_differs_from_python_per_component": python_differs,
                       "python_components_split": sum(len(x) > 1 for x in python[method]),
                       "python_seconds": round(python[f"{method}_seconds"], 3)}  # type: ignore[arg-type]
    return out


COMMUNITY_PROBE = ("louvain", "leiden")


def _gds(store_path: Path, limit: int) -> dict[str, Any]:
    store = api.open_store(store_path, read_only=True)
    try:
        latest = store.latest_model()
        if latest is None:
            raise BenchmarkError(f"{store_path}: the store holds no resolve")
        settings = Settings.from_json(latest[1])
        inputs = split_inputs(store, settings, Model.from_json(latest[2]))
    finally:
        store.close()
    return gds_probe(inputs, settings, limit=limit, home=REPO_ROOT / ".neo4j")


# --- datasets -----------------------------------------------------------------------------------


def _households_dataset(work_root: Path, council: int, idgraph: Sequence[str], reuse: bool) -> PreparedDataset:
    """The hand-written households fixture on top of a synthetic council of ``council`` people."""
    work_dir = work_root / "households"
    council_dir = work_dir / "council"
    manifest = council_dir / "dataset.json"
    if reuse and manifest.is_file() and json.loads(manifest.read_text()).get("people") == council:
        synth = load_prepared(council_dir)
    else:
        synth = prepare(f"synth-{council}", work_dir=council_dir, idgraph=idgraph)
    fixture_dir = work_dir / "fixture"
    if fixture_dir.exists():
        shutil.rmtree(fixture_dir)
    shutil.copytree(FIXTURE, fixture_dir)
    loads = [Load(fixture_dir / "exports" / f"{m.stem}.csv", m) for m in sorted((fixture_dir / "mappings").glob("*.toml"))]
    fx = pd.read_csv(fixture_dir / "truth.csv", dtype=str, keep_default_na=False)
    fixture_truth = pd.Series(
        ("fixture:" + fx["person"]).to_numpy(), index=pd.Index(fx["source"] + ":" + fx["source_record_id"], name="record")
    )
    # a fixture record with the key of a council record replaces it when loaded after it
    truth = pd.concat([synth.truth.drop(fixture_truth.index, errors="ignore"), fixture_truth])
    return PreparedDataset("households", "mixed", work_dir, (*synth.loads, *loads), truth)


def _prepared(name: str, work_root: Path, idgraph: Sequence[str], reuse: bool, council: int) -> PreparedDataset:
    if name == "households":
        return _households_dataset(work_root, council, idgraph, reuse)
    work_dir = work_root / name
    if reuse and (work_dir / "dataset.json").is_file():
        return load_prepared(work_dir)
    return prepare(name, work_dir=work_dir, idgraph=idgraph)


# --- report -------------------------------------------------------------------------------------

HEADER = ["dataset", "variant", "B3 P", "B3 R", "B3 F1", "exact", "household FM people pairs",
          "fixture FM", "suspicious", "split", "chains cut", "splitter s", "split stage s"]


def _row(r: dict[str, Any]) -> list[str]:
    m = r["metrics"]
    h = r.get("households")
    return [
        r["dataset"], r["variant"], f"{m['bcubed_precision']:.5f}", f"{m['bcubed_recall']:.5f}",
        f"{m['bcubed_f1']:.5f}", f"{m['exact_share']:.4f}",
        f"{h['household_people_pairs']:,}" if h else "–",
        str(r["fixture"]["people_pairs"]) if "fixture" in r else "–",
        f"{r['suspicious']:,}", f"{r['split']:,}", f"{r['chain_check_cut']:,}",
        f"{r['splitter_seconds']:.2f}", f"{r['split_components_seconds'] + r['chain_check_seconds']:.2f}",
    ]


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Run {m['date']} with `{report['command']}` at `{m.get('git_commit') or '?'}`; "
        f"{m['cpu']}, {m['logical_cores']} logical cores (shared), load {m.get('load_avg')}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(HEADER))) + "|",
    ]
    lines += ["| " + " | ".join(_row(r)) + " |" for r in report["results"]]
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Community detection against average linkage in the cluster stage.",
        epilog="Example: .venv/bin/python benchmarks/community_bench.py --datasets historical_50k,households",
    )
    parser.add_argument("--datasets", default="historical_50k,households",
                        help="comma-separated: historical_50k, households, synth-<N> (default: the first two)")
    parser.add_argument("--variants", help=f"comma-separated (default: all), of: {', '.join(VARIANTS)}")
    parser.add_argument("--gammas", default=",".join(f"{g:g}" for g in GAMMAS),
                        help="modularity resolutions to try besides 1 (variants 'louvain γ=G', 'leiden modularity γ=G')")
    parser.add_argument("--council", type=int, default=10_000,
                        help="people in the synthetic council under the households fixture (default 10000)")
    parser.add_argument("--work-root", type=Path, default=DEFAULT_WORK_ROOT, help="datasets go to ROOT/<name>")
    parser.add_argument("--out", type=Path, default=DEFAULT_WORK_ROOT / "community.json", help="results JSON")
    parser.add_argument("--md", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--idgraph", help="engine command (default: idgraph next to this python)")
    parser.add_argument("--timeout", type=float, help="kill any one CLI command after this many seconds")
    parser.add_argument("--reuse-prepared", action="store_true",
                        help="reuse datasets already generated in --work-root")
    parser.add_argument("--gds", type=int, metavar="N",
                        help="instead of the variants: probe GDS Louvain and Leiden on the first N suspicious "
                        "components in the provisioned Neo4j (started in .neo4j/ and stopped if not running)")
    parser.add_argument("--keep-store", action="store_true",
                        help="keep each resolved store in <work dir>/community-store/")
    parser.add_argument("--reuse-store", action="store_true",
                        help="split over a store kept by --keep-store instead of resolving again")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    idgraph = args.idgraph.split() if args.idgraph else idgraph_command()
    gammas = [float(g) for g in args.gammas.split(",") if g.strip()]
    known = tuple(_variants(gammas))
    variants = [v.strip() for v in (args.variants or ",".join(known)).split(",") if v.strip()]
    unknown = [v for v in variants if v not in known]
    if unknown:
        raise SystemExit(f"error: unknown variants {unknown}; known: {', '.join(known)}")
    command = "benchmarks/community_bench.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {"command": command.strip(), "machine": machine_facts(), "runs": [],
                              "results": [], "failures": []}
    print(" | ".join(HEADER), flush=True)
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        store_dir = None
        try:
            prepared = _prepared(name, args.work_root, idgraph, args.reuse_prepared, args.council)
            kept = prepared.work_dir / "community-store"
            if args.reuse_store and kept.is_dir():
                store = next(kept.glob("*.idgraph.db"))
            else:
                run = run_dataset(prepared, idgraph=idgraph, timeout=args.timeout, keep_store=True)
                store_dir = Path(run["store"]).parent
                report["runs"].append(run)
                store = Path(run["store"])
                if args.keep_store:
                    shutil.rmtree(kept, ignore_errors=True)
                    shutil.copytree(store_dir, kept)
            people = args.council if name == "households" else synth_people(name)
            if args.gds:
                report["gds"] = report.get("gds", {}) | {name: _gds(store, args.gds)}
                print(f"{name}: GDS probe: {json.dumps(report['gds'][name])}", flush=True)
                continue
            rows = run_variants(prepared, store, variants, people=people, gammas=gammas)
            base = next((r for r in rows if r["variant"] == "average-linkage"), None)
            if base is not None:  # the in-process split repeats the CLI's resolve exactly
                cli = evaluate_clusters(prepared.truth, read_links(prepared.work_dir / "links.csv"))
                base["same_as_cli_resolve"] = cli.to_dict() == base["metrics"]
            report["results"] += rows
        except (BenchmarkError, DatasetError, OSError) as exc:
            report["failures"].append({"dataset": name, "error": str(exc)})
            print(f"{name}: FAILED: {str(exc).splitlines()[0]}", file=sys.stderr)
        finally:
            if store_dir is not None:
                shutil.rmtree(store_dir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.out}", file=sys.stderr)
    if args.md:
        args.md.write_text(markdown(report) + "\n")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
