"""Runs computed from a store that changed under them are refused, never recorded (ADR 0028).

Every test runs once per store. The concurrent ones run real processes against the same store:
each process opens it itself, as two `idgraph` commands would. A barrier in the resolve's
progress callback (its first call after the "read records" stage, when every input was read) makes
the interleaving certain: both processes have read the store before either writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.errors import IdentityGraphError, StaleInputError, StoreNotFoundError
from identity_graph.store.contract import Resolution, Store
from identity_graph.synth import SynthSummary, generate
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]

#: (people, seed): small enough to load and resolve a few times per test (~220 records)
STALE_COUNCIL = (120, 7)
#: the export a "late" load brings in after a resolve has read the store
LATE_SOURCE = "parking"

_BARRIER = """
import pathlib, time

def barrier(me, other):
    state = {"done": False}

    def callback(stage, done, total):
        if state["done"] or stage == "read records":
            return
        state["done"] = True
        pathlib.Path(me).touch()
        deadline = time.monotonic() + 300
        while not pathlib.Path(other).exists():
            if time.monotonic() > deadline:
                raise SystemExit("the other process never got there")
            time.sleep(0.05)

    return callback
"""

#: resolve once; the barrier holds it after it read its input until ``other`` exists
RESOLVE = _BARRIER + """
import json, sys
from identity_graph import api
from identity_graph.errors import IdentityGraphError

uri, me, other = sys.argv[1:4]
store = api.open_store(uri)
try:
    rep = api.resolve(store, progress=barrier(me, other))
    print(json.dumps({"outcome": "recorded", "run_id": rep.run_id}))
except IdentityGraphError as exc:
    print(json.dumps({"outcome": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}))
"""

#: wait until the resolve has read the store, load one export, then let the resolve go on
LOAD_AFTER = """
import pathlib, sys, time
from identity_graph import api

uri, export, mapping, rejects, wait_for, then = sys.argv[1:7]
deadline = time.monotonic() + 300
while not pathlib.Path(wait_for).exists():
    if time.monotonic() > deadline:
        raise SystemExit("the resolve never read the store")
    time.sleep(0.05)
