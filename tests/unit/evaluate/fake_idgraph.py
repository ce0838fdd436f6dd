"""A stand-in for the `idgraph` CLI with the interface the benchmark harness drives.

    fake_idgraph.py --store DB --quiet load --create FILE... --mapping MAP.toml...   (paired in order)
    fake_idgraph.py --store DB --quiet resolve        (clusters records by their mapped family_name)
    fake_idgraph.py --store DB --quiet export links --out links.csv
    fake_idgraph.py --quiet synth --people N --seed S --out DIR

FAKE_IDGRAPH_RESOLVE_MIB=<n> makes resolve hold n MiB; FAKE_IDGRAPH_FAIL=<verb> makes a verb exit 3.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tomllib
from pathlib import Path

import pandas as pd


def _option(args: list[str], name: str) -> str:
    value = args[args.index(name) + 1]
    del args[args.index(name) : args.index(name) + 2]
    return value


def main() -> int:
    args = sys.argv[1:]
    store = Path(_option(args, "--store")) if "--store" in args else None
    args = [a for a in args if a not in ("--quiet", "--create")]
    verb = args[0]
    if os.environ.get("FAKE_IDGRAPH_FAIL") == verb:
        print(f"fake failure in {verb}", file=sys.stderr)
        return 3
    state = (
        json.loads(store.read_text()) if store and store.exists() else {"records": [], "links": []}
    )
    if verb == "load":
        mappings = []
        while "--mapping" in args:
            mappings.append(tomllib.loads(Path(_option(args, "--mapping")).read_text()))
        paths = [Path(a) for a in args[1:]]
        assert len(mappings) in (1, len(paths)), "one mapping, or one per export"
        for path, mapping in zip(paths, mappings * len(paths) if len(mappings) == 1 else mappings, strict=True):
            if mapping.get("format", path.suffix[1:]) == "parquet":
                frame = pd.read_parquet(path)
            else:
                frame = pd.read_csv(
                    path,
                    dtype=str,
                    keep_default_na=False,
                    skipinitialspace=mapping.get("skip_initial_space", False),
                )
            family = mapping["fields"]["family_name"]
            for _, row in frame.iterrows():
                state["records"].append([mapping["source"], str(row[mapping["id"]]), str(row[family])])
    elif verb == "resolve":
        ballast = bytearray(int(os.environ.get("FAKE_IDGRAPH_RESOLVE_MIB", "0")) * 1024 * 1024)
        for i in range(0, len(ballast), 4096):
            ballast[i] = 1  # touch every page so it is resident
        state["links"] = [[source, rid, f"P-{family}"] for source, rid, family in state["records"]]
    elif verb == "export":
        assert args[1] == "links"
        with open(_option(args, "--out"), "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["source", "source_record_id", "person_id"])
            writer.writerows(state["links"])
    elif verb == "synth":
        people, out = int(_option(args, "--people")), Path(_option(args, "--out"))
        (out / "exports").mkdir(parents=True, exist_ok=True)
        (out / "mappings").mkdir(exist_ok=True)
        rows = [(f"CT{i}", f"fam{i // 2}", f"p{i // 2}") for i in range(people * 2)]
        pd.DataFrame(rows, columns=["ref", "surname", "truth"])[["ref", "surname"]].to_csv(
            out / "exports" / "council_tax_2024.csv", index=False
        )
        (out / "mappings" / "council_tax.toml").write_text(
            'source = "council_tax"\nid = "ref"\n\n[fields]\nfamily_name = "surname"\n'
        )
        pd.DataFrame(
            {
                "source": "council_tax",
                "source_record_id": [r[0] for r in rows],
                "person_id": [r[2] for r in rows],
            }
        ).to_csv(out / "truth.csv", index=False)
        return 0
    else:
        return 2
    store.write_text(json.dumps(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
