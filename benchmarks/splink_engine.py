"""Run Splink (the benchmark-only comparison engine) on a prepared benchmark dataset.

Two halves, so that only Splink's own work is timed:

* :func:`prepare_input` (in the harness, untimed) turns a prepared dataset into Splink's input:
  one Parquet table per input (FEBRL, historical_50k: the file as Splink's example reads it; the
  synthetic council: one flat person table built from the eight raw exports with the light
  cleaning a Splink user would do) and ``splink/job.json`` naming the model to use.
* ``python benchmarks/splink_engine.py JOB.json --out clusters.parquet`` (a child process, timed
  and memory-sampled by ``benchmarks/run.py`` exactly as the engine's CLI is) reads the tables,
  creates the linker, trains, predicts, clusters and collects the clusters, then writes
  ``record,cluster_id`` (record = ``source:source_record_id``, the truth's key) and the time of
  each step to ``splink_timings.json``.

Each model follows one of Splink's own example notebooks (``docs/demos/examples/duckdb/`` in
moj-analytical-services/splink, the Splink 5 versions), with the same comparisons, blocking
rules, training rules and thresholds:

* ``febrl3`` -- ``febrl3.ipynb`` (dedupe). The example stops at ``predict(0.2)``; we cluster at
  0.9.
* ``febrl4`` -- ``febrl4.ipynb``, the "detailed" model (link_only), clustered at 0.99 as there.
* ``historical_50k`` -- ``deduplicate_50k_synthetic.ipynb`` (dedupe), ``predict()`` with no
  threshold and clusters at 0.95, as there.
* ``council`` (``synth-<N>``) -- the historical-persons example adapted to the council's columns:
  its blocking rules with the council's columns (rules on the first three postcode characters
  are left out: council postcodes start with one of four, ``ls1``, ``ls2``, ``ls6``, ``ls7``, so
  they would block on a name alone; email is added), its training (deterministic rules at recall 0.6, u by random
  sampling of 1e7 pairs, EM on first name + surname and on dob) and its 0.95 clustering
  threshold, predicting at 0.2. Comparisons: first name and surname each with Splink's name
  comparison and term frequencies (as in ``febrl4.ipynb``), dob, postcode and Splink's email
  comparison. Phone and first address line were tried and left out: shared by a household and
  (address) tied to the postcode, they cut pair precision on synth-10k from 0.97 to 0.41; the
  example's combined forename+surname comparison gave pair F1 0.78 there against 0.90.

Splink is imported only in the child, so the harness runs without it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.datasets import PreparedDataset  # noqa: E402

__all__ = [
    "COUNCIL_COLUMNS",
    "MODELS",
    "SplinkInputError",
    "child_command",
    "council_table",
    "main",
    "prepare_input",
    "read_clusters",
    "splink_version",
]

JOB_FILE = "job.json"
COUNCIL_COLUMNS = [
    "unique_id",
    "source_dataset",
    "first_name",
    "surname",
    "dob",
    "postcode",
    "address_line_1",
    "email",
    "phone",
]
MODELS = ("febrl3", "febrl4", "historical_50k", "council")

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "lady", "lord"}
_UK_POSTCODE = re.compile(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?) ?([0-9][A-Za-z]{2})\b")


class SplinkInputError(RuntimeError):
    """A dataset cannot be turned into Splink input (unknown dataset, unreadable export)."""


def splink_version() -> str | None:
    """The installed Splink's version, or None if it is not installed."""
    from importlib import metadata

    try:
        return metadata.version("splink")
    except metadata.PackageNotFoundError:
        return None


# --- preparing the input (untimed, in the harness) ---------------------------------------------


def _write_job(
    prepared: PreparedDataset, model: str, inputs: list[tuple[str, pd.DataFrame]]
) -> Path:
    folder = prepared.work_dir / "splink"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("input_*.parquet"):
        old.unlink()
    entries = []
    for name, frame in inputs:
        path = folder / f"input_{name}.parquet"
        frame.to_parquet(path, index=False)
        entries.append({"name": name, "path": path.name, "rows": len(frame)})
    job = folder / JOB_FILE
    job.write_text(
        json.dumps({"dataset": prepared.name, "model": model, "inputs": entries}, indent=2) + "\n"
    )
    return job


