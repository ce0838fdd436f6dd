"""A real Neo4j server for development, tests and CI, provisioned from Maven Central.

No Docker engine and no neo4j.com download: ``launcher/`` is a small Maven project that runs
Neo4j Community 5.26 LTS embedded, with Bolt on 127.0.0.1 and the open-source Graph Data Science
library (docs/adr/0007-neo4j-from-maven.md). This package builds it, starts and stops it; it is
not a store (the Neo4j store connects to whatever ``NEO4J_URI`` names).

>>> from identity_graph.store.neo4j import server
>>> info = server.start()            # doctest: +SKIP
>>> info.uri, info.user              # doctest: +SKIP
('bolt://127.0.0.1:40123', 'neo4j')
>>> server.stop()                    # doctest: +SKIP
True
"""

from __future__ import annotations

from .errors import (
    JavaNotFoundError,
    LauncherBuildError,
    MavenNotFoundError,
    Neo4jServerError,
    Neo4jStartError,
)
from .server import ServerInfo, neo4j_home, start, status, stop

__all__ = [
    "ServerInfo",
    "neo4j_home",
    "start",
    "status",
    "stop",
    "Neo4jServerError",
    "JavaNotFoundError",
    "MavenNotFoundError",
    "LauncherBuildError",
    "Neo4jStartError",
]
