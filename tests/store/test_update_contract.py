"""The store contract for incremental updates and the change feed (issue 11).

Every test runs once per store (tests/store/conftest.py). A small synthetic council is loaded and
resolved with ``api.resolve``; then ``ResolutionDelta`` objects are built here by hand, the way
``api.update`` will build them, and written with ``Store.write_update``. Everything is asserted
through the public contract: the same expectations hold on both stores.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.errors import StoreError
from identity_graph.store.contract import EVENT_COLUMNS, ResolutionDelta, Store
from identity_graph.synth import SynthSummary, generate
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]

#: (people, seed): a council small enough to load and resolve per test (~220 records)
UPDATE_COUNCIL = (120, 3)
EDGE_COLUMNS = ["record_a", "record_b", "weight", "probability", "tier", "levels"]
HISTORY_COLUMNS = [
    "person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "records",
    "is_current",
]
BIG = 1_000_000


@pytest.fixture(scope="module")
def update_council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    people, seed = UPDATE_COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("update_council"))


@pytest.fixture
def resolved(store: Store, update_council: SynthSummary, load_council: CouncilLoader, tmp_path: Path) -> Store:
    """The council loaded and resolved once (run 1), in a fresh store of the kind under test."""
    load_council(store, update_council, tmp_path)
    api.resolve(store)
    return store


# -- building deltas by hand ------------------------------------------------------------------


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def delta(store: Store, **parts: Any) -> ResolutionDelta:
    """A delta with the latest run's model and nothing in it but ``parts``."""
    latest = store.latest_model()
    assert latest is not None
    empty: dict[str, Any] = {
        "settings_json": latest[1],
        "model_json": latest[2],
        "report": {"kind": "update", "started": "2000-01-01T00:00:00+00:00"},
        "retired_records": frame([], ["record_id", "reason"]),
        "region": [],
        "assignment": frame([], ["record_id", "person_id", "row_hash"]),
        "persons": frame([], ["person_id", "created_run", "size", "review", "golden"]),
        "retired": frame([], ["person_id", "merged_into"]),
        "events": frame([], EVENT_COLUMNS),
        "edges_touching": [],
        "edges": frame([], EDGE_COLUMNS),
        "history_people": [],
        "address_history": frame([], HISTORY_COLUMNS),
    }
    empty.update(parts)
    return ResolutionDelta(**empty)


def assignment(store: Store, links: dict[str, str], hashes: dict[str, str | None] | None = None) -> pd.DataFrame:
    """record_id -> person_id rows, each with the row_hash the update clustered (default: now)."""
    current = store.records_hashes(sorted(links))
    hashes = hashes or {}
    return frame(
        [{"record_id": r, "person_id": p, "row_hash": hashes.get(r, current[r])} for r, p in sorted(links.items())],
        ["record_id", "person_id", "row_hash"],
    )


def person_row(store: Store, person_id: str, size: int, **golden: Any) -> dict[str, Any]:
    """A persons row: the stored person with a new size and golden fields (new people: created_run None)."""
    stored = store.person(person_id)
    g = dict(stored["golden"]) if stored else {}
    g.update(golden)
    created = stored["created_run"] if stored else None
    return {"person_id": person_id, "created_run": created, "size": size, "review": False,
            "golden": json.dumps(g, sort_keys=True)}


def persons(*rows: dict[str, Any]) -> pd.DataFrame:
    return frame(list(rows), ["person_id", "created_run", "size", "review", "golden"])


def history_row(person_id: str, key: str, *, current: bool, sources: str = "council_tax") -> dict[str, Any]:
    return {"person_id": person_id, "address_key": key, "address": f"{key} street", "postcode": "LS1 1AA",
            "first_seen": "2024-01-01", "last_seen": "2025-01-01", "sources": sources, "records": 1,
            "is_current": current}


def event(kind: str, person_id: str, *, other: str | None = None, records: int = 1,
          detail: dict[str, Any] | None = None, sources: list[str] | None = None) -> dict[str, Any]:
    return {"event": kind, "person_id": person_id, "other_person_id": other, "records": records,
            "detail": json.dumps(detail) if detail is not None else None, "sources": sources or []}


# -- reading the store back -------------------------------------------------------------------


def records_of(store: Store) -> dict[str, list[str]]:
    """person_id -> its record ids (sorted), from the current assignment."""
    a = store.current_assignment()
    return {p: sorted(g["record_id"]) for p, g in a.groupby("person_id")}