def _febrl_frame(path: Path) -> pd.DataFrame:
    """A FEBRL file as Splink's example has it: every column a trimmed string, blanks null."""
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    return frame.mask(frame == "")


def _split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``"SMITH, John A"`` or ``"Mr John A Smith"`` -> (first given name, surname)."""
    first: list[str | None] = []
    last: list[str | None] = []
    for value in full.tolist():
        if not isinstance(value, str) or not value.strip():
            first.append(None)
            last.append(None)
            continue
        if "," in value:
            surname, _, given = value.partition(",")
            words = given.split()
            first.append(words[0] if words else None)
            last.append(surname.strip() or None)
            continue
        words = [w for w in value.split() if w.lower().strip(".") not in _TITLES]
        first.append(words[0] if words else None)
        last.append(words[-1] if len(words) > 1 else None)
    return pd.Series(first, index=full.index), pd.Series(last, index=full.index)


def _first_word(values: pd.Series) -> pd.Series:
    return values.str.split().str[0]


def _iso_dob(values: pd.Series, fmt: str | None) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` strings; unparseable ones null."""
    parsed = pd.to_datetime(values, format=fmt or "%Y-%m-%d", errors="coerce")
    if fmt is None:  # no declared format: also accept ISO date-times (e.g. from Excel)
        parsed = parsed.fillna(pd.to_datetime(values.str[:10], format="%Y-%m-%d", errors="coerce"))
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)


def _postcode(values: pd.Series) -> pd.Series:
    """Lower-case ``outward inward`` postcodes (the form Splink's PostcodeComparison expects)."""
    found = values.str.extract(_UK_POSTCODE)
    return (found[0] + " " + found[1]).str.lower()


def _phone(values: pd.Series) -> pd.Series:
    digits = values.str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^44", "0", regex=True)
    return digits.mask(digits.str.len() < 9)


def _column(frame: pd.DataFrame, fields: Mapping[str, Sequence[str]], name: str) -> pd.Series:
    """The mapped column(s) of canonical field ``name`` (several joined by ", "), or all null."""
    cols = fields.get(name)
    if not cols:
        return pd.Series(None, index=frame.index, dtype=object)
    return frame[cols[0]] if len(cols) == 1 else _joined(frame, cols)


