"""Why the provisioned Neo4j server could not be built or started, and what to do about it."""

from __future__ import annotations

from ...errors import StoreError

__all__ = [
    "Neo4jServerError",
    "JavaNotFoundError",
    "MavenNotFoundError",
    "LauncherBuildError",
    "Neo4jStartError",
]


class Neo4jServerError(StoreError):
    """The development Neo4j server cannot be built, started or stopped."""


class JavaNotFoundError(Neo4jServerError):
    """No usable ``java`` (17 or later)."""


class MavenNotFoundError(Neo4jServerError):
    """No ``mvn`` to build the launcher with."""


class LauncherBuildError(Neo4jServerError):
    """``mvn package`` failed (usually: Maven Central not reachable)."""


class Neo4jStartError(Neo4jServerError):
    """The server process exited, or Bolt did not answer in time."""
