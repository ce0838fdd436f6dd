"""`idgraph serve` for real: uvicorn in its own process on loopback, called over HTTP, stopped."""

from __future__ import annotations

from pathlib import Path

import httpx2

from identity_graph.store.embedded import EmbeddedStore


def test_idgraph_serve_answers_on_loopback_audits_and_logs_nothing_personal(store_copy: Path, resolved, serve) -> None:
    with serve(store_copy) as served:
        base = served.base
        key = {"Authorization": f"Bearer {resolved.keys['investigator']}", "X-Purpose": "process test"}
        person = httpx2.get(f"{base}/v1/persons/{resolved.person_id}", headers=key, timeout=30)
        refused = httpx2.get(f"{base}/v1/persons/{resolved.person_id}", timeout=30)
        docs = httpx2.get(f"{base}/docs", timeout=30)
    proc, err = served.proc, served.err
    assert person.status_code == 200 and person.json()["person_id"] == resolved.person_id
    assert refused.status_code == 401
    assert docs.status_code == 200 and "/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "http://" not in docs.text and "https://" not in docs.text  # nothing loaded from the internet
    assert proc.returncode == 0, err
    assert "Uvicorn running on http://127.0.0.1:" in err and "GET /v1/persons/{person_id} 200" in err
    assert f"workbench: {base}/workbench/" in err and "no API keys" not in err  # where to point a browser
    golden = person.json()["golden"]
    for value in (resolved.person_id, *resolved.record_ids, golden["family_name"], golden["dob"]):
        assert value not in err
    store = EmbeddedStore(store_copy)  # shut down cleanly: the audit entry was written before exit
    try:
        entries = store.audit_log(person_id=resolved.person_id)
    finally:
        store.close()
    assert list(entries["purpose"]) == ["process test"] and list(entries["actor"]) == ["investigator"]
