"""The live index through the service: a front desk finds a resident, a service posts a change
that another service reads from the feed, a record is retired, a reviewer keeps two records apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from identity_graph import api


def _store_facts(path: Path) -> dict:
    """Facts about the served store, read before the service opens it."""
    store = api.open_store(path)
    try:
        links = next(iter(store.links()))
        by_person = links.groupby("person_id")["source"].agg(set)
        both = sorted(p for p, s in by_person.items() if {"housing", "parking"} <= s)
        mapping = json.loads({s.source: s for s in store.sources()}["housing"].mapping_json)
        pid = both[0]
        housing = links[(links["person_id"] == pid) & (links["source"] == "housing")].iloc[0]
        rid = f"housing:{housing['source_record_id']}"
        rec = store.records([rid]).iloc[0]
        return {"person": pid, "record_id": rid, "raw": json.loads(rec["raw"]), "id_column": mapping["id"],
                "record": rec.to_dict()}
    finally:
        store.close()


def test_a_front_desk_finds_the_resident_it_asks_about(
    store_copy: Path, client: TestClient, as_key: Callable[[str], dict[str, str]]
) -> None:
    facts = _store_facts(store_copy)
    rec = facts["record"]
    fields = {k: rec[k] for k in ("given_name", "family_name", "dob", "postcode") if rec.get(k)}
    r = client.post("/v1/match", json={"fields": fields, "limit": 3}, headers=as_key("front-desk"))
    assert r.status_code == 200, r.text
    best = r.json()["candidates"][0]
    assert best["person_id"] == facts["person"]
    assert best["tier"] == "match" and best["evidence"]
    assert len(r.json()["candidates"]) <= 3


def test_a_match_with_nothing_usable_is_a_clear_422(client: TestClient, as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.post("/v1/match", json={"fields": {"dob": "not a date"}}, headers=as_key("front-desk"))
    assert r.status_code == 422 and "usable" in r.json()["message"]
    r = client.post("/v1/match", json={"fields": {"shoe_size": "9"}}, headers=as_key("front-desk"))
    assert r.status_code == 422


def test_a_record_posted_by_one_service_reaches_another_through_the_feed(
    store_copy: Path, client: TestClient, as_key: Callable[[str], dict[str, str]]
) -> None:
    facts = _store_facts(store_copy)
    start = client.get("/v1/changes", params={"after": 0, "limit": 10_000}, headers=as_key("parking-app")).json()["next"]
    new = dict(facts["raw"]) | {facts["id_column"]: "HSG-NEW-000001"}
    r = client.post("/v1/sources/housing/records", json={"record": new}, headers=as_key("housing-app"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["records"] == [{"record_id": "housing:HSG-NEW-000001", "person_id": facts["person"]}]
    assert any(e["event"] == "records_added" and e["person_id"] == facts["person"] for e in body["events"])
    # parking's service learns it from the feed: the person holds parking records too
    feed = client.get("/v1/changes", params={"after": start}, headers=as_key("parking-app")).json()
    added = [c for c in feed["changes"] if c["event"] == "records_added" and c["person_id"] == facts["person"]]
    assert added and added[0]["detail"] == {"records": ["housing:HSG-NEW-000001"]}
    assert "parking" in added[0]["sources"] and feed["next"] > start
    # posting the same record again changes nothing
    again = client.post("/v1/sources/housing/records", json={"record": new}, headers=as_key("housing-app")).json()
    assert again["events"] == [] and again["records"][0]["person_id"] == facts["person"]


def test_a_service_writes_only_its_own_source(store_copy: Path, client: TestClient,
                                               as_key: Callable[[str], dict[str, str]]) -> None:
    facts = _store_facts(store_copy)
    r = client.post("/v1/sources/housing/records", json={"record": facts["raw"]}, headers=as_key("parking-app"))
    assert r.status_code == 403


def test_a_retired_record_leaves_its_person(store_copy: Path, client: TestClient,
                                            as_key: Callable[[str], dict[str, str]]) -> None:
    facts = _store_facts(store_copy)
    source_id = facts["record_id"].split(":", 1)[1]
    r = client.delete(f"/v1/sources/housing/records/{source_id}", params={"reason": "tenancy ended"},
                      headers=as_key("housing-app"))
    assert r.status_code == 200, r.text
    assert any(e["event"] in ("records_removed", "dissolved") for e in r.json()["events"])
    person = client.get(f"/v1/persons/{facts['person']}", headers=as_key("investigator")).json()
    assert facts["record_id"] not in {x["record_id"] for x in person["records"]}


def test_a_reviewer_keeps_two_records_apart(store_copy: Path, client: TestClient, resolved,
                                            as_key: Callable[[str], dict[str, str]]) -> None:
    a, b = resolved.record_ids[:2]
    r = client.post("/v1/decisions", json={"kind": "keep-apart", "record_a": a, "record_b": b,
                                           "reason": "father and son", "apply": True}, headers=as_key("reviewer"))
    assert r.status_code == 200, r.text
    assert r.json()["run_id"] is not None
    pa = client.get(f"/v1/persons/{a}", headers=as_key("investigator")).json()["person_id"]
    pb = client.get(f"/v1/persons/{b}", headers=as_key("investigator")).json()["person_id"]
    assert pa != pb
    queue = client.get("/v1/review", headers=as_key("reviewer"))
    assert queue.status_code == 200 and isinstance(queue.json()["items"], list)


def test_a_run_made_by_another_process_is_caught_up_before_the_next_write(
    store_copy: Path, client: TestClient, as_key: Callable[[str], dict[str, str]]
) -> None:
    facts = _store_facts(store_copy)
    first = dict(facts["raw"]) | {facts["id_column"]: "HSG-NEW-000101"}
    assert client.post("/v1/sources/housing/records", json={"record": first},
                       headers=as_key("housing-app")).status_code == 200
    # meanwhile an operator retires a record from the command line (another connection)
    other = api.open_store(store_copy)
    try:
        api.update(other, retire=["housing:HSG-NEW-000101"], reason="entered twice")
    finally:
        other.close()
    second = dict(facts["raw"]) | {facts["id_column"]: "HSG-NEW-000102"}
    r = client.post("/v1/sources/housing/records", json={"record": second}, headers=as_key("housing-app"))
    assert r.status_code == 200, r.text
    assert r.json()["records"][0]["person_id"] == facts["person"]
    person = client.get(f"/v1/persons/{facts['person']}", headers=as_key("investigator")).json()
    held = {x["record_id"] for x in person["records"]}
    assert "housing:HSG-NEW-000102" in held and "housing:HSG-NEW-000101" not in held