@dataclass
class People:
    """Three people of the resolved council the tests work on, chosen the same way on every store."""

    a: str  # three or more records
    b: str  # two or more records
    single: str  # one record
    recs: dict[str, list[str]]


def pick(store: Store) -> People:
    recs = records_of(store)
    by_size = sorted(recs, key=lambda p: (-len(recs[p]), p))
    a = next(p for p in by_size if len(recs[p]) >= 3)
    b = next(p for p in by_size if len(recs[p]) >= 2 and p != a)
    single = next(p for p in sorted(recs) if len(recs[p]) == 1)
    return People(a, b, single, recs)


def edges_of(store: Store, record_ids: list[str]) -> set[tuple[str, str, str]]:
    e = store.edges(record_ids)
    return set(zip(e["record_a"], e["record_b"], e["tier"], strict=True))


def all_edges(store: Store) -> pd.DataFrame:
    ids = store.records_frame()["record_id"].tolist()
    return store.edges(ids).sort_values(["record_a", "record_b"], ignore_index=True)


def snapshot(store: Store) -> dict[str, Any]:
    """Everything the contract can read about the store, as comparable values."""
    meta = store.persons_meta()
    people = sorted(meta["person_id"])
    return {
        "records": store.records_frame(),
        "assignment": store.current_assignment().reset_index(drop=True),
        "persons_meta": meta.astype(object).reset_index(drop=True),
        "persons": {p: store.person(p) for p in people},
        "histories": {p: store.person_address_history(p).to_dict("records") for p in people},
        "edges": all_edges(store).to_dict("records"),
        "runs": store.runs()["run_id"].tolist(),
        "latest_model": store.latest_model(),
        "changes": store.changes(0, limit=BIG).to_dict("records"),
        "dirty": store.dirty_records(),
        "next_run_id": store.next_run_id(),
    }


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert before.keys() == after.keys()
    for key in before:
        if isinstance(before[key], pd.DataFrame):
            pd.testing.assert_frame_equal(after[key], before[key], obj=key)
        else:
            assert after[key] == before[key], key


def last_seq(store: Store) -> int:
    feed = store.changes(0, limit=BIG)
    return int(feed["seq"].iloc[-1]) if len(feed) else 0


# -- dirty records ----------------------------------------------------------------------------


def test_right_after_a_resolve_no_record_is_dirty_and_every_hash_is_known(resolved: Store) -> None:
    ids = resolved.records_frame()["record_id"].tolist()

    assert resolved.dirty_records() == ([], [])
    hashes = resolved.records_hashes([*ids, "council_tax:NOT-THERE"])
    assert sorted(hashes) == sorted(ids)
    assert all(isinstance(h, str) and h for h in hashes.values())


def _changed_council_tax(council: SynthSummary, out: Path) -> tuple[Path, str, str]:
    """The council tax export with one row's phone changed and one new row (a copy under a new
    account reference): (export, changed record id, new record id)."""
    with council.files["council_tax"].open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    ref, tel = header.index("ACCOUNT_REF"), header.index("HOME_TEL")
    changed = rows[1][ref]
    rows[1][tel] = "07700 900999"
    new = rows[3].copy()
    new[ref] = "CT999999"
    path = out / "council_tax.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows([*rows, new])
    return path, f"council_tax:{changed}", "council_tax:CT999999"


def test_a_changed_export_makes_exactly_its_changed_and_new_records_dirty_until_an_update_clusters_them(
    resolved: Store, update_council: SynthSummary, tmp_path: Path
) -> None:
    export, changed, new = _changed_council_tax(update_council, tmp_path)
    before_hash = resolved.records_hashes([changed])[changed]
    report = api.load(resolved, export, update_council.mappings["council_tax"])
    assert (report.inserted, report.updated) == (1, 1)

    assert resolved.dirty_records() == (sorted([changed, new]), [])
    assert resolved.records_hashes([changed])[changed] != before_hash

    owner = resolved.person_of(changed)
    assert owner is not None and resolved.person_of(new) is None
    region = [*records_of(resolved)[owner], new]
    links = {r: owner for r in records_of(resolved)[owner]} | {new: "Pnew-ct"}
    resolved.write_update(2, delta(
        resolved,
        region=region,
        assignment=assignment(resolved, links),
        persons=persons(person_row(resolved, owner, len(region) - 1), person_row(resolved, "Pnew-ct", 1)),
        events=frame([event("created", "Pnew-ct", sources=["council_tax"])], EVENT_COLUMNS),
    ))

    assert resolved.dirty_records() == ([], [])
    assert resolved.person_of(new) == "Pnew-ct"


