"""One exception tree for the whole library.

Every error says what went wrong, where (file, row, column or key), and what to do about it.
The CLI turns these into a message and an exit code; the library never prints.
"""

from __future__ import annotations

__all__ = [
    "IdentityGraphError",
    "MappingError",
    "ManifestError",
    "IngestError",
    "BatchLoadError",
    "StoreError",
    "StoreNotFoundError",
    "StoreBusyError",
    "StaleInputError",
    "ModelError",
    "SettingsError",
    "BlockingExplosionError",
    "NotFoundError",
]


class IdentityGraphError(Exception):
    """Base class of every error this library raises on purpose."""

    exit_code = 1


class MappingError(IdentityGraphError):
    """A source mapping TOML is invalid. The message names the file, the key and the fix.

    ``problems`` holds every problem found, so a user fixes them all in one pass.
    """

    exit_code = 2

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"mapping {path} has {len(self.problems)} problem(s):\n{lines}")


class ManifestError(MappingError):
    """A load manifest (``idgraph load --manifest``) is invalid; ``problems`` lists every one."""

    def __init__(self, path: str, problems: list[str]):
        super().__init__(path, problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        self.args = (f"load manifest {path} has {len(self.problems)} problem(s):\n{lines}",)


class IngestError(IdentityGraphError):
    """An export cannot be read at all (not one bad row: those are rejected, not raised)."""

    exit_code = 3

    def __init__(
        self,
        path: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ):
        self.path, self.row, self.column, self.fix = path, row, column, fix
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        text = f"{where}: {message}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class BatchLoadError(IdentityGraphError):
    """One export of a batch load failed: it was rolled back, the exports before it stay loaded
    (``loaded`` holds their reports) and the ``not_started`` ones after it were not loaded.

    ``cause`` is the export's own error (which names its file, row and column); the exit code is
    the cause's.
    """

    def __init__(self, path: object, cause: IdentityGraphError, *, loaded: list[object], not_started: int):
        self.path, self.cause, self.loaded, self.not_started = str(path), cause, list(loaded), not_started
        self.exit_code = cause.exit_code
        after = f"; the {not_started} export(s) after it were not started" if not_started else ""
        super().__init__(
            f"{cause}\nbatch stopped at {self.path}: it was rolled back (the store is as it was "
            f"before it), the {len(self.loaded)} export(s) before it are loaded{after}. Fix it and "
            "run the same command again: loaded exports are found unchanged."
        )


class StoreError(IdentityGraphError):
    """The store cannot be opened, migrated or written."""

    exit_code = 4


class StoreNotFoundError(StoreError):
    """No store at the path or URI given, and it was not asked to be created (``--create``,
    ``idgraph init``): a mistyped ``--store`` is this error, never a new empty store."""


class StoreBusyError(StoreError):
    """Another process held the store's write lock for longer than this one would wait
    (``--wait``); the message names the holder (pid, host, command, since when) when it is known.
    Nothing was written: run the command again when the holder has finished."""

    exit_code = 8


class StaleInputError(StoreError):
    """A run (resolve, recluster, update) was computed from a state of the store that changed
    before it could be written: another run was recorded, or records were loaded or removed,
    since it read its input. Nothing was written: run it again (ADR 0028)."""

    exit_code = 9


class ModelError(IdentityGraphError):
    """The matching model is invalid or missing (e.g. explain before any resolve)."""

    exit_code = 5


class SettingsError(ModelError):
    """A settings file (``idgraph resolve --settings``) breaks its schema (``settings_schema``).

    ``problems`` holds every problem found, each "path in the file: what is wrong and the fix".
    """

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{path}: {len(self.problems)} problem(s):\n{lines}\n"
            "(start from `idgraph resolve --print-settings`)"
        )


class StaleIndexError(StaleInputError):
    """A warm live index no longer matches its store: another process ran a resolve, recluster
    or update since it was read. Open it again (``api.open_live``); the service does so itself."""


class BlockingExplosionError(IdentityGraphError):
    """A blocking rule would generate more candidate pairs than the configured guard allows."""

    exit_code = 6


class NotFoundError(IdentityGraphError):
    """A person, record or run asked for does not exist."""

    exit_code = 7
