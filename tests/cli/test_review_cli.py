"""``idgraph review`` and ``idgraph decide``: a reviewer lists the queue, looks at an item, and
records decisions that stick; ``idgraph resolve --dry-run`` previews a resolve (ADR 0024).

A tiny synthetic council plus the hand-written households (tests/data/decisions), made and
resolved with the CLI alone; each test works on its own copy of the store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph.cli.main import cli

DATA = Path(__file__).parents[1] / "data" / "decisions"
FATHER, SON = "repairs:F1", "repairs:S1"


def idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review_cli")
    assert idgraph("synth", "--people", 150, "--seed", 3, "--out", root / "synth").exit_code == 0
    store = root / "store.idgraph.db"
    for export in sorted((root / "synth" / "exports").iterdir()):
        mapping = root / "synth" / "mappings" / f"{export.stem}.toml"
        assert idgraph("--store", store, "load", "--create", export, "-m", mapping).exit_code == 0
    assert idgraph("--store", store, "load", "--create", DATA / "households.csv", "-m", DATA / "households.toml").exit_code == 0
    result = idgraph("--store", store, "resolve")
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def store(resolved: Path, tmp_path: Path) -> Path:
    """A copy of the resolved store, for one test to change."""
    copy = tmp_path / "store.idgraph.db"
    shutil.copy(resolved, copy)
    return copy


def person_of(store: Path, record: str) -> str:
    return str(json.loads(idgraph("--store", store, "person", record, "--json").output)["person_id"])


def queue(store: Path, *args: str) -> list[dict]:
    result = idgraph("--store", store, "review", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_decide_needs_a_reason(store: Path) -> None:
    result = idgraph("--store", store, "decide", "keep-apart", FATHER, SON)
    assert result.exit_code == 2
    assert "--reason" in result.output


def test_decide_about_a_record_that_does_not_exist_says_which_and_exits_7(store: Path) -> None:
    result = idgraph("--store", store, "decide", "keep-apart", FATHER, "repairs:NOPE", "--reason", "x")
    assert result.exit_code == 7
    assert "repairs:NOPE" in result.output


def test_a_keep_apart_is_recorded_now_and_the_people_change_at_the_next_resolve(store: Path) -> None:
    before = person_of(store, FATHER)
    assert person_of(store, SON) == before  # the engine merges them

    result = idgraph("--store", store, "decide", "keep-apart", SON, FATHER, "--reason", "father and son")
    assert result.exit_code == 0, result.output
    assert f"keep-apart {FATHER} / {SON} (by cli:" in result.output
    assert "next resolve, recluster or update" in result.output
    assert person_of(store, SON) == person_of(store, FATHER) == before

    runs = json.loads(idgraph("--store", store, "stats", "--json").output)["last_run"]["run_id"]
    preview = idgraph("--store", store, "resolve", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert preview.stdout.startswith("dry run (nothing written)")  # (stderr has the progress)
    assert f"split  1 records of {before} into" in preview.stdout
    assert "move   repairs:" in preview.stdout
    as_json = json.loads(idgraph("--store", store, "resolve", "--dry-run", "--json").stdout)
    assert as_json["dry_run"] and as_json["changes"]["counts"]["moved_records"] == 1
    assert json.loads(idgraph("--store", store, "stats", "--json").output)["last_run"]["run_id"] == runs

    assert idgraph("--store", store, "resolve").exit_code == 0
    assert person_of(store, FATHER) != person_of(store, SON)


def test_decide_with_apply_reclusters_at_once(store: Path) -> None:
    result = idgraph("--store", store, "decide", "keep-apart", FATHER, SON, "--reason", "father and son", "--apply")
    assert result.exit_code == 0, result.output
    assert "applied: run 2" in result.output
    assert person_of(store, FATHER) != person_of(store, SON)


def test_review_list_shows_the_queue_worst_first_with_why_and_evidence(store: Path) -> None:
    items = queue(store)
    assert items, "the council has flagged people"
    assert [it["margin"] for it in items] == sorted(it["margin"] for it in items)
    assert all(it["why"] and it["evidence"] and it["pair"] for it in items)
    assert len(queue(store, "--limit", "2")) == min(2, len(items))

    table = idgraph("--store", store, "review", "list")
    assert table.exit_code == 0
    assert items[0]["item"] in table.output and items[0]["why"][0][:40] in table.output


def test_review_show_gives_the_people_and_the_evidence_on_the_deciding_pair(store: Path) -> None:
    item = queue(store)[0]
    result = idgraph("--store", store, "review", "show", item["item"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(item["item"])
    assert f"why: {item['why'][0]}" in result.output
    assert f"{item['pair'][0]}  vs  {item['pair'][1]}" in result.output
    assert "comparison" in result.output and "weight" in result.output
    shown = json.loads(idgraph("--store", store, "review", "show", item["item"], "--json").output)
    assert shown["explain"]["record_a"] == item["pair"][0]

    missing = idgraph("--store", store, "review", "show", "P000000000000")
    assert missing.exit_code == 7 and "review list" in missing.output


def test_rejecting_a_flagged_person_keeps_its_weakest_link_apart_and_takes_it_off_the_queue(store: Path) -> None:
    item = next(it for it in queue(store) if it["kind"] == "person" and len(it["records"]) > 1)
    result = idgraph("--store", store, "review", "reject", item["item"], "--reason", "two residents", "--json")
    assert result.exit_code == 0, result.output
    (recorded,) = json.loads(result.output)["recorded"]
    assert recorded["kind"] == "keep-apart" and recorded["reason"] == "two residents"
    assert {recorded["record_a"], recorded["record_b"]} <= set(item["records"])
    assert item["item"] not in {it["item"] for it in queue(store)}


def test_a_possible_pair_between_two_people_is_listed_and_accepting_it_joins_them(store: Path) -> None:
    # a possible match between two people (the household rules keep many such pairs apart)
    item = next(it for it in queue(store, "--limit", "500") if it["kind"] == "pair")
    a, b = item["pair"]
    assert person_of(store, a) != person_of(store, b)

    result = idgraph("--store", store, "review", "accept", item["item"], "--reason", "one resident", "--apply")
    assert result.exit_code == 0, result.output
    assert f"same-person {a} / {b}" in result.output
    assert person_of(store, a) == person_of(store, b)


def test_a_contradicted_same_person_decision_is_a_warning(store: Path) -> None:
    assert idgraph("--store", store, "decide", "keep-apart", FATHER, SON, "--reason", "father and son").exit_code == 0
    assert idgraph("--store", store, "decide", "same-person", FATHER, "repairs:T1", "--reason", "x").exit_code == 0
    result = CliRunner().invoke(cli, ["--store", str(store), "decide", "same-person", SON, "repairs:T1",
                                      "--reason", "y"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "is not applied: it contradicts keep-apart decision 1" in result.stderr
