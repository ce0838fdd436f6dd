"""Workbench users: passwords hashed with scrypt and a salt per user, `idgraph users` at the
command line, and the session secret made once in the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.access.users import (
    MIN_PASSWORD,
    add_user,
    authenticate_password,
    hash_password,
    list_users,
    verify_password,
)
from identity_graph.errors import IdentityGraphError


def test_a_password_is_stored_as_salted_scrypt_never_as_itself() -> None:
    one, two = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert one != two  # a fresh salt each time
    assert one.startswith("scrypt$16384$8$1$") and "correct horse" not in one
    assert verify_password("correct horse battery", one) and verify_password("correct horse battery", two)
    assert not verify_password("correct horse batterY", one)
    assert not verify_password("anything", "not-a-hash")


def test_users_log_in_with_their_password_and_a_disabled_or_unknown_one_cannot(tmp_path: Path) -> None:
    store = api.open_store(tmp_path / "s.idgraph.db", create=True)
    try:
        user, generated = add_user(store, "ana", "investigator")
        assert len(generated) >= 24
        actor = authenticate_password(store, "ana", generated)
        assert actor is not None and (actor.name, actor.role.value) == ("ana", "investigator")
        assert authenticate_password(store, "ana", generated + "x") is None
        assert authenticate_password(store, "bob", generated) is None
        assert authenticate_password(store, "<script>", generated) is None
        with pytest.raises(IdentityGraphError, match="exists already"):
            add_user(store, "ana", "admin", "another-password")
        with pytest.raises(IdentityGraphError, match=f"at least {MIN_PASSWORD}"):
            add_user(store, "bob", "admin", "short")
        with pytest.raises(IdentityGraphError, match="for systems"):
            add_user(store, "bob", "service", "long-enough-password")
        assert [u.name for u in list_users(store)] == ["ana"]
    finally:
        store.close()


def _idgraph(store: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "identity_graph.cli.main", "--store", str(store), *args],
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_idgraph_users_add_prints_a_generated_password_once_or_takes_one_from_stdin(tmp_path: Path) -> None:
    db = tmp_path / "s.idgraph.db"
    assert _idgraph(db, "init").returncode == 0
    made = _idgraph(db, "users", "add", "ana", "--role", "investigator")
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip()
    assert len(password) >= 24 and "shown this once" in made.stderr
    given = _idgraph(db, "users", "add", "rev", "--role", "reviewer", "--password-stdin",
                     stdin="my own passphrase\n")
    assert given.returncode == 0 and given.stdout == ""
    listed = _idgraph(db, "users", "list", "--json")
    assert '"name": "ana"' in listed.stdout and password not in listed.stdout and "scrypt" not in listed.stdout
    store = api.open_store(db)
    try:
        assert authenticate_password(store, "ana", password) is not None
        assert authenticate_password(store, "rev", "my own passphrase") is not None
    finally:
        store.close()
    gone = _idgraph(db, "users", "disable", "ana")
    assert gone.returncode == 0
    again = _idgraph(db, "users", "disable", "ana")
    assert again.returncode != 0 and "no active user named 'ana'" in again.stderr
