"""Browser sessions of the workbench: a signed cookie, CSRF tokens, logout.

The cookie holds ``base64(json).base64(hmac)``: the session id, whether it came from an API key
or a user's password, the actor's name and role, when it was issued and when it expires, and the
case purpose the investigator gave. It is signed with HMAC-SHA256 under a secret kept in the
store (``Store.secret``), made on first use, so sessions outlive a restart and hold across
processes. It holds no personal data and no credential: the key or password is checked once, at
login. Every request checks the signature and the expiry, and that the key (by name) or user is
still active with the same role (a revoked key, a disabled user or a new password ends every
session at once). Logout forgets the session id until the cookie would have expired anyway.

The CSRF token of a session is ``HMAC(secret, "csrf|" + sid)``: every form carries it in a
hidden field and every POST is refused without it. The login form, before any session, carries
``HMAC(secret, "login|" + nonce)`` for a nonce in a short-lived cookie of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Session", "Signer", "COOKIE", "LOGIN_COOKIE", "SESSION_SECONDS", "session_seconds"]

COOKIE = "idg_wb_session"
LOGIN_COOKIE = "idg_wb_login"
#: how long a session lasts from login (override with IDGRAPH_WORKBENCH_SESSION_MINUTES)
SESSION_SECONDS = 8 * 3600


def session_seconds() -> int:
    minutes = os.environ.get("IDGRAPH_WORKBENCH_SESSION_MINUTES")
    if minutes is None:
        return SESSION_SECONDS
    try:
        value = int(minutes)
    except ValueError:
        raise ValueError(f"IDGRAPH_WORKBENCH_SESSION_MINUTES={minutes!r}: give a whole number of minutes") from None
    if value < 1:
        raise ValueError("IDGRAPH_WORKBENCH_SESSION_MINUTES must be at least 1")
    return value * 60


@dataclass(frozen=True)
class Session:
    sid: str
    kind: str  # "key" or "user"
    name: str
    role: str
    issued: int
    expires: int
    stamp: str = ""  # a user's password fingerprint (a new password ends the session)
    purpose: str | None = None

    @property
    def actor(self) -> str:
        """The name audit entries and decisions carry: a key's name, or ``user:NAME``."""
        return self.name if self.kind == "key" else f"user:{self.name}"

    def with_purpose(self, purpose: str | None) -> Session:
        return replace(self, purpose=purpose)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and reads session cookies and CSRF tokens under one secret; remembers logouts."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(("idgraph-workbench|" + secret).encode("utf-8")).digest()
        self._ended: dict[str, int] = {}  # sid -> expiry, for sessions logged out
        self._lock = threading.Lock()

    def _mac(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).digest())

    def fingerprint(self, password_hash: str) -> str:
        return self._mac("pw|" + password_hash)[:16]

    def new(self, kind: str, name: str, role: str, *, stamp: str = "", seconds: int | None = None) -> Session:
        now = int(time.time())
        return Session(secrets.token_urlsafe(24), kind, name, role, now, now + (seconds or session_seconds()),
                       stamp)

    def dump(self, s: Session) -> str:
        body = _b64(json.dumps(
            {"sid": s.sid, "k": s.kind, "n": s.name, "r": s.role, "i": s.issued, "e": s.expires,
             "s": s.stamp, "p": s.purpose}, separators=(",", ":")).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, or None (missing, forged, expired or logged out)."""
        if not cookie or len(cookie) > 4096 or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            d: dict[str, Any] = json.loads(_unb64(body))
            s = Session(str(d["sid"]), str(d["k"]), str(d["n"]), str(d["r"]), int(d["i"]), int(d["e"]),
                        str(d.get("s") or ""), d.get("p"))
        except (ValueError, KeyError, TypeError):
            return None
        now = int(time.time())
        if s.expires <= now:
            return None
        with self._lock:
            if s.sid in self._ended:
                return None
        return s

    def end(self, s: Session) -> None:
        """Log a session out: its cookie is refused from now on."""
        now = int(time.time())
        with self._lock:
            self._ended = {k: v for k, v in self._ended.items() if v > now}
            self._ended[s.sid] = s.expires

    def csrf(self, s: Session) -> str:
        return self._mac("csrf|" + s.sid)

    def check_csrf(self, s: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf(s))

    def login_csrf(self, nonce: str) -> str:
        return self._mac("login|" + nonce)

    def check_login_csrf(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce) and bool(token) and hmac.compare_digest(str(token), self.login_csrf(str(nonce)))
