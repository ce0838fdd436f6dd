"""The store contract for reviewers' decisions and the review queue's reads (ADR 0024).

Every test runs once per store (tests/store/conftest.py) and speaks only to the Protocol (or to
``api``, which speaks only to the Protocol).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.errors import NotFoundError, StoreError
from identity_graph.review.decide import DecisionError
from identity_graph.store.contract import DECISION_COLUMNS, REVIEW_EDGE_COLUMNS, Decision, Store
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]
StoreFactory = Callable[[Path], Store]

MAPPING = """\
source = "hr"
id = "REF"

[fields]
family_name = "SURNAME"
given_name = "FORENAME"
dob = "DOB"
postcode = "POSTCODE"

[formats]
dob = "%d/%m/%Y"
"""
ROWS = [
    ["REF", "SURNAME", "FORENAME", "DOB", "POSTCODE"],
    ["R1", "Jones", "David", "12/03/1955", "LS6 2AB"],
    ["R2", "Jones", "David", "12/03/1983", "LS6 2AB"],
    ["R3", "Jones", "Mary", "03/04/1957", "LS6 2AB"],
]


@pytest.fixture
def hr(store: Store, tmp_path: Path) -> Store:
    """A store holding three HR records: hr:R1, hr:R2, hr:R3 (no resolve)."""
    export, mapping = tmp_path / "hr.csv", tmp_path / "hr.toml"
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    mapping.write_text(MAPPING, encoding="utf-8")
    api.load(store, export, mapping)
    return store


def decision(kind: str, a: str, b: str, reason: str = "checked the paper file", at: str = "2025-01-02T03:04:05+00:00"
             ) -> Decision:
    return Decision(kind=kind, record_a=a, record_b=b, actor="cli:alice", decided_at=at, reason=reason)


# -- storing decisions -----------------------------------------------------------------------------


def test_a_fresh_store_has_no_decisions(store: Store) -> None:
    assert store.decisions().empty
    assert list(store.decisions().columns) == DECISION_COLUMNS
    assert list(store.decisions(history=True).columns) == DECISION_COLUMNS


def test_a_decision_is_stored_with_who_when_and_why(hr: Store) -> None:
    did = hr.record_decision(decision("keep-apart", "hr:R1", "hr:R2", "father and son"))

    (row,) = hr.decisions().to_dict(orient="records")
    assert row == {
        "decision_id": did, "kind": "keep-apart", "record_a": "hr:R1", "record_b": "hr:R2", "actor": "cli:alice",
        "decided_at": "2025-01-02T03:04:05+00:00", "reason": "father and son", "superseded_by": None,
    }


def test_a_later_decision_on_the_same_pair_replaces_it_and_the_history_keeps_both(hr: Store) -> None:
    first = hr.record_decision(decision("same-person", "hr:R1", "hr:R2", "looked alike"))
    other = hr.record_decision(decision("keep-apart", "hr:R1", "hr:R3", "mother and son"))
    second = hr.record_decision(decision("keep-apart", "hr:R1", "hr:R2", "father and son"))

    assert first < other < second
    current = hr.decisions()
    assert current["decision_id"].tolist() == [other, second]
    assert current.set_index("decision_id").at[second, "kind"] == "keep-apart"
    history = hr.decisions(history=True)
    assert history["decision_id"].tolist() == [first, other, second]
    assert history.set_index("decision_id")["superseded_by"].to_dict() == {first: second, other: None, second: None}


def test_a_decision_about_a_record_that_does_not_exist_is_refused_and_nothing_is_stored(hr: Store) -> None:
    with pytest.raises(NotFoundError, match="hr:R9"):
        hr.record_decision(decision("keep-apart", "hr:R1", "hr:R9"))
    assert hr.decisions(history=True).empty


def test_the_store_refuses_a_pair_out_of_order(hr: Store) -> None:
    with pytest.raises(StoreError, match="order"):
        hr.record_decision(decision("keep-apart", "hr:R2", "hr:R1"))
    assert hr.decisions(history=True).empty


@pytest.mark.parametrize("reason", [
    "O'Brien said \"not me\"; DROP TABLE decisions; --",
    "}) MATCH (n) DETACH DELETE n //",
    "twins: Emily & Emma\nsecond line, ünïcödé",
])
def test_a_reason_is_stored_verbatim_whatever_it_holds(hr: Store, reason: str) -> None:
    hr.record_decision(decision("keep-apart", "hr:R1", "hr:R2", reason))

    assert hr.decisions()["reason"].tolist() == [reason]
    assert len(hr.records_frame()) == 3


def test_api_decide_normalises_the_pair_order_and_needs_a_reason(hr: Store) -> None:
    rep = api.decide(hr, "keep-apart", "hr:R2", "hr:R1", reason="father and son", actor="cli:bob")

    (rec,) = rep.recorded
    assert (rec["record_a"], rec["record_b"], rec["replaces"]) == ("hr:R1", "hr:R2", None)
    assert "next resolve" in rep.note
    for bad in ({"reason": "  "}, {"reason": "x", "actor": ""}):
        with pytest.raises(DecisionError):
            api.decide(hr, "keep-apart", "hr:R1", "hr:R3", **{"actor": "cli:bob", **bad})
    with pytest.raises(DecisionError, match="same-person"):
        api.decide(hr, "maybe", "hr:R1", "hr:R3", reason="x", actor="cli:bob")
    with pytest.raises(DecisionError, match="two different records"):
        api.decide(hr, "keep-apart", "hr:R1", "hr:R1", reason="x", actor="cli:bob")
    assert len(hr.decisions()) == 1


def test_api_decide_reports_a_same_person_decision_a_keep_apart_contradicts(hr: Store) -> None:
    api.decide(hr, "keep-apart", "hr:R1", "hr:R3", reason="mother and son", actor="cli:bob")
    api.decide(hr, "same-person", "hr:R1", "hr:R2", reason="one man", actor="cli:bob")
    rep = api.decide(hr, "same-person", "hr:R2", "hr:R3", reason="one woman?", actor="cli:bob")

    (c,) = rep.contradictions
    assert (c["record_a"], c["record_b"]) == ("hr:R2", "hr:R3")
    assert (c["kept_apart_by"]["record_a"], c["kept_apart_by"]["record_b"]) == ("hr:R1", "hr:R3")
    assert c["decision_id"] == rep.recorded[0]["decision_id"]


# -- the review queue's reads, on a resolved council ----------------------------------------------


@pytest.fixture(scope="module")
def council_store(
    store_factory: StoreFactory,
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("review_reads")
    s = store_factory(folder)
    load_council(s, small_council, folder)
    api.resolve(s)
    yield s
    s.close()


def _persons_by_record(store: Store) -> pd.Series:
    return store.current_assignment().set_index("record_id")["person_id"]


def _all_edges(store: Store) -> pd.DataFrame:
    e = pd.concat(list(store.all_edges()), ignore_index=True)
    owner = _persons_by_record(store)
    return e.assign(person_a=e["record_a"].map(owner), person_b=e["record_b"].map(owner))


def test_flagged_persons_are_the_active_people_flagged_for_review(council_store: Store) -> None:
    flagged = council_store.flagged_persons()

    assert list(flagged.columns) == ["person_id", "size", "golden", "updated_run"]
    assert len(flagged) == council_store.stats()["review_flags"] > 0
    assert flagged["person_id"].is_monotonic_increasing
    for pid, size, golden in zip(flagged["person_id"], flagged["size"], flagged["golden"], strict=True):
        p = council_store.person(pid)
        assert p is not None and p["review"] and p["status"] == "active"
        assert int(size) == p["size"] and json.loads(golden) == p["golden"]


def test_person_edges_are_every_edge_touching_the_peoples_records(council_store: Store) -> None:
    pids = council_store.flagged_persons()["person_id"].tolist()[:5]
    got = council_store.person_edges(pids)

    everything = _all_edges(council_store)
    want = everything[everything["person_a"].isin(pids) | everything["person_b"].isin(pids)]
    assert list(got.columns) == REVIEW_EDGE_COLUMNS
    assert list(zip(got["record_a"], got["record_b"], strict=True)) == sorted(
        zip(want["record_a"], want["record_b"], strict=True))
    merged = got.merge(want, on=["record_a", "record_b"], suffixes=("", "_want"))
    assert (merged["person_a"] == merged["person_a_want"]).all()
    assert (merged["person_b"] == merged["person_b_want"]).all()
    assert (merged["tier"] == merged["tier_want"]).all()


@pytest.mark.parametrize("tier", ["match", "possible", "related"])
def test_cross_person_edges_are_the_edges_of_a_tier_between_two_people(council_store: Store, tier: str) -> None:
    got = council_store.cross_person_edges(tier)

    everything = _all_edges(council_store)
    want = everything[(everything["tier"] == tier) & (everything["person_a"] != everything["person_b"])]
    # related edges (households) always join two people; match or possible ones may or may not
    assert len(want) > 0 or tier != "related"
    assert list(got.columns) == REVIEW_EDGE_COLUMNS
    assert list(zip(got["record_a"], got["record_b"], strict=True)) == sorted(
        zip(want["record_a"], want["record_b"], strict=True))
    assert (got["person_a"] != got["person_b"]).all()
    assert (got["tier"] == tier).all()


def test_the_review_queue_lists_flagged_people_and_possible_pairs_worst_first(council_store: Store) -> None:
    queue = api.review_queue(council_store, limit=None)

    assert {it.kind for it in queue} <= {"person", "pair"}
    assert any(it.kind == "person" for it in queue)
    margins = [it.margin for it in queue]
    assert margins == sorted(margins)
    flagged = set(council_store.flagged_persons()["person_id"])
    assert {it.item for it in queue if it.kind == "person"} <= flagged
    for it in queue:
        assert it.why and it.evidence and it.pair is not None
        assert all({"comparison", "level", "weight"} <= set(e) for e in it.evidence)
    possible = council_store.cross_person_edges("possible")
    assert sorted(it.item for it in queue if it.kind == "pair") == sorted(
        f"{a}~{b}" for a, b in zip(possible["record_a"], possible["record_b"], strict=True))
    assert api.review_item(council_store, queue[0].item).item == queue[0].item
    assert len(api.review_queue(council_store, limit=3)) == 3
