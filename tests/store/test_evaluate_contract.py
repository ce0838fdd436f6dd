"""`idgraph evaluate --truth FILE` scores either store against a user's own labels: the metrics
are the evaluation module's, and the worst merges and splits are the store's real mistakes."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.evaluate import evaluate_clusters, evaluate_store, read_truth
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]


def _wrong_pairs(truth: pd.Series, pred: pd.Series) -> tuple[dict[str, int], dict[str, int]]:
    """Brute force over record pairs: wrongly joined pairs per person, missed pairs per label."""
    merged: dict[str, int] = {}
    for _, recs in pred.groupby(pred):
        for a, b in combinations(recs.index, 2):
            if truth[a] != truth[b]:
                merged[str(pred[a])] = merged.get(str(pred[a]), 0) + 1
    missed: dict[str, int] = {}
    for label, recs in truth.groupby(truth):
        for a, b in combinations(recs.index, 2):
            if pred[a] != pred[b]:
                missed[str(label)] = missed.get(str(label), 0) + 1
    return merged, missed


def test_evaluate_scores_a_resolved_store_against_labels_with_its_worst_merges_and_splits(
    store: Store, small_council: SynthSummary, load_council: CouncilLoader, links_series: Callable[[Store], pd.Series],
    tmp_path: Path, store_kind: str, request: pytest.FixtureRequest,
) -> None:
    load_council(store, small_council, tmp_path)
    api.resolve(store)
    # the labels: the generator's truth, keyed by record id, with a label column of another name
    raw = pd.read_csv(small_council.truth, dtype=str)
    labels = pd.DataFrame({"record_id": raw["source"] + ":" + raw["source_record_id"], "cluster": raw["person_id"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    truth = read_truth(tmp_path / "labels.csv")
    pred = links_series(store)

    ev = evaluate_store(store, truth, worst=1000)
    assert ev.metrics == evaluate_clusters(truth, pred)
    assert (ev.labelled, ev.scored, ev.missing_count, ev.unresolved) == (len(truth), len(truth), 0, 0)
    merged, missed = _wrong_pairs(truth, pred.reindex(truth.index))
    assert {m["person_id"]: m["wrong_pairs"] for m in ev.worst_merges} == merged
    assert {s["label"]: s["missed_pairs"] for s in ev.worst_splits} == missed
    assert (ev.merges, ev.splits) == (len(merged), len(missed))
    assert [m["wrong_pairs"] for m in ev.worst_merges] == sorted(merged.values(), reverse=True)
    assert ev.splits > 0  # the small council has mistakes to list, so the lists are tested
    biggest = ev.worst_splits[0]
    assert sum(p["records"] for p in biggest["person_ids"]) == biggest["records"] == int((truth == biggest["label"]).sum())

    # the command line, on the same store
    env = {}
    uri = str(store.uri)
    if store_kind == "neo4j":
        server = request.getfixturevalue("neo4j_server")
        env = {"NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}
    if store_kind == "embedded":  # the command opens the file itself
        store.close()
    runner = CliRunner()
    res = runner.invoke(cli, ["--store", uri, "evaluate", "--truth", str(tmp_path / "labels.csv"), "--worst", "3",
                              "--json"], env=env, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["metrics"] == ev.metrics.to_dict() and out["worst_splits"] == ev.worst_splits[:3]
    text = runner.invoke(cli, ["--store", uri, "evaluate", "--truth", str(tmp_path / "labels.csv")], env=env)
    assert text.exit_code == 0, text.output
    assert f"B-cubed   precision {ev.metrics.bcubed_precision:.4f}" in text.stdout
    assert f"splits (true people spread over more than one person): {ev.splits:,}" in text.stdout
    assert biggest["label"] in text.stdout


def test_evaluate_scores_only_the_labelled_records_the_store_holds(
    store: Store, small_council: SynthSummary, load_council: CouncilLoader, links_series: Callable[[Store], pd.Series],
    tmp_path: Path,
) -> None:
    load_council(store, small_council, tmp_path)
    api.resolve(store)
    raw = pd.read_csv(small_council.truth, dtype=str).head(200)
    sample = pd.Series(raw["person_id"].to_numpy(), index=raw["source"] + ":" + raw["source_record_id"])
    truth = pd.concat([sample, pd.Series(["x", "y"], index=["housing:NOPE-1", "nosuch:2"])])
    ev = evaluate_store(store, truth)
    assert (ev.labelled, ev.scored, ev.missing_count) == (202, 200, 2)
    assert sorted(ev.missing) == ["housing:NOPE-1", "nosuch:2"]
    assert ev.metrics == evaluate_clusters(sample, links_series(store))


def test_evaluate_counts_records_not_yet_resolved_as_people_of_their_own(
    store: Store, small_council: SynthSummary, load_council: CouncilLoader, tmp_path: Path
) -> None:
    load_council(store, small_council, tmp_path)
    raw = pd.read_csv(small_council.truth, dtype=str)
    truth = pd.Series(raw["person_id"].to_numpy(), index=raw["source"] + ":" + raw["source_record_id"])
    ev = evaluate_store(store, truth)
    assert ev.unresolved == len(truth) and ev.merges == 0
    assert ev.metrics.pairwise_recall == 0.0 and ev.metrics.bcubed_precision == 1.0