store = api.open_store(uri)
api.load(store, export, mapping, rejects_path=rejects)
store.close()
pathlib.Path(then).touch()
"""


@pytest.fixture(scope="module")
def stale_council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    people, seed = STALE_COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("stale_council"))


@pytest.fixture
def opened_as(store_kind: str, store: Store, request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """(uri, environment) with which another process opens the store under test."""
    env = dict(os.environ)
    if store_kind == "neo4j":
        server = request.getfixturevalue("neo4j_server")
        env |= {"NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}
    return store.uri, env


def _load_all_but(store: Store, council: SynthSummary, tmp: Path, skip: str = "") -> None:
    for source in sorted(council.files):
        if source != skip:
            api.load(store, council.files[source], council.mappings[source], rejects_path=tmp / f"{source}.csv")


def _run(script: str, *args: object, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def _outcome(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _created_events_match_people(store: Store) -> None:
    """Every person id was announced once: no run recorded 'created' for people that exist."""
    events = store.events()
    created = events.loc[events["event"] == "created", "person_id"]
    assert not created.duplicated().any()
    assert set(created) == set(store.persons_meta()["person_id"])


def test_two_resolves_that_read_the_same_store_record_one_run_and_refuse_the_other(
    store: Store, stale_council: SynthSummary, opened_as: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    _load_all_but(store, stale_council, tmp_path)
    uri, env = opened_as
    a, b = tmp_path / "a.read", tmp_path / "b.read"
    first, second = _run(RESOLVE, uri, a, b, env=env), _run(RESOLVE, uri, b, a, env=env)
    outcomes = [_outcome(first), _outcome(second)]

    assert sorted(str(o["outcome"]) for o in outcomes) == ["StaleInputError", "recorded"]
    refused = next(o for o in outcomes if o["outcome"] == "StaleInputError")
    assert "not after the latest recorded run" in str(refused["message"])
    assert "Nothing was written: run it again" in str(refused["message"])
    assert refused["exit_code"] == 9
    assert store.runs()["run_id"].tolist() == [1]
    _created_events_match_people(store)


def test_a_resolve_whose_records_changed_after_it_read_them_is_refused(
    store: Store, stale_council: SynthSummary, opened_as: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    _load_all_but(store, stale_council, tmp_path, skip=LATE_SOURCE)
    uri, env = opened_as
    read, loaded = tmp_path / "resolve.read", tmp_path / "late.loaded"
    resolve = _run(RESOLVE, uri, read, loaded, env=env)
    late = _run(LOAD_AFTER, uri, stale_council.files[LATE_SOURCE], stale_council.mappings[LATE_SOURCE],
                tmp_path / "late.rejects.csv", read, loaded, env=env)
    _, err = late.communicate(timeout=600)
    assert late.returncode == 0, err
    outcome = _outcome(resolve)

    assert outcome["outcome"] == "StaleInputError"
    assert "records were loaded, changed or removed after this run read them" in str(outcome["message"])
    assert store.runs().empty  # nothing recorded
    assert store.events().empty
    # run again, it sees the late records: every record belongs to a person
    api.resolve(store)
    links = pd.concat(list(store.links()), ignore_index=True)
    assert links["person_id"].notna().all()
    assert (links["source"] == LATE_SOURCE).any()


def _empty_resolution() -> Resolution:
    none = pd.DataFrame({"person_id": []}, dtype=object)
    return Resolution(
        settings_json="{}", model_json="{}", report={},
        assignment=pd.DataFrame({"record_id": [], "person_id": []}, dtype=object),
        persons=pd.DataFrame(columns=["person_id", "created_run", "size", "review", "golden"]),
        retired=none.assign(merged_into=[]),
        events=pd.DataFrame(columns=["event", "person_id", "other_person_id", "records"]),
        edges=None, address_history=pd.DataFrame(columns=[
            "person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "records",
            "is_current"]),
        term_frequencies=None,
    )


def test_a_run_under_a_run_id_already_recorded_is_refused_not_a_crash(store: Store) -> None:
    store.write_resolution(1, _empty_resolution())

    with pytest.raises(StaleInputError, match="run 1 is not after the latest recorded run"):
        store.write_resolution(1, _empty_resolution())  # a resolve that read before run 1

    assert store.runs()["run_id"].tolist() == [1]


def test_the_records_version_moves_when_records_change_and_only_then(
    store: Store, stale_council: SynthSummary, tmp_path: Path
) -> None:
    source = sorted(stale_council.files)[0]
    files = (stale_council.files[source], stale_council.mappings[source])
    v0 = store.records_version()
    api.load(store, *files, rejects_path=tmp_path / "r.csv")
    v1 = store.records_version()
    api.load(store, *files, rejects_path=tmp_path / "r.csv")  # the same export: nothing changes

    assert v1 != v0
    assert store.records_version() == v1
    stale = _empty_resolution()
    stale.records_version = v0
    with pytest.raises(StaleInputError, match="records were loaded"):
        store.write_resolution(store.next_run_id(), stale)
    assert store.runs().empty
    current = _empty_resolution()
    current.records_version = v1
    store.write_resolution(store.next_run_id(), current)
    assert store.runs()["run_id"].tolist() == [1]


def test_a_store_that_does_not_exist_is_not_created_unless_asked(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_kind == "neo4j":
        from identity_graph.store.neo4j.testing import wipe

        server = request.getfixturevalue("neo4j_server")
        wipe(server)  # a database holding no identity-graph store
        uri = server.uri
        monkeypatch.setenv("NEO4J_USER", server.user)
        monkeypatch.setenv("NEO4J_PASSWORD", server.password)
    else:
        uri = str(tmp_path / "mistyped.idgraph.db")

    for read_only in (False, True):
        with pytest.raises(StoreNotFoundError, match="init"):
            api.open_store(uri, read_only=read_only)
    if store_kind == "embedded":
        assert not Path(uri).exists()
    created = api.open_store(uri, create=True)
    assert created.stats()["records"] == 0
    created.close()
    api.open_store(uri).close()  # it exists now


def test_changes_since_takes_an_iso_date_or_time_and_nothing_else(
    store: Store, stale_council: SynthSummary, tmp_path: Path
) -> None:
    from identity_graph.investigate import graph as g

    source = sorted(stale_council.files)[0]
    api.load(store, stale_council.files[source], stale_council.mappings[source], rejects_path=tmp_path / "r.csv")
    n = store.stats()["records"]

    assert len(g.changed_since(store, "2000-01-01", limit=10_000)) == n
    assert len(g.changed_since(store, "2000-01-01T00:00:00+05:00", limit=10_000)) == n
    assert g.changed_since(store, "2999-01-01").empty
    assert g.changed_since(store, "2999-01-01 10:00").empty
    for wrong in ("yesterday", "2026-13-45", "01/11/2026", "", "2026-11-01T25:00"):
        with pytest.raises(IdentityGraphError, match="not an ISO date or date-time"):
            g.changed_since(store, wrong)


def test_search_ranks_people_only_and_counts_matching_records_not_yet_resolved(
    store: Store, stale_council: SynthSummary, tmp_path: Path
) -> None:
    _load_all_but(store, stale_council, tmp_path, skip=LATE_SOURCE)
    api.resolve(store)
    api.load(store, stale_council.files[LATE_SOURCE], stale_council.mappings[LATE_SOURCE],
             rejects_path=tmp_path / "late.csv")
    late = store.records_frame()
    late = late[(late["source"] == LATE_SOURCE) & late["family_name"].notna() & late["given_name"].notna()]
    row = late.iloc[0]
    query = {k: row[k] for k in ("given_name", "family_name", "dob", "postcode")}
    assert store.person_of(row["record_id"]) is None  # loaded after the run: no person yet

    hits = api.search(store, **{k: v for k, v in query.items() if v})

    assert all(h.person_id is not None for h in hits)
    assert row["record_id"] not in {h.record_id for h in hits}
    assert hits.unresolved >= 1
    api.update(store)  # now it is a person's record, and found as one
    found = api.search(store, **{k: v for k, v in query.items() if v})
    assert store.person_of(row["record_id"]) in {h.person_id for h in found}


def test_rejects_go_beside_the_store_file_or_to_a_folder_named_after_the_database(
    store_kind: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hr.csv").write_text("REF,NAME\nR1,Ann Lee\nR1,Ann Lee again\n", encoding="utf-8")
    (tmp_path / "hr.toml").write_text('source = "hr"\nid = "REF"\n[fields]\nfull_name = "NAME"\n', encoding="utf-8")

    report = api.load(store, tmp_path / "hr.csv", tmp_path / "hr.toml")

    rejects = Path(report.rejects_file or "")
    assert rejects.is_file()
    if store_kind == "neo4j":
        assert rejects == Path("neo4j.rejects") / "hr__hr.csv.csv"
    else:
        assert rejects.parent == Path(store.uri).parent / (Path(store.uri).name + ".rejects")
    assert not [p for p in tmp_path.rglob("*") if ":" in p.name]  # no folder named after a URI
