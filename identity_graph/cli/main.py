"""``idgraph``: a thin command line over ``identity_graph.api``.

Library errors become one clear message on stderr and an exit code; progress goes to stderr (bars
on a terminal, a line per stage in logs: ``cli.progress``) and ``--quiet`` silences it; ``--json``
gives machine-readable output.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import IdentityGraphError
from ..settings import Settings, default_settings
from ..store.default import DEFAULT_STORE
from ._lazy import LazyModule
from .progress import ProgressReporter, abort_all, choose_mode
from .render import print_json, print_table

api: Any = LazyModule("identity_graph.api")  # pandas, DuckDB, ...: imported by the commands that use them

__all__ = ["main", "cli"]


class Ctx:
    def __init__(self, store: str, quiet: bool, purpose: str | None = None, wait: float = 60.0):
        self.store_uri = store
        self.quiet = quiet
        self.purpose = purpose
        self.wait = wait
        #: a writing command may create a missing store (``load --create``, ``init``, ``demo``)
        self.create = False
        self._store: Any = None

    @property
    def store(self) -> Any:
        """The store, opened on first use: read-only for the commands that only read, for
        writing otherwise (``store_cmd``); an error opening it ends the command in one line."""
        if self._store is None:
            from .store_cmd import open_for

            self._store = open_for(self.store_uri, create=self.create, wait=self.wait)
        return self._store

    def audit(self, action: str, reads: list[tuple[str | None, str | None]], detail: str | None = None) -> None:
        """Write the audit entries of a read of people or records (actor ``cli:<os user>``)."""
        from ..access import audit

        # before anything is shown: a read whose entry cannot be written (the store is busy for
        # longer than --wait) ends here, one line, and shows nothing
        run_or_exit(audit.record, self.store, audit.cli_actor(), "cli", action, reads, purpose=self.purpose,
                    detail=detail)

    def progress(self, label: str) -> ProgressReporter:
        """A reporter for this command's long stages: bars on a terminal, one line per stage in
        logs and CI, nothing with ``--quiet`` (ADR 0039)."""
        return ProgressReporter(label, mode=choose_mode(self.quiet, sys.stderr))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def run_or_exit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a library function; turn its errors into a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except IdentityGraphError as exc:
        abort_all()  # the error on a clean line, not after a half-drawn bar
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BaseException:  # an interrupt or a crash: its message too
        abort_all()
        raise


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: a command whose library errors become a message on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return run_or_exit(fn, *args, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="IDGRAPH_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="Store: a file path (embedded SQLite) or bolt:// / neo4j:// URI. Env: IDGRAPH_STORE.",
)
@click.option("--quiet", "-q", is_flag=True,
              help="No progress on stderr (a bar per stage on a terminal, a line per stage in logs; "
                   "IDGRAPH_PROGRESS=bars|lines|off chooses).")
@click.option("--purpose", envvar="IDGRAPH_PURPOSE", default=None,
              help="Why you read these people: kept in the audit log with each read. Env: IDGRAPH_PURPOSE.")
@click.option("--wait", type=click.FloatRange(min=0), envvar="IDGRAPH_WAIT", default=60.0, show_default=True,
              metavar="SECONDS",
              help="How long a write waits for another process writing the store before it gives up "
                   "(naming that process). Env: IDGRAPH_WAIT.")
@click.pass_context
def cli(ctx: click.Context, store: str, quiet: bool, purpose: str | None, wait: float) -> None:
    """identity-graph: one identity per resident from many service systems.

    Example: idgraph load exports/council_tax.csv --mapping mappings/council_tax.toml
    """
    ctx.obj = Ctx(store, quiet, purpose, wait)
    ctx.call_on_close(ctx.obj.close)


# -- synth --------------------------------------------------------------------------------------
@cli.command()
@click.option("--people", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def synth(obj: Ctx, people: int, seed: int, out: Path) -> None:
    """Write synthetic council exports, their mappings and the ground truth.

    Example: idgraph synth --people 10000 --seed 7 --out demo
    """
    from ..synth import generate

    bar = obj.progress("synth")
    summary = generate(people, seed, out, progress=bar.callback)
    bar.close()
    click.echo(
        f"{summary.people:,} people, {summary.records:,} records in {len(summary.files)} exports "
        f"({summary.seconds:.1f}s) -> {out}/exports, mappings in {out}/mappings, truth {summary.truth}"
    )
    click.echo(f"load them all: idgraph load --manifest {summary.load_manifest}")


# -- load ---------------------------------------------------------------------------------------
@cli.command()
@click.argument("exports", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", "-m", "mappings", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The source mapping TOML: once for all the exports, or once per export in order.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A TOML file listing [[export]] file + mapping pairs to load in order "
                   "(instead of EXPORTS and --mapping; see docs/MAPPING_SPEC.md).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write rejected rows (default: next to the store).")
@click.option("--chunk-rows", type=click.IntRange(1), default=25_000, show_default=True,
              help="Rows read, standardised and written per batch (memory stays flat).")
@click.option("--snapshot", is_flag=True, default=None,
              help="Each export is the whole of its source: records missing from it are retired "
                   "(as `idgraph delete` retires them). Default: the mapping's `snapshot`.")
@click.option("--allow-mass-retire", is_flag=True,
              help="Let a snapshot retire more than 10% of its source's records.")
@click.option("--allow-erased", is_flag=True,
              help="Load rows of erased records again (their tombstones are removed).")
@click.option("--json", "as_json", is_flag=True, help="Print the load reports as JSON.")
@click.option("--create", is_flag=True,
              help="Create the store if it does not exist (otherwise a missing store is an error).")
@click.option("--allow-paths-outside-manifest", "outside", is_flag=True,
              help="Let a --manifest name files outside its own folder (refused by default).")
@click.pass_obj
def load(obj: Ctx, exports: tuple[Path, ...], mappings: tuple[Path, ...], manifest: Path | None,
         rejects: Path | None, chunk_rows: int, snapshot: bool | None, allow_mass_retire: bool,
         allow_erased: bool, as_json: bool, create: bool, outside: bool = False) -> None:
    """Load service exports (CSV, XLSX, JSON, NDJSON, Parquet) into the store.

    Several exports load in one process, in order, the next one standardised while the previous
    one is written. Each export is atomic and idempotent: loading the same export again changes
    nothing, and an export that fails is rolled back (the ones before it stay loaded).

    Example: idgraph load council_tax.csv --mapping council_tax.toml

    Example: idgraph load council_tax.csv housing.xlsx -m council_tax.toml -m housing.toml

    Example: idgraph load --manifest load.toml

    Example: idgraph --store new.idgraph.db load --create council_tax.csv -m council_tax.toml
    """
    from ..api import LoadSpec

    obj.create = create
    from ..ingest.manifest import read_manifest

    if manifest is not None:
        if exports or mappings:
            raise click.UsageError("give either --manifest or EXPORTS with --mapping, not both")
        if rejects is not None:
            raise click.UsageError("with --manifest, set rejects = \"...\" on each [[export]] instead of --rejects")
        specs = [LoadSpec(e.file, e.mapping, e.rejects)
                 for e in run_or_exit(read_manifest, manifest, allow_outside=outside)]
    else:
        if not exports:
            raise click.UsageError("give the EXPORTS to load (with --mapping), or --manifest FILE")
        if not mappings:
            raise click.UsageError("--mapping is required: the source mapping TOML for these exports")
        if len(mappings) not in (1, len(exports)):
            raise click.UsageError(
                f"{len(exports)} exports but {len(mappings)} --mapping options: give one mapping for "
                "all the exports, or one per export in the same order"
            )
        pairs = zip(exports, mappings if len(mappings) > 1 else mappings * len(exports), strict=True)
        specs = [LoadSpec(e, m, rejects) for e, m in pairs]

    bar = obj.progress("load")
    reports = []

    def done(rep: Any) -> None:
        bar.close()
        reports.append(rep)
        if as_json:
            return
        msg = (
            f"{rep.source}: {rep.rows:,} rows from {Path(rep.file).name}: {rep.inserted:,} new, "
            f"{rep.updated:,} updated, {rep.unchanged:,} unchanged, {rep.rejected:,} rejected"
        )
        if rep.values_dropped:
            msg += f", {rep.values_dropped:,} values dropped"
        if rep.retired:
            msg += f", {rep.retired:,} retired (missing from the snapshot; run {rep.retired_run})"
        if rep.rejects_file:
            msg += f" (see {rep.rejects_file})"
        click.echo(msg + f" [{rep.seconds:.1f}s]")
        for w in rep.warnings:  # a column mapped to the wrong field (ADR 0030)
            click.echo(f"warning: {rep.source}: {w.message()}", err=True)

    try:
        # a failed export raises BatchLoadError naming it; the exports before it stay loaded
        run_or_exit(api.load_many, obj.store, specs, progress=bar.callback, on_report=done,
                    chunk_rows=chunk_rows, snapshot=snapshot, allow_mass_retire=allow_mass_retire,
                    allow_erased=allow_erased)
    finally:
        bar.close()
        if as_json:
            print_json([r.to_dict() for r in reports])


# -- resolve ------------------------------------------------------------------------------------
@cli.command()
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Settings JSON (see --print-settings).")
@click.option("--replay", is_flag=True, help="Reuse the latest run's settings and trained model.")
@click.option("--print-settings", is_flag=True, help="Print the default settings JSON and exit.")
@click.option("--dry-run", is_flag=True, help="Run everything, write nothing: print the merges, splits "
              "and moved records a resolve would make.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def resolve(obj: Ctx, settings_file: Path | None, replay: bool, print_settings: bool, dry_run: bool,
            as_json: bool) -> None:
    """Recompute people from every record: block, compare, score, cluster.

    Person ids are stable across runs (see docs/adr/0003-stable-person-ids.md). Reviewers'
    decisions (`idgraph decide`) are honoured.

    Example: idgraph resolve

    Example: idgraph resolve --dry-run --json
    """
    if print_settings:
        click.echo(default_settings().to_json())
        return
    settings = Settings.from_file(settings_file) if settings_file else None
    bar = obj.progress("resolve")
    rep = api.resolve(obj.store, settings, progress=bar.callback, replay_model=replay, dry_run=dry_run)
    bar.close()
    if as_json:
        print_json(rep.__dict__)
        return
    if dry_run:
        from .render import print_dry_run

        print_dry_run(rep)
        return
    click.echo(
        f"run {rep.run_id}: {rep.records:,} records -> {rep.people:,} people "
        f"({rep.candidate_pairs:,} pairs compared, {rep.match_edges:,} match edges; "
        f"{rep.new_people:,} new ids, {rep.merges:,} merges, {rep.splits:,} splits, "
        f"{rep.flagged_for_review:,} flagged for review) [{rep.seconds:.1f}s]"
    )
    for c in rep.decisions.get("contradictions", []):
        click.echo(f"warning: same-person decision {c['decision_id']} ({c['record_a']} / {c['record_b']}) "
                   "not applied: a keep-apart decision contradicts it (see `idgraph review`)", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def recluster(obj: Ctx, as_json: bool) -> None:
    """Recompute people from the graph in the store, without re-scoring pairs.

    Components come from the store (GDS WCC in Neo4j when installed); chained components are
    split and person ids kept exactly as `resolve` does.

    Example: idgraph --store bolt://127.0.0.1:7687 recluster
    """
    rep = api.recluster(obj.store)
    if as_json:
        print_json(rep)
        return
    click.echo(f"run {rep['run_id']}: {rep['records']:,} records -> {rep['people']:,} people "
               f"(components by {rep['components_method']}; events {rep['events'] or 'none'}) [{rep['seconds']:.1f}s]")
    for c in rep.get("decisions", {}).get("contradictions", []):
        click.echo(f"warning: same-person decision {c['decision_id']} ({c['record_a']} / {c['record_b']}) "
                   "not applied: a keep-apart decision contradicts it (see `idgraph review`)", err=True)


@cli.command()
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def blocking(obj: Ctx, settings_file: Path | None, as_json: bool) -> None:
    """How many candidate pairs each blocking rule generates, before running a resolve.

    Oversized blocks (placeholders, hostels) are skipped and counted; a rule past the explosion
    guard is reported as an error naming the rule.

    Example: idgraph blocking
    """
    settings = Settings.from_file(settings_file) if settings_file else None
    diags = api.blocking_diagnostics(obj.store, settings)
    if as_json:
        print_json(diags)
        return
    import pandas as pd

    rows = pd.DataFrame(diags)
    rows["keys"] = rows["keys"].map(lambda k: "+".join(k))
    print_table(rows, ["rule", "records_with_key", "blocks", "largest_block", "pairs_possible",
                       "skipped_blocks", "skipped_pairs"], max_width=48)
    click.echo(f"at most {rows['pairs_possible'].sum():,} pairs (rules overlap: each pair is compared once)")


# -- person, search, explain --------------------------------------------------------------------
@cli.command()
@click.argument("person_or_record_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def person(obj: Ctx, person_or_record_id: str, as_json: bool) -> None:
    """Show a person: golden record, address history, source records.

    Example: idgraph person P1a2b3c4d5e6f   (or a record id: idgraph person council_tax:CT000123)
    """
    view = api.person(obj.store, person_or_record_id)
    asked = person_or_record_id
    obj.audit("idgraph person", [(view.person_id, asked if ":" in asked else None)],
              detail=f"asked for {asked}" if asked != view.person_id and ":" not in asked else None)
    if as_json:
        print_json(view.to_dict())
        return
    g = view.golden
    name = " ".join(str(g[k]) for k in ("title", "given_name", "middle_names", "family_name", "suffix") if g.get(k))
    click.echo(f"{view.person_id}  {name.title()}  dob {g.get('dob') or '?'}  [{view.status}]"
               + ("  (flagged for review)" if view.review else ""))
    click.echo(f"  current address: {g.get('address') or '?'} {g.get('postcode') or ''}")
    for k in ("phones", "emails", "nhs_number", "ni_number"):
        if g.get(k):
            click.echo(f"  {k}: {g[k]}")
    click.echo(f"\naddress history ({len(view.address_history)}):")
    print_table(view.address_history, ["is_current", "address", "postcode", "first_seen", "last_seen", "sources"])
    click.echo(f"\nrecords ({len(view.records)}):")
    print_table(view.records, ["record_id", "given_name", "family_name", "dob", "postcode", "record_date"])


@cli.command()
@click.option("--name", "full_name", help="Full name in either order.")
@click.option("--given-name")
@click.option("--family-name")
@click.option("--dob")
@click.option("--postcode")
@click.option("--address")
@click.option("--phone")
@click.option("--email")
@click.option("--nhs-number")
@click.option("--ni-number")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def search(obj: Ctx, limit: int, as_json: bool, **fields: str | None) -> None:
    """Who is this resident? Rank people by match probability.

    Example: idgraph search --name "Jon Smith" --dob 01/02/1980 --postcode "LS6 2AB"
    """
    q = {k: v for k, v in fields.items() if v}
    hits = api.search(obj.store, limit=limit, **q)
    obj.audit("idgraph search", [(h.person_id, h.record_id) for h in hits], detail="by " + ",".join(sorted(q)))
    unresolved = getattr(hits, "unresolved", 0)
    if unresolved:
        click.echo(f"note: {unresolved} matching record(s) belong to no person yet (loaded since the last "
                   "run); run `idgraph update` to resolve them, then search again", err=True)
    if as_json:
        print_json([h.to_dict() for h in hits])
        return
    if not hits:
        click.echo("no matching person")
        return
    import pandas as pd

    rows = pd.DataFrame(
        [
            {
                "person_id": h.person_id,
                "score": f"{h.score:.4f}",
                "probability": f"{h.probability:.4f}",
                "matched_on": ",".join(h.matched_on),
                "name": h.name,
                "dob": h.golden.get("dob"),
                "postcode": h.golden.get("postcode"),
                "best_record": h.record_id,
            }
            for h in hits
        ]
    )
    print_table(rows, list(rows.columns))


@cli.command()
@click.argument("record_a")
@click.argument("record_b")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def explain(obj: Ctx, record_a: str, record_b: str, as_json: bool) -> None:
    """Field by field, the evidence and weight that link or separate two records.

    Example: idgraph explain council_tax:CT000123 housing:H004567
    """
    exp = api.explain(obj.store, record_a, record_b)
    obj.audit("idgraph explain", [(exp.person_a, record_a), (exp.person_b, record_b)])
    if as_json:
        print_json(exp.to_dict())
        return
    from .workbench_cmd import print_explanation

    print_explanation(exp)


# -- stats, export ------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def stats(obj: Ctx, as_json: bool) -> None:
    """Counts of records, people, edges and runs in the store.

    Example: idgraph stats --json
    """
    s = api.stats(obj.store)
    if as_json:
        print_json(s)
        return
    click.echo(f"store {s['store']}: {s['records']:,} records, {s['people']:,} people, {s['loads']} loads")
    for src, n in s["records_by_source"].items():
        click.echo(f"  {src:<24} {n:>10,}")
    if s["people"]:
        multi = sum(v for k, v in s["people_by_size"].items() if k > 1)
        click.echo(f"people with more than one record: {multi:,}; largest person: "
                   f"{max(s['people_by_size'])} records; flagged for review: {s['review_flags']:,}")
    click.echo(f"edges: {json.dumps(s['edges_by_tier'])}; last run: {s['last_run']}")


@cli.group()
def export() -> None:
    """Export results for other systems.

    Example: idgraph export links --out links.csv
    """


@export.command("links")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def export_links(obj: Ctx, out: Path) -> None:
    """One row per source record: source,source_record_id,person_id.

    Example: idgraph export links --out links.csv
    """
    n = api.export_links(obj.store, out)
    click.echo(f"{n:,} links -> {out}")


# -- demo ---------------------------------------------------------------------------------------
@cli.command()
@click.option("--people", type=click.IntRange(10), default=2000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"), show_default=True)
@click.pass_context
@handle_errors
def demo(ctx: click.Context, people: int, seed: int, out: Path) -> None:
    """End to end on synthetic data: synth -> load -> resolve -> summary.

    Example: idgraph demo --people 2000 --out demo
    """
    from ..synth import generate

    obj: Ctx = ctx.obj
    if obj.store_uri == DEFAULT_STORE:
        obj.store_uri = str(out / "demo.idgraph.db")
    out.mkdir(parents=True, exist_ok=True)
    for side in ("", "-wal", "-shm", "-writer"):
        Path(obj.store_uri + side).unlink(missing_ok=True)
    obj.create = True  # the demo makes its own store, afresh
    bar = obj.progress("synth")
    summary = generate(people, seed, out, progress=bar.callback)
    bar.close()
    click.echo(f"1. synthetic council: {summary.people:,} residents, {summary.records:,} records "
               f"in {len(summary.files)} service exports ({out}/exports)")
    bar = obj.progress("load")

    def loaded(rep: Any) -> None:
        bar.close()
        click.echo(f"   loaded {rep.source:<20} {rep.accepted:>7,} records, {rep.rejected:,} rejected")

    # one process for every export (ADR 0012)
    api.load_many(obj.store, [(e, summary.mappings[s]) for s, e in sorted(summary.files.items())],
                  progress=bar.callback, on_report=loaded)
    bar.close()
    bar = obj.progress("resolve")
    rep_r = api.resolve(obj.store, progress=bar.callback)
    bar.close()
    click.echo(f"2. resolved {rep_r.records:,} records into {rep_r.people:,} people in {rep_r.seconds:.1f}s "
               f"({rep_r.match_edges:,} match edges, {rep_r.flagged_for_review:,} flagged for review)")
    import pandas as pd

    from ..evaluate import evaluate_clusters

    truth = pd.read_csv(summary.truth, dtype=str)
    truth_s = pd.Series(truth["person_id"].to_numpy(), index=(truth["source"] + ":" + truth["source_record_id"]))
    links_path = out / "links.csv"
    api.export_links(obj.store, links_path)
    links = pd.read_csv(links_path, dtype=str)
    pred = pd.Series(links["person_id"].to_numpy(), index=(links["source"] + ":" + links["source_record_id"]))
    m = evaluate_clusters(truth_s, pred)
    click.echo(f"3. against the generator's ground truth ({summary.people:,} real people): "
               f"B-cubed F1 {m.bcubed_f1:.4f} (precision {m.bcubed_precision:.4f}, recall {m.bcubed_recall:.4f}); "
               f"{m.exact_share:.1%} of people exactly right")
    sizes = links.groupby("person_id").size().sort_values(ascending=False)
    example = str(sizes.index[0])
    click.echo("\nWhat to look at next:")
    click.echo(f"  idgraph --store {obj.store_uri} person {example}       # a person with {sizes.iloc[0]} records")
    click.echo(f"  idgraph --store {obj.store_uri} stats")
    g = api.person(obj.store, example).golden
    name = " ".join(str(g[k]) for k in ("given_name", "family_name") if g.get(k)).title()
    query = f'--name "{name}"' + (f" --dob {g['dob']}" if g.get("dob") else "") + (
        f' --postcode "{g["postcode"]}"' if g.get("postcode") else ""
    )
    click.echo(f"  idgraph --store {obj.store_uri} search {query}")
    click.echo(f"  idgraph --store {obj.store_uri} blocking        # candidate pairs per blocking rule")
    click.echo(f"  {links_path}: one row per source record -> person id")


from .graph_cmd import graph  # noqa: E402

cli.add_command(graph)


from .serve_cmd import audit_cmd, keys, serve  # noqa: E402

cli.add_command(serve)
cli.add_command(keys)
cli.add_command(audit_cmd)


from .neo4j_cmd import neo4j as neo4j_group  # noqa: E402

cli.add_command(neo4j_group)

from .live_cmd import register as _register_live  # noqa: E402

_register_live(cli, api, handle_errors)


from .review_cmd import decide, review  # noqa: E402
from .workbench_cmd import alerts as alerts_cmd  # noqa: E402

cli.add_command(alerts_cmd)

cli.add_command(review)
cli.add_command(decide)

from .doctor_cmd import doctor  # noqa: E402

cli.add_command(doctor)


from .mapping_cmd import mapping as mapping_group  # noqa: E402

cli.add_command(mapping_group)

from .evaluate_cmd import evaluate as evaluate_cmd  # noqa: E402

cli.add_command(evaluate_cmd)

from .gdpr_cmd import register as _register_gdpr  # noqa: E402

_register_gdpr(cli, api, handle_errors)

from .store_cmd import init, migrate  # noqa: E402

cli.add_command(init)
cli.add_command(migrate)

from .users_cmd import users  # noqa: E402

cli.add_command(users)


def main() -> None:
    cli(prog_name="idgraph")


if __name__ == "__main__":
    main()