def test_a_link_written_with_an_older_row_hash_stays_dirty(resolved: Store) -> None:
    ppl = pick(resolved)
    x = ppl.recs[ppl.single][0]

    resolved.write_update(2, delta(
        resolved,
        region=[x],
        assignment=assignment(resolved, {x: ppl.single}, hashes={x: "0000-an-older-row"}),
        persons=persons(person_row(resolved, ppl.single, 1)),
    ))

    assert resolved.dirty_records() == ([x], [])
    assert resolved.person_of(x) == ppl.single


# -- retiring records -------------------------------------------------------------------------


def test_a_retired_record_goes_to_history_and_leaves_its_person_its_edges_and_its_identifiers(
    resolved: Store,
) -> None:
    ppl = pick(resolved)
    x, *rest = ppl.recs[ppl.a]
    old = resolved.records([x]).iloc[0]
    old_hash = resolved.records_hashes([x])[x]
    phones = [p for p in (old["phones"] or "").split("|") if p]
    untouched = [r for r in resolved.records_frame()["record_id"] if r not in ppl.recs[ppl.a]]
    edges_elsewhere = {e for e in edges_of(resolved, untouched) if x not in e[:2]}
    n_records = resolved.stats()["records"]

    resolved.write_update(2, delta(
        resolved,
        retired_records=frame([{"record_id": x, "reason": "deleted at source"}], ["record_id", "reason"]),
        region=ppl.recs[ppl.a],
        assignment=assignment(resolved, dict.fromkeys(rest, ppl.a)),
        persons=persons(person_row(resolved, ppl.a, len(rest))),
        edges_touching=[x],
        events=frame([event("records_removed", ppl.a, detail={"records": [x]}, sources=["council_tax"])],
                     EVENT_COLUMNS),
    ))

    assert resolved.records([x]).empty
    assert x not in set(resolved.records_frame()["record_id"])
    assert resolved.stats()["records"] == n_records - 1
    assert resolved.person_of(x) is None
    assert resolved.person_records(ppl.a)["record_id"].tolist() == rest
    assert resolved.person(ppl.a)["size"] == len(rest)
    assert resolved.edges([x]).empty
    assert edges_of(resolved, untouched) == edges_elsewhere
    for phone in phones:
        assert x not in set(resolved.find_records("phone", [phone])["record_id"])
    history = resolved.record_history(x)
    assert len(history) == 1
    kept = history.iloc[-1]
    assert (kept["reason"], kept["row_hash"], kept["raw"]) == ("deleted at source", old_hash, old["raw"])
    assert pd.isna(kept["load_id"])
    canonical = json.loads(kept["canonical"])
    assert (canonical["record_id"], canonical["given_name"], canonical["family_name"]) == (
        x, old["given_name"], old["family_name"],
    )
    assert x not in set(resolved.current_assignment()["record_id"])
    assert resolved.dirty_records() == ([], [])


def test_an_update_under_a_run_id_already_recorded_writes_nothing(resolved: Store) -> None:
    ppl = pick(resolved)
    before = snapshot(resolved)

    with pytest.raises(StoreError, match="not after the latest recorded run.*as run 2"):
        resolved.write_update(1, _half_way_delta(resolved, ppl))

    assert_same(before, snapshot(resolved))


def test_retiring_a_record_that_is_not_in_the_store_writes_nothing(resolved: Store) -> None:
    before = snapshot(resolved)

    with pytest.raises(StoreError, match="not in the store"):
        resolved.write_update(2, delta(
            resolved,
            retired_records=frame([{"record_id": "council_tax:NOPE", "reason": "erased"}], ["record_id", "reason"]),
        ))

    assert_same(before, snapshot(resolved))


# -- moving records between people --------------------------------------------------------------


