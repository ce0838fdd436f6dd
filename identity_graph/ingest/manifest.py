"""A load manifest (TOML): the exports a batch load reads, in order, each with its mapping.

A council's nightly load is a file kept next to the mappings::

    # load.toml (paths are relative to this file)
    [[export]]
    file = "exports/council_tax.csv"
    mapping = "mappings/council_tax.toml"

    [[export]]
    file = "exports/housing.xlsx"
    mapping = "mappings/housing.toml"
    rejects = "rejects/housing.csv"   # optional; default: next to the store

``idgraph load --manifest load.toml`` loads them in one process (see ``docs/MAPPING_SPEC.md`` and
ADR 0012). Every problem in the manifest is reported together, naming the entry and the key.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from identity_graph.errors import ManifestError

__all__ = ["ManifestEntry", "read_manifest"]

_KEYS = ("file", "mapping", "rejects")


def _inside(path: Path, folder: Path) -> bool:
    """True if ``path`` resolves (links followed, ``..`` removed) inside ``folder``."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


class ManifestEntry:
    """One ``[[export]]``: absolute paths of the export, its mapping and (optional) rejects CSV."""

    __slots__ = ("file", "mapping", "rejects")

    def __init__(self, file: Path, mapping: Path, rejects: Path | None = None):
        self.file, self.mapping, self.rejects = file, mapping, rejects

    def __repr__(self) -> str:
        return f"ManifestEntry({str(self.file)!r}, {str(self.mapping)!r}, {self.rejects and str(self.rejects)!r})"


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def read_manifest(path: str | Path, *, allow_outside: bool = False) -> list[ManifestEntry]:
    """Parse and validate a load manifest; raise :class:`ManifestError` listing every problem.

    Every path must resolve (symbolic links followed) inside the manifest's own folder, whether
    written relative or absolute: a manifest cannot make a load read ``../../etc/passwd`` or write
    its rejects anywhere else (ADR 0029). ``allow_outside=True`` (``idgraph load
    --allow-paths-outside-manifest``) lifts this for a manifest its operator trusts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "load.toml").write_text('[[export]]\\nfile = "hr.csv"\\nmapping = "hr.toml"\\n')
    >>> [(e.file.name, e.mapping.name) for e in read_manifest(d / "load.toml")]
    [('hr.csv', 'hr.toml')]
    """
    p = Path(path)
    where = str(p)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(where, ["file not found; check the path"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problem = f"is not valid TOML ({exc})"
        if _is_json(p):
            problem = ("is JSON, but a load manifest is TOML: [[export]] tables with file = \"...\" and "
                       "mapping = \"...\" (docs/MAPPING_SPEC.md)")
            if (p.parent / "load.toml").is_file():
                problem += f"; the load manifest beside it is {p.parent / 'load.toml'}"
        raise ManifestError(where, [problem]) from None
    problems = [f"unknown top-level key {k!r}; a manifest holds [[export]] tables only" for k in data if k != "export"]
    exports = data.get("export")
    if not isinstance(exports, list) or not exports:
        problems.append('no exports: add [[export]] tables with file = "..." and mapping = "..."')
        raise ManifestError(where, problems)
    base = p.parent
    out: list[ManifestEntry] = []
    for i, entry in enumerate(exports, 1):
        at = f"[[export]] number {i}"
        if not isinstance(entry, dict):
            problems.append(f"{at} is not a table")
            continue
        problems += [f"{at}: unknown key {k!r} (valid: {', '.join(_KEYS)})" for k in entry if k not in _KEYS]
        paths: dict[str, Path | None] = {}
        for key in _KEYS:
            value = entry.get(key)
            if value is None:
                if key != "rejects":
                    problems.append(f'{at}: {key} is missing; set {key} = "path/relative/to/the/manifest"')
                paths[key] = None
            elif not isinstance(value, str) or not value.strip():
                problems.append(f"{at}: {key} must be a path (text), not {value!r}")
                paths[key] = None
            else:
                q: Path | None = base / value
                if not allow_outside and not _inside(q, base):
                    problems.append(
                        f"{at}: {key} {value!r} is outside the manifest's folder {base.resolve()}; "
                        "move the file there, or pass --allow-paths-outside-manifest if you trust "
                        "this manifest"
                    )
                    q = None
                paths[key] = q
        for key in ("file", "mapping"):
            q = paths[key]
            if q is not None and not q.is_file():
                problems.append(f"{at}: {key} {q} not found (paths are relative to the manifest)")
        if paths["file"] is not None and paths["mapping"] is not None:
            out.append(ManifestEntry(paths["file"], paths["mapping"], paths["rejects"]))  # type: ignore[arg-type]
    if problems:
        raise ManifestError(where, problems)
    return out
