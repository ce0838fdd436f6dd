"""``generate()``: a synthetic council — exports, mappings, ground truth and a manifest."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from identity_graph import csvsafe
from identity_graph.progress import Progress, noop
from identity_graph.synth import writers
from identity_graph.synth.population import AS_OF, NEVER, YEAR, Population, build_population
from identity_graph.synth.systems import DUPLICATE_RATE, FALLBACK, SYSTEMS, System, rows_for
from identity_graph.synth.vocab import load_vocab

__all__ = ["generate", "SynthSummary", "GENERATOR_VERSION", "MAX_SYSTEMS_PER_PERSON"]

GENERATOR_VERSION = "1.0"
#: a person is held by at least one and at most this many systems
MAX_SYSTEMS_PER_PERSON = 6



@dataclass
class SynthSummary:
    people: int
    records: int
    households: int
    files: dict[str, Path] = field(default_factory=dict)  # source -> export
    mappings: dict[str, Path] = field(default_factory=dict)  # source -> mapping TOML
    truth: Path = Path()
    seconds: float = 0.0
    #: the load manifest (TOML) listing every export with its mapping: ``idgraph load --manifest``
    load_manifest: Path = Path()


#: the load manifest ``generate`` writes beside the exports (``docs/MAPPING_SPEC.md``)
LOAD_MANIFEST = "load.toml"


def _load_manifest(summary: SynthSummary) -> str:
    """Every export with its mapping, sources in name order, paths relative to the manifest."""
    lines = [
        "# Load manifest of the synthetic council: idgraph load --manifest load.toml",
        "# (paths are relative to this file; see docs/MAPPING_SPEC.md)",
    ]
    for source in sorted(summary.files):
        lines += ["", "[[export]]", f'file = "exports/{summary.files[source].name}"',
                  f'mapping = "mappings/{summary.mappings[source].name}"']
    return "\n".join(lines) + "\n"


def _membership(pop: Population, rng: np.random.Generator) -> np.ndarray:
    """(people, systems) bool: who each system holds; every person in 1..MAX systems."""
    probs = np.stack([s.membership(pop) for s in SYSTEMS], axis=1)
    member = rng.random(probs.shape) < probs
    names = [s.name for s in SYSTEMS]
    none = np.flatnonzero(~member.any(axis=1))
    age = pop.age[none]
    band = np.where(age >= 18, "adult", np.where(age >= 4, "school", "infant"))
    col = np.array([names.index(FALLBACK[b]) for b in band], dtype=np.int64)
    member[none, col] = True
    for i in np.flatnonzero(member.sum(axis=1) > MAX_SYSTEMS_PER_PERSON):
        held = np.flatnonzero(member[i])
        member[i, rng.choice(held, len(held) - MAX_SYSTEMS_PER_PERSON, replace=False)] = False
    return member


def _record_days(
    s: System, pop: Population, person: np.ndarray, rng: np.random.Generator, k: int, member: np.ndarray
) -> np.ndarray:
    ago = np.minimum(rng.exponential(s.mean_age_days, len(person)), s.max_age_days)
    day = AS_OF - ago.astype(np.int64)
    earliest = pop.dob[person] + int(s.min_age_years * YEAR)
    rapid = pop.arrived[pop.household[person]] > NEVER  # rapid movers: seen at each of their homes
    if rapid.any():
        day[rapid] = pop.rapid_mover_days(person[rapid], member[person[rapid], :k].sum(axis=1), k)
    return np.minimum(np.maximum(day, earliest), AS_OF)


def _write_export(s: System, path: Path, cols: dict[str, np.ndarray]) -> None:
    if s.ext == "csv":
        writers.write_csv(path, cols, delimiter=s.mapping.get("delimiter", ","))
    elif s.ext == "xlsx":
        writers.write_xlsx(path, cols, sheet=s.mapping["sheet"], dates=s.dates)
    elif s.ext == "json":
        meta = {"system": s.name, "exported": str(np.datetime64(AS_OF, "D"))}
        rp = s.mapping.get("record_path")
        writers.write_json(path, cols, record_path=rp, missing=s.missing, meta=meta if rp else None)
    elif s.ext == "ndjson":
        writers.write_ndjson(path, cols, missing=s.missing)
    elif s.ext == "parquet":
        writers.write_parquet(path, cols, dates=s.dates)
    else:  # pragma: no cover - catalogue error
        raise ValueError(f"unknown export format {s.ext!r}")


def generate(
    people: int, seed: int, out: Path, *, progress: Progress | None = None
) -> SynthSummary:
    """Generate a synthetic council of ``people`` residents into ``out``.

    Writes ``out/exports/<source>.<ext>`` (one per service system), ``out/mappings/<source>.toml``
    (loadable with ``idgraph load``), ``out/truth.csv`` (``source,source_record_id,person_id,
    household_id``: one row per exported record), ``out/load.toml`` (the load manifest:
    ``idgraph load --manifest out/load.toml`` loads every export) and ``out/manifest.json`` (how
    the council was generated). The same ``seed`` gives byte-identical files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> s = generate(300, seed=1, out=pathlib.Path(tempfile.mkdtemp()))
    >>> sorted(s.files) == sorted(s.mappings)
    True
    """
    started = time.perf_counter()
    report = progress or noop  # stages population (people), exports (files), truth (records)
    out = Path(out)
    (out / "exports").mkdir(parents=True, exist_ok=True)
    (out / "mappings").mkdir(parents=True, exist_ok=True)
    vocab = load_vocab()
    report("population", 0, people)
    pop = build_population(people, np.random.default_rng([seed, 0]), vocab)
    member = _membership(pop, np.random.default_rng([seed, 1]))
    report("population", people, people)
    report("exports", 0, len(SYSTEMS))

    summary = SynthSummary(people=people, records=0, households=len(pop.head))
    truth_parts: list[pd.DataFrame] = []
    per_source: dict[str, int] = {}
    for k, s in enumerate(SYSTEMS):
        rng = np.random.default_rng([seed, 100 + k])
        held = np.flatnonzero(member[:, k])
        dup = rng.random(len(held)) < DUPLICATE_RATE
        person = np.concatenate([held, held[dup]])
        is_dup = np.concatenate([np.zeros(len(held), bool), np.ones(int(dup.sum()), bool)])
        order = rng.permutation(len(person))
        person, is_dup = person[order], is_dup[order]
        day = _record_days(s, pop, person, rng, k, member)
        rows = rows_for(pop, vocab, person, day, is_dup, rng)
        cols = s.build(pop, vocab, rows, rng)
        ids = s.ids(np.arange(len(person)))
        cols[s.id_column] = ids
        path = out / "exports" / f"{s.name}.{s.ext}"
        _write_export(s, path, cols)
        mpath = out / "mappings" / f"{s.name}.toml"
        header = (
            f"Mapping for the synthetic {s.name} export ({path.name}); see docs/MAPPING_SPEC.md."
        )
        mpath.write_text(writers.toml_text(s.mapping, header), encoding="utf-8", newline="\n")
        summary.files[s.name] = path
        summary.mappings[s.name] = mpath
        per_source[s.name] = len(person)
        truth_parts.append(
            pd.DataFrame(
                {
                    "source": s.name,
                    "source_record_id": ids.astype(str),
                    "person_id": np.char.add("P", np.char.zfill(person.astype(str), 7)),
                    "household_id": np.char.add(
                        "H", np.char.zfill(pop.household[person].astype(str), 6)
                    ),
                }
            )
        )
        report("exports", k + 1, len(SYSTEMS))

    truth = pd.concat(truth_parts, ignore_index=True)
    report("truth", 0, len(truth))
    summary.truth = out / "truth.csv"
    csvsafe.frame(truth).to_csv(summary.truth, index=False, lineterminator="\n")  # ADR 0027
    summary.records = len(truth)
    manifest = {
        "generator": "identity_graph.synth",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "people": people,
        "households": summary.households,
        "records": summary.records,
        "records_per_source": per_source,
        "as_of": str(np.datetime64(AS_OF, "D")),
        "exports": {k: f"exports/{p.name}" for k, p in summary.files.items()},
        "mappings": {k: f"mappings/{p.name}" for k, p in summary.mappings.items()},
        "truth": "truth.csv",
        "load_manifest": LOAD_MANIFEST,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    summary.load_manifest = out / LOAD_MANIFEST
    summary.load_manifest.write_text(_load_manifest(summary), encoding="utf-8", newline="\n")
    report("truth", len(truth), len(truth))
    summary.seconds = time.perf_counter() - started
    return summary