def test_a_record_moved_to_another_person_changes_both_people_and_nobody_else(resolved: Store) -> None:
    ppl = pick(resolved)
    x = ppl.recs[ppl.a][0]
    region = ppl.recs[ppl.a] + ppl.recs[ppl.b]
    links = dict.fromkeys(ppl.recs[ppl.a], ppl.a) | dict.fromkeys(ppl.recs[ppl.b], ppl.b) | {x: ppl.b}
    before = snapshot(resolved)
    others = [p for p in before["persons"] if p not in (ppl.a, ppl.b)]

    resolved.write_update(2, delta(
        resolved,
        region=region,
        assignment=assignment(resolved, links),
        persons=persons(
            person_row(resolved, ppl.a, len(ppl.recs[ppl.a]) - 1),
            person_row(resolved, ppl.b, len(ppl.recs[ppl.b]) + 1, family_name="moved-in"),
        ),
        history_people=[ppl.a, ppl.b],
        address_history=frame(
            [history_row(ppl.a, "k-a", current=True),
             history_row(ppl.b, "k-b-new", current=True), history_row(ppl.b, "k-b-old", current=False)],
            HISTORY_COLUMNS,
        ),
    ))

    assert resolved.person_of(x) == ppl.b
    assert resolved.person_records(ppl.b)["record_id"].tolist() == sorted([x, *ppl.recs[ppl.b]])
    assert resolved.person_records(ppl.a)["record_id"].tolist() == ppl.recs[ppl.a][1:]
    a, b = resolved.person(ppl.a), resolved.person(ppl.b)
    assert a is not None and b is not None
    assert (a["size"], b["size"]) == (len(ppl.recs[ppl.a]) - 1, len(ppl.recs[ppl.b]) + 1)
    assert b["golden"]["family_name"] == "moved-in"
    assert (a["updated_run"], b["updated_run"], a["created_run"], b["created_run"]) == (2, 2, 1, 1)
    assert resolved.person_address_history(ppl.a)["address_key"].tolist() == ["k-a"]
    assert resolved.person_address_history(ppl.b)["address_key"].tolist() == ["k-b-new", "k-b-old"]
    assert resolved.person_address_history(ppl.b)["is_current"].tolist() == [True, False]

    after = snapshot(resolved)
    for p in others:  # every other person: the same golden record, size, runs and history
        assert after["persons"][p] == before["persons"][p], p
        assert after["histories"][p] == before["histories"][p], p
    moved = set(region)
    keep_before = before["assignment"][~before["assignment"]["record_id"].isin(moved)]
    keep_after = after["assignment"][~after["assignment"]["record_id"].isin(moved)]
    pd.testing.assert_frame_equal(keep_after.reset_index(drop=True), keep_before.reset_index(drop=True))
    pd.testing.assert_frame_equal(after["records"], before["records"])
    # the region's inner edges go (the delta brought no new ones); every other edge stays
    assert after["edges"] == [e for e in before["edges"] if not {e["record_a"], e["record_b"]} <= moved]
    assert len(after["edges"]) < len(before["edges"])
    assert after["runs"] == [1, 2]
    assert after["dirty"] == ([], [])


def test_a_new_person_and_a_merged_person_are_issued_and_retired(resolved: Store) -> None:
    ppl = pick(resolved)
    x, *rest = ppl.recs[ppl.a]
    region = ppl.recs[ppl.a] + ppl.recs[ppl.b]
    links = dict.fromkeys(rest, ppl.a) | dict.fromkeys(ppl.recs[ppl.b], ppl.a) | {x: "Pnew-split"}
    people_before = resolved.stats()["people"]

    resolved.write_update(2, delta(
        resolved,
        region=region,
        assignment=assignment(resolved, links),
        persons=persons(person_row(resolved, ppl.a, len(rest) + len(ppl.recs[ppl.b])),
                        person_row(resolved, "Pnew-split", 1, given_name="split")),
        retired=frame([{"person_id": ppl.b, "merged_into": ppl.a}], ["person_id", "merged_into"]),
        history_people=[ppl.b],
        events=frame([event("merged", ppl.a, other=ppl.b, records=len(ppl.recs[ppl.b])),
                      event("split", ppl.a, other="Pnew-split")], EVENT_COLUMNS),
    ))

    new = resolved.person("Pnew-split")
    assert new is not None
    assert (new["status"], new["size"], new["created_run"], new["updated_run"]) == ("active", 1, 2, 2)
    assert new["golden"]["given_name"] == "split"
    assert resolved.person_records("Pnew-split")["record_id"].tolist() == [x]
    gone = resolved.person(ppl.b)
    assert gone is not None
    assert (gone["status"], gone["merged_into"], gone["size"]) == ("retired", ppl.a, 0)
    assert resolved.person_records(ppl.b).empty
    assert resolved.person_address_history(ppl.b).empty
    assert api.person(resolved, ppl.b).person_id == ppl.a  # a retired id leads to its survivor
    meta = resolved.persons_meta().set_index("person_id")
    assert meta.at["Pnew-split", "status"] == "active" and int(meta.at["Pnew-split", "created_run"]) == 2
    assert meta.at[ppl.b, "status"] == "retired"
    assert resolved.stats()["people"] == people_before  # one issued, one retired
    assert resolved.events(2)["event"].tolist() == ["merged", "split"]


