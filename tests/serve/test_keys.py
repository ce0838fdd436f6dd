"""Keys: made by an admin (route or CLI), shown once, stored only as a hash, revoked at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity_graph.access import add_key, hash_key
from identity_graph.errors import IdentityGraphError
from identity_graph.store.embedded import EmbeddedStore


def test_an_admin_makes_a_key_that_works_at_once_and_is_shown_only_then(
    client: TestClient, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    r = client.post("/v1/keys", json={"name": "case-worker", "role": "investigator"}, headers=as_key("admin"))
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert secret.startswith("idg_") and len(secret) > 40
    assert client.get(f"/v1/persons/{resolved.person_id}", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/v1/keys", headers=as_key("admin"))
    assert "case-worker" in listing.text and secret not in listing.text and hash_key(secret) not in listing.text


def test_revoking_a_key_refuses_its_next_request(client: TestClient, resolved,
                                                 as_key: Callable[[str], dict[str, str]]) -> None:
    secret = client.post("/v1/keys", json={"name": "temp", "role": "investigator"}, headers=as_key("admin")).json()["secret"]
    r = client.delete("/v1/keys/temp", headers=as_key("admin"))
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert client.get(f"/v1/persons/{resolved.person_id}", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.delete("/v1/keys/temp", headers=as_key("admin")).status_code == 404


@pytest.mark.parametrize(("body", "says"), [
    ({"name": "admin", "role": "admin"}, "exists already"),
    ({"name": "x", "role": "service"}, "--source"),
    ({"name": "x", "role": "investigator", "source": "housing"}, "only match and service keys"),
    ({"name": "x", "role": "match", "source": "no_such_source"}, "no source 'no_such_source'"),
    ({"name": "has space", "role": "match"}, "key name"),
    ({"name": "x", "role": "superuser"}, "role"),
])
def test_a_bad_key_request_is_refused_with_the_reason(client: TestClient, body: dict[str, str], says: str,
                                                      as_key: Callable[[str], dict[str, str]]) -> None:
    r = client.post("/v1/keys", json=body, headers=as_key("admin"))
    assert r.status_code == 422, r.text
    assert says in r.text


def test_a_revoked_key_s_name_cannot_be_given_again(store_copy: Path) -> None:
    store = EmbeddedStore(store_copy)
    try:
        store.revoke_api_key("reviewer", "2026-01-01T00:00:00+00:00")
        with pytest.raises(IdentityGraphError, match="exists already"):
            add_key(store, "reviewer", "reviewer")
    finally:
        store.close()


def test_keys_are_stored_hashed_the_raw_key_is_nowhere_in_the_store_files(
    client: TestClient, app: FastAPI, store_copy: Path, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    made = client.post("/v1/keys", json={"name": "hashed", "role": "match"}, headers=as_key("admin")).json()["secret"]
    client.get(f"/v1/persons/{resolved.person_id}", headers=as_key("investigator"))  # writes the audit too
    app.state.service.audit.flush()
    files = [p for p in store_copy.parent.iterdir() if p.name.startswith(store_copy.name)]  # db, -wal, -shm
    blob = b"".join(p.read_bytes() for p in files)
    for raw in [made, *resolved.keys.values()]:
        assert raw.encode() not in blob
    assert hash_key(made).encode() in blob  # what is stored instead
