"""The service over the Neo4j store: keys checked and key changes audited there too (the people
routes speak the same contract; tests/store proves both stores answer it alike)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from identity_graph.access import add_key
from identity_graph.serve import create_app
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe


@pytest.mark.neo4j
def test_the_service_over_neo4j_checks_keys_and_writes_its_audit_there(neo4j_server: Neo4jForTests) -> None:
    wipe(neo4j_server)
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    _, admin = add_key(store, "admin", "admin")
    _, investigator = add_key(store, "investigator", "investigator")
    with TestClient(create_app(store)) as client:  # the app closes the store on shutdown
        assert client.get("/v1/keys").status_code == 401
        assert client.get("/v1/keys", headers={"Authorization": f"Bearer {investigator}"}).status_code == 403
        made = client.post("/v1/keys", json={"name": "front-desk", "role": "match"},
                           headers={"Authorization": f"Bearer {admin}", "X-Purpose": "new form"})
        assert made.status_code == 201, made.text
        listing = client.get("/v1/keys", headers={"Authorization": f"Bearer {admin}"})
        assert [k["name"] for k in listing.json()] == ["admin", "front-desk", "investigator"]
        assert client.get("/v1/persons/P000000000000",
                          headers={"Authorization": f"Bearer {investigator}"}).status_code == 404
        client.app.state.service.audit.flush()  # type: ignore[attr-defined]
        log = client.app.state.service.store.audit_log()  # type: ignore[attr-defined]
    assert list(log["detail"]) == ["added key front-desk (match)"]
    assert list(log["actor"]) == ["admin"] and list(log["purpose"]) == ["new form"]