# -- edges ----------------------------------------------------------------------------------------


def test_edges_touching_named_records_or_inside_the_region_are_replaced_by_the_new_ones(
    resolved: Store,
) -> None:
    ppl = pick(resolved)
    a_recs, b_recs = ppl.recs[ppl.a], ppl.recs[ppl.b]
    s = ppl.recs[ppl.single][0]
    inside_a = {(ra, rb) for ra, rb, _ in edges_of(resolved, a_recs) if ra in a_recs and rb in a_recs}
    assert inside_a, "the chosen person has no edge between its records"
    touching_s = {(ra, rb) for ra, rb, _ in edges_of(resolved, [s])}
    everything = all_edges(resolved)
    bystanders = everything[
        ~(everything["record_a"].isin(a_recs) & everything["record_b"].isin(a_recs))
        & ~everything["record_a"].eq(s) & ~everything["record_b"].eq(s)
    ]
    kept = tuple(sorted((a_recs[0], a_recs[1])))
    new_pair = tuple(sorted((a_recs[0], b_recs[0])))
    new_edges = frame(
        [
            {"record_a": kept[0], "record_b": kept[1], "weight": 1.5, "probability": 0.75, "tier": "possible",
             "levels": "1,2,3"},
            {"record_a": new_pair[0], "record_b": new_pair[1], "weight": 2.5, "probability": 0.85,
             "tier": "possible", "levels": "3,2,1"},
        ],
        EDGE_COLUMNS,
    )

    resolved.write_update(2, delta(
        resolved,
        region=a_recs,
        assignment=assignment(resolved, dict.fromkeys(a_recs, ppl.a)),
        persons=persons(person_row(resolved, ppl.a, len(a_recs))),
        edges_touching=[s],
        edges=new_edges,
    ))

    after = all_edges(resolved)
    got = {(ra, rb): (t, p) for ra, rb, t, p in after[["record_a", "record_b", "tier", "probability"]].itertuples(index=False)}
    assert got[kept] == ("possible", 0.75)  # replaced
    assert got[new_pair] == ("possible", 0.85)  # added
    for pair in (inside_a - {kept}) | touching_s:  # deleted
        assert pair not in got, pair
    rest = after[~after.set_index(["record_a", "record_b"]).index.isin([kept, new_pair])]
    pd.testing.assert_frame_equal(rest.reset_index(drop=True), bystanders.reset_index(drop=True))
    assert resolved.stats()["edges_by_tier"] == after["tier"].value_counts().to_dict()


# -- the change feed ------------------------------------------------------------------------------


