"""Every route needs a key with the right role: the matrix, over every route the app serves.

The routes are read from the app itself, so a route added later is in this matrix the day it
is added: it is refused without a key, with a bad or revoked key and with every role that lacks
its permission, and ``create_app`` refuses to build an app with a route that has no key check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from identity_graph.access import Permission, Role, revoke_key
from identity_graph.access.keys import ROLE_PERMISSIONS
from identity_graph.serve import create_app
from identity_graph.serve.app import PUBLIC_PATHS, ROUTERS, api_routes
from identity_graph.serve.auth import Access, Require, require
from identity_graph.store.embedded import EmbeddedStore

#: the key of each role in the fixture store (tests/serve/conftest.py)
KEY_OF_ROLE = {"match": "front-desk", "service": "housing-app", "reviewer": "reviewer",
               "investigator": "investigator", "admin": "admin"}


def _routes() -> list[APIRoute]:
    return [r for m in ROUTERS for r in api_routes(m.router.routes) if r.path not in PUBLIC_PATHS]


def _permission(route: APIRoute) -> Permission:
    def walk(dependant) -> list[Permission]:  # type: ignore[no-untyped-def]
        found = [d.call.permission for d in dependant.dependencies if isinstance(d.call, Require)]
        return found + [p for d in dependant.dependencies for p in walk(d)]

    (permission,) = set(walk(route.dependant))
    return permission


ROUTE_PARAMS = [
    pytest.param(method, r.path, _permission(r), id=f"{method} {r.path}")
    for r in _routes()
    for method in sorted(r.methods)
]


def _url(path: str, person_id: str) -> str:
    """A concrete URL for a route template: ids from the fixture store, the source the service
    key is bound to, a key name for keys."""
    fill = {"person_id": person_id, "source": "housing"}
    return re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), "nobody"), path)


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.request(method, url, headers=headers, json={} if method in ("POST", "PUT", "PATCH") else None)


def test_the_matrix_covers_every_route_the_app_serves(app: FastAPI) -> None:
    served = {(m, r.path) for r in api_routes(app.routes) if r.path not in PUBLIC_PATHS for m in r.methods}
    assert served == {(p.values[0], p.values[1]) for p in ROUTE_PARAMS}
    assert len(served) >= 5


@pytest.mark.parametrize(("method", "path", "permission"), ROUTE_PARAMS)
def test_a_request_without_a_key_is_refused_with_401(client: TestClient, resolved, method: str, path: str,
                                                     permission: Permission) -> None:
    r = _call(client, method, _url(path, resolved.person_id), {})
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"] == "unauthorized" and "Authorization: Bearer" in r.json()["message"]


@pytest.mark.parametrize(("method", "path", "permission"), ROUTE_PARAMS)
@pytest.mark.parametrize("header", [
    "Bearer idg_not-a-key-anyone-was-given-0000000000000",
    "Bearer ",
    "Basic YWRtaW46YWRtaW4=",
    "idg_a-key-without-a-scheme",
])
def test_a_request_with_a_bad_key_is_refused_with_401(client: TestClient, resolved, method: str, path: str,
                                                      permission: Permission, header: str) -> None:
    r = _call(client, method, _url(path, resolved.person_id), {"Authorization": header})
    assert r.status_code == 401, r.text


@pytest.mark.parametrize(("method", "path", "permission"), ROUTE_PARAMS)
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_is_let_in_exactly_where_its_permissions_say(
    client: TestClient, resolved, as_key: Callable[[str], dict[str, str]], method: str, path: str,
    permission: Permission, role: str,
) -> None:
    r = _call(client, method, _url(path, resolved.person_id), as_key(KEY_OF_ROLE[role]))
    if permission in ROLE_PERMISSIONS[Role(role)]:
        assert r.status_code not in (401, 403), r.text  # let in (a 404 or 422 is the route's own answer)
    else:
        assert r.status_code == 403, r.text
        assert permission.value in r.json()["message"]


def test_the_admin_role_holds_every_permission() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


def test_a_refused_request_is_refused_before_its_input_is_looked_at(client: TestClient, resolved) -> None:
    # no key and a missing parameter: 401, not 422 (which would describe the route to a stranger)
    r = client.get(f"/v1/persons/{resolved.person_id}/explain")
    assert r.status_code == 401


def test_a_revoked_key_is_refused_on_its_next_request(
    client: TestClient, app: FastAPI, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    url = f"/v1/persons/{resolved.person_id}"
    assert client.get(url, headers=as_key("investigator")).status_code == 200
    with app.state.service.writing() as store:
        revoke_key(store, "investigator")
    r = client.get(url, headers=as_key("investigator"))
    assert r.status_code == 401


def test_a_store_without_keys_refuses_every_request_but_health(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "empty.idgraph.db").close()
    with TestClient(create_app(str(tmp_path / "empty.idgraph.db"))) as client:
        for method, path, _ in (p.values for p in ROUTE_PARAMS):
            assert _call(client, method, _url(path, "P000000000000"), {}).status_code == 401, path
        health = client.get("/v1/health")
        assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_the_public_paths_reveal_nothing_about_anyone(client: TestClient, resolved) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    schema = client.get("/openapi.json").text
    assert resolved.person_id not in schema and "Bearer" in schema  # the docs show how to send a key


def test_an_app_with_a_route_that_checks_no_key_is_refused_at_build(tmp_path: Path, monkeypatch) -> None:
    careless = APIRouter()

    @careless.get("/v1/careless/{person_id}")
    def read_anyone(person_id: str) -> dict[str, str]:
        return {"person_id": person_id}

    class Module:
        router = careless

    monkeypatch.setattr("identity_graph.serve.app.ROUTERS", [*ROUTERS, Module])
    EmbeddedStore(tmp_path / "s.idgraph.db").close()
    with pytest.raises(RuntimeError, match="without an API-key check"):
        create_app(str(tmp_path / "s.idgraph.db"))


# -- keys bound to a source ------------------------------------------------------------------------
def _with_source_route(app: FastAPI) -> FastAPI:
    """A route about one source's feed, written as the integrator's routes will be: the same
    ``require`` and ``check_source`` (no stand-in: the real dependency over the real store)."""
    extra = APIRouter()

    @extra.get("/v1/feed-check/{source}")
    def feed(source: str, access: Access = Depends(require(Permission.READ_CHANGES))) -> dict[str, str]:  # noqa: B008
        access.check_source(source)
        return {"source": source}

    app.include_router(extra)
    return app


@pytest.mark.parametrize(("key", "source", "status"), [
    ("housing-match", "housing", 200),   # a bound match key: its own source
    ("housing-match", "parking", 403),   # ...and no other
    ("housing-app", "housing", 200),     # a bound service key: the same
    ("parking-app", "housing", 403),
    ("front-desk", "housing", 403),      # an unbound match key reads no source's feed
    ("admin", "parking", 200),           # an admin any
    ("investigator", "housing", 403),    # no permission at all (role)
])
def test_a_key_bound_to_a_source_reaches_that_source_only(
    store_copy: Path, as_key: Callable[[str], dict[str, str]], key: str, source: str, status: int,
) -> None:
    with TestClient(_with_source_route(create_app(str(store_copy)))) as client:
        r = client.get(f"/v1/feed-check/{source}", headers=as_key(key))
    assert r.status_code == status, r.text
