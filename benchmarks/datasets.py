"""Prepare benchmark datasets as the engine sees real data: export files, mapping TOMLs and a truth.

Every prepared dataset has the same layout in its work dir (default ``benchmarks/out/<name>/``)::

    exports/<file>          the source exports, as the engine loads them
    mappings/<source>.toml  one mapping per export (docs/MAPPING_SPEC.md)
    truth.csv               source,source_record_id,person_id  (the true person of every record)
    dataset.json            manifest: which export goes with which mapping

Datasets: ``febrl3`` (dedupe), ``febrl4`` (two-file link), ``historical_50k`` (Splink's noisy
historical people) and ``synth-<N>`` (``idgraph synth --people N --seed 42``; N may be ``10k``).
The public files are read from ``--data DIR`` (default ``../shared/data`` next to the repo), which
holds ``febrl/`` and ``splink/``.

Usage::

    python benchmarks/datasets.py febrl3 historical_50k [--data DIR] [--work-root DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_WORK_ROOT",
    "DatasetError",
    "Load",
    "PreparedDataset",
    "SYNTH_SEED",
    "dataset_names",
    "febrl_entity",
    "idgraph_command",
    "load_prepared",
    "prepare",
    "read_truth",
    "to_toml",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_WORK_ROOT = REPO_ROOT / "benchmarks" / "out"
SYNTH_SEED = 42
FIXED_DATASETS = ("febrl3", "febrl4", "historical_50k")

_FEBRL_ID = re.compile(r"^rec-(\d+)-(?:org|dup-\d+)$")
_SYNTH_NAME = re.compile(r"^synth-(\d+)(k?)$")
_TRUTH_COLUMNS = ["source", "source_record_id", "person_id"]
_OWNED = ("exports", "mappings", "truth.csv", "dataset.json", "links.csv", "run.log")


class DatasetError(RuntimeError):
    """A dataset cannot be prepared (missing input, unknown name, malformed ids)."""


@dataclass(frozen=True)
class Load:
    """One ``idgraph load EXPORT --mapping MAPPING`` step."""

    export: Path
    mapping: Path


@dataclass(frozen=True)
class PreparedDataset:
    """A dataset ready to load: its loads, in order, and the truth indexed by record key."""

    name: str
    task: str  # "dedupe" | "link" | "mixed"
    work_dir: Path
    loads: tuple[Load, ...]
    truth: pd.Series  # index "source:source_record_id" -> true person id

    @property
    def records(self) -> int:
        return len(self.truth)


# --- small helpers -----------------------------------------------------------------------------


def idgraph_command() -> list[str]:
    """The engine's CLI: ``idgraph`` next to the running interpreter, else ``python -m``."""
    exe = Path(sys.executable).with_name("idgraph")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "identity_graph.cli.main"]


def _toml_string(value: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(data: Mapping[str, Any]) -> str:
    """Serialise a mapping: top-level scalars first, then one ``[table]`` per nested mapping."""
    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, Mapping)
    ]
    for key, table in data.items():
        if isinstance(table, Mapping):
            lines += ["", f"[{_toml_key(key)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _truth_frame(source: str, ids: pd.Series, entities: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"source": source, "source_record_id": ids.to_numpy(), "person_id": entities.to_numpy()}
    )