def test_the_change_feed_gives_every_event_once_in_seq_order_after_a_cursor_and_by_source(
    resolved: Store,
) -> None:
    ppl = pick(resolved)
    feed = resolved.changes(0, limit=BIG)
    assert list(feed.columns) == ["seq", "run_id", "at", "event", "person_id", "other_person_id", "records",
                                  "detail", "sources"]
    assert len(feed) == len(resolved.events(1)) and (feed["run_id"] == 1).all()
    assert feed["seq"].is_monotonic_increasing and feed["seq"].is_unique and feed["seq"].min() > 0
    assert all(isinstance(s, list) for s in feed["sources"])
    cursor = int(feed["seq"].iloc[-1])
    assert resolved.changes(cursor).empty

    events = [
        event("details_changed", ppl.a, detail={"field": "phone", "old": "1", "new": "2"},
              sources=["housing", "council_tax"]),
        event("records_added", ppl.b, detail={"records": ["x"]}, sources=["council_tax"]),
        event("details_changed", ppl.single, sources=None),
    ]
    resolved.write_update(2, delta(resolved, events=frame(events, EVENT_COLUMNS)))

    new = resolved.changes(cursor)
    assert new["person_id"].tolist() == [ppl.a, ppl.b, ppl.single]
    assert new["event"].tolist() == ["details_changed", "records_added", "details_changed"]
    assert (new["run_id"] == 2).all() and (new["seq"] > cursor).all() and new["seq"].is_monotonic_increasing
    assert new["sources"].tolist() == [["council_tax", "housing"], ["council_tax"], []]
    assert json.loads(new["detail"].iloc[0]) == {"field": "phone", "old": "1", "new": "2"}
    assert new["detail"].iloc[2] is None
    assert new["records"].tolist() == [1, 1, 1]
    at = datetime.fromisoformat(new["at"].iloc[0])
    assert at.utcoffset() is not None and at.utcoffset().total_seconds() == 0
    first, second, third = (int(s) for s in new["seq"])

    assert resolved.changes(cursor, source="housing")["seq"].tolist() == [first]
    assert resolved.changes(cursor, source="council_tax")["seq"].tolist() == [first, second]
    assert resolved.changes(cursor, source="council_tax", limit=1)["seq"].tolist() == [first]
    assert resolved.changes(first, source="council_tax")["seq"].tolist() == [second]
    assert resolved.changes(cursor, source="parking").empty
    assert resolved.changes(cursor, limit=2)["seq"].tolist() == [first, second]
    assert resolved.changes(third).empty
    assert resolved.changes(0, limit=0).empty
    # events(run_id) keeps its shape
    assert resolved.events(2).columns.tolist() == ["run_id", "event", "person_id", "other_person_id", "records"]
    assert resolved.events(2)["person_id"].tolist() == [ppl.a, ppl.b, ppl.single]

    # the next run's events follow; the feed never reissues a seq
    resolved.write_update(3, delta(resolved, events=frame([event("created", ppl.a, sources=["parking"])],
                                                          EVENT_COLUMNS)))
    later = resolved.changes(third)
    assert later["run_id"].tolist() == [3] and int(later["seq"].iloc[0]) > third
    assert resolved.changes(cursor, source="parking")["run_id"].tolist() == [3]


def test_events_without_detail_or_sources_are_stored_with_none_and_no_sources(resolved: Store) -> None:
    ppl = pick(resolved)
    cursor = last_seq(resolved)
    bare = pd.DataFrame({"event": ["created"], "person_id": [ppl.a], "other_person_id": [None],
                         "records": [2]}, dtype=object)

    resolved.write_update(2, delta(resolved, events=bare))

    (row,) = resolved.changes(cursor).to_dict("records")
    assert (row["event"], row["person_id"], row["other_person_id"], row["records"]) == ("created", ppl.a, None, 2)
    assert (row["detail"], row["sources"]) == (None, [])


def test_the_change_feed_refuses_a_negative_cursor_or_limit(resolved: Store) -> None:
    with pytest.raises(StoreError, match="cursor"):
        resolved.changes(-1)
    with pytest.raises(StoreError, match="limit"):
        resolved.changes(0, limit=-5)


def test_a_persons_events_are_the_feeds_events_naming_them_as_either_person(resolved: Store) -> None:
    feed = resolved.changes(0, limit=BIG)
    merged = feed[feed["other_person_id"].notna()]
    some = sorted(set(feed["person_id"].dropna()))[:3] + sorted(set(merged["other_person_id"]))[:3]

    def expected(ids: set[str]) -> list[int]:
        return feed.loc[feed["person_id"].isin(ids) | feed["other_person_id"].isin(ids), "seq"].astype(int).tolist()

    for pid in some:
        got = resolved.person_changes([pid])
        assert got["seq"].astype(int).tolist() == expected({pid}), pid
        assert list(got.columns) == list(feed.columns)
    everyone = sorted(set(feed["person_id"].dropna()) | set(merged["other_person_id"]))
    many = everyone + [f"Pnobody{i}" for i in range(600)]  # more than a statement's parameters
    assert resolved.person_changes(many)["seq"].astype(int).tolist() == expected(set(everyone))
    assert resolved.person_changes([]).empty and resolved.person_changes(["Pnobody"]).empty


# -- the run itself ---------------------------------------------------------------------------------


