"""The README's live-index walkthrough, against a real ``idgraph serve`` process: keys made with
the CLI, a front desk's match, housing posting a new tenancy, parking reading it from the feed,
a reviewer keeping two records apart; then the CLI's own view of the same store."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from click.testing import CliRunner

from identity_graph import api
from identity_graph.cli.main import cli


def _idgraph(store: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--store", str(store), "--quiet", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_the_readme_walkthrough_through_the_running_service_and_the_cli(store_copy: Path, serve) -> None:
    store = api.open_store(store_copy)
    try:
        links = next(iter(store.links()))
        by_person = links.groupby("person_id")["source"].agg(set)
        person = sorted(p for p, s in by_person.items() if {"housing", "parking"} <= s)[0]
        housing_rec = links[(links["person_id"] == person) & (links["source"] == "housing")].iloc[0]
        rec = store.records([f"housing:{housing_rec['source_record_id']}"]).iloc[0]
        raw = json.loads(rec["raw"])
        id_column = json.loads({s.source: s for s in store.sources()}["housing"].mapping_json)["id"]
        pair = sorted(api.person(store, person).records["record_id"])[:2]
    finally:
        store.close()
    keys = {name: _idgraph(store_copy, "keys", "add", name, "--role", role, *extra)
            for name, role, extra in (("desk", "match", ()), ("housing-svc", "service", ("--source", "housing")),
                                      ("parking-svc", "service", ("--source", "parking")), ("rev", "reviewer", ()))}

    with serve(store_copy) as served:

        def call(method: str, path: str, key: str, **kw: object) -> httpx2.Response:
            return httpx2.request(method, served.base + path, headers={"Authorization": f"Bearer {keys[key]}"},
                                  timeout=120, **kw)

        # 1. the front desk: who is this resident?
        fields = {k: rec[k] for k in ("given_name", "family_name", "dob", "postcode") if rec[k]}
        match = call("POST", "/v1/match", "desk", json={"fields": fields})
        # 2. housing tells the index about a new tenancy
        cursor = call("GET", "/v1/changes", "parking-svc", params={"after": 0, "limit": 10_000}).json()["next"]
        posted = call("POST", "/v1/sources/housing/records", "housing-svc",
                      json={"record": raw | {id_column: "HSG-WALK-0001"}})
        # 3. parking reads it from its feed
        feed = call("GET", "/v1/changes", "parking-svc", params={"after": cursor})
        # 4. a reviewer keeps two records apart
        decided = call("POST", "/v1/decisions", "rev", json={"kind": "keep-apart", "record_a": pair[0],
                                                             "record_b": pair[1], "reason": "two residents",
                                                             "apply": True})
    assert match.status_code == 200 and match.json()["candidates"][0]["person_id"] == person
    assert posted.status_code == 200, posted.text
    assert posted.json()["records"] == [{"record_id": "housing:HSG-WALK-0001", "person_id": person}]
    changes = feed.json()["changes"]
    assert any(c["event"] == "records_added" and c["person_id"] == person for c in changes)
    assert decided.status_code == 200, decided.text
    # the CLI sees the same store
    after = json.loads(_idgraph(store_copy, "changes", "--after", str(cursor), "--source", "parking", "--json"))
    assert [c["seq"] for c in after["changes"]][: len(changes)] == [c["seq"] for c in changes]
    a = json.loads(_idgraph(store_copy, "person", pair[0], "--json"))["person_id"]
    b = json.loads(_idgraph(store_copy, "person", pair[1], "--json"))["person_id"]
    assert a != b
