"""People through the service: the same answers as the library, and an audit entry for every
person and record returned (none for a refused request)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity_graph import api


def _audit(app: FastAPI) -> pd.DataFrame:
    app.state.service.audit.flush()
    with app.state.service.reading() as store:
        return store.audit_log(limit=1000)


def test_a_person_is_the_library_s_person_view(client: TestClient, app: FastAPI, resolved,
                                                as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get(f"/v1/persons/{resolved.person_id}", headers=as_key("investigator"))
    assert r.status_code == 200, r.text
    body = r.json()
    with app.state.service.reading() as store:
        view = api.person(store, resolved.person_id)
    assert body["person_id"] == view.person_id and body["status"] == view.status
    assert body["golden"]["family_name"] == view.golden["family_name"]
    assert [rec["record_id"] for rec in body["records"]] == list(view.records["record_id"])
    assert len(body["address_history"]) == len(view.address_history)
    assert body["records"] and "raw" not in body["records"][0]


def test_a_record_id_answers_with_the_person_holding_it(client: TestClient, resolved,
                                                         as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get(f"/v1/persons/{resolved.record_ids[-1]}", headers=as_key("investigator"))
    assert r.status_code == 200
    assert r.json()["person_id"] == resolved.person_id and r.json()["asked"] == resolved.record_ids[-1]


def test_a_merged_person_id_answers_with_the_person_it_was_merged_into(
    client: TestClient, app: FastAPI, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    # retire an id as merged into the fixture's person, as a resolve that merged them would
    with app.state.service.writing() as store:
        store.con.execute(
            "INSERT INTO persons(person_id, created_run, updated_run, status, merged_into, size, review, golden) "
            "VALUES ('Pmerged000001', 1, 1, 'retired', ?, 0, 0, NULL)", (resolved.person_id,))
    r = client.get("/v1/persons/Pmerged000001", headers=as_key("investigator"))
    assert r.status_code == 200
    assert r.json()["person_id"] == resolved.person_id
    assert "Pmerged000001" in r.json()["status"]


@pytest.mark.parametrize("unknown", ["P000000000000", "council_tax:NO-SUCH-RECORD"])
def test_an_unknown_id_is_a_404_that_says_what_ids_look_like(client: TestClient, unknown: str,
                                                              as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get(f"/v1/persons/{unknown}", headers=as_key("investigator"))
    assert r.status_code == 404
    assert r.json()["error"] == "not_found" and "record ids like" in r.json()["message"]


def test_explain_a_person_against_a_record_picks_their_strongest_pair(
    client: TestClient, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    r = client.get(f"/v1/persons/{resolved.person_id}/explain", params={"with": resolved.other_record},
                   headers=as_key("investigator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["record_a"] in resolved.record_ids and body["record_b"] == resolved.other_record
    assert body["pairs_compared"] == len(resolved.record_ids)
    assert body["same_person"] is False and body["comparisons"]


def test_explain_two_records_of_one_person_says_they_are_the_same_person(
    client: TestClient, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    a, b = resolved.record_ids[:2]
    r = client.get(f"/v1/persons/{a}/explain", params={"with": b}, headers=as_key("investigator"))
    assert r.status_code == 200
    assert (r.json()["record_a"], r.json()["record_b"], r.json()["pairs_compared"]) == (a, b, 1)
    assert r.json()["same_person"] is True


def test_explain_without_with_is_a_422_naming_the_parameter(client: TestClient, resolved,
                                                             as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get(f"/v1/persons/{resolved.person_id}/explain", headers=as_key("investigator"))
    assert r.status_code == 422 and "with" in r.json()["message"]


def test_search_finds_the_person_by_name_and_dob(client: TestClient, app: FastAPI, resolved,
                                                 as_key: Callable[[str], dict[str, str]]) -> None:
    with app.state.service.reading() as store:
        golden = api.person(store, resolved.person_id).golden
    r = client.get("/v1/search", params={"given_name": golden["given_name"], "family_name": golden["family_name"],
                                         "dob": golden["dob"]}, headers=as_key("investigator"))
    assert r.status_code == 200, r.text
    assert r.json()["hits"][0]["person_id"] == resolved.person_id


@pytest.mark.parametrize(("params", "says"), [
    ({}, "at least one field"),
    ({"surname": "smith"}, "surname"),
    ({"family_name": "smith", "limit": 0}, "limit"),
])
def test_a_bad_search_is_a_422_that_names_the_problem(client: TestClient, params: dict[str, object], says: str,
                                                      as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get("/v1/search", params=params, headers=as_key("investigator"))
    assert r.status_code == 422, r.text
    assert says in r.text


# -- the audit ------------------------------------------------------------------------------------
def test_every_person_and_record_a_route_returns_is_audited_with_key_route_and_purpose(
    client: TestClient, app: FastAPI, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    headers = {**as_key("investigator"), "X-Purpose": "council tax reminder, case 88"}
    client.get(f"/v1/persons/{resolved.person_id}", headers=headers)
    client.get(f"/v1/persons/{resolved.record_ids[0]}", headers=headers)
    explained = client.get(f"/v1/persons/{resolved.person_id}/explain", params={"with": resolved.other_record},
                           headers=headers).json()
    log = _audit(app)
    assert set(log["actor"]) == {"investigator"} and set(log["role"]) == {"investigator"}
    assert set(log["purpose"]) == {"council tax reminder, case 88"}
    rows = set(zip(log["action"], log["person_id"], log["record_id"], strict=True))
    assert ("GET /v1/persons/{person_id}", resolved.person_id, None) in rows
    assert ("GET /v1/persons/{person_id}", resolved.person_id, resolved.record_ids[0]) in rows
    assert ("GET /v1/persons/{person_id}/explain", explained["person_b"], resolved.other_record) in rows
    assert ("GET /v1/persons/{person_id}/explain", resolved.person_id, explained["record_a"]) in rows
    assert len(set(log["request_id"])) == 3  # one request, one id (explain's two entries share one)


def test_a_search_audits_each_person_it_returns_and_the_fields_but_not_their_values(
    client: TestClient, app: FastAPI, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    with app.state.service.reading() as store:
        golden = api.person(store, resolved.person_id).golden
    hits = client.get("/v1/search", params={"family_name": golden["family_name"], "dob": golden["dob"]},
                      headers=as_key("investigator")).json()["hits"]
    log = _audit(app)
    assert set(log["person_id"]) == {h["person_id"] for h in hits}
    assert set(log["detail"]) == {"by dob,family_name"}
    assert golden["family_name"] not in log.to_string()


def test_a_search_that_finds_no_one_is_still_audited(client: TestClient, app: FastAPI,
                                                     as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.get("/v1/search", params={"email": "nobody.at.all@example.invalid"}, headers=as_key("investigator"))
    assert r.status_code == 200 and r.json()["hits"] == []
    log = _audit(app)
    assert len(log) == 1 and log["person_id"].iloc[0] is None and log["detail"].iloc[0] == "by email"


def test_a_refused_request_writes_no_audit_entry(client: TestClient, app: FastAPI, resolved,
                                                 as_key: Callable[[str], dict[str, str]]) -> None:
    client.get(f"/v1/persons/{resolved.person_id}")
    client.get(f"/v1/persons/{resolved.person_id}", headers={"Authorization": "Bearer idg_wrong"})
    client.get(f"/v1/persons/{resolved.person_id}", headers=as_key("front-desk"))  # a match key: 403
    client.get("/v1/persons/P000000000000", headers=as_key("investigator"))  # 404: nothing returned
    assert _audit(app).empty


def test_a_long_purpose_is_cut_and_control_characters_dropped(client: TestClient, app: FastAPI, resolved,
                                                              as_key: Callable[[str], dict[str, str]]) -> None:
    client.get(f"/v1/persons/{resolved.person_id}", headers={**as_key("investigator"), "X-Purpose": "a\tb" + "x" * 500})
    (purpose,) = _audit(app)["purpose"]
    assert purpose.startswith("a b") and len(purpose) == 200