def test_an_update_records_its_run_and_model_and_leaves_term_frequencies_alone(resolved: Store) -> None:
    family = resolved.records_frame()["family_name"].dropna().tolist()
    tf = resolved.term_frequencies("family_name", family)
    d = delta(resolved)
    d.model_json = json.dumps({"frozen": True})
    d.report = {"kind": "update", "records": 0, "started": "2001-02-03T04:05:06+00:00"}

    resolved.write_update(resolved.next_run_id(), d)

    runs = resolved.runs()
    assert runs["run_id"].tolist() == [1, 2]
    assert json.loads(runs["report_json"].iloc[-1])["kind"] == "update"
    assert runs["started"].iloc[-1] == "2001-02-03T04:05:06+00:00"
    assert resolved.latest_model() == (2, d.settings_json, d.model_json)
    assert resolved.next_run_id() == 3
    assert resolved.term_frequencies("family_name", family) == tf


# -- failures leave the store as it was -------------------------------------------------------------


def _half_way_delta(store: Store, ppl: People, **fault: Any) -> ResolutionDelta:
    """A delta that retires a record, moves another and rewrites histories and events; ``fault``
    replaces one part with something that fails only once the store has applied the rest."""
    x, y, *rest = ppl.recs[ppl.a]
    parts: dict[str, Any] = {
        "retired_records": frame([{"record_id": x, "reason": "erased"}], ["record_id", "reason"]),
        "region": ppl.recs[ppl.a] + ppl.recs[ppl.b],
        "assignment": assignment(store, dict.fromkeys(rest, ppl.a) | dict.fromkeys([y, *ppl.recs[ppl.b]], ppl.b)),
        "persons": persons(person_row(store, ppl.a, len(rest)), person_row(store, ppl.b, len(ppl.recs[ppl.b]) + 1)),
        "edges_touching": [x, y],
        "edges": frame([{"record_a": min(y, ppl.recs[ppl.b][0]), "record_b": max(y, ppl.recs[ppl.b][0]),
                         "weight": 1.0, "probability": 0.7, "tier": "possible", "levels": "0"}], EDGE_COLUMNS),
        "history_people": [ppl.a, ppl.b],
        "address_history": frame([history_row(ppl.a, "k", current=True)], HISTORY_COLUMNS),
        "events": frame([event("records_removed", ppl.a, sources=["council_tax"])], EVENT_COLUMNS),
    }
    parts.update(fault)
    return delta(store, **parts)


def test_an_update_that_fails_half_way_leaves_the_store_exactly_as_it_was(resolved: Store) -> None:
    ppl = pick(resolved)
    x = ppl.recs[ppl.a][0]
    before = snapshot(resolved)
    history_before = resolved.record_history(x)
    # the edge names the record the same delta retires: found missing after the retirement
    bad_edge = frame([{"record_a": min(x, ppl.recs[ppl.b][0]), "record_b": max(x, ppl.recs[ppl.b][0]),
                       "weight": 1.0, "probability": 0.7, "tier": "possible", "levels": "0"}], EDGE_COLUMNS)

    with pytest.raises(StoreError, match="not in the store"):
        resolved.write_update(2, _half_way_delta(resolved, ppl, edges=bad_edge))

    assert_same(before, snapshot(resolved))
    pd.testing.assert_frame_equal(resolved.record_history(x), history_before)


def test_an_update_linking_a_record_to_a_person_that_does_not_exist_writes_nothing(resolved: Store) -> None:
    ppl = pick(resolved)
    _, y, *rest = ppl.recs[ppl.a]
    before = snapshot(resolved)
    links = dict.fromkeys(rest, ppl.a) | dict.fromkeys(ppl.recs[ppl.b], ppl.b) | {y: "P-never-issued"}

    with pytest.raises(StoreError, match="P-never-issued"):
        resolved.write_update(2, _half_way_delta(resolved, ppl, assignment=assignment(resolved, links)))

    assert_same(before, snapshot(resolved))


