"""Owner-only files and folders, whatever the umask (issue 12, defect 3; ADR 0027).

Everything this project writes holds personal data: the store and SQLite's side files
(``-wal``, ``-shm``, ``-journal``), rejects files (whole raw rows), exports, and the development
Neo4j server's folder. Each is created 0600 (files) or 0700 (folders) here, not left to the
process umask (a typical 022 makes them readable by every local user):

* :func:`create_private_file` makes the SQLite store file 0600 before SQLite opens it. SQLite
  gives a database's ``-wal``, ``-shm`` and ``-journal`` the permissions of the database file
  itself, overriding the umask (``os_unix.c``: ``findCreateFileMode`` and the ``fchmod`` in
  ``robust_open``), so they are 0600 too; the tests check it under umask 000 and 022.
* :func:`open_private` writes a file (rejects, exports) created, or truncated, as 0600.
* :func:`private_dirs` makes the missing folders of a path 0700 (never changing a folder that
  already exists: the working directory is not ours to change).
* :data:`PRIVATE_UMASK` is the umask a child process (the Neo4j server) runs with, so the files
  it creates are owner-only too.

:func:`findings` is what ``idgraph doctor`` reports: every such path that group or others may
read, write or enter, with the command that fixes it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "FILE_MODE",
    "DIR_MODE",
    "PRIVATE_UMASK",
    "SIDE_SUFFIXES",
    "Checked",
    "Finding",
    "create_private_file",
    "open_private",
    "refuse_overwriting",
    "private_dirs",
    "findings",
    "fix",
    "neo4j_paths",
    "store_paths",
]

FILE_MODE = 0o600
DIR_MODE = 0o700
#: the umask of child processes that write personal data (the Neo4j server)
PRIVATE_UMASK = 0o077
#: files SQLite keeps beside a database
SIDE_SUFFIXES: tuple[str, ...] = ("-wal", "-shm", "-journal")


def private_dirs(path: str | os.PathLike[str]) -> None:
    """``path`` and its missing parents as folders; those created here are 0700 (existing
    folders are left as they are)."""
    p = Path(path)
    missing: list[Path] = []
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:  # made by another process meanwhile: not ours to change
            continue
        os.chmod(d, DIR_MODE)  # the umask may have taken bits off; we want exactly 0700


def create_private_file(path: str | os.PathLike[str]) -> bool:
    """Create ``path`` empty and 0600 if it does not exist (True), else leave it (False)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def open_private(
    path: str | os.PathLike[str], *, append: bool = False, binary: bool = False, **kw: Any
) -> IO[Any]:
    """Open ``path`` for writing (text unless ``binary``; ``kw``: ``encoding``, ``newline``),
    truncated unless ``append``. A regular file is made 0600 whether it is new or not (it is
    about to hold personal data); devices and pipes (``/dev/stdout``) are written as they are."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, ("a" if append else "w") + ("b" if binary else ""), **kw)
    except BaseException:
        os.close(fd)
        raise


def refuse_overwriting(out: str | os.PathLike[str], *, store: str | None = None,
                       inputs: Iterable[str | os.PathLike[str]] = (), what: str = "the output") -> None:
    """Raise ``ValueError`` when writing ``out`` would overwrite the store (or one of its side
    files) or one of the ``inputs`` being read: a rejects file, an export or a picture pointed
    at the store by mistake would empty it (issue 12's second review)."""
    target = Path(out).expanduser().resolve()
    if store and "://" not in store and store != ":memory:":
        base = Path(store).expanduser().resolve()
        if target in {base, *(Path(f"{base}{side}") for side in SIDE_SUFFIXES), Path(f"{base}-writer")}:
            raise ValueError(f"{what} {out} is the store {store} (or one of its files): writing it would "
                             "destroy the store; give another path")
    for given in inputs:
        if target == Path(given).expanduser().resolve():
            raise ValueError(f"{what} {out} is the file being read ({given}); give another path")


# -- checking: idgraph doctor -----------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One path group or others may use: what it is, its mode, who may do what, the fix."""

    path: str
    what: str
    mode: str
    problem: str
    fix: str
    #: for a folder: how many paths inside it are open to others as well
    inside: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem(mode: int, folder: bool = False) -> str:
    who = []
    for name, shift in (("group", 3), ("others", 0)):
        bits = (mode >> shift) & 0o7
        can = [v for v, b in (("read", 4), ("write", 2), ("enter" if folder else "execute", 1)) if bits & b]
        if can:
            who.append(f"{name} may {'/'.join(can)}")
    return "; ".join(who)


def _exposed(st: os.stat_result) -> bool:
    return bool(stat.S_IMODE(st.st_mode) & PRIVATE_UMASK)


def _quote(path: Path) -> str:
    return shlex.quote(str(path))


def _walk(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every path under ``root`` (not following symbolic links), with its lstat."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            with contextlib.suppress(OSError):
                yield p, p.lstat()


def _dir_finding(p: Path, what: str, m: int) -> Finding:
    inside = sum(1 for _, t in _walk(p) if not stat.S_ISLNK(t.st_mode) and _exposed(t))
    return Finding(str(p), what, f"{m:04o}", _problem(m, folder=True), f"chmod -R go-rwx {_quote(p)}", inside)


def _check(path: Path, what: str, deep: bool, out: list[Finding]) -> None:
    try:
        st = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    mode = stat.S_IMODE(st.st_mode)
    if not stat.S_ISDIR(st.st_mode):
        if _exposed(st):
            out.append(Finding(str(path), what, f"{mode:04o}", _problem(mode), f"chmod 600 {_quote(path)}"))
        return
    if _exposed(st):
        out.append(_dir_finding(path, what, mode))
        return
    if not deep:
        return
    reported: list[Path] = []
    for p, s in sorted(_walk(path)):
        if stat.S_ISLNK(s.st_mode) or not _exposed(s) or any(d in p.parents for d in reported):
            continue
        m = stat.S_IMODE(s.st_mode)
        if stat.S_ISDIR(s.st_mode):
            out.append(_dir_finding(p, what, m))
            reported.append(p)  # what is inside is counted, not listed
        else:
            out.append(Finding(str(p), what, f"{m:04o}", _problem(m), f"chmod 600 {_quote(p)}"))


@dataclass(frozen=True)
class Checked:
    """A path ``idgraph doctor`` looks at: what it is, and whether everything inside counts."""

    path: str
    what: str
    deep: bool = True

    @property
    def exists(self) -> bool:
        return os.path.lexists(self.path)


def findings(paths: Iterable[Checked]) -> list[Finding]:
    """Every path of ``paths`` (a ``deep`` folder with everything in it) that group or others
    may read, write or enter. Missing paths are skipped; symbolic links are not followed."""
    out: list[Finding] = []
    for c in paths:
        _check(Path(c.path), c.what, c.deep, out)
    return out


def store_paths(store: str) -> list[Checked]:
    """What an embedded store at ``store`` keeps on disk: the file, SQLite's side files, and the
    default rejects folder (``<store>.rejects/``). None for a Neo4j URI (its files are the
    server's: see :func:`neo4j_paths`)."""
    if "://" in store or store == ":memory:":
        return []
    return [
        Checked(store, "store"),
        *(Checked(store + suffix, "store side file") for suffix in SIDE_SUFFIXES),
        Checked(store + ".rejects", "rejects folder"),
    ]


def neo4j_paths(home: str | os.PathLike[str]) -> list[Checked]:
    """The development Neo4j server's folder (``idgraph neo4j start``): the folder itself, its
    credentials, its database and its logs (the launcher's jars in ``build/`` are not data)."""
    h = Path(home)
    return [
        Checked(str(h), "neo4j folder", deep=False),
        Checked(str(h / "credentials.json"), "neo4j credentials"),
        Checked(str(h / "dbms"), "neo4j data"),
        Checked(str(h / "logs"), "neo4j logs"),
    ]


def fix(found: Iterable[Finding]) -> None:
    """Make each found path owner-only: a file 0600; a folder and everything in it without its
    group and other bits (as ``chmod -R go-rwx``)."""
    for f in found:
        p = Path(f.path)
        if p.is_dir() and not p.is_symlink():
            for q, s in [(p, p.lstat()), *_walk(p)]:
                if not stat.S_ISLNK(s.st_mode):
                    os.chmod(q, stat.S_IMODE(s.st_mode) & ~PRIVATE_UMASK)
        elif p.exists() and not p.is_symlink():
            os.chmod(p, FILE_MODE)