def read_truth(path: Path) -> pd.Series:
    """Read ``truth.csv`` (source,source_record_id,person_id) into a Series keyed by record key."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=_TRUTH_COLUMNS)
    keys = frame["source"] + ":" + frame["source_record_id"]
    truth = pd.Series(
        frame["person_id"].to_numpy(), index=pd.Index(keys, name="record"), name="person_id"
    )
    if not truth.index.is_unique:
        dupes = truth.index[truth.index.duplicated()].unique()[:5].tolist()
        raise DatasetError(f"{path}: duplicated records in the truth, e.g. {dupes}")
    return truth


def febrl_entity(rec_ids: pd.Series) -> pd.Series:
    """The FEBRL entity id: ``rec-<N>-org`` / ``rec-<N>-dup-<k>`` -> ``<N>``."""
    entity = rec_ids.str.extract(_FEBRL_ID, expand=False)
    bad = entity.isna()
    if bad.any():
        raise DatasetError(
            f"FEBRL rec_id not of the form rec-N-org / rec-N-dup-k: {rec_ids[bad].head(3).tolist()}"
        )
    return entity


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DatasetError(
            f"input file not found: {path} (point --data at the folder holding febrl/ and splink/)"
        )
    return path


def _clean(work_dir: Path) -> None:
    """Remove what a previous preparation/run wrote, and nothing else."""
    for name in _OWNED:
        target = work_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _write_manifest(prepared: PreparedDataset, extra: Mapping[str, Any]) -> None:
    manifest = {
        "name": prepared.name,
        "task": prepared.task,
        "records": prepared.records,
        "truth": "truth.csv",
        "loads": [
            {
                "export": str(load.export.relative_to(prepared.work_dir)),
                "mapping": str(load.mapping.relative_to(prepared.work_dir)),
            }
            for load in prepared.loads
        ],
        **extra,
    }
    (prepared.work_dir / "dataset.json").write_text(json.dumps(manifest, indent=2) + "\n")


def load_prepared(work_dir: Path) -> PreparedDataset:
    """Re-open a dataset prepared earlier in ``work_dir`` (from its ``dataset.json``)."""
    manifest = json.loads((work_dir / "dataset.json").read_text())
    loads = tuple(Load(work_dir / x["export"], work_dir / x["mapping"]) for x in manifest["loads"])
    return PreparedDataset(
        manifest["name"],
        manifest["task"],
        work_dir,
        loads,
        read_truth(work_dir / manifest["truth"]),
    )


# --- FEBRL ------------------------------------------------------------------------------------


def febrl_mapping(source: str, one_record_per_person: bool = False) -> dict[str, Any]:
    """Mapping for a FEBRL file (header and fields separated by ", "). FEBRL4's two files each
    hold every person once: the link task (Splink's ``link_only``) declares that."""
    extra = {"one_record_per_person": True} if one_record_per_person else {}
    return {
        "source": source,
        **extra,
        "id": "rec_id",
        "format": "csv",
        "delimiter": ",",
        "skip_initial_space": True,
        "fields": {
            "given_name": "given_name",
            "family_name": "surname",
            "address": ["street_number", "address_1", "address_2", "suburb"],
            # the postcode is Australian (4 digits): not a UK postcode, so it is compared as an
            # extra exact field below instead of being mapped to the canonical `postcode`
            "dob": "date_of_birth",
        },
        "formats": {"dob": "%Y%m%d"},
        "compare": {
            "postcode_au": {"column": "postcode", "method": "exact"},
            "state": "exact",
            "soc_sec_id": "exact",
        },
    }


def _prepare_febrl(
    name: str, files: Sequence[tuple[str, Path]], work_dir: Path, task: str
) -> PreparedDataset:
    (work_dir / "exports").mkdir(parents=True)
    (work_dir / "mappings").mkdir()
    loads, truths = [], []
    for source, src in files:
        export = work_dir / "exports" / f"{source}.csv"
        shutil.copyfile(_require(src), export)  # byte for byte: the engine reads the real file
        mapping = work_dir / "mappings" / f"{source}.toml"
        mapping.write_text(to_toml(febrl_mapping(source, one_record_per_person=task == "link")))
        loads.append(Load(export, mapping))
        rec_ids = pd.read_csv(
            export, dtype=str, keep_default_na=False, skipinitialspace=True, usecols=["rec_id"]
        )["rec_id"].str.strip()
        truths.append(_truth_frame(source, rec_ids, febrl_entity(rec_ids)))
    return _finish(name, task, work_dir, loads, truths, {"inputs": [str(p) for _, p in files]})


# --- Splink historical_50k ------------------------------------------------------------------------


def historical_mapping(source: str) -> dict[str, Any]:
    """Mapping for Splink's historical_50k (full_name and first_and_surname stay attributes)."""
    return {
        "source": source,
        "id": "unique_id",
        "format": "parquet",
        "fields": {
            "given_name": "first_name",
            "family_name": "surname",
            "dob": "dob",
            "postcode": "postcode_fake",
            "gender": "gender",
        },
        "formats": {"dob": "%Y-%m-%d"},
        "checks": {"dob_earliest": "1000-01-01"},  # historical people
        "compare": {"birth_place": "exact", "occupation": "exact"},
    }


def _prepare_historical(data_dir: Path, work_dir: Path) -> PreparedDataset:
    source = "historical_50k"
    src = _require(data_dir / "splink" / "historical_figures_with_errors_50k.parquet")
    (work_dir / "exports").mkdir(parents=True)
    (work_dir / "mappings").mkdir()
    export = work_dir / "exports" / f"{source}.parquet"
    shutil.copyfile(src, export)
    mapping = work_dir / "mappings" / f"{source}.toml"
    mapping.write_text(to_toml(historical_mapping(source)))
    frame = pd.read_parquet(export, columns=["unique_id", "cluster"])
    if frame[["unique_id", "cluster"]].isna().any().any():
        raise DatasetError(f"{src}: unique_id / cluster has missing values")
    truth = _truth_frame(source, frame["unique_id"].astype(str), frame["cluster"].astype(str))
    return _finish(
        source, "dedupe", work_dir, [Load(export, mapping)], [truth], {"inputs": [str(src)]}
    )


# --- synthetic council (the engine's own generator) ---------------------------------------------


def synth_people(name: str) -> int | None:
    """``synth-10k`` -> 10000, ``synth-2500`` -> 2500; None if not a synth name."""
    match = _SYNTH_NAME.match(name)
    if not match:
        return None
    return int(match.group(1)) * (1000 if match.group(2) else 1)


def _matching_exports(exports: Sequence[Path], stem: str, source: str) -> list[Path]:
    for rule in (
        lambda p: p.stem == stem,
        lambda p: p.stem == source,
        lambda p: p.name.startswith(source),
    ):
        found = [p for p in exports if rule(p)]
        if found:
            return found
    return []


def _pair_exports(work_dir: Path) -> list[Load]:
    """Pair each ``mappings/*.toml`` with its export: same stem, else named after its source."""
    exports = sorted(p for p in (work_dir / "exports").iterdir() if p.is_file())
    mappings = sorted((work_dir / "mappings").glob("*.toml"))
    if not mappings:
        raise DatasetError(f"{work_dir}/mappings holds no *.toml")
    loads, used = [], set()
    for mapping in mappings:
        source = tomllib.loads(mapping.read_text()).get("source", mapping.stem)
        found = _matching_exports(exports, mapping.stem, source)
        if len(found) != 1:
            raise DatasetError(
                f"cannot pair {mapping.name} with one export in {work_dir}/exports: {found}"
            )
        loads.append(Load(found[0], mapping))
        used.add(found[0])
    unused = [p.name for p in exports if p not in used]
    if unused:
        raise DatasetError(f"exports with no mapping in {work_dir}: {unused}")
    return loads


def _prepare_synth(
    name: str, people: int, work_dir: Path, idgraph: Sequence[str]
) -> PreparedDataset:
    work_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        *idgraph,
        "--quiet",
        "synth",
        "--people",
        str(people),
        "--seed",
        str(SYNTH_SEED),
        "--out",
        str(work_dir),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatasetError(
            f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    loads = _pair_exports(work_dir)
    truth = read_truth(_require(work_dir / "truth.csv"))
    sources = {tomllib.loads(load.mapping.read_text()).get("source") for load in loads}
    prepared = PreparedDataset(name, "mixed", work_dir, tuple(loads), truth)
    _write_manifest(prepared, {"people": people, "seed": SYNTH_SEED, "sources": sorted(sources)})
    return prepared


# --- entry points ---------------------------------------------------------------------------------


def _finish(
    name: str,
    task: str,
    work_dir: Path,
    loads: list[Load],
    truths: list[pd.DataFrame],
    extra: Mapping[str, Any],
) -> PreparedDataset:
    pd.concat(truths, ignore_index=True).to_csv(work_dir / "truth.csv", index=False)
    prepared = PreparedDataset(
        name, task, work_dir, tuple(loads), read_truth(work_dir / "truth.csv")
    )
    _write_manifest(prepared, extra)
    return prepared


def dataset_names() -> tuple[str, ...]:
    """The fixed dataset names (``synth-<N>`` works for any N)."""
    return FIXED_DATASETS


def prepare(
    name: str,
    *,
    data_dir: Path = DEFAULT_DATA_DIR,
    work_dir: Path | None = None,
    idgraph: Sequence[str] | None = None,
) -> PreparedDataset:
    """Write dataset ``name`` into ``work_dir`` (default ``benchmarks/out/<name>``), fresh."""
    work_dir = Path(work_dir) if work_dir is not None else DEFAULT_WORK_ROOT / name
    people = synth_people(name)
    if name not in FIXED_DATASETS and people is None:
        raise DatasetError(
            f"unknown dataset {name!r}: choose from {', '.join(FIXED_DATASETS)} or synth-<N>"
        )
    _clean(work_dir)
    data_dir = Path(data_dir)
    if name == "febrl3":
        return _prepare_febrl(
            name, [("febrl3", data_dir / "febrl" / "dataset3.csv")], work_dir, "dedupe"
        )
    if name == "febrl4":
        files = [
            ("febrl4a", data_dir / "febrl" / "dataset4a.csv"),
            ("febrl4b", data_dir / "febrl" / "dataset4b.csv"),
        ]
        return _prepare_febrl(name, files, work_dir, "link")
    if name == "historical_50k":
        return _prepare_historical(data_dir, work_dir)
    assert people is not None
    return _prepare_synth(name, people, work_dir, idgraph or idgraph_command())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="+", help="febrl3, febrl4, historical_50k, synth-<N>")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="folder holding febrl/ and splink/"
    )
    parser.add_argument(
        "--work-root", type=Path, default=DEFAULT_WORK_ROOT, help="datasets go to ROOT/<name>"
    )
    args = parser.parse_args(argv)
    for name in args.datasets:
        try:
            prepared = prepare(name, data_dir=args.data, work_dir=args.work_root / name)
        except DatasetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        truth = prepared.truth
        print(
            f"{name}: {len(prepared.loads)} export(s), {prepared.records:,} records, "
            f"{truth.nunique():,} people, largest {int(truth.value_counts().max())} -> {prepared.work_dir}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
