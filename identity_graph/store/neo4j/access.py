"""The Neo4j store's access section: API keys and the audit log (a mixin of ``Neo4jStore``).

Graph model: ``(:ApiKey {name, key_hash, role, source, created_at, revoked_at})`` and
``(:AuditEntry {seq, at, actor, role, action, person_id, record_id, purpose, request_id,
detail})``, ``(:User {name, password_hash, role, created_at, disabled_at})`` and
``(:Secret {name, value, created_at})`` (issue 13); ``seq`` comes from the counter ``(:Meta {key: 'audit_seq'})``. The queries are in
``cypher/access/``; the constraints in ``cypher/schema/access_001.cypher``, versioned apart from
the graph schema in ``(:Meta {key: 'access_schema_version'})``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...errors import StoreError
from ..contract import API_KEY_COLUMNS, AUDIT_COLUMNS, USER_COLUMNS
from .catalog import statements

__all__ = ["Neo4jAccessMixin", "ACCESS_SCHEMA_VERSION"]

ACCESS_SCHEMA_VERSION = 2
#: the statements that bring the access schema to each version (all idempotent)
_ACCESS_STEPS = {1: "schema/access_001", 2: "schema/access_002"}


class Neo4jAccessMixin:
    """API keys, the audit log and read views (``Store``'s access section)."""

    def _migrate_access(self) -> None:
        rows = self._read("schema/access_version_get")
        version = int(rows[0]["version"]) if rows else 0
        if version > ACCESS_SCHEMA_VERSION:
            raise StoreError(
                f"Neo4j database has access schema v{version}, newer than v{ACCESS_SCHEMA_VERSION}; "
                "upgrade identity-graph"
            )
        if version < ACCESS_SCHEMA_VERSION:
            with self._session() as s:
                for step in range(version + 1, ACCESS_SCHEMA_VERSION + 1):
                    for stmt in statements(_ACCESS_STEPS[step]):
                        s.run(stmt).consume()
            self._run_write("schema/access_version_set", version=ACCESS_SCHEMA_VERSION)

    @contextmanager
    def read_view(self) -> Iterator[Any]:
        yield self  # driver sessions are per call: any thread may read while another writes

    # -- API keys -----------------------------------------------------------------------------
    def add_api_key(self, name: str, key_hash: str, role: str, source: str | None, created_at: str) -> None:
        import neo4j

        try:
            self._execute("access/key_create", {"name": name, "key_hash": key_hash, "role": role,
                                                "source": source, "created_at": created_at}, write=True)
        except neo4j.exceptions.ConstraintError as exc:
            raise StoreError(
                f"a key named {name!r} exists already (revoked keys keep their name for the audit); "
                "choose another name"
            ) from exc

    def api_key(self, key_hash: str) -> dict[str, Any] | None:
        rows = self._read("access/key_get", key_hash=key_hash)
        return rows[0] if rows else None

    def api_keys(self) -> pd.DataFrame:
        return pd.DataFrame(self._read("access/keys_all"), columns=API_KEY_COLUMNS, dtype=object)

    def revoke_api_key(self, name: str, revoked_at: str) -> bool:
        rows = self._execute("access/key_revoke", {"name": name, "revoked_at": revoked_at}, write=True)
        return bool(rows and int(rows[0]["revoked"]) > 0)

    # -- workbench users and secrets -------------------------------------------------------------
    def add_user(self, name: str, password_hash: str, role: str, created_at: str) -> None:
        import neo4j

        try:
            self._execute("access/user_create", {"name": name, "password_hash": password_hash, "role": role,
                                                 "created_at": created_at}, write=True)
        except neo4j.exceptions.ConstraintError as exc:
            raise StoreError(
                f"a user named {name!r} exists already (disabled users keep their name for the audit); "
                "choose another name"
            ) from exc

    def user(self, name: str) -> dict[str, Any] | None:
        rows = self._execute("access/user_get", {"name": name}, write=False)  # (_read's own first argument is `name`)
        return rows[0] if rows else None

    def users(self) -> pd.DataFrame:
        return pd.DataFrame(self._read("access/users_all"), columns=USER_COLUMNS, dtype=object)

    def set_user_password(self, name: str, password_hash: str) -> bool:
        rows = self._execute("access/user_password", {"name": name, "password_hash": password_hash}, write=True)
        return bool(rows and int(rows[0]["changed"]) > 0)

    def disable_user(self, name: str, disabled_at: str) -> bool:
        rows = self._execute("access/user_disable", {"name": name, "disabled_at": disabled_at}, write=True)
        return bool(rows and int(rows[0]["disabled"]) > 0)

    def secret(self, name: str, candidate: str, created_at: str) -> str:
        rows = self._execute("access/secret_get_or_create",
                             {"name": name, "candidate": candidate, "created_at": created_at}, write=True)
        return str(rows[0]["value"])

    # -- the audit log --------------------------------------------------------------------------
    def write_audit(self, entries: Sequence[Mapping[str, Any]]) -> None:
        if not entries:
            return
        rows = [{c: e.get(c) for c in AUDIT_COLUMNS} for e in entries]
        self._run_write("access/audit_write", rows=rows)

    def audit_log(
        self, limit: int = 100, person_id: str | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        rows = self._read("access/audit_read", limit=limit, person_id=person_id, actor=actor)
        return pd.DataFrame(rows, columns=["seq", *AUDIT_COLUMNS], dtype=object)

    if TYPE_CHECKING:  # supplied by Neo4jStore

        def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def _run_write(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def _execute(self, name: str, params: dict[str, Any], *, write: bool) -> list[dict[str, Any]]: ...

        def _session(self) -> Any: ...
