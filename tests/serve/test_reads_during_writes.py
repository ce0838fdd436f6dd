"""Reads are served while a write is in progress, and see the last committed state, never half
of the write (embedded store: each request thread reads on its own read-only connection)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity_graph.store.embedded import EmbeddedStore


def test_a_read_during_an_open_write_transaction_sees_the_committed_person(
    client: TestClient, app: FastAPI, resolved, as_key: Callable[[str], dict[str, str]],
) -> None:
    url = f"/v1/persons/{resolved.person_id}"
    before = client.get(url, headers=as_key("investigator")).json()["golden"]
    changed = json.dumps({**before, "family_name": "half-written"})
    with app.state.service.writing() as store:  # the service's writer, mid-transaction
        store.con.execute("BEGIN IMMEDIATE")
        store.con.execute("UPDATE persons SET golden = ? WHERE person_id = ?", (changed, resolved.person_id))
        store.con.execute("DELETE FROM person_records WHERE person_id = ?", (resolved.person_id,))
        during = client.get(url, headers=as_key("investigator"))
        store.con.execute("COMMIT")
    assert during.status_code == 200
    assert during.json()["golden"] == before and len(during.json()["records"]) == len(resolved.record_ids)
    after = client.get(url, headers=as_key("investigator")).json()
    assert after["golden"]["family_name"] == "half-written" and after["records"] == []


def test_each_thread_reads_on_its_own_read_only_connection(store_copy: Path) -> None:
    store = EmbeddedStore(store_copy)
    seen: dict[str, object] = {}

    def read(name: str) -> None:
        with store.read_view() as view, store.read_view() as again:  # nested: the same view
            seen[name] = (id(view.con), view.read_only, again is view, len(view.api_keys()))

    try:
        threads = [threading.Thread(target=read, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        store.close()
    (con_a, ro_a, same_a, keys_a), (con_b, ro_b, same_b, keys_b) = seen["a"], seen["b"]  # type: ignore[misc]
    assert con_a != con_b and id(store.con) not in (con_a, con_b)
    assert ro_a and ro_b and same_a and same_b and keys_a == keys_b > 0
