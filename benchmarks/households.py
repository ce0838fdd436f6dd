"""Household false merges on the synthetic council (issue 11, item 6).

A *household false merge* is a pair of records that the engine put in one person although their
true people (the generator's ground truth) are two people who share a dwelling: partners, a parent
and a child, siblings, twins, a father and son with one full name (Jr / Sr), two residents of the
hostel. These are the merges a customer index must not make: they share an address, a surname and
a landline, and a person id handed to another system would then stand for two residents.

For each size the synthetic council is generated (``idgraph synth --people N --seed 42``, as the
standard suite does), loaded, resolved and exported with the engine's CLI in a fresh store
(:func:`benchmarks.run.run_dataset`), and the links are scored against the truth:

* B-cubed precision, recall and F1 and the share of people exactly right (as in ``run.py``);
* household false merges, counted as record pairs and as pairs of true people, and broken down by
  how the two people are related (the generator's population is rebuilt from the same seed to
  know each person's household role, twin and suffix);
* other false merges (two people who do not share a dwelling), for context.

Examples::

    .venv/bin/python benchmarks/households.py --people 100k
    .venv/bin/python benchmarks/households.py --people 100k,350k --write-md
    .venv/bin/python benchmarks/households.py --people 100k --reuse-prepared --keep-store
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.datasets import (  # noqa: E402
    DEFAULT_WORK_ROOT,
    SYNTH_SEED,
    DatasetError,
    PreparedDataset,
    idgraph_command,
    load_prepared,
    prepare,
)
from benchmarks.run import (  # noqa: E402
    BenchmarkError,
    machine_facts,
    read_links,
    run_dataset,
    write_markdown,
)
from identity_graph.synth.population import Population, build_population  # noqa: E402
from identity_graph.synth.vocab import load_vocab  # noqa: E402

__all__ = ["RELATIONS", "household_merges", "main", "markdown_section", "relation"]

#: how two people of one dwelling are related, in the order the report lists them
RELATIONS = ("partners", "parent/child", "Jr/Sr", "siblings", "twins", "hostel", "other")
_SIZE = re.compile(r"^(\d+)(k?)$")
MD_MARKER = "households"


def _people(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise SystemExit(f"error: --people takes sizes like 100k or 350000; got {text!r}")
    return int(match.group(1)) * (1000 if match.group(2) else 1)


def _label(people: int) -> str:
    return f"synth-{people // 1000}k" if people % 1000 == 0 else f"synth-{people}"


def population(people: int, seed: int = SYNTH_SEED) -> Population:
    """The generator's true population for ``idgraph synth --people N --seed S`` (the same
    random stream as :func:`identity_graph.synth.generator.generate`)."""
    return build_population(people, np.random.default_rng([seed, 0]), load_vocab())


def relation(pop: Population, p: int, q: int) -> str:
    """How two people of one dwelling are related (one of :data:`RELATIONS`)."""
    if pop.hostel[pop.household[p]]:
        return "hostel"
    if pop.twin_of[p] == q or pop.twin_of[q] == p:
        return "twins"
    if pop.suffix[p] and pop.suffix[q]:
        return "Jr/Sr"
    roles = {int(pop.role[p]), int(pop.role[q])}
    if roles == {0, 1}:
        return "partners"
    if roles in ({0, 2}, {1, 2}):
        return "parent/child"
    if roles == {2}:
        return "siblings"
    return "other"


def household_merges(truth: pd.DataFrame, links: pd.Series, pop: Population) -> dict[str, Any]:
    """Count false merges in ``links`` (person id by record key) against ``truth``
    (source, source_record_id, person_id "P0000123", household_id "H000045").

    Two true people *share a dwelling* when their households' current dwellings are one (one
    household, or the hostel). Counted over pairs of records in one predicted person whose true
    people differ: ``household_record_pairs`` / ``household_people_pairs`` where they share a
    dwelling, ``other_record_pairs`` where they do not.
    """
    keys = truth["source"] + ":" + truth["source_record_id"]
    person = truth["person_id"].str[1:].astype(np.int64).to_numpy()
    household = truth["household_id"].str[1:].astype(np.int64).to_numpy()
    if person.max() >= pop.people or not np.array_equal(pop.household[person], household):
        raise DatasetError(
            "truth.csv does not come from this population: regenerate the dataset "
            "(drop --reuse-prepared) with the same --people and seed"
        )
    predicted = links.reindex(pd.Index(keys)).to_numpy(dtype=object)
    missing = pd.isna(predicted)
    if missing.any():
        raise DatasetError(f"{int(missing.sum())} records have no person in links.csv")
    frame = pd.DataFrame(
        {
            "pred": pd.factorize(predicted)[0],
            "person": person,
            "dwelling": pop.addr[pop.household[person], 0],
        }
    )
    # records per (predicted person, true person): every pair across two true people in one
    # predicted person is a false merge
    cells = frame.groupby(["pred", "person"], sort=True).size().rename("n").reset_index()
    cells["dwelling"] = pop.addr[pop.household[cells["person"].to_numpy()], 0]
    mixed = cells[cells.duplicated("pred", keep=False)]
    by_relation: dict[str, dict[str, int]] = {r: {"people": 0, "records": 0} for r in RELATIONS}
    household_people = household_records = other_records = 0
    for _, group in mixed.groupby("pred", sort=False):
        people = group["person"].to_numpy()
        sizes = group["n"].to_numpy()
        dwell = group["dwelling"].to_numpy()
        for i in range(len(people)):
            for j in range(i + 1, len(people)):
                pairs = int(sizes[i] * sizes[j])
                if dwell[i] == dwell[j]:
                    kind = relation(pop, int(people[i]), int(people[j]))
                    by_relation[kind]["people"] += 1
                    by_relation[kind]["records"] += pairs
                    household_people += 1
                    household_records += pairs
                else:
                    other_records += pairs
    persons_merged = Counter(mixed["pred"].to_numpy().tolist())
    return {
        "household_record_pairs": household_records,
        "household_people_pairs": household_people,
        "other_record_pairs": other_records,
        "predicted_people_mixing_two_or_more": len(persons_merged),
        "by_relation": by_relation,
    }


def run_size(
    people: int,
    *,
    idgraph: Sequence[str],
    work_root: Path,
    reuse: bool,
    keep_store: bool,
    timeout: float | None,
) -> dict[str, Any]:
    """Generate (or reuse), resolve and score one synthetic council; its result record."""
    name = _label(people)
    work_dir = work_root / name
    manifest = work_dir / "dataset.json"
    prepared: PreparedDataset | None = None
    if reuse and manifest.is_file() and json.loads(manifest.read_text()).get("people") == people:
        prepared = load_prepared(work_dir)
    if prepared is None:
        prepared = prepare(name, work_dir=work_dir, idgraph=idgraph)
    result = run_dataset(prepared, idgraph=idgraph, timeout=timeout, keep_store=keep_store)
    truth = pd.read_csv(work_dir / "truth.csv", dtype=str, keep_default_na=False)
    merges = household_merges(truth, read_links(work_dir / "links.csv"), population(people))
    return {**result, "people": people, "households": merges}


def _row(r: dict[str, Any]) -> list[str]:
    m, h = r["metrics"], r["households"]
    rel = h["by_relation"]
    return [
        r["dataset"],
        f"{r['records']:,}",
        f"{h['household_record_pairs']:,}",
        f"{h['household_people_pairs']:,}",
        *(f"{rel[k]['people']:,}" for k in RELATIONS),
        f"{h['other_record_pairs']:,}",
        f"{m['bcubed_precision']:.5f}",
        f"{m['bcubed_recall']:.5f}",
        f"{m['bcubed_f1']:.5f}",
        f"{m['exact_share']:.4f}",
        f"{r['phases']['resolve']['seconds']:.1f}",
    ]


HEADER = [
    "dataset", "records", "household FM record pairs", "household FM people pairs",
    *(f"{k}" for k in RELATIONS), "other FM record pairs", "B3 P", "B3 R", "B3 F1", "exact",
    "resolve s",
]  # fmt: skip


def markdown_section(report: dict[str, Any]) -> str:
    """The table that goes between the households markers of BENCHMARKS.md."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} with `{report['command']}` at `{m.get('git_commit') or '?'}`; machine: "
        f"{m['cpu']}, {m['logical_cores']} logical cores, {m['ram_gib']} GiB RAM, Python "
        f"{m['python']}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(HEADER))) + "|",
    ]
    lines += ["| " + " | ".join(_row(r)) + " |" for r in report["results"]]
    lines += [
        "",
        "FM: false merge (two true people in one predicted person). Household: the two share a "
        "dwelling; the relation columns count pairs of people. B3: B-cubed.",
    ]
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Household false merges and B-cubed on the synthetic council.",
        epilog="Example: .venv/bin/python benchmarks/households.py --people 100k,350k --write-md",
    )
    parser.add_argument("--people", default="100k", help="comma-separated sizes (default 100k)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_WORK_ROOT / "households.json", help="results JSON"
    )
    parser.add_argument(
        "--write-md",
        action="store_true",
        help="rewrite the households section of BENCHMARKS.md (between its markers)",
    )
    parser.add_argument("--md", type=Path, default=REPO_ROOT / "BENCHMARKS.md", help=argparse.SUPPRESS)
    parser.add_argument(
        "--work-root", type=Path, default=DEFAULT_WORK_ROOT, help="datasets go to ROOT/synth-<N>"
    )
    parser.add_argument("--idgraph", help="engine command (default: idgraph next to this python)")
    parser.add_argument("--timeout", type=float, help="kill any one command after this many seconds")
    parser.add_argument(
        "--reuse-prepared",
        action="store_true",
        help="reuse a dataset already generated in --work-root with the same size",
    )
    parser.add_argument(
        "--keep-store", action="store_true", help="keep each temporary store (path in the JSON)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    sizes = [_people(s) for s in args.people.split(",") if s.strip()]
    idgraph = args.idgraph.split() if args.idgraph else idgraph_command()
    command = "benchmarks/households.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "command": command.strip(),
        "machine": machine_facts(),
        "results": [],
        "failures": [],
    }
    print(" | ".join(HEADER), flush=True)
    for people in sizes:
        try:
            result = run_size(
                people,
                idgraph=idgraph,
                work_root=args.work_root,
                reuse=args.reuse_prepared,
                keep_store=args.keep_store,
                timeout=args.timeout,
            )
        except (BenchmarkError, DatasetError, OSError) as exc:
            report["failures"].append({"people": people, "error": str(exc)})
            print(f"{_label(people)}: FAILED: {str(exc).splitlines()[0]}", file=sys.stderr)
            continue
        report["results"].append(result)
        print(" | ".join(_row(result)), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.out}", file=sys.stderr)
    if args.write_md and report["results"]:
        write_markdown(args.md, markdown_section(report), MD_MARKER)
        print(f"updated: {args.md}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
