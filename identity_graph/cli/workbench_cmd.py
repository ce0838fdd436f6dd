"""The investigator's commands of issue 13: ``idgraph graph export|show|waterfall``,
``idgraph alerts``, and the plain-words ``explain`` printout. Thin over
``identity_graph.investigate``; every read of a person is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["register_graph_commands", "alerts", "print_explanation"]


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from .main import run_or_exit

    return run_or_exit(fn, *args, **kwargs)


def register_graph_commands(graph: click.Group) -> None:
    @graph.command("export")
    @click.argument("person_id")
    @click.option("--format", "fmt", type=click.Choice(["graphml", "svg", "png"]), default="graphml", show_default=True,
                  help="graphml for Gephi, yEd or Neo4j; svg or png for a picture "
                       "(png needs matplotlib: pip install 'identity-graph[notebooks]').")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--max-nodes", type=click.IntRange(2), default=200, show_default=True)
    @click.pass_obj
    def export_cmd(obj: Any, person_id: str, fmt: str, out: Path, max_nodes: int) -> None:
        """A person's neighbourhood as GraphML (for Gephi, yEd, Neo4j) or a picture (SVG, PNG).

        Example: idgraph graph export P1a2b3c4d5e6f --format png --out person.png
        """
        from ..api import check_output_path
        from ..investigate.export import write_export
        from ..investigate.neighbourhood import person_graph

        _run(check_output_path, out, obj.store, [], "the picture")  # never over the store itself
        pg = _run(person_graph, obj.store, person_id, max_nodes=max_nodes)
        obj.audit("idgraph graph export", [(n["person_id"], None) for n in pg["nodes"] if n["kind"] == "person"])
        path = _run(write_export, pg, fmt, out)
        cut = pg["cut"]
        click.echo(f"{len(pg['nodes'])} nodes, {len(pg['edges'])} edges -> {path}"
                   + (f" ({cut['people']} people over the cap left out)" if cut["people"] else ""))

    @graph.command("show")
    @click.argument("person_id")
    @click.option("--max-nodes", type=click.IntRange(2), default=200, show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def show_cmd(obj: Any, person_id: str, max_nodes: int, as_json: bool) -> None:
        """A person's records, identifiers and the people sharing them, with golden names.

        Example: idgraph graph show P1a2b3c4d5e6f --json
        """
        import pandas as pd

        from ..investigate.neighbourhood import person_graph

        pg = _run(person_graph, obj.store, person_id, max_nodes=max_nodes)
        obj.audit("idgraph graph show", [(n["person_id"], None) for n in pg["nodes"] if n["kind"] == "person"])
        if as_json:
            print_json(pg)
            return
        click.echo(f"{pg['name']} ({pg['person_id']}): {len(pg['nodes'])} nodes, {len(pg['edges'])} edges")
        nodes = pd.DataFrame(pg["nodes"])
        nodes["note"] = nodes["placeholder_reason"].fillna("")
        nodes["holders"] = nodes["holders"].map(lambda v: "" if v is None or v != v else str(int(v)))
        print_table(nodes, ["kind", "label", "person_id", "holders", "note"], max_width=60)
        cut = pg["cut"]
        if cut["people"] or cut["placeholder_holders"]:
            click.echo(f"not shown: {cut['people']} people over the cap of {max_nodes} nodes; "
                       f"{cut['placeholder_holders']} people reached only through placeholders")

    @graph.command("waterfall")
    @click.argument("record_a")
    @click.argument("record_b")
    @click.option("--svg", "svg_out", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the chart as a self-contained SVG file.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def waterfall_cmd(obj: Any, record_a: str, record_b: str, svg_out: Path | None, as_json: bool) -> None:
        """The evidence waterfall of two records: the prior, each field's weight, the total.

        Example: idgraph graph waterfall council_tax:CT000123 housing:HSG-000456 --svg wf.svg
        """
        import pandas as pd

        from ..investigate.waterfall import waterfall, waterfall_svg

        wf = _run(waterfall, obj.store, record_a, record_b)
        obj.audit("idgraph graph waterfall", [(obj.store.person_of(record_a), record_a),
                                              (obj.store.person_of(record_b), record_b)])
        if svg_out is not None:
            from ..api import check_output_path
            from ..private_files import open_private, private_dirs

            _run(check_output_path, svg_out, obj.store, [], "the picture")
            private_dirs(svg_out.parent)
            with open_private(svg_out, encoding="utf-8") as fh:
                fh.write(waterfall_svg(wf))
        if as_json:
            print_json(wf)
            return
        steps = pd.DataFrame(wf["steps"]).round({"contribution": 2, "cumulative": 2})
        print_table(steps, ["label", "value_a", "value_b", "contribution", "cumulative"], max_width=60)
        click.echo(f"probability {wf['probability']:.4f}; edge: {wf['tier'] or 'none'}"
                   + (f"; chart -> {svg_out}" if svg_out else ""))


@click.command("alerts")
@click.option("--rule", "rules", multiple=True, help="Run only this rule (repeatable); default: every rule.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Hits shown per rule (table).")
@click.option("--json", "as_json", is_flag=True, help="Every hit of every rule, as JSON.")
@click.option("--switchboard", "switchboards", multiple=True,
              help="The council's own switchboard number (repeatable): set apart, never an alert.")
@click.pass_obj
def alerts(obj: Any, rules: tuple[str, ...], limit: int, as_json: bool, switchboards: tuple[str, ...]) -> None:
    """Alerts for investigators: each rule in words, its hits explained.

    Rules: shared-identifier, adults-over-discount, unrelated-contact, address-churn.

    Example: idgraph alerts --rule adults-over-discount --switchboard "0113 222 4444"
    """
    from ..investigate.alerts import RULES, run_alerts

    names = list(rules) or list(RULES)
    given = {name: {"known_switchboards": list(switchboards)} for name in names
             if switchboards and name in RULES and "known_switchboards" in RULES[name][0].parameters}
    results = _run(run_alerts, obj.store, list(rules) or None, given or None)
    reads = sorted({(p["person_id"], None) for r in results for h in r["hits"] + r["excluded"] for p in h["people"]})
    obj.audit("idgraph alerts", reads, detail="rules " + ",".join(r["rule"] for r in results))
    if as_json:
        print_json(results)
        return
    for r in results:
        click.echo(f"\n== {r['rule']}: {r['title']} ({len(r['hits'])} hits)")
        click.echo(r["description"])
        for h in r["hits"][:limit]:
            click.echo(f"  - {h['explanation']}")
        if len(r["hits"]) > limit:
            click.echo(f"  ... and {len(r['hits']) - limit} more (--json for all)")
        if r["excluded"]:
            click.echo(f"  excluded ({len(r['excluded'])}), not alerts:")
            for h in r["excluded"][:limit]:
                click.echo(f"  x {h['subject']}: {h['detail'].get('people', len(h['people']))} people; "
                           + h["explanation"].split("; not an alert: ")[-1])


def print_explanation(exp: Any) -> None:
    """``idgraph explain``'s printout: each comparison's level in plain words, then, for two
    records of one person with no edge between them, the chain of records that joins them."""
    import pandas as pd

    click.echo(f"{exp.record_a}  vs  {exp.record_b}")
    click.echo(f"prior weight {exp.prior_weight:+.2f}")
    print_table(pd.DataFrame(exp.rows), ["comparison", "value_a", "value_b", "evidence", "weight", "tf_adjustment"])
    verdict = "same person" if exp.same_person else "different people"
    click.echo(f"total weight {exp.total_weight:+.2f}  probability {exp.probability:.4f}  "
               f"edge: {exp.tier or 'none'}  -> {verdict} ({exp.person_a} / {exp.person_b})")
    path = exp.path
    if path is None:
        return
    if path["steps"]:
        click.echo(f"joined inside {exp.person_a} through {len(path['steps'])} edges "
                   f"(strength {path['strength']:.4f}):")
        for st in path["steps"]:
            click.echo(f"  {st['record_a']} -> {st['record_b']}  {st['tier']} p={st['probability']:.4f}")
    else:
        click.echo(f"no chain of match or possible edges joins them inside {exp.person_a} "
                   "(a reviewer's decision or a clustering step put them together)")
