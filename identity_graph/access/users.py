"""Workbench users: a name, a role (the same roles as API keys) and a password stored hashed.

A person logs in to the browser workbench (``identity_graph.workbench``) with an API key or a
user name and password. Unlike a key, a password is chosen by a person and may be guessed, so
it is stored as a slow, salted KDF hash: scrypt (RFC 7914; n=2**14, r=8, p=1, 16 random bytes of
salt per user), in the form ``scrypt$n$r$p$salt$hash`` so the cost can be raised later without
breaking stored hashes (ADR 0034).

>>> stored = hash_password("correct horse battery staple")
>>> verify_password("correct horse battery staple", stored), verify_password("wrong", stored)
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import IdentityGraphError, NotFoundError
from ..store.contract import Store
from .keys import _NAME, Actor, Role, _role

__all__ = [
    "User", "MIN_PASSWORD", "hash_password", "verify_password", "new_password",
    "add_user", "list_users", "disable_user", "set_password", "authenticate_password",
]

#: the shortest password accepted (a generated one is 24 characters)
MIN_PASSWORD = 12
_N, _R, _P = 2**14, 8, 1
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: str
    disabled_at: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role.value, "created_at": self.created_at,
                "disabled_at": self.disabled_at}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _kdf(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_password(password: str) -> str:
    """The stored form of a password: ``scrypt$n$r$p$salt$hash`` (base64), a fresh salt each time."""
    salt = secrets.token_bytes(16)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(_kdf(password, salt, _N, _R, _P))}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = _kdf(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def new_password() -> str:
    """A generated password: 24 URL-safe characters (144 random bits)."""
    return secrets.token_urlsafe(18)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise IdentityGraphError(
            f"a password needs at least {MIN_PASSWORD} characters; leave it out to have one generated"
        )
    if len(password) > 1024:
        raise IdentityGraphError("a password may hold at most 1024 characters")
    return password


def add_user(store: Store, name: str, role: str | Role, password: str | None = None) -> tuple[User, str]:
    """Make a user; returns it and the password (generated when none is given: show it once).

    >>> # user, password = add_user(store, "ana", "investigator")
    """
    r = _role(role)
    if not _NAME.match(name):
        raise IdentityGraphError(f"user name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (e.g. ana.khan)")
    if r.value in ("match", "service"):
        raise IdentityGraphError(
            f"role {r.value} is for systems, not people: give a user investigator, reviewer or admin"
        )
    if name in set(store.users()["name"]):
        raise IdentityGraphError(
            f"a user named {name!r} exists already (disabled users keep their name for the audit); choose another name"
        )
    raw = _checked_password(password) if password is not None else new_password()
    created = _now()
    store.add_user(name, hash_password(raw), r.value, created)
    return User(name, r, created), raw


def list_users(store: Store) -> list[User]:
    """Every user, disabled ones too (never a password nor its hash)."""
    df = store.users()
    return [User(str(n), Role(str(r)), str(c), d or None)
            for n, r, c, d in zip(df["name"], df["role"], df["created_at"], df["disabled_at"], strict=True)]


def disable_user(store: Store, name: str) -> None:
    """Disable a user at once: their next request (and every open session) is refused."""
    if not store.disable_user(name, _now()):
        active = [u.name for u in list_users(store) if u.disabled_at is None]
        raise NotFoundError(f"no active user named {name!r} (active: {', '.join(active) or 'none'})")


def set_password(store: Store, name: str, password: str | None = None) -> str:
    """Give a user a new password (generated when none is given); returns it."""
    raw = _checked_password(password) if password is not None else new_password()
    if not store.set_user_password(name, hash_password(raw)):
        raise NotFoundError(f"no active user named {name!r}; make one with `idgraph users add NAME --role ROLE`")
    return raw


def authenticate_password(store: Store, name: str, password: str) -> Actor | None:
    """The actor a name and password belong to, or None (unknown, disabled or wrong password:
    the same answer, and about the same time, for each)."""
    row = store.user(name) if _NAME.match(name or "") and len(password) <= 1024 else None
    if row is None or not row.get("password_hash"):
        verify_password(password[:1024], _DUMMY)  # as slow as a real check
        return None
    if not verify_password(password, str(row["password_hash"])):
        return None
    return Actor(str(row["name"]), Role(str(row["role"])), None)
