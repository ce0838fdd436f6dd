"""Who holds an embedded store's write lock: a note beside the store, for the error a waiting
writer gives (ADR 0028).

SQLite's own lock is the lock: one writer at a time, released by the operating system when its
process ends, however it ends. This module only *describes* the holder. A writer that has the
lock writes ``<store>-writer`` (owner-only): its pid, host, command (the command's name, never
its arguments, which may hold personal data) and since when; it removes the note when its
transaction ends. A writer that gave up waiting reads the note to say who held the store. A
crashed holder leaves its note behind, but not the lock: the next writer takes the lock and
overwrites the note, and a note whose process is gone is reported as such.

>>> describe({"pid": 4242, "host": "elsewhere", "command": "idgraph load", "since": "2026-12-07T09:00:00+00:00"})
'pid 4242 on elsewhere (idgraph load, since 2026-12-07T09:00:00+00:00)'
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StoreBusyError

__all__ = ["DEFAULT_WAIT", "note_path", "write_note", "clear_note", "read_note", "describe", "busy_error",
           "process_label"]

#: seconds a writer waits for another writer to finish before giving up (``--wait``)
DEFAULT_WAIT = 60.0


def note_path(store_path: str | os.PathLike[str]) -> Path:
    """``<store>-writer``, beside SQLite's own ``-wal`` and ``-shm`` files."""
    return Path(f"{os.fspath(store_path)}-writer")


def process_label() -> str:
    """The command this process runs, without its arguments: ``idgraph`` or ``python``."""
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"


def write_note(store_path: str | os.PathLike[str], command: str) -> None:
    """Record this process as the holder of the write lock (owner-only file; best effort: a
    note that cannot be written costs only the description of a later wait)."""
    note = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
            "since": datetime.now(UTC).isoformat(timespec="seconds")}
    path = note_path(store_path)
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(json.dumps(note))


def read_note(store_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The holder's note, or None when there is none (or it cannot be read)."""
    try:
        note = json.loads(note_path(store_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


def clear_note(store_path: str | os.PathLike[str]) -> None:
    """Remove this process's note (a note another process wrote since is left alone)."""
    note = read_note(store_path)
    if note is not None and note.get("pid") == os.getpid() and note.get("host") == socket.gethostname():
        with contextlib.suppress(OSError):
            note_path(store_path).unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def describe(note: dict[str, Any] | None) -> str:
    """The holder in words, e.g. ``pid 4242 on host (idgraph load, since ...)``."""
    if not note:
        return "another process (it left no note: an older identity-graph, or a tool such as sqlite3)"
    pid, host = note.get("pid"), note.get("host")
    text = f"pid {pid} on {host} ({note.get('command') or '?'}, since {note.get('since') or '?'})"
    if host == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
        text += "; that process has ended, so the lock is free now or held by a process that left no note"
    return text


def busy_error(store_path: str | os.PathLike[str], waited: float) -> StoreBusyError:
    """The error of a writer that waited ``waited`` seconds for the lock and gave up."""
    holder = describe(read_note(store_path))
    return StoreBusyError(
        f"store {os.fspath(store_path)} is busy: another writer held it for the {waited:g}s this "
        f"command waited. Held by {holder}. Nothing was written: run the command again when it has "
        "finished, or wait longer with --wait SECONDS (env IDGRAPH_WAIT)"
    )
