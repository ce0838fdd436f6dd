"""API keys and roles: who may do what through the match service.

A key is 32 random bytes (``secrets.token_urlsafe``) behind the prefix ``idg_`` (so a secret
scanner can spot one in a repository or a log); it is shown once, when it is made, and stored
only as its SHA-256 hash. A key of that entropy cannot be guessed from its hash, so a slow
password hash buys nothing here, and a lookup by hash is one index probe (ADR 0023).

Each key has one role; ``match`` and ``service`` keys may be bound to a source, which limits them
to that source's records and change feed.

>>> sorted(p.value for p in ROLE_PERMISSIONS[Role.SERVICE])
['match', 'read_changes', 'write_records']
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ..errors import IdentityGraphError, NotFoundError
from ..store.contract import Store

__all__ = [
    "Role",
    "Permission",
    "ROLE_PERMISSIONS",
    "SOURCE_ROLES",
    "Actor",
    "ApiKey",
    "KEY_PREFIX",
    "new_key",
    "hash_key",
    "add_key",
    "list_keys",
    "revoke_key",
    "authenticate",
]

KEY_PREFIX = "idg_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Role(StrEnum):
    MATCH = "match"  # match, and read the change feed of its own source
    SERVICE = "service"  # also write its own source's records
    REVIEWER = "reviewer"  # the review queue and decisions
    INVESTIGATOR = "investigator"  # read people, search, explain
    ADMIN = "admin"  # keys; and everything else


class Permission(StrEnum):
    """What a route needs; each role grants a set of these (``ROLE_PERMISSIONS``)."""

    MATCH = "match"  # POST /v1/match
    READ_CHANGES = "read_changes"  # GET /v1/changes (a bound key: its own source only)
    WRITE_RECORDS = "write_records"  # POST / DELETE /v1/sources/{source}/records (its own source)
    REVIEW = "review"  # GET /v1/review, POST /v1/decisions
    READ_PEOPLE = "read_people"  # GET /v1/persons/..., /v1/search
    MANAGE_KEYS = "manage_keys"  # /v1/keys


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MATCH: frozenset({Permission.MATCH, Permission.READ_CHANGES}),
    Role.SERVICE: frozenset({Permission.MATCH, Permission.READ_CHANGES, Permission.WRITE_RECORDS}),
    Role.REVIEWER: frozenset({Permission.REVIEW}),
    Role.INVESTIGATOR: frozenset({Permission.READ_PEOPLE}),
    Role.ADMIN: frozenset(Permission),
}

#: roles whose keys may be bound to a source (a service key must be)
SOURCE_ROLES = frozenset({Role.MATCH, Role.SERVICE})


@dataclass(frozen=True)
class Actor:
    """Who is asking: a key's name, role and bound source (or ``cli:<user>``)."""

    name: str
    role: Role
    source: str | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def may_use_source(self, source: str) -> bool:
        """Whether this actor may read or write ``source``'s records and feed: a bound key only
        its own source; an unbound ``admin`` any source; an unbound match key none."""
        if self.source is not None:
            return source == self.source
        return self.role == Role.ADMIN


@dataclass(frozen=True)
class ApiKey:
    name: str
    role: Role
    source: str | None
    created_at: str
    revoked_at: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role.value, "source": self.source,
                "created_at": self.created_at, "revoked_at": self.revoked_at}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_key() -> str:
    """A fresh random key (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(raw: str) -> str:
    """The stored form of a key: SHA-256, hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise IdentityGraphError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None


def add_key(store: Store, name: str, role: str | Role, source: str | None = None) -> tuple[ApiKey, str]:
    """Make a key: returns it and the raw key, which is never stored and cannot be shown again.

    >>> # key, raw = add_key(store, "housing-app", "service", source="housing")
    """
    r = _role(role)
    if not _NAME.match(name):
        raise IdentityGraphError(
            f"key name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (e.g. housing-app)"
        )
    if source is not None:
        if r not in SOURCE_ROLES:
            raise IdentityGraphError(
                f"only match and service keys are bound to a source; drop --source for a {r.value} key"
            )
        known = sorted(s.source for s in store.sources())
        if source not in known:
            raise IdentityGraphError(
                f"no source {source!r} in the store (known: {', '.join(known) or 'none yet'}); "
                "load the source's export first, then make its key"
            )
    elif r is Role.SERVICE:
        raise IdentityGraphError("a service key writes one source's records: give --source SOURCE")
    if name in set(store.api_keys()["name"]):
        raise IdentityGraphError(
            f"a key named {name!r} exists already (revoked keys keep their name for the audit); choose another name"
        )
    raw = new_key()
    created = _now()
    store.add_api_key(name, hash_key(raw), r.value, source, created)
    return ApiKey(name, r, source, created), raw


def list_keys(store: Store) -> list[ApiKey]:
    """Every key, revoked ones too (never the key itself, nor its hash)."""
    df = store.api_keys()
    return [
        ApiKey(str(n), Role(str(r)), s or None, str(c), v or None)
        for n, r, s, c, v in zip(df["name"], df["role"], df["source"], df["created_at"], df["revoked_at"],
                                 strict=True)
    ]


def revoke_key(store: Store, name: str) -> None:
    """Revoke a key at once: the next request with it is refused."""
    if not store.revoke_api_key(name, _now()):
        names = [k.name for k in list_keys(store) if k.revoked_at is None]
        raise NotFoundError(f"no active key named {name!r} (active: {', '.join(names) or 'none'})")


def authenticate(store: Store, raw: str) -> Actor | None:
    """The actor a raw key belongs to, or None for an unknown or revoked key."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    digest = hash_key(raw)
    row = store.api_key(digest)
    if row is None or not hmac.compare_digest(str(row["key_hash"]), digest):
        return None
    return Actor(str(row["name"]), Role(str(row["role"])), row["source"] or None)
