"""The store contract's access section: API keys, the audit log and read views, on every store.

Each test runs once per store (tests/store/conftest.py); everything goes through the Protocol
(or ``identity_graph.access``, which speaks only to it).
"""

from __future__ import annotations

import threading

import pytest

from identity_graph.access import add_key, authenticate, hash_key, list_keys, revoke_key
from identity_graph.access.audit import entries
from identity_graph.errors import IdentityGraphError, StoreError
from identity_graph.store.contract import API_KEY_COLUMNS, AUDIT_COLUMNS, Store

NOW = "2026-11-30T09:00:00+00:00"


def test_a_key_is_found_by_its_hash_and_listed_without_it(store: Store) -> None:
    store.add_api_key("front-desk", hash_key("idg_one"), "match", None, NOW)
    store.add_api_key("housing-app", hash_key("idg_two"), "service", "housing", NOW)
    found = store.api_key(hash_key("idg_two"))
    assert found is not None
    assert (found["name"], found["role"], found["source"], found["key_hash"]) == (
        "housing-app", "service", "housing", hash_key("idg_two"))
    assert store.api_key(hash_key("idg_three")) is None
    listing = store.api_keys()
    assert list(listing.columns) == API_KEY_COLUMNS
    assert list(listing["name"]) == ["front-desk", "housing-app"]
    assert hash_key("idg_two") not in listing.to_string()


def test_a_revoked_key_is_not_found_and_its_name_stays_taken(store: Store) -> None:
    store.add_api_key("temp", hash_key("idg_temp"), "investigator", None, NOW)
    assert store.revoke_api_key("temp", NOW) is True
    assert store.revoke_api_key("temp", NOW) is False  # already revoked
    assert store.revoke_api_key("nobody", NOW) is False
    assert store.api_key(hash_key("idg_temp")) is None
    assert store.api_keys().set_index("name").loc["temp", "revoked_at"] == NOW
    with pytest.raises(StoreError, match="exists already"):
        store.add_api_key("temp", hash_key("idg_other"), "investigator", None, NOW)


def test_a_key_made_by_the_library_authenticates_until_revoked(store: Store) -> None:
    key, raw = add_key(store, "case-worker", "investigator")
    actor = authenticate(store, raw)
    assert actor is not None and (actor.name, actor.role.value, actor.source) == ("case-worker", "investigator", None)
    assert authenticate(store, raw + "x") is None and authenticate(store, "not-a-key") is None
    assert [k.name for k in list_keys(store)] == ["case-worker"]
    revoke_key(store, "case-worker")
    assert authenticate(store, raw) is None
    with pytest.raises(IdentityGraphError, match="no active key"):
        revoke_key(store, "case-worker")


def test_audit_entries_come_back_newest_first_with_every_column(store: Store) -> None:
    store.write_audit(entries("investigator", "investigator", "GET /v1/persons/{person_id}",
                              [("P1", None), ("P1", "hr:R1")], purpose="case 88", at=NOW))
    store.write_audit(entries("cli:ana", "cli", "idgraph search", [], detail="by dob", at=NOW))
    log = store.audit_log()
    assert list(log.columns) == ["seq", *AUDIT_COLUMNS]
    assert list(log["seq"]) == sorted(log["seq"], reverse=True) and len(set(log["seq"])) == 3
    assert list(log["actor"]) == ["cli:ana", "investigator", "investigator"]
    assert list(zip(log["person_id"], log["record_id"], strict=True)) == [(None, None), ("P1", "hr:R1"), ("P1", None)]
    assert log["purpose"].iloc[1] == "case 88" and log["detail"].iloc[0] == "by dob"
    assert log["at"].iloc[0] == NOW and log["action"].iloc[0] == "idgraph search"


def test_the_audit_log_filters_by_person_and_actor_and_limits(store: Store) -> None:
    for i in range(5):
        store.write_audit(entries(f"key{i % 2}", "investigator", "GET /v1/search", [(f"P{i}", None)], at=NOW))
    assert list(store.audit_log(person_id="P3")["person_id"]) == ["P3"]
    assert list(store.audit_log(actor="key0")["person_id"]) == ["P4", "P2", "P0"]
    assert list(store.audit_log(limit=2)["person_id"]) == ["P4", "P3"]
    assert store.audit_log(person_id="P9").empty


def test_concurrent_audit_writers_never_share_a_seq(store: Store) -> None:
    def write(who: str) -> None:
        for i in range(10):
            store.write_audit(entries(who, "investigator", "GET /v1/search", [(f"{who}{i}", None), (f"{who}{i}", "r")]))

    threads = [threading.Thread(target=write, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = store.audit_log(limit=1000)
    assert len(log) == 40 and len(set(log["seq"])) == 40


def test_a_read_view_reads_what_is_committed(store: Store) -> None:
    store.add_api_key("seen", hash_key("idg_seen"), "admin", None, NOW)
    found: list[object] = []

    def read() -> None:
        with store.read_view() as view:
            found.append(view.api_key(hash_key("idg_seen")))
            found.append(len(view.api_keys()))

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert found[0] is not None and found[1] == 1


# -- workbench users and secrets (issue 13, ADR 0034) -------------------------------------------
def test_a_user_is_found_by_name_with_the_hash_and_listed_without_it(store: Store) -> None:
    from identity_graph.store.contract import USER_COLUMNS

    store.add_user("ana", "scrypt$hash-of-ana", "investigator", NOW)
    store.add_user("rev", "scrypt$hash-of-rev", "reviewer", NOW)
    found = store.user("ana")
    assert found is not None
    assert (found["name"], found["role"], found["password_hash"]) == ("ana", "investigator", "scrypt$hash-of-ana")
    assert store.user("bob") is None
    listing = store.users()
    assert list(listing.columns) == USER_COLUMNS and list(listing["name"]) == ["ana", "rev"]
    assert "scrypt$hash-of" not in listing.to_string()
    with pytest.raises(StoreError, match="exists already"):
        store.add_user("ana", "scrypt$other", "admin", NOW)


def test_a_new_password_replaces_the_hash_and_a_disabled_user_is_not_found(store: Store) -> None:
    store.add_user("ana", "scrypt$one", "investigator", NOW)
    assert store.set_user_password("ana", "scrypt$two") is True
    assert store.user("ana")["password_hash"] == "scrypt$two"  # type: ignore[index]
    assert store.set_user_password("bob", "scrypt$two") is False
    assert store.disable_user("ana", NOW) is True
    assert store.disable_user("ana", NOW) is False
    assert store.user("ana") is None
    assert store.set_user_password("ana", "scrypt$three") is False
    listing = store.users()
    assert list(listing["disabled_at"]) == [NOW]
    with pytest.raises(StoreError, match="exists already"):
        store.add_user("ana", "scrypt$four", "investigator", NOW)  # the name stays taken


def test_a_secret_is_made_on_first_use_and_then_always_the_same(store: Store) -> None:
    first = store.secret("workbench-session-key", "candidate-one", NOW)
    assert first == "candidate-one"
    assert store.secret("workbench-session-key", "candidate-two", NOW) == "candidate-one"
    assert store.secret("another", "candidate-three", NOW) == "candidate-three"