def test_a_malformed_delta_is_refused_before_anything_is_written_with_every_problem_named(
    resolved: Store,
) -> None:
    ppl = pick(resolved)
    before = snapshot(resolved)
    good = _half_way_delta(resolved, ppl)
    outside = ppl.recs[ppl.single][0]

    with pytest.raises(StoreError) as err:
        resolved.write_update(2, _half_way_delta(
            resolved, ppl,
            edges=good.edges.drop(columns="levels"),
            assignment=pd.concat([good.assignment, assignment(resolved, {outside: ppl.a})], ignore_index=True),
        ))

    assert "edges lacks column(s) ['levels']" in str(err.value)
    assert_same(before, snapshot(resolved))
    with pytest.raises(StoreError, match="outside region"):
        resolved.write_update(2, _half_way_delta(
            resolved, ppl,
            assignment=pd.concat([good.assignment, assignment(resolved, {outside: ppl.a})], ignore_index=True),
        ))
    assert_same(before, snapshot(resolved))
    # and the well-formed delta then applies
    resolved.write_update(2, good)
    assert resolved.person_of(ppl.recs[ppl.a][1]) == ppl.b


# -- both stores, one update --------------------------------------------------------------------


def _comparable(store: Store, retired_record: str) -> dict[str, Any]:
    """A snapshot with the values that legitimately differ between stores left out (times) and
    types made plain (ints, lists), for comparing two stores."""
    snap = snapshot(store)
    snap["records"] = snap["records"].astype(object).to_dict("records")
    snap["assignment"] = snap["assignment"].values.tolist()
    snap["persons_meta"] = [[p, int(c) if pd.notna(c) else None, s] for p, c, s in snap["persons_meta"].values]
    snap["histories"] = {
        p: [{k: (int(v) if k == "records" else v) for k, v in row.items()} for row in rows]
        for p, rows in snap["histories"].items()
    }
    snap["changes"] = [{k: v for k, v in row.items() if k != "at"} for row in snap["changes"]]
    kept = store.record_history(retired_record).iloc[-1]
    snap["retired_history"] = (kept["record_id"], kept["row_hash"], kept["raw"], kept["reason"])
    return snap


@pytest.mark.neo4j
def test_both_stores_answer_the_same_after_the_same_updates(
    neo4j_server: Any, update_council: SynthSummary, load_council: CouncilLoader, tmp_path: Path
) -> None:
    from identity_graph.store.embedded import EmbeddedStore
    from identity_graph.store.neo4j.store import Neo4jStore
    from identity_graph.store.neo4j.testing import wipe

    wipe(neo4j_server)
    emb = EmbeddedStore(tmp_path / "e.idgraph.db")
    neo = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        for s in (emb, neo):
            load_council(s, update_council, tmp_path)
            api.resolve(s)
        pd.testing.assert_frame_equal(emb.current_assignment(), neo.current_assignment())
        ppl = pick(emb)
        x, y, *rest = ppl.recs[ppl.a]
        b0 = ppl.recs[ppl.b][0]
        # the deltas are built from the embedded store; the people are the same in both
        first = _half_way_delta(emb, ppl)
        second = delta(
            emb,
            region=[y, *ppl.recs[ppl.b]],
            assignment=assignment(emb, dict.fromkeys([y, *ppl.recs[ppl.b]], "Pnew-both")),
            persons=persons(person_row(emb, "Pnew-both", len(ppl.recs[ppl.b]) + 1, given_name="both")),
            retired=frame([{"person_id": ppl.b, "merged_into": "Pnew-both"}], ["person_id", "merged_into"]),
            edges_touching=[b0],
            edges=frame([{"record_a": min(b0, rest[0]), "record_b": max(b0, rest[0]), "weight": 0.5,
                          "probability": 0.6, "tier": "possible", "levels": "9"}], EDGE_COLUMNS),
            history_people=[ppl.b, "Pnew-both"],
            address_history=frame([history_row("Pnew-both", "k-both", current=True, sources="housing")],
                                  HISTORY_COLUMNS),
            events=frame([event("merged", "Pnew-both", other=ppl.b, sources=["housing", "parking"]),
                          event("details_changed", "Pnew-both", detail={"field": "name"})], EVENT_COLUMNS),
        )
        for s in (emb, neo):
            s.write_update(2, first)
            s.write_update(3, second)

        e, n = _comparable(emb, x), _comparable(neo, x)
        assert e.keys() == n.keys()
        for key in e:
            assert e[key] == n[key], key
        assert emb.changes(0, source="parking").drop(columns="at").to_dict("records") == neo.changes(
            0, source="parking"
        ).drop(columns="at").to_dict("records")
    finally:
        emb.close()
        neo.close()
