"""``idgraph evaluate --truth FILE``: the store's people scored against your own labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .render import print_json, print_table

__all__ = ["evaluate"]


@click.command()
@click.option("--truth", "truth_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Labels CSV: source,source_record_id,person_id (or record_id and a --label column).")
@click.option("--label", default=None, help="The column holding each record's true person "
              "(default: person_id, cluster_id, cluster, label, entity_id or truth).")
@click.option("--worst", type=click.IntRange(0), default=10, show_default=True,
              help="How many of the biggest false merges and splits to list.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def evaluate(obj: Any, truth_file: Path, label: str | None, worst: int, as_json: bool) -> None:
    """Score the store's people against your own labelled records: pairwise and B-cubed
    precision, recall and F1, people found exactly, and the worst false merges and splits.

    Only labelled records are scored (a labelled sample scores that sample). The labels file is
    described in docs/EVALUATE.md.

    Example: idgraph evaluate --truth labels.csv

    Example: idgraph evaluate --truth demo/truth.csv --worst 5 --json
    """
    from ..evaluate import evaluate_store, read_truth
    from .main import run_or_exit

    truth = run_or_exit(read_truth, truth_file, label)
    ev = run_or_exit(evaluate_store, obj.store, truth, worst=worst)
    if as_json:
        print_json(ev.to_dict())
        return
    m = ev.metrics
    click.echo(f"{ev.scored:,} of {ev.labelled:,} labelled records scored ({m.true_clusters:,} true people, "
               f"{m.predicted_clusters:,} people in the store)")
    if ev.missing_count:
        click.echo(f"warning: {ev.missing_count:,} labelled records are not in the store (e.g. "
                   f"{', '.join(ev.missing[:3])}): not scored", err=True)
    if ev.unresolved:
        click.echo(f"note: {ev.unresolved:,} scored records have no person yet (run `idgraph resolve`); "
                   "each counts as a person of its own", err=True)
    click.echo(f"pairwise  precision {m.pairwise_precision:.4f}  recall {m.pairwise_recall:.4f}  F1 {m.pairwise_f1:.4f}"
               f"  ({m.correct_pairs:,} of {m.predicted_pairs:,} linked pairs right; {m.true_pairs:,} true pairs)")
    click.echo(f"B-cubed   precision {m.bcubed_precision:.4f}  recall {m.bcubed_recall:.4f}  F1 {m.bcubed_f1:.4f}")
    click.echo(f"exact     {ev.exact_people:,} of {m.true_clusters:,} true people found whole and alone "
               f"({m.exact_share:.1%})")
    import pandas as pd

    click.echo(f"\nfalse merges (people holding records of more than one true person): {ev.merges:,}; the worst:")
    print_table(pd.DataFrame([{**r, "labels": ", ".join(f"{x['label']} ({x['records']})" for x in r["labels"])}
                              for r in ev.worst_merges]),
                ["person_id", "records", "true_people", "wrong_pairs", "labels"], max_width=60)
    click.echo(f"\nsplits (true people spread over more than one person): {ev.splits:,}; the worst:")
    print_table(pd.DataFrame([{**r, "person_ids": ", ".join(f"{x['person_id'] or 'unresolved'} ({x['records']})"
                                                            for x in r["person_ids"])} for r in ev.worst_splits]),
                ["label", "records", "people", "missed_pairs", "person_ids"], max_width=60)
