"""The CLI side of access: `idgraph keys add|list|revoke`, `idgraph audit`, and an audit entry
(actor ``cli:<os user>``) for every person a command shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.access.audit import cli_actor
from identity_graph.cli.main import cli
from identity_graph.store.embedded import EmbeddedStore


def idgraph(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def _audit(store_path: Path) -> list[dict[str, object]]:
    result = idgraph(store_path, "audit", "--json", "--limit", "1000")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_keys_add_prints_the_key_once_on_stdout_and_list_never_shows_it(store_copy: Path) -> None:
    added = idgraph(store_copy, "keys", "add", "front-desk-2", "--role", "match")
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip()
    assert secret.startswith("idg_") and "shown this once" in added.stderr
    listing = idgraph(store_copy, "keys", "list")
    assert "front-desk-2" in listing.output and secret not in listing.output
    as_json = json.loads(idgraph(store_copy, "keys", "list", "--json").output)
    assert {k["name"] for k in as_json} >= {"front-desk-2", "admin"} and secret not in json.dumps(as_json)


def test_keys_revoke_then_list_shows_it_revoked(store_copy: Path) -> None:
    assert idgraph(store_copy, "keys", "revoke", "reviewer").exit_code == 0
    (row,) = [k for k in json.loads(idgraph(store_copy, "keys", "list", "--json").output) if k["name"] == "reviewer"]
    assert row["revoked_at"]
    again = CliRunner().invoke(cli, ["--store", str(store_copy), "keys", "revoke", "reviewer"])
    assert again.exit_code != 0 and "no active key named 'reviewer'" in again.output


@pytest.mark.parametrize(("args", "says"), [
    (["keys", "add", "x", "--role", "service"], "--source"),
    (["keys", "add", "x", "--role", "match", "--source", "nowhere"], "no source 'nowhere'"),
    (["keys", "add", "admin", "--role", "admin"], "exists already"),
])
def test_keys_add_refuses_a_bad_key_with_the_fix(store_copy: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["--store", str(store_copy), *args])
    assert result.exit_code != 0 and says in result.output


def test_person_search_and_explain_at_the_terminal_are_audited_with_the_os_user_and_purpose(
    store_copy: Path, resolved,
) -> None:
    store = EmbeddedStore(store_copy)
    try:
        golden = api.person(store, resolved.person_id).golden
    finally:
        store.close()
    runs = [
        ["--purpose", "SAR 2026-41", "person", resolved.person_id],
        ["--purpose", "SAR 2026-41", "search", "--family-name", str(golden["family_name"]), "--dob", str(golden["dob"])],
        ["--purpose", "SAR 2026-41", "explain", resolved.record_ids[0], resolved.other_record],
    ]
    for args in runs:
        assert idgraph(store_copy, *args).exit_code == 0
    log = _audit(store_copy)
    assert {e["actor"] for e in log} == {cli_actor()} and {e["purpose"] for e in log} == {"SAR 2026-41"}
    rows = {(e["action"], e["person_id"], e["record_id"]) for e in log}
    assert ("idgraph person", resolved.person_id, None) in rows
    assert any(a == "idgraph search" and p == resolved.person_id for a, p, _ in rows)
    assert ("idgraph explain", resolved.person_id, resolved.record_ids[0]) in rows
    mine = json.loads(idgraph(store_copy, "audit", "--json", "--person", resolved.person_id).output)
    assert mine and {e["person_id"] for e in mine} == {resolved.person_id}


def test_the_graph_commands_that_show_people_are_audited(store_copy: Path, resolved) -> None:
    assert idgraph(store_copy, "graph", "person", resolved.person_id).exit_code == 0
    shared = idgraph(store_copy, "graph", "shared", "--kinds", "address", "--limit", "3", "--json")
    assert shared.exit_code == 0
    shown = {p for row in json.loads(shared.output) for p in row["person_ids"]}
    log = _audit(store_copy)
    assert ("idgraph graph person", resolved.person_id) in {(e["action"], e["person_id"]) for e in log}
    assert {e["person_id"] for e in log if e["action"] == "idgraph graph shared"} == shown


def test_keys_made_at_the_terminal_are_in_the_audit_too(store_copy: Path) -> None:
    idgraph(store_copy, "keys", "add", "temp-key", "--role", "investigator")
    idgraph(store_copy, "keys", "revoke", "temp-key")
    details = [e["detail"] for e in _audit(store_copy)]
    assert details[:2] == ["revoked key temp-key", "added key temp-key (investigator)"]
