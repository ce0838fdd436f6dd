"""The audit log: every read of a person or a record, by the service and by the CLI.

An entry says who (an API key's name, or ``cli:<os user>``), when, through what (the route
template or the command), which person and record, and why (the ``X-Purpose`` header, or
``--purpose``). A search's values are personal data and never enter the log: its entries name
the fields searched by and the people returned.

>>> rows = entries("cli:ana", "cli", "idgraph person", [("P1a2b3c4d5e6f", None)], purpose="SAR 41")
>>> rows[0]["person_id"], rows[0]["purpose"]
('P1a2b3c4d5e6f', 'SAR 41')
"""

from __future__ import annotations

import getpass
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ..store.contract import AUDIT_COLUMNS, Store

__all__ = ["AUDIT_COLUMNS", "entries", "record", "cli_actor", "audit_log", "clean_purpose", "now"]

#: the longest purpose kept (longer ones are cut)
PURPOSE_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def now() -> str:
    """The time an entry is stamped with: ISO 8601, UTC, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def clean_purpose(purpose: str | None) -> str | None:
    """A purpose as given, without control characters, at most ``PURPOSE_MAX`` characters."""
    if purpose is None:
        return None
    text = _CONTROL.sub(" ", purpose).strip()[:PURPOSE_MAX]
    return text or None


def cli_actor() -> str:
    """The actor of a command run at a terminal: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        import os

        user = f"uid{os.getuid()}"
    return f"cli:{user}"


def entries(
    actor: str,
    role: str,
    action: str,
    reads: Iterable[tuple[str | None, str | None]],
    *,
    purpose: str | None = None,
    request_id: str | None = None,
    detail: str | None = None,
    at: str | None = None,
) -> list[dict[str, Any]]:
    """One entry per (person_id, record_id) read; one entry with neither when nothing was
    returned (the read was still made: a search that found no one)."""
    stamp = at or now()
    rid = request_id or uuid.uuid4().hex
    why = clean_purpose(purpose)
    seen: list[tuple[str | None, str | None]] = list(dict.fromkeys(reads)) or [(None, None)]
    return [
        {"at": stamp, "actor": actor, "role": role, "action": action, "person_id": p, "record_id": r,
         "purpose": why, "request_id": rid, "detail": detail}
        for p, r in seen
    ]


def record(
    store: Store,
    actor: str,
    role: str,
    action: str,
    reads: Iterable[tuple[str | None, str | None]],
    *,
    purpose: str | None = None,
    detail: str | None = None,
) -> None:
    """Write the entries of one read now (the CLI's path; the service batches them)."""
    store.write_audit(entries(actor, role, action, reads, purpose=purpose, detail=detail))


def audit_log(store: Store, limit: int = 100, person_id: str | None = None,
              actor: str | None = None) -> pd.DataFrame:
    """``seq`` + ``AUDIT_COLUMNS``, newest first: who read what, when and why."""
    return store.audit_log(limit=limit, person_id=person_id, actor=actor)
