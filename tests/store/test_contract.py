"""The store contract (``identity_graph.store.contract.Store``): one suite, every store passes it.

Each test runs once per store in ``STORE_FACTORIES`` (tests/store/conftest.py). No test reaches
into a store's internals: everything is written and read through the Protocol (or through
``api.load`` / ``api.resolve``, which speak only to the Protocol).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.ingest.mapping import load_mapping
from identity_graph.ingest.readers import file_sha256, read_export
from identity_graph.standardise.record import standardise_chunk
from identity_graph.store.contract import FileInfo, Resolution, SourceInfo, Store
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.synth import SynthSummary
from identity_graph.types import RECORD_COLUMNS, LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]
StoreFactory = Callable[[Path], Store]

MAPPING = """\
source = "hr"
id = "REF"
trust = 4

[fields]
family_name = "SURNAME"
given_name = "FORENAME"
dob = "DOB"
postcode = "POSTCODE"
phone = "PHONE"
email = "EMAIL"

[formats]
dob = "%d/%m/%Y"
"""

HEADER = ["REF", "SURNAME", "FORENAME", "DOB", "POSTCODE", "PHONE", "EMAIL"]
#: deliberately not in record-id order
ROWS = [
    ["R3", "Smith", "John", "01/02/1980", "LS6 2AB", "07700 900123", "john.smith@example.org"],
    ["R1", "Jones", "Mary", "03/04/1970", "LS6 3DB", "", ""],
    ["R4", "Smith", "Jon", "01/02/1980", "LS6 2AB", "", "john.smith@example.org"],
    ["R2", "Brown", "Robert", "05/06/1990", "LS7 1EF", "0113 496 0000", ""],
]


def write_export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def hr(tmp_path: Path) -> tuple[Path, Path]:
    """(export, mapping) of a four-row HR export."""
    mapping = tmp_path / "hr.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return write_export(tmp_path / "hr.csv", ROWS), mapping


def test_a_fresh_store_satisfies_the_protocol_and_is_empty(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.records_frame().empty
    assert store.sources() == []
    assert store.latest_model() is None
    assert store.next_run_id() == 1
    assert store.stats()["records"] == 0
    assert store.stats()["loads"] == 0


# -- loading ----------------------------------------------------------------------------------


def test_records_frame_has_the_canonical_columns_plus_trust_sorted_by_record_id(
    store: Store, hr: tuple[Path, Path]
) -> None:
    report = api.load(store, *hr)

    frame = store.records_frame()
    assert list(frame.columns) == [*RECORD_COLUMNS, "trust"]
    assert frame["record_id"].tolist() == ["hr:R1", "hr:R2", "hr:R3", "hr:R4"]
    assert (frame["record_id"] == frame["source"] + ":" + frame["source_record_id"]).all()
    assert set(frame["trust"]) == {4}
    assert report.inserted == len(frame) == 4
    assert frame.set_index("record_id").at["hr:R2", "dob"] == "1990-06-05"


def test_sources_remember_the_mapping_trust_and_compare_methods(
    store: Store, hr: tuple[Path, Path]
) -> None:
    api.load(store, *hr)

    (src,) = store.sources()
    assert (src.source, src.trust, src.compare) == ("hr", 4, {})
    assert json.loads(src.mapping_json)["id"] == "REF"


def test_records_returns_the_asked_rows_with_raw_values_in_record_id_order(
    store: Store, hr: tuple[Path, Path]
) -> None:
    api.load(store, *hr)

    got = store.records(["hr:R3", "hr:R1", "hr:missing"])
    assert got["record_id"].tolist() == ["hr:R1", "hr:R3"]
    assert json.loads(got["raw"].iloc[1])["FORENAME"] == "John"


def _standardised(export: Path, mapping_path: Path) -> pd.DataFrame:
    m = load_mapping(mapping_path)
    (chunk,) = list(read_export(export, m))
    return standardise_chunk(chunk.frame, m, str(export)).frame.drop(columns="__row__")


def _source_info(mapping_path: Path) -> SourceInfo:
    m = load_mapping(mapping_path)
    return SourceInfo(m.source, m.trust, json.dumps(m.to_dict()), {})


def test_a_load_that_fails_after_an_upsert_leaves_nothing_behind_or_resumes_cleanly(
    store: Store, hr: tuple[Path, Path]
) -> None:
    """Atomic stores (embedded) roll the whole load back. Batched stores (Neo4j) commit per
    batch: what a failed load wrote is exactly what a rerun would write, and a rerun completes it."""
    export, mapping = hr
    frame = _standardised(export, mapping)

    with (
        pytest.raises(RuntimeError, match="disk on fire"),
        store.load(_source_info(mapping), FileInfo(str(export), file_sha256(export))) as w,
    ):
        w.upsert(frame, updated=set())
        assert w.existing_hashes(["R1"]) == {"hr:R1": frame.set_index("record_id").at["hr:R1", "row_hash"]}
        raise RuntimeError("disk on fire")

    if store.atomic_loads:
        assert store.records_frame().empty
        assert store.sources() == []
        assert store.stats()["loads"] == 0
        assert store.find_records("email", ["john.smith@example.org"]).empty
        assert store.record_history("hr:R1").empty
    else:
        report = api.load(store, export, mapping)
        assert (report.inserted, report.updated, report.unchanged) == (0, 0, len(ROWS))
        assert sorted(store.records_frame()["record_id"]) == sorted(frame["record_id"])
        assert store.record_history("hr:R1").empty
    assert len(store.find_records("email", ["john.smith@example.org"])) in (0, 2)


def test_a_failing_api_load_keeps_the_previous_load_intact_or_resumes_cleanly(
    store: Store, hr: tuple[Path, Path], tmp_path: Path
) -> None:
    export, mapping = hr
    api.load(store, export, mapping)
    before = store.records_frame()
    changed = [r.copy() for r in ROWS] + [["R9", "New", "Person", "01/01/2001", "LS1 1AA", "", ""]]
    changed[0][1] = "Smyth"
    export2 = write_export(tmp_path / "hr2.csv", changed)

    def fail_after_first_chunk(stage: str, done: int, total: int) -> None:
        if done:  # (the calls before the first chunk report 0 rows)
            raise RuntimeError("interrupted")

    # chunk_rows=2: the first chunk (with the changed row) is upserted, then the load fails
    with pytest.raises(RuntimeError, match="interrupted"):
        api.load(store, export2, mapping, progress=fail_after_first_chunk, chunk_rows=2)

    if store.atomic_loads:
        pd.testing.assert_frame_equal(store.records_frame(), before)
        assert store.stats()["loads"] == 1
        assert store.record_history("hr:R3").empty
        assert store.records(["hr:R9"]).empty
        return
    # batched: rerunning the interrupted load gives exactly the data of one clean load
    api.load(store, export2, mapping, chunk_rows=2)
    clean = EmbeddedStore(":memory:")
    api.load(clean, export, mapping)
    api.load(clean, export2, mapping, chunk_rows=2)
    pd.testing.assert_frame_equal(store.records_frame(), clean.records_frame())
    assert len(store.record_history("hr:R3")) == len(clean.record_history("hr:R3")) == 1


def test_reloading_the_same_export_changes_nothing(store: Store, hr: tuple[Path, Path]) -> None:
    first = api.load(store, *hr)
    before = store.records_frame()

    again = api.load(store, *hr)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.accepted)
    assert again.rows == first.rows == 4
    pd.testing.assert_frame_equal(store.records_frame(), before)
    assert all(store.record_history(r).empty for r in before["record_id"])
    assert store.stats()["loads"] == 2  # both loads are audited


def test_a_changed_row_updates_the_record_and_history_keeps_the_previous_values(
    store: Store, hr: tuple[Path, Path], tmp_path: Path
) -> None:
    export, mapping = hr
    api.load(store, export, mapping)
    changed = [r.copy() for r in ROWS]
    changed[1][4] = "LS9 9ZZ"  # Mary Jones (R1) moved
    report = api.load(store, write_export(tmp_path / "hr_later.csv", changed), mapping)

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 3)
    assert store.records(["hr:R1"])["postcode"].tolist() == ["LS9 9ZZ"]
    history = store.record_history("hr:R1")
    assert len(history) == 1
    previous = json.loads(history["canonical"].iloc[0])
    assert previous["postcode"] == "LS6 3DB"
    assert json.loads(history["raw"].iloc[0])["POSTCODE"] == "LS6 3DB"
    assert store.record_history("hr:R2").empty


def test_a_changed_identifier_replaces_the_old_one_in_find_records(
    store: Store, hr: tuple[Path, Path], tmp_path: Path
) -> None:
    export, mapping = hr
    api.load(store, export, mapping)
    changed = [r.copy() for r in ROWS]
    changed[2][6] = "jon.smith@example.net"  # R4's email
    api.load(store, write_export(tmp_path / "hr_later.csv", changed), mapping)

    assert store.find_records("email", ["john.smith@example.org"])["record_id"].tolist() == ["hr:R3"]
    assert store.find_records("email", ["jon.smith@example.net"])["record_id"].tolist() == ["hr:R4"]


# -- a resolution written by hand: every query must agree with it ----------------------------


def _resolution(golden_a: dict[str, str]) -> Resolution:
    """R3+R4 are person PA, R1 is PB, R2 is PC."""
    return Resolution(
        settings_json='{"settings": 1}',
        model_json='{"model": 1}',
        report={"records": 4, "people": 3},
        assignment=pd.DataFrame(
            {"record_id": ["hr:R1", "hr:R2", "hr:R3", "hr:R4"], "person_id": ["PB", "PC", "PA", "PA"]}
        ),
        persons=pd.DataFrame(
            {
                "person_id": ["PA", "PB", "PC"],
                "created_run": [None, None, None],
                "size": [2, 1, 1],
                "review": [True, False, False],
                "golden": [json.dumps(golden_a), json.dumps({"family_name": "jones"}), "{}"],
            }
        ),
        retired=pd.DataFrame({"person_id": [], "merged_into": []}, dtype=object),
        events=pd.DataFrame(
            {
                "event": ["created", "created", "created"],
                "person_id": ["PA", "PB", "PC"],
                "other_person_id": [None, None, None],
                "records": [2, 1, 1],
            }
        ),
        edges=pd.DataFrame(
            {
                "record_a": ["hr:R3"],
                "record_b": ["hr:R4"],
                "weight": [12.5],
                "probability": [0.9998],
                "tier": ["match"],
                "levels": [json.dumps([3, 2, 1])],
            }
        ),
        address_history=pd.DataFrame(
            {
                "person_id": ["PA", "PA"],
                "address_key": ["k_old", "k_new"],
                "address": ["1 old road", "2 new street"],
                "postcode": ["LS1 1AA", "LS6 2AB"],
                "first_seen": ["2019-01-01", "2023-05-01"],
                "last_seen": ["2022-12-31", "2025-01-01"],
                "sources": ["hr", "hr"],
                "records": [1, 2],
                "is_current": [False, True],
            }
        ),
        term_frequencies=pd.DataFrame(
            {"column": ["family_name", "family_name"], "value": ["smith", "jones"], "tf": [0.5, 0.25]}
        ),
    )


def test_written_resolution_is_what_every_query_answers(store: Store, hr: tuple[Path, Path]) -> None:
    api.load(store, *hr)
    run_id = store.next_run_id()
    store.write_resolution(run_id, _resolution({"given_name": "john", "family_name": "smith"}))

    pa = store.person("PA")
    assert pa is not None
    assert pa["status"] == "active" and pa["merged_into"] is None
    assert (pa["size"], pa["review"], pa["created_run"], pa["updated_run"]) == (2, True, run_id, run_id)
    assert pa["golden"] == {"given_name": "john", "family_name": "smith"}
    assert store.person("P-nobody") is None

    assert store.person_records("PA")["record_id"].tolist() == ["hr:R3", "hr:R4"]
    assert {store.person_of(r) for r in ("hr:R1", "hr:R2")} == {"PB", "PC"}
    assert store.person_of("hr:unknown") is None
    hist = store.person_address_history("PA")
    assert hist["address_key"].tolist() == ["k_new", "k_old"]  # current address first
    assert hist["is_current"].tolist() == [True, False]

    edges = store.edges(["hr:R4"])
    assert edges[["record_a", "record_b", "tier"]].values.tolist() == [["hr:R3", "hr:R4", "match"]]
    assert store.edges(["hr:R1"]).empty

    emails = store.find_records("email", ["john.smith@example.org"])
    assert emails["record_id"].tolist() == ["hr:R3", "hr:R4"]

    links = pd.concat(list(store.links()), ignore_index=True)
    assert list(links.columns) == ["source", "source_record_id", "person_id"]
    assert links.values.tolist() == [
        ["hr", "R1", "PB"], ["hr", "R2", "PC"], ["hr", "R3", "PA"], ["hr", "R4", "PA"],
    ]

    assert store.latest_model() == (run_id, '{"settings": 1}', '{"model": 1}')
    assert store.term_frequencies("family_name", ["smith", "jones", "brown"]) == {"smith": 0.5, "jones": 0.25}
    assert store.runs()["run_id"].tolist() == [run_id]
    assert sorted(store.events(run_id)["person_id"]) == ["PA", "PB", "PC"]
    assert store.next_run_id() == run_id + 1

    stats = store.stats()
    assert (stats["records"], stats["people"], stats["review_flags"]) == (4, 3, 1)
    assert stats["records_by_source"] == {"hr": 4}
    assert stats["people_by_size"] == {1: 2, 2: 1}
    assert stats["edges_by_tier"] == {"match": 1}
    assert stats["last_run"]["run_id"] == run_id


def test_a_second_resolution_replaces_assignment_and_retires_merged_people(
    store: Store, hr: tuple[Path, Path]
) -> None:
    api.load(store, *hr)
    store.write_resolution(1, _resolution({"family_name": "smith"}))
    second = _resolution({"family_name": "smith"})
    second.assignment["person_id"] = ["PA", "PC", "PA", "PA"]  # PB merged into PA
    second.persons = second.persons[second.persons.person_id != "PB"].assign(
        created_run=[1, 1], size=[3, 1]
    )
    second.retired = pd.DataFrame({"person_id": ["PB"], "merged_into": ["PA"]}, dtype=object)
    second.events = pd.DataFrame(
        {"event": ["merged"], "person_id": ["PA"], "other_person_id": ["PB"], "records": [1]}
    )
    store.write_resolution(2, second)

    assert store.person_of("hr:R1") == "PA"
    pb = store.person("PB")
    assert pb is not None and (pb["status"], pb["merged_into"]) == ("retired", "PA")
    pa = store.person("PA")
    assert pa is not None and (pa["size"], pa["created_run"], pa["updated_run"]) == (3, 1, 2)
    assert api.person(store, "PB").person_id == "PA"  # a retired id leads to its survivor
    assert store.events(2)["event"].tolist() == ["merged"]
    assert len(store.events()) == 4
    assert store.stats()["people"] == 2
    assert set(store.persons_meta()["person_id"]) == {"PA", "PB", "PC"}
    assert store.current_assignment()["person_id"].tolist() == ["PA", "PC", "PA", "PA"]


# -- api.resolve on a synthetic council --------------------------------------------------------


@pytest.fixture(scope="module")
def resolved(
    store_kind: str,
    store_factory: StoreFactory,
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    """The small council, loaded and resolved once per store kind (tests only read it)."""
    folder = tmp_path_factory.mktemp(f"resolved_{store_kind}")
    s = store_factory(folder)
    load_council(s, small_council, folder)
    api.resolve(s)
    yield s
    s.close()


def test_after_resolve_every_record_belongs_to_exactly_one_active_person(resolved: Store) -> None:
    links = pd.concat(list(resolved.links()), ignore_index=True)
    records = resolved.records_frame()
    assert len(links) == len(records)
    assert links["person_id"].notna().all()
    by_person = links.groupby("person_id").size()
    assert resolved.stats()["people"] == len(by_person)
    assert resolved.stats()["people_by_size"] == by_person.value_counts().sort_index().to_dict()
    for pid in by_person.index[:25]:
        p = resolved.person(pid)
        assert p is not None and p["status"] == "active"
        assert p["size"] == by_person[pid] == len(resolved.person_records(pid))
        first = resolved.person_records(pid)["record_id"].iloc[0]
        assert resolved.person_of(first) == pid


def test_after_resolve_edges_join_stored_records_and_match_the_stats(resolved: Store) -> None:
    ids = resolved.records_frame()["record_id"].tolist()
    edges = resolved.edges(ids)
    assert set(edges["record_a"]) | set(edges["record_b"]) <= set(ids)
    assert (edges["record_a"] < edges["record_b"]).all()
    assert edges["tier"].value_counts().to_dict() == resolved.stats()["edges_by_tier"]
    assert edges["probability"].between(0, 1).all()


def test_after_resolve_golden_records_and_address_history_describe_the_person(resolved: Store) -> None:
    links = pd.concat(list(resolved.links()), ignore_index=True)
    pid = links["person_id"].value_counts().index[0]  # the person with most records
    p = resolved.person(pid)
    assert p is not None
    recs = resolved.person_records(pid)
    if p["golden"].get("family_name"):
        assert p["golden"]["family_name"] in set(recs["family_name"])
    hist = resolved.person_address_history(pid)
    assert len(hist) >= 1
    assert hist["is_current"].sum() == 1
    assert set(hist["address_key"].dropna()) <= set(recs["address_key"].dropna())


def test_after_resolve_find_records_finds_a_record_by_each_of_its_phones(resolved: Store) -> None:
    frame = resolved.records_frame()
    rec = frame[frame["phones"].notna()].iloc[0]
    for phone in rec["phones"].split("|"):
        assert rec["record_id"] in set(resolved.find_records("phone", [phone])["record_id"])


def test_after_resolve_the_run_model_and_events_are_recorded(resolved: Store) -> None:
    runs = resolved.runs()
    assert runs["run_id"].tolist() == [1]
    latest = resolved.latest_model()
    assert latest is not None and latest[0] == 1
    json.loads(latest[1]), json.loads(latest[2])  # both are JSON
    events = resolved.events(1)
    assert (events["event"] == "created").sum() == resolved.stats()["people"]
    tf = resolved.term_frequencies("family_name", resolved.records_frame()["family_name"].dropna().tolist())
    assert tf and all(0 < v <= 1 for v in tf.values())


def test_resolving_again_without_new_data_changes_no_person_id_and_records_no_events(
    store: Store, small_council: SynthSummary, load_council: CouncilLoader, tmp_path: Path
) -> None:
    load_council(store, small_council, tmp_path)
    first = api.resolve(store)
    before = store.current_assignment()

    second = api.resolve(store)

    pd.testing.assert_frame_equal(store.current_assignment(), before)
    assert store.events(second.run_id).empty
    assert (second.new_people, second.merges, second.splits) == (0, 0, 0)
    assert second.people == first.people
    assert (store.persons_meta()["status"] == "active").all()


def _shuffled_copy(export: Path, out: Path, delimiter: str, seed: int) -> Path:
    with export.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh, delimiter=delimiter))
    shuffled = rows.copy()
    random.Random(seed).shuffle(shuffled)
    assert shuffled != rows
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(shuffled)
    return out


def test_person_ids_do_not_depend_on_the_order_of_rows_in_an_export(
    make_store: Callable[[], Store],
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path: Path,
) -> None:
    in_order = make_store()
    load_council(in_order, small_council, tmp_path)
    api.resolve(in_order)
    a = in_order.current_assignment().set_index("record_id")["person_id"]

    shuffled = make_store()  # (on Neo4j this empties the one database: `a` is already read)
    for source in sorted(small_council.files):
        export, mapping = small_council.files[source], small_council.mappings[source]
        delimiter = load_mapping(mapping).delimiter
        if export.suffix == ".csv" and delimiter:
            export = _shuffled_copy(export, tmp_path / export.name, delimiter, seed=len(source))
        api.load(shuffled, export, mapping, rejects_path=tmp_path / "r.csv")
    api.resolve(shuffled)

    b = shuffled.current_assignment().set_index("record_id")["person_id"]
    pd.testing.assert_series_equal(a, b)


@pytest.mark.parametrize("which", ["small_council", "council"])
def test_reclustering_in_the_store_reproduces_the_resolve_exactly(
    which: str, store: Store, load_council: CouncilLoader, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Components recomputed by the store itself (GDS WCC on Neo4j, scipy embedded), then split
    and id'd by the same code, give the people the resolve gave: no id changes, no events. On the
    1,500-person council the resolve also attaches lone records, joins the only two holders of a
    full name and pairs lone records (``tests/integration/test_clustering_steps.py`` checks that
    each step changes its people), so the recluster repeats every step."""
    load_council(store, request.getfixturevalue(which), tmp_path)
    api.resolve(store)
    before = store.current_assignment()

    report = api.recluster(store)

    pd.testing.assert_frame_equal(store.current_assignment(), before)
    assert report["events"] == {}
    assert report["components_method"] in ("scipy", "gds.wcc", "networkx")
    if store_kind_of(store) == "neo4j" and store.gds_available():  # type: ignore[attr-defined]
        assert report["components_method"] == "gds.wcc"


def store_kind_of(store: Store) -> str:
    return "neo4j" if store.uri.startswith(("bolt://", "neo4j://")) else "embedded"
