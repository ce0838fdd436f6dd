"""Nothing personal in the service's logs: names, dates of birth, person and record ids never
appear, whatever the route, its answer or its failure. The access log is method, route
template, status and latency."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.access import Permission
from identity_graph.serve.auth import Access, require


@pytest.fixture
def personal(app: FastAPI, resolved) -> list[str]:
    """Strings that must never be logged: the fixture person's ids, name and dob."""
    with app.state.service.reading() as store:
        g = api.person(store, resolved.person_id).golden
    return [resolved.person_id, *resolved.record_ids, resolved.other_record, g["family_name"], g["given_name"],
            g["dob"], "Wojciechowska"]


def _service_log(caplog: pytest.LogCaptureFixture) -> str:
    # the test client (httpx2) logs each URL it requests: that is the caller's log, not the service's
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))


def test_no_route_logs_a_name_a_dob_or_an_id_whatever_it_answers(
    client: TestClient, app: FastAPI, resolved, personal: list[str], as_key: Callable[[str], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    inv = {**as_key("investigator"), "X-Purpose": "a purpose naming Wojciechowska"}
    family, given, dob = personal[-4], personal[-3], personal[-2]
    calls = [
        client.get(f"/v1/persons/{resolved.person_id}", headers=inv),
        client.get(f"/v1/persons/{resolved.record_ids[0]}", headers=inv),
        client.get(f"/v1/persons/{resolved.person_id}/explain", params={"with": resolved.other_record}, headers=inv),
        client.get("/v1/search", params={"family_name": family, "given_name": given, "dob": dob}, headers=inv),
        client.get("/v1/search", params={"full_name": "Wojciechowska", "surname": family}, headers=inv),  # 422
        client.get(f"/v1/persons/{resolved.person_id}"),  # 401
        client.get(f"/v1/persons/{resolved.person_id}", headers=as_key("front-desk")),  # 403
        client.get("/v1/persons/Wojciechowska", headers=inv),  # 404 quoting the id back to the caller
        client.get(f"/no/such/path/{family}"),  # 404 outside every route
    ]
    assert [c.status_code for c in calls] == [200, 200, 200, 200, 422, 401, 403, 404, 404]
    app.state.service.audit.flush()
    text = _service_log(caplog)
    assert "GET /v1/persons/{person_id} 200" in text and "GET /v1/search 422" in text
    assert "GET <unmatched> 404" in text
    for value in personal:
        assert value not in text, value


def test_an_unexpected_error_is_logged_by_its_type_only_and_answered_with_a_500(
    app: FastAPI, resolved, personal: list[str], as_key: Callable[[str], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = APIRouter()

    @broken.get("/v1/broken/{person_id}")
    def fails(person_id: str, access: Access = Depends(require(Permission.READ_PEOPLE))) -> None:  # noqa: B008
        raise ValueError(f"cannot read {person_id} ({personal[-4]}, born {personal[-2]})")

    app.include_router(broken)
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(f"/v1/broken/{resolved.person_id}", headers=as_key("investigator"))
    assert r.status_code == 500 and r.json()["error"] == "internal" and r.headers["x-request-id"]
    text = _service_log(caplog)
    assert "unhandled ValueError" in text and "GET /v1/broken/{person_id} 500" in text
    for value in personal:
        assert value not in text, value
