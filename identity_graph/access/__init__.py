"""Access to the index: API keys with roles (``keys``) and the audit log of reads (``audit``).

The match service (``identity_graph.serve``) and the CLI both use these; the store keeps keys
and entries (``Store``'s access section).
"""

from __future__ import annotations

from .audit import audit_log, cli_actor, entries, record
from .keys import (
    ROLE_PERMISSIONS,
    Actor,
    ApiKey,
    Permission,
    Role,
    add_key,
    authenticate,
    hash_key,
    list_keys,
    revoke_key,
)

__all__ = [
    "Actor",
    "ApiKey",
    "Permission",
    "Role",
    "ROLE_PERMISSIONS",
    "add_key",
    "authenticate",
    "hash_key",
    "list_keys",
    "revoke_key",
    "audit_log",
    "cli_actor",
    "entries",
    "record",
]
