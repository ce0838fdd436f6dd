"""The public Python API: what the CLI and the notebooks call.

>>> from identity_graph import api
>>> store = api.open_store(":memory:")
>>> api.stats(store)["records"]
0
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import csvsafe
from .errors import BatchLoadError, IdentityGraphError, NotFoundError, StoreError
from .ingest.mapping import SourceMapping, load_mapping
from .ingest.mapping_check import FieldTallies
from .ingest.readers import read_export
from .ingest.rejects import write_rejects
from .ingest.rowcount import export_digest
from .private_files import open_private, private_dirs
from .progress import UNKNOWN, Progress
from .settings import Settings, default_settings
from .standardise.parallel import Batch, BatchJob
from .standardise.record import drop_duplicate_ids
from .store.contract import FileInfo, SourceInfo, Store
from .store.default import DEFAULT_STORE
from .store.embedded import EmbeddedStore
from .types import LoadReport, Reject, ResolveReport

if TYPE_CHECKING:  # imported on first use (module __getattr__ below)
    from .explain.explain import explain
    from .investigate.search import search

__all__ = [
    "open_store",
    "load",
    "load_many",
    "LoadSpec",
    "resolve",
    "person",
    "search",
    "explain",
    "stats",
    "export_links",
    "blocking_diagnostics",
    "recluster",
    "update",
    "load_records",
    "open_live",
    "match",
    "changes",
    "decide",
    "review_queue",
    "review_item",
    "review_accept",
    "review_reject",
    "PersonView",
    "DEFAULT_STORE",
    "subject_access",
    "erase",
    "retention_apply",
    # the investigator's workbench (issue 13; shapes documented in identity_graph/investigate/)
    "find_addresses",
    "residents",
    "evidence_path",
    "waterfall",
    "waterfall_svg",
    "person_graph",
    "export_graph",
    "alert_rules",
    "alerts",
]


def open_store(
    uri: str | os.PathLike[str] | None = None,
    *,
    create: bool = False,
    read_only: bool = False,
    wait: float | None = None,
    command: str | None = None,
) -> Store:
    """Open a store. A path selects the embedded SQLite store (the default); ``bolt://`` /
    ``neo4j://`` URIs select Neo4j. (ADR 0028.)

    ``create``: make the store when it does not exist (a mistyped path is otherwise an error,
    never a new empty store). ``read_only``: open for reading only: no migration, no lock;
    a store that needs migrating says so. ``wait``: seconds a write waits for another writer
    before it fails naming the holder (default ``IDGRAPH_WAIT`` or 60). ``command``: how this
    process is named to writers that wait for it.
    """
    from .store.lock import DEFAULT_WAIT

    uri = str(uri or os.environ.get("IDGRAPH_STORE") or DEFAULT_STORE)
    if wait is None:
        wait = _env_wait()
    if wait is None:
        wait = DEFAULT_WAIT
    if "://" in uri:
        if not uri.startswith(("bolt://", "neo4j://", "bolt+s://", "neo4j+s://", "bolt+ssc://", "neo4j+ssc://")):
            raise StoreError(
                f"unknown store URI scheme in {uri!r}: a store is a file path (embedded SQLite) or a "
                "bolt:// or neo4j:// URI (Neo4j)"
            )
        try:
            from .store.neo4j.store import Neo4jStore  # type: ignore[import-not-found]
        except ImportError as exc:
            raise StoreError(
                f"the Neo4j store is not available in this version ({uri}); use a file path"
            ) from exc
        return Neo4jStore(uri, create=create, read_only=read_only)  # type: ignore[no-any-return]
    if uri == ":memory:":
        return EmbeddedStore(uri, command=command)
    return EmbeddedStore(uri, create=create, read_only=read_only, wait=wait, command=command)


def _env_wait() -> float | None:
    raw = os.environ.get("IDGRAPH_WAIT")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(f"IDGRAPH_WAIT={raw!r} is not a number of seconds (e.g. 60)")
    return value


def _fault_point(stage: str, count: int, writer: object = None) -> None:
    """Fault injection for crash tests: ``IDGRAPH_CRASH_AFTER=load:3`` kills the process (no
    cleanup, like ``kill -9``) after the third chunk of a load is written (a writer that writes
    in the background is flushed first, so the crash is after exactly those chunks)."""
    spec = os.environ.get("IDGRAPH_CRASH_AFTER")
    if spec and spec == f"{stage}:{count}":
        flush = getattr(writer, "flush", None)
        if callable(flush):
            flush()
        os._exit(137)


def _rejects_path(store: Store, mapping: SourceMapping, export: Path) -> Path:
    """Where a load's rejects go by default: ``<store file>.rejects/`` beside an embedded store;
    ``./<database>.rejects/`` (``./neo4j.rejects/``) in the working folder for a Neo4j store,
    whose URI is no path."""
    if "://" in store.uri:
        import re

        base = Path(re.sub(r"[^\w.-]", "_", str(getattr(store, "database", None) or "neo4j")))
    else:
        base = Path(store.uri if store.uri != ":memory:" else DEFAULT_STORE)
    return base.parent / (base.name + ".rejects") / f"{mapping.source}__{export.name}.csv"


@dataclass(frozen=True)
class LoadSpec:
    """One export of a batch load: the file, its mapping and (optionally) where its rejects go."""

    export: str | os.PathLike[str]
    mapping: str | os.PathLike[str] | SourceMapping
    rejects_path: str | os.PathLike[str] | None = None


def load(
    store: Store,
    export: str | os.PathLike[str],
    mapping: str | os.PathLike[str] | SourceMapping,
    *,
    rejects_path: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    chunk_rows: int = 25_000,
    snapshot: bool | None = None,
    allow_mass_retire: bool = False,
    allow_erased: bool = False,
) -> LoadReport:
    """Load one export into the store, atomically and idempotently.

    New rows are inserted, changed rows updated (their previous values kept as history),
    unchanged rows left alone; unusable rows and values go to the rejects CSV.

    ``snapshot`` (default: the mapping's ``snapshot``): the export is the whole source, and
    the source's records missing from it are retired (``gdpr.snapshot``; more than 10% of the
    source needs ``allow_mass_retire``). Rows of erased records are refused (rejects, "erased
    on DATE") unless ``allow_erased`` (ADR 0032).
    """
    from .gdpr.snapshot import SnapshotOptions

    (report,) = _load_batch(
        store, [LoadSpec(export, mapping, rejects_path)], progress=progress, chunk_rows=chunk_rows,
        stage=lambda _: "load", options=SnapshotOptions(snapshot, allow_mass_retire, allow_erased),
    )
    return report


def load_many(
    store: Store,
    loads: Sequence[LoadSpec | tuple[Any, Any]],
    *,
    progress: Progress | None = None,
    on_report: Callable[[LoadReport], None] | None = None,
    chunk_rows: int = 25_000,
    snapshot: bool | None = None,
    allow_mass_retire: bool = False,
    allow_erased: bool = False,
) -> list[LoadReport]:
    """Load several exports in order, in one process: each export atomic and idempotent as
    :func:`load` makes it, while the next export is already being read and standardised.

    ``loads`` holds :class:`LoadSpec` s or ``(export, mapping)`` pairs. Every mapping is
    validated and every export found before anything is loaded. Each export is its own
    transaction: when export *k* fails, exports before it stay loaded, export *k* is rolled back
    and later ones are not started; a :class:`BatchLoadError` names the export and the cause (the
    rerun of the same batch finds the loaded exports unchanged). ``progress`` gets
    ``("load <file name>", rows, total rows)`` (``identity_graph.progress``: the total counted
    before the export is parsed, -1 while not known); ``on_report`` each export's report as it
    commits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "hr.csv").write_text("REF,NAME\\nR1,Ann Lee\\n")
    >>> _ = (d / "hr.toml").write_text('source = "hr"\\nid = "REF"\\n[fields]\\nfull_name = "NAME"\\n')
    >>> [r.inserted for r in load_many(open_store(":memory:"), [(d / "hr.csv", d / "hr.toml")])]
    [1]
    """
    from .gdpr.snapshot import SnapshotOptions

    specs = [s if isinstance(s, LoadSpec) else LoadSpec(*s) for s in loads]
    return _load_batch(
        store, specs, progress=progress, on_report=on_report, chunk_rows=chunk_rows,
        stage=lambda p: f"load {p.name}", options=SnapshotOptions(snapshot, allow_mass_retire, allow_erased),
    )


def _checked(specs: Sequence[LoadSpec]) -> list[tuple[SourceMapping, Path]]:
    """Every spec's mapping validated and export found, or one error listing every problem."""
    out: list[tuple[SourceMapping, Path]] = []
    problems: list[IdentityGraphError] = []
    for spec in specs:
        try:
            m = spec.mapping if isinstance(spec.mapping, SourceMapping) else load_mapping(spec.mapping)
        except IdentityGraphError as exc:
            problems.append(exc)
            continue
        path = Path(spec.export)
        if not path.exists():
            problems.append(IdentityGraphError(f"export {path} not found; check the path"))
        out.append((m, path))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        err = IdentityGraphError(
            f"nothing loaded: {len(problems)} problems in the batch:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
        err.exit_code = problems[0].exit_code
        raise err
    return out


def _load_batch(
    store: Store,
    specs: Sequence[LoadSpec],
    *,
    progress: Progress | None,
    chunk_rows: int,
    stage: Callable[[Path], str],
    on_report: Callable[[LoadReport], None] | None = None,
    options: Any = None,
) -> list[LoadReport]:
    checked = _checked(specs)
    # read_export is lazy: each file is opened only when the batch reaches it
    for (m, path), spec in zip(checked, specs, strict=True):  # before anything is read or written
        given = spec.rejects_path
        check_output_path(Path(given) if given else _rejects_path(store, m, path), store,
                          [p for _, p in checked], "the rejects file")
    jobs = [BatchJob(read_export(path, m, chunk_rows=chunk_rows), m, str(path)) for m, path in checked]
    reports: list[LoadReport] = []
    fault = _FaultCounter()
    with Batch(jobs) as batch:
        for k, ((m, path), spec) in enumerate(zip(checked, specs, strict=True)):
            try:
                report = _load_one(store, batch, k, m, path, spec.rejects_path, progress, stage(path), fault,
                                   options)
            except IdentityGraphError as exc:
                if len(specs) == 1:
                    raise
                raise BatchLoadError(path, exc, loaded=reports, not_started=len(specs) - k - 1) from exc
            reports.append(report)
            if on_report:
                on_report(report)
    return reports


class _FaultCounter:
    """Chunks written by this load command, for ``IDGRAPH_CRASH_AFTER`` (see ``_fault_point``)."""

    def __init__(self) -> None:
        self.chunks = 0


def _load_one(
    store: Store,
    batch: Batch,
    k: int,
    m: SourceMapping,
    path: Path,
    rejects_path: str | os.PathLike[str] | None,
    progress: Progress | None,
    stage: str,
    fault: _FaultCounter,
    options: Any = None,
) -> LoadReport:
    from .gdpr import snapshot as snap
    from .gdpr.tombstones import ErasedGate

    t0 = time.perf_counter()
    report_progress = progress or (lambda *_: None)
    report_progress(stage, 0, UNKNOWN)  # the stage starts: its rate is timed from here
    opts = options or snap.SnapshotOptions()
    is_snapshot = m.snapshot if opts.snapshot is None else opts.snapshot
    gate = ErasedGate(store, opts.allow_erased)  # before the load's transaction: may write the salt
    present: set[str] = set()
    missing: list[str] = []
    src = SourceInfo(
        source=m.source,
        trust=m.trust,
        mapping_json=json.dumps(m.to_dict(), sort_keys=True),
        compare={k: c.method for k, c in m.compare.items()},
    )
    report = LoadReport(source=m.source, file=str(path))
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    tallies = FieldTallies(m)  # per-field fill and validity: a field mapped wrong is a warning
    # the rows, counted as the file is hashed: the total the progress shows (ADR 0039)
    sha, estimate = export_digest(path, m)
    rows_total = estimate if estimate is not None else UNKNOWN
    report_progress(stage, 0, rows_total)
    with store.load(src, FileInfo(str(path), sha)) as w:
        for chunk, std in batch.chunks(k):
            rejects.extend(chunk.rejects)
            tallies.add(std.tallies, std.rows)
            report.rows += len(chunk.frame) + len(chunk.rejects)
            if is_snapshot:
                present.update(snap.raw_ids(chunk.frame, m.id_column))
            _write_chunk(w, std, m, str(path), seen, rejects, report, gate)
            if chunk.rows_total is not None:  # the reader has counted them (a parsed JSON document)
                rows_total = chunk.rows_total
            report_progress(stage, report.rows, UNKNOWN if rows_total == UNKNOWN else max(rows_total, report.rows))
            fault.chunks += 1
            _fault_point("load", fault.chunks, w)
        report_progress(stage, report.rows, report.rows)  # the real count, the estimate's place taken
        report.rejected = sum(1 for r in rejects if r.action == "row rejected")
        report.values_dropped = len(rejects) - report.rejected
        report.fields, report.warnings = dict(tallies.fills), tallies.warnings()
        if is_snapshot:  # refused here, the embedded store rolls the whole load back
            flush = getattr(w, "flush", None)  # a writer in the background: every row stored first
            if callable(flush):
                flush()
            missing, total = snap.missing_records(store, m.source, present)
            snap.check_guard(store, m.source, str(path), missing, total, opts.allow_mass_retire)
        w.finish(
            {
                "rows": report.rows,
                "inserted": report.inserted,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
                "values_dropped": report.values_dropped,
            }
        )
    if gate.readmitted:
        store.drop_tombstones(gate.readmitted)
    out = Path(rejects_path) if rejects_path else _rejects_path(store, m, path)
    if rejects or rejects_path:
        private_dirs(out.parent)  # owner-only, as the file is (ADR 0027)
        write_rejects(rejects, out)
        report.rejects_file = str(out)
    if missing:  # the delete path, as `idgraph delete`: kept in history, people re-clustered
        from .recompute import update as _update

        res = _update(store, retire=missing, reason=f"missing from snapshot {path.name}", changed=[])
        report.retired, report.retired_run = len(missing), res.run_id
    report.seconds = time.perf_counter() - t0
    return report


def _write_chunk(
    w: Any, std: Any, m: SourceMapping, file: str, seen: dict[str, int], rejects: list[Reject], report: LoadReport,
    gate: Any = None,
) -> list[str]:
    """One standardised chunk into a load: duplicates of earlier ids rejected, rows of erased
    records refused (``gate``), new rows inserted, changed rows updated, unchanged rows left
    alone. Returns the record ids of the chunk's accepted rows, and (attribute ``written`` of
    the report's caller) those written."""
    std = drop_duplicate_ids(std, seen, file, m.id_column)
    rejects.extend(std.rejects)
    f = std.frame
    if not len(f):
        return []
    if gate is not None:
        before = f
        f = _refuse_erased(gate, f, file, m.id_column, rejects)
        refused = set(before["__row__"].tolist()) - set(f["__row__"].tolist())
        if refused:  # an erased record's dropped values must not outlive it in the rejects file
            rejects[:] = [r for r in rejects if not (r.file == file and r.row in refused and r.action != "row rejected")]
        if not len(f):
            return []
    old = w.existing_hashes(f["source_record_id"].tolist())
    prev = f["record_id"].map(old)
    new = prev.isna()
    changed = ~new & (prev != f["row_hash"])
    w.upsert(f[new | changed].drop(columns="__row__"), updated=set(f.loc[changed, "record_id"]))
    report.inserted += int(new.sum())
    report.updated += int(changed.sum())
    report.unchanged += int((~new & ~changed).sum())
    if report.written is not None:
        report.written.extend(f.loc[new | changed, "record_id"].tolist())
    return f["record_id"].tolist()


def _refuse_erased(gate: Any, f: pd.DataFrame, file: str, id_column: str, rejects: list[Reject]) -> pd.DataFrame:
    """Rows of erased records: refused (a reject without their values), or with
    ``allow_erased`` let back in (their tombstones dropped once the load commits)."""
    from .gdpr.tombstones import record_hash

    erased = gate.erased(f["record_id"].tolist())
    if not erased:
        return f
    if gate.allow_erased:
        gate.readmitted.extend(record_hash(gate.salt, r) for r in sorted(erased))
        return f
    hit = f["record_id"].isin(set(erased))
    for rid, row in zip(f.loc[hit, "record_id"], f.loc[hit, "__row__"], strict=True):
        rejects.append(Reject(file, int(row), id_column,
                              f"erased on {erased[rid][:10]}: this record was erased and is not loaded again; "
                              "load with --allow-erased only if its data may lawfully be held again"))
    return f[~hit]


def load_records(store: Store, source: str, rows: Sequence[dict[str, Any]]) -> tuple[LoadReport, list[Reject], list[str]]:
    """Load records given as rows in ``source``'s own columns (a service posting a change),
    standardised by the source's stored mapping exactly as ``load`` would standardise its export:
    one transaction, idempotent. Returns (report, rejects, record ids of the accepted rows, in
    row order); ``report.written`` lists those inserted or changed. Rejected rows are not
    loaded; the caller reports them."""
    from .standardise.record import standardise_chunk

    info = {s.source: s for s in store.sources()}.get(source)
    if info is None:
        raise NotFoundError(f"no source {source!r} in this index; load one export of it with its mapping first")
    m = SourceMapping.from_dict(json.loads(info.mapping_json), f"<{source} mapping>")
    if not rows:
        raise IdentityGraphError("no records given")
    cols = sorted({k for r in rows for k in r})
    raw = pd.DataFrame(
        [{c: (None if r.get(c) is None else str(r[c])) for c in cols} for r in rows], columns=cols, dtype=object
    )
    raw["__row__"] = range(1, len(raw) + 1)
    if m.id_column not in raw.columns:
        raise IdentityGraphError(f"records of {source!r} need their id column {m.id_column!r}")
    for c in sorted(m.columns_used() - set(raw.columns)):  # a column no record gives: empty
        raw[c] = None
    file = f"<{source} api>"
    std = standardise_chunk(raw, m, file)
    report = LoadReport(source=source, file=file, rows=len(raw), written=[])
    rejects: list[Reject] = []  # ``_write_chunk`` adds the chunk's own
    src = SourceInfo(source=m.source, trust=m.trust, mapping_json=info.mapping_json, compare=info.compare)
    from .gdpr.tombstones import ErasedGate

    gate = ErasedGate(store)
    payload = json.dumps(rows, sort_keys=True, default=str).encode("utf-8")
    import hashlib

    with store.load(src, FileInfo(file, hashlib.sha256(payload).hexdigest())) as w:
        ids = _write_chunk(w, std, m, file, {}, rejects, report, gate)
        report.rejected = sum(1 for r in rejects if r.action == "row rejected")
        report.values_dropped = len(rejects) - report.rejected
        w.finish({"rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                  "unchanged": report.unchanged, "rejected": report.rejected,
                  "values_dropped": report.values_dropped})
    return report, rejects, ids


def recluster(store: Store, settings: Settings | None = None) -> dict[str, Any]:
    """Recompute people from the similarity graph already in the store (no re-scoring): GDS WCC
    in Neo4j when installed, scipy otherwise; same split and stable-id policy as ``resolve``."""
    from .recompute import recluster as _recluster

    return _recluster(store, settings)


# -- human decisions and the review queue (ADR 0024) ---------------------------------------------
if TYPE_CHECKING:
    from .review.decide import DecisionReport
    from .review.queue import ReviewItem


def decide(
    store: Store, kind: str, record_a: str, record_b: str, *, reason: str, actor: str, apply: bool = False
) -> DecisionReport:
    """Record a reviewer's decision about two records: ``kind`` is ``same-person`` or
    ``keep-apart``; ``reason`` is required; ``actor`` names who decided (``cli:<os user>``, an
    API key's name). A later decision on the same pair replaces this one (both are kept).

    Recorded at once; the people change at the next resolve, recluster or update, or now with
    ``apply`` (a recluster). The report lists every contradiction among the current decisions.
    """
    from .review.decide import record

    rep = record(store, [(kind, record_a, record_b)], reason=reason, actor=actor)
    return _applied(store, rep, apply)


def review_queue(store: Store, limit: int | None = 50, kinds: Sequence[str] = ("person", "pair")) -> list[ReviewItem]:
    """Flagged people and possible matches between two people, worst first (nearest the match
    threshold), each with its evidence and why it is listed. See ``identity_graph.review.queue``."""
    from .review.queue import review_queue as _queue

    return _queue(store, limit, tuple(kinds))


def review_item(store: Store, item: str) -> ReviewItem:
    """One review-queue item by its id: a person id, or ``RECORD_A~RECORD_B``."""
    from .review.queue import review_item as _item

    return _item(store, item)


def review_accept(store: Store, item: str, *, reason: str, actor: str, apply: bool = False) -> DecisionReport:
    """The item's grouping is right: record the decisions that keep it (same-person along it;
    for a person split from a chain, keep-apart from the people it was cut from)."""
    from .review.actions import accept

    return _applied(store, accept(store, item, reason=reason, actor=actor), apply)


def review_reject(store: Store, item: str, *, reason: str, actor: str, apply: bool = False) -> DecisionReport:
    """The item's grouping is wrong: keep-apart (a pair's two records; a person's weakest link)."""
    from .review.actions import reject

    return _applied(store, reject(store, item, reason=reason, actor=actor), apply)


def _applied(store: Store, rep: DecisionReport, apply: bool) -> DecisionReport:
    if apply:  # the recluster's report, without its per-person review reasons (kept in the run)
        rep.applied = {k: v for k, v in recluster(store).items() if k != "review_reasons"}
        rep.note = f"recorded and applied (run {rep.applied['run_id']})"
    return rep


def blocking_diagnostics(store: Store, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Candidate pairs each blocking rule would generate on the store's records, without
    comparing anything: records with a key, blocks, largest block, pairs, skipped oversized blocks."""
    from .block.pairs import Blocker
    from .pipeline import effective_settings, prepare_frame

    records = store.records_frame()
    compare = _compare_methods(store)
    frame, _ = prepare_frame(records, compare)
    s = effective_settings(settings or default_settings(), compare)
    blocker = Blocker(frame, s.blocking_rules, s.max_pairs_per_rule)
    try:
        return [d.to_dict() for d in blocker.prepare()]
    finally:
        blocker.close()


def one_record_per_person_sources(store: Store) -> frozenset[str]:
    """Sources whose mapping declares ``one_record_per_person = true``."""
    from .recompute import unique_sources

    return unique_sources(store)


def _compare_methods(store: Store) -> dict[str, str]:
    from .recompute import compare_methods

    return compare_methods(store)


def resolve(
    store: Store,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    replay_model: bool = False,
    dry_run: bool = False,
) -> ResolveReport:
    """Recompute people from every record in the store and persist them in one transaction.

    ``replay_model`` reuses the latest run's trained model (and its frozen context, ADR 0026)
    instead of retraining. Reviewers' decisions are honoured (ADR 0024). ``dry_run`` runs the
    whole pipeline and writes nothing: the report's ``changes`` lists the merges, splits and
    moved records a resolve would make. (``recompute.resolve``.)
    """
    from .recompute import resolve as _resolve

    return _resolve(store, settings, progress=progress, replay_model=replay_model, dry_run=dry_run)


@dataclass
class PersonView:
    person_id: str
    status: str
    merged_into: str | None
    golden: dict[str, Any]
    records: pd.DataFrame
    address_history: pd.DataFrame
    review: bool
    created_run: int | None
    updated_run: int | None

    def to_dict(self) -> dict[str, Any]:
        recs = self.records.drop(columns=[c for c in ("raw",) if c in self.records.columns])
        return {
            "person_id": self.person_id,
            "status": self.status,
            "merged_into": self.merged_into,
            "review": self.review,
            "created_run": self.created_run,
            "updated_run": self.updated_run,
            "golden": self.golden,
            "records": recs.to_dict(orient="records"),
            "address_history": self.address_history.to_dict(orient="records"),
        }


def person(store: Store, person_or_record_id: str) -> PersonView:
    """A person by person id, or the person holding a record (``source:source_record_id``)."""
    pid = person_or_record_id
    p = store.person(pid)
    if p is None:
        owner = store.person_of(pid)
        if owner is None:
            raise NotFoundError(
                f"no person or record {pid!r}; person ids look like P1a2b3c4d5e6f, "
                "record ids like council_tax:CT000123 (see `idgraph search`)"
            )
        pid = owner
        p = store.person(pid)
        assert p is not None
    if p["status"] == "retired" and p["merged_into"]:
        p_view = store.person(p["merged_into"])
        if p_view is not None:
            p, pid = p_view | {"status": f"active (was {pid}, merged)"}, p["merged_into"]
    return PersonView(
        person_id=pid,
        status=p["status"],
        merged_into=p["merged_into"],
        golden=p["golden"],
        records=store.person_records(pid),
        address_history=store.person_address_history(pid),
        review=p["review"],
        created_run=p["created_run"],
        updated_run=p["updated_run"],
    )


def stats(store: Store) -> dict[str, Any]:
    return store.stats()


def check_output_path(out: str | os.PathLike[str], store: Store, inputs: Sequence[str | os.PathLike[str]] = (),
                      what: str = "the output") -> None:
    """Refuse (``IdentityGraphError``) an output file that is the store, one of its side files,
    or a file being read: writing it would empty it."""
    from .private_files import refuse_overwriting

    try:
        refuse_overwriting(out, store=str(getattr(store, "uri", "")) or None, inputs=inputs, what=what)
    except ValueError as exc:
        raise IdentityGraphError(str(exc)) from None


def export_links(store: Store, out: str | os.PathLike[str]) -> int:
    """Write ``source,source_record_id,person_id`` (one row per record) to a CSV; return rows.

    The file is owner-only (0600, its new folders 0700) and a cell a spreadsheet would run as a
    formula gets a ``'`` in front (``csvsafe.restore`` takes it off; ADR 0027)."""
    n = 0
    path = Path(out)
    check_output_path(path, store, [], "the export")
    private_dirs(path.parent)
    with open_private(path, encoding="utf-8", newline="") as fh:
        header = True
        for chunk in store.links():
            csvsafe.frame(chunk).to_csv(fh, index=False, header=header)
            header = False
            n += len(chunk)
        if header:
            fh.write("source,source_record_id,person_id\n")
    return n


def open_live(store: Store) -> Any:
    """The resolved index kept warm in memory (``live.LiveIndex``): what the match service and
    repeated updates use. Reads the whole store once."""
    from .live.index import LiveIndex

    return LiveIndex(store)


def update(
    store: Store,
    *,
    retire: Sequence[str] = (),
    reason: str = "deleted",
    index: Any = None,
    dry_run: bool = False,
    changed: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Any:
    """Incremental resolve with the stored (frozen) model: the records loaded or changed since
    the last run, and the ``retire``d ones, re-cluster only the people they touch; every other
    person keeps its id and records (ADR 0026). Returns a ``live.UpdateResult``.

    ``index``: a warm ``open_live(store)`` to reuse (the service keeps one); by default one is
    built for this call. ``dry_run``: compute and return the change, write nothing.
    ``changed``: the record ids the caller just loaded (the service knows them), instead of
    asking the store which records changed since the last run (a scan of every record).
    ``progress``: ``(stage, done, total)`` as the index is built and the change applied.
    (``recompute.update``.)
    """
    from .recompute import update as _update

    return _update(store, retire=retire, reason=reason, index=index, dry_run=dry_run, changed=changed,
                   progress=progress)


def match(index: Any, fields: dict[str, str], limit: int = 5) -> list[Any]:
    """"Who is this resident?" against a warm index: candidates (person id, probability, tier,
    golden record, evidence), best first. ``fields`` use canonical field names
    (docs/MAPPING_SPEC.md)."""
    return index.match(fields, limit=limit)  # type: ignore[no-any-return]


def changes(store: Store, after: int = 0, source: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The change feed: person events after cursor ``after`` (optionally only those touching
    ``source``'s records), in order; the last row's ``seq`` is the next cursor."""
    return store.changes(after=after, source=source, limit=limit)


# -- personal data (issue 12, ADR 0032) ------------------------------------------------------------
if TYPE_CHECKING:
    from .gdpr.erase import ErasureReport
    from .gdpr.retention import RetentionReport
    from .gdpr.subject_access import SubjectAccessReport


def subject_access(
    store: Store, person_or_record_id: str, out: str | os.PathLike[str], *, actor: str,
    purpose: str | None = None,
) -> SubjectAccessReport:
    """Write everything held about a person (or the person holding a record) to folder ``out``:
    ``subject_access.json`` and a readable ``subject_access.html``. The read is audited (as
    ``actor``, with ``purpose``). See ``identity_graph.gdpr.subject_access``."""
    from .gdpr.subject_access import subject_access as _sar

    return _sar(store, person_or_record_id, out, actor=actor, purpose=purpose)


def erase(
    store: Store, person_or_record_id: str, *, reason: str, actor: str,
    rejects_dirs: Sequence[str | os.PathLike[str]] = (),
) -> ErasureReport:
    """Erase a person (every record they hold) or one record everywhere, keeping only a
    tombstone (salted hash, when, why, who) that stops a reload. The person's remaining records
    are re-clustered as a delete would. See ``identity_graph.gdpr.erase``."""
    from .gdpr.erase import erase as _erase

    return _erase(store, person_or_record_id, reason=reason, actor=actor, rejects_dirs=rejects_dirs)


def retention_apply(store: Store, *, dry_run: bool = False, as_of: Any = None) -> RetentionReport:
    """Remove history older than each source's ``retain_history_days`` (``dry_run``: count
    only; ``as_of``: a datetime to apply the rules as of, default now). See
    ``identity_graph.gdpr.retention``."""
    from .gdpr.retention import apply_retention

    return apply_retention(store, dry_run=dry_run, now=as_of)


# -- the investigator's workbench (issue 13): thin over identity_graph/investigate/ --------------
def find_addresses(store: Store, text: str, limit: int = 20) -> list[Any]:
    """Dwellings found by address text as people type it ("14 Hyde Park Road", "LS61AB"), best
    first: ``investigate.addresses.AddressMatch`` dicts (address_key, address, postcode, score,
    people, current)."""
    from .investigate.addresses import find_addresses as find

    return find(store, text, limit)


def residents(store: Store, address: str) -> pd.DataFrame:
    """Everyone who lived at the dwellings address text finds (person_id, name, address_key,
    address, postcode, first_seen, last_seen, sources, is_current, match), best match first."""
    from .investigate.graph import residents as rows
    from .investigate.graph import with_names

    return with_names(store, rows(store, address))


def evidence_path(store: Store, record_a: str, record_b: str) -> Any:
    """The strongest chain of match / possible edges joining two records inside their person
    (``investigate.evidence.EvidencePath``: person_id, direct, records, steps, strength)."""
    from .investigate.evidence import evidence_path as path

    return path(store, record_a, record_b)


def waterfall(store: Store, record_a: str, record_b: str) -> Any:
    """The evidence waterfall of a record pair (``investigate.waterfall.Waterfall``: steps of
    prior, each comparison, rule and total, with contribution and cumulative weight)."""
    from .investigate.waterfall import waterfall as wf

    return wf(store, record_a, record_b)


def waterfall_svg(data: Any) -> str:
    """A waterfall (from ``waterfall``) as one self-contained SVG document."""
    from .investigate.waterfall import waterfall_svg as svg

    return svg(data)


def person_graph(store: Store, person_id: str, max_nodes: int = 200, expand: Sequence[str] = ()) -> Any:
    """A person's neighbourhood as graph data (``investigate.neighbourhood.PersonGraph``: nodes,
    edges, cut), the same from every store. ``expand``: other people of the graph opened in
    place, in order (their records, identifiers and the people one hop out from them), as the
    workbench's expand button does."""
    from .investigate.neighbourhood import person_graph as pg

    return pg(store, person_id, max_nodes=max_nodes, expand=expand)


def export_graph(store: Store, person_id: str, fmt: str, out: str | os.PathLike[str], max_nodes: int = 200) -> Path:
    """Write a person's neighbourhood as ``graphml``, ``svg`` or ``png`` (the ``notebooks``
    extra: matplotlib); returns the file's path."""
    from .investigate.export import write_export
    from .investigate.neighbourhood import person_graph as pg

    check_output_path(out, store, [], "the picture")
    return write_export(pg(store, person_id, max_nodes=max_nodes), fmt, out)


def alert_rules() -> list[Any]:
    """Every alert rule (``investigate.alerts.AlertRule``: name, title, description, parameters)."""
    from .investigate.alerts import RULES

    return [rule for rule, _ in RULES.values()]


def alerts(store: Store, rule: str | None = None, **parameters: Any) -> list[Any]:
    """Run every alert rule, or one (``parameters`` override its defaults): a list of
    ``investigate.alerts.AlertResult`` (rule, title, description, parameters, hits, excluded)."""
    from .investigate.alerts import run_alert, run_alerts

    if rule is None:
        if parameters:
            raise IdentityGraphError("parameters need a rule: alerts(store, 'address-churn', months=6)")
        return list(run_alerts(store))
    return [run_alert(store, rule, **parameters)]


def __getattr__(name: str) -> Any:
    """``explain`` and ``search`` (which need the scoring pipeline) are imported on first use,
    so a load never imports DuckDB, SciPy and the matcher."""
    if name == "explain":
        from .explain.explain import explain

        return explain
    if name == "search":
        from .investigate.search import search

        return search
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
