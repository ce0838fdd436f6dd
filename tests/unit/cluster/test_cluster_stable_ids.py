"""Stable person ids across runs (ADR 0003): new ids from the smallest record id, reruns keep
ids, merges keep the oldest, splits leave the id with the larger part, and nothing depends on
the order of the records."""

from __future__ import annotations

import hashlib

import pandas as pd

from identity_graph.cluster.stable_ids import StableIds, assign_stable_ids


def pid_of(record_id: str) -> str:
    return "P" + hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:12]


NO_PREVIOUS = pd.DataFrame(
    {"record_id": pd.Series([], dtype=object), "person_id": pd.Series([], dtype=object)}
)
NO_META = pd.DataFrame(
    {
        "person_id": pd.Series([], dtype=object),
        "created_run": pd.Series([], dtype="Int64"),
        "status": pd.Series([], dtype=object),
    }
)


def run(clusters: dict[str, object], previous=NO_PREVIOUS, meta=NO_META) -> StableIds:
    ids = pd.Series(list(clusters), dtype=object)
    return assign_stable_ids(ids, pd.Series(list(clusters.values())), previous, meta)


def mapping(res: StableIds) -> dict[str, str]:
    return dict(zip(res.assignment["record_id"], res.assignment["person_id"], strict=True))


def meta_for(res: StableIds, run_no: int, overrides: dict[str, int] | None = None) -> pd.DataFrame:
    pids = sorted(set(res.assignment["person_id"]))
    runs = [(overrides or {}).get(p, run_no) for p in pids]
    return pd.DataFrame({"person_id": pids, "created_run": runs, "status": "active"})


def events(res: StableIds) -> set[tuple]:
    """(event, person_id, other_person_id, records), with a missing other id as None."""
    return {tuple(None if pd.isna(v) else v for v in r) for r in res.events.itertuples(index=False)}


def test_first_run_ids_are_p_plus_12_hex_of_the_smallest_record_id():
    res = run({"r3": 0, "r1": 0, "r2": 1})
    assert mapping(res) == {"r1": pid_of("r1"), "r3": pid_of("r1"), "r2": pid_of("r2")}
    assert events(res) == {("created", pid_of("r1"), None, 2), ("created", pid_of("r2"), None, 1)}
    assert res.retired.empty
    assert set(res.created_run.values()) == {None}


def test_rerun_with_the_same_clusters_keeps_ids_and_records_no_events():
    first = run({"r1": 0, "r2": 0, "r3": 5})
    again = run({"r1": 7, "r2": 7, "r3": 2}, first.assignment, meta_for(first, 1))
    assert mapping(again) == mapping(first)
    assert again.events.empty
    assert again.retired.empty
    assert set(again.created_run.values()) == {1}


def test_merge_keeps_the_oldest_id_and_retires_the_other_into_it():
    first = run({"r1": 0, "r2": 1})
    old, young = pid_of("r2"), pid_of("r1")  # r2's person was created first
    meta = meta_for(first, 2, {old: 1})
    merged = run({"r1": 0, "r2": 0}, first.assignment, meta)
    assert mapping(merged) == {"r1": old, "r2": old}
    assert merged.retired.to_dict("records") == [{"person_id": young, "merged_into": old}]
    assert ("merged", old, young, 1) in events(merged)


def test_merge_of_equally_old_ids_keeps_the_smallest_id():
    first = run({"r1": 0, "r2": 1})
    merged = run({"r1": 0, "r2": 0}, first.assignment, meta_for(first, 1))
    keep = min(pid_of("r1"), pid_of("r2"))
    assert set(mapping(merged).values()) == {keep}


def test_split_leaves_the_id_with_the_larger_part_and_records_a_split():
    first = run({"r1": 0, "r2": 0, "r3": 0})
    pid = pid_of("r1")
    split = run({"r1": 0, "r2": 1, "r3": 1}, first.assignment, meta_for(first, 1))
    m = mapping(split)
    assert m["r2"] == m["r3"] == pid
    assert m["r1"] != pid and m["r1"].startswith("P") and len(m["r1"]) == 13
    assert ("split", pid, m["r1"], 1) in events(split)
    assert ("created", m["r1"], None, 1) in events(split)
    assert split.retired.empty


def test_split_into_equal_parts_leaves_the_id_with_the_part_holding_the_smallest_record_id():
    first = run({"a": 0, "b": 0, "c": 0, "d": 0})
    split = run({"a": 0, "d": 0, "b": 1, "c": 1}, first.assignment, meta_for(first, 1))
    assert mapping(split)["a"] == mapping(split)["d"] == pid_of("a")


def test_a_person_whose_records_are_all_gone_is_dissolved():
    first = run({"r1": 0, "r2": 1})
    later = run({"r2": 0}, first.assignment, meta_for(first, 1))
    assert mapping(later) == {"r2": pid_of("r2")}
    assert later.retired.to_dict("records") == [{"person_id": pid_of("r1"), "merged_into": None}]
    assert ("dissolved", pid_of("r1"), None, 0) in events(later)


def test_a_retired_id_is_never_reissued():
    first = run({"r1": 0, "r2": 0})
    meta = meta_for(first, 1)
    gone = run({"r9": 0}, first.assignment, meta)
    meta2 = pd.concat([meta, meta_for(gone, 2)], ignore_index=True)
    back = run({"r1": 0}, gone.assignment, meta2)
    assert mapping(back)["r1"] != pid_of("r1")


def test_ids_do_not_depend_on_record_order():
    clusters = {"r5": 2, "r1": 0, "r4": 2, "r2": 0, "r3": 1}
    forward = run(clusters)
    backward = run(dict(reversed(list(clusters.items()))))
    assert mapping(forward) == mapping(backward)
    prev_fwd = run(
        {"r1": 9, "r2": 9, "r3": 4, "r4": 4, "r5": 4}, forward.assignment, meta_for(forward, 1)
    )
    prev_bwd = run(
        {"r5": 4, "r4": 4, "r3": 4, "r2": 9, "r1": 9},
        backward.assignment.iloc[::-1],
        meta_for(backward, 1),
    )
    assert mapping(prev_fwd) == mapping(prev_bwd)
    assert events(prev_fwd) == events(prev_bwd)