def _joined(chunk: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    return chunk[list(columns)].apply(
        lambda row: ", ".join(v for v in row if isinstance(v, str) and v.strip()) or None, axis=1
    )


def council_table(loads: Sequence[Any]) -> pd.DataFrame:
    """One flat Splink input table from the council's raw exports, read with their mappings.

    Only what a Splink user would do by hand: lower-case; split a one-column name into first
    given name and surname (``"SURNAME, Forenames"`` or ``"Title Forenames Surname"``); keep the
    first given name; dates of birth to ISO with the mapping's declared format; a UK postcode
    pulled out of the postcode column (or the address, for an export without one) in ``"ls12
    8bw"`` form; the first address line; phone digits with +44 as 0.
    """
    from identity_graph.ingest.mapping import load_mapping
    from identity_graph.ingest.readers import read_export

    frames = []
    for load in loads:
        mapping = load_mapping(load.mapping)
        fields = mapping.fields
        for chunk in read_export(load.export, mapping):
            raw = chunk.frame
            out = pd.DataFrame(index=raw.index)
            out["unique_id"] = mapping.source + ":" + raw[mapping.id_column].astype(str)
            out["source_dataset"] = mapping.source

            first, last = _column(raw, fields, "given_name"), _column(raw, fields, "family_name")
            if "full_name" in fields:
                split_first, split_last = _split_full_name(_column(raw, fields, "full_name"))
                first, last = first.fillna(split_first), last.fillna(split_last)
            out["first_name"] = _first_word(first.str.lower())
            out["surname"] = last.str.lower().str.strip()
            out["dob"] = _iso_dob(_column(raw, fields, "dob"), mapping.formats.get("dob"))
            # no postcode column: the postcode is in the (joined) address
            postcode = _column(raw, fields, "postcode" if "postcode" in fields else "address")
            out["postcode"] = _postcode(postcode)
            address = fields.get("address", ())
            first_line = raw[address[0]] if address else _column(raw, fields, "address")
            out["address_line_1"] = first_line.str.split(",").str[0].str.lower().str.strip()
            out["email"] = _column(raw, fields, "email").str.lower().str.strip()
            out["phone"] = _phone(_column(raw, fields, "phone"))
            frames.append(out[COUNCIL_COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    table = table.astype(object).where(table.notna(), None)
    return table.mask(table == "", None)


def prepare_input(prepared: PreparedDataset) -> Path:
    """Write Splink's input tables for ``prepared`` into ``work_dir/splink/``; return the job."""
    name = prepared.name
    if name == "febrl3":
        (load,) = prepared.loads
        return _write_job(prepared, "febrl3", [("febrl3", _febrl_frame(load.export))])
    if name == "febrl4":
        inputs = [(load.export.stem, _febrl_frame(load.export)) for load in prepared.loads]
        return _write_job(prepared, "febrl4", inputs)
    if name == "historical_50k":
        (load,) = prepared.loads
        frame = pd.read_parquet(load.export).drop(columns=["cluster"])  # truth stays out
        return _write_job(prepared, "historical_50k", [("historical_50k", frame)])
    if prepared.task == "mixed":
        return _write_job(prepared, "council", [("council", council_table(prepared.loads))])
    raise SplinkInputError(f"no Splink model for dataset {name!r}")


def child_command(job: Path, out: Path, *, python: str | None = None) -> list[str]:
    """The command that runs Splink on ``job`` (what the harness times)."""
    return [python or sys.executable, str(Path(__file__).resolve()), str(job), "--out", str(out)]


# --- the models (following Splink's examples) ---------------------------------------------------


@dataclass
class Model:
    """Everything one Splink run needs, as Splink's example notebook sets it up."""

    example: str
    settings: Any  # splink.SettingsCreator
    deterministic_rules: list[Any]
    recall: float
    u_max_pairs: float
    em_rules: list[Any]
    cluster_threshold: float
    predict_threshold: float | None
    u_seed: int | None = None
    em_without_term_frequencies: bool = True
    concat_names: tuple[str, str] | None = None  # (first, surname): add first_name_surname_concat
    dataset_names: list[str] = field(default_factory=list)


def _febrl3() -> Model:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    return Model(
        example="febrl3.ipynb",
        settings=settings,
        deterministic_rules=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
        ],
        recall=0.9,
        u_max_pairs=1e6,
        u_seed=2,
        em_rules=[block_on("date_of_birth"), block_on("postcode")],
        em_without_term_frequencies=False,  # the example leaves the default
        predict_threshold=0.2,
        cluster_threshold=0.9,  # the example does not cluster
    )


def _febrl4() -> Model:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    return Model(
        example="febrl4.ipynb (detailed model)",
        settings=settings,
        deterministic_rules=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
        ],
        recall=0.8,
        u_max_pairs=1e6,
        em_rules=[block_on("date_of_birth"), block_on("postcode")],
        predict_threshold=0.2,
        cluster_threshold=0.99,
    )


def _historical() -> Model:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode_fake", "first_name"),
        block_on("postcode_fake", "surname"),
        block_on("dob", "birth_place"),
        block_on("substr(postcode_fake,1,3)", "dob"),
        block_on("substr(postcode_fake,1,3)", "first_name"),
        block_on("substr(postcode_fake,1,3)", "surname"),
        block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    return Model(
        example="deduplicate_50k_synthetic.ipynb",
        settings=settings,
        deterministic_rules=[
            block_on("first_name", "surname", "dob"),
            block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
            block_on("dob", "postcode_fake"),
        ],
        recall=0.6,
        u_max_pairs=1e7,
        em_rules=[block_on("first_name", "surname"), block_on("dob")],
        predict_threshold=None,
        cluster_threshold=0.95,
        concat_names=("first_name", "surname"),
    )


def _council() -> Model:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode", "first_name"),
        block_on("postcode", "surname"),
        block_on("email"),
        block_on("dob", "postcode"),
        block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",  # one flat table of all eight exports: dedupe = link and dedupe
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.EmailComparison("email"),
        ],
        retain_intermediate_calculation_columns=False,  # we draw no charts
    )
    return Model(
        example="deduplicate_50k_synthetic.ipynb, adapted to the council's columns",
        settings=settings,
        deterministic_rules=[
            block_on("first_name", "surname", "dob"),
            block_on("email"),
            block_on("dob", "postcode"),
        ],
        recall=0.6,
        u_max_pairs=1e7,
        em_rules=[block_on("first_name", "surname"), block_on("dob")],
        predict_threshold=0.2,
        cluster_threshold=0.95,
    )


_BUILDERS: dict[str, Callable[[], Model]] = {
    "febrl3": _febrl3,
    "febrl4": _febrl4,
    "historical_50k": _historical,
    "council": _council,
}


# --- the timed run (in the child) ---------------------------------------------------------------


def run_job(job_path: Path, out: Path) -> dict[str, Any]:
    """Run Splink on a job written by :func:`prepare_input`; write the clusters; return timings."""
    import duckdb
    from splink import DuckDBAPI, Linker

    job = json.loads(job_path.read_text())
    model = _BUILDERS[job["model"]]()
    steps: dict[str, float] = {}
    start = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[name] = round(now - last, 3)
        last = now

    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    tables = []
    for entry in job["inputs"]:
        relation = con.read_parquet(str(job_path.parent / entry["path"]))
        if model.concat_names:  # "needed to apply term frequencies to first+surname comparison"
            first, last_name = model.concat_names
            relation = relation.project(
                f"*, {first} || ' ' || {last_name} as first_name_surname_concat"
            )
        tables.append(db_api.register(relation, dataset_display_name=entry["name"]))
    linker = Linker(tables if len(tables) > 1 else tables[0], model.settings)
    step("read + linker")

    training = linker.training
    training.estimate_probability_two_random_records_match(
        model.deterministic_rules, recall=model.recall
    )
    training.estimate_u_using_random_sampling(max_pairs=model.u_max_pairs, seed=model.u_seed)
    for rule in model.em_rules:
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=model.em_without_term_frequencies
        )
    step("train")

    predictions = linker.inference.predict(threshold_match_probability=model.predict_threshold)
    step("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=model.cluster_threshold
    )
    step("cluster")
    frame = clusters.as_pandas_dataframe()
    step("collect")
    total = round(time.perf_counter() - start, 3)

    uid = model.settings.unique_id_column_name
    if "source_dataset" in frame.columns and job["model"] != "council":
        record = frame["source_dataset"].astype(str) + ":" + frame[uid].astype(str)
    elif job["model"] == "council":
        record = frame[uid].astype(str)  # already source:id
    else:
        record = job["inputs"][0]["name"] + ":" + frame[uid].astype(str)
    pd.DataFrame({"record": record, "cluster_id": frame["cluster_id"].astype(str)}).to_parquet(
        out, index=False
    )
    return {
        "example": model.example,
        "predict_threshold": model.predict_threshold,
        "cluster_threshold": model.cluster_threshold,
        "pairs_predicted": int(predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]),
        "seconds": total,
        "steps": steps,
    }


def read_clusters(path: Path) -> pd.Series:
    """The child's clusters as cluster id by record key."""
    frame = pd.read_parquet(path)
    return pd.Series(frame["cluster_id"].to_numpy(), index=pd.Index(frame["record"], name="record"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Splink on a job written by prepare_input.")
    parser.add_argument("job", type=Path, help="splink/job.json of a prepared dataset")
    parser.add_argument(
        "--out", type=Path, required=True, help="clusters (record,cluster_id) Parquet"
    )
    parser.add_argument("--timings", type=Path, help="timings JSON (default: next to --out)")
    args = parser.parse_args(argv)
    timings = run_job(args.job, args.out)
    (args.timings or args.out.with_name("splink_timings.json")).write_text(
        json.dumps(timings, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
