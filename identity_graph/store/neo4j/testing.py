"""A Neo4j server for a test session: external, testcontainers, or provisioned, in that order.

1. ``NEO4J_URI`` is set: that server (``NEO4J_USER``, default ``neo4j``; ``NEO4J_PASSWORD``).
2. A Docker engine answers: a throwaway ``Neo4jContainer`` (image ``IDGRAPH_NEO4J_IMAGE``,
   default ``neo4j:5.26-community``).
3. Otherwise the provisioned server of :mod:`identity_graph.store.neo4j.server`, started if
   needed and stopped at the end only if this call started it.

Nothing here skips: if no server can be had, the error propagates and the tests fail.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from . import server

__all__ = ["Neo4jForTests", "docker_engine_answers", "neo4j_for_tests"]

log = logging.getLogger(__name__)


class Neo4jForTests(NamedTuple):
    uri: str
    user: str
    password: str
    #: "external", "testcontainers" or "provisioned"
    kind: str = "provisioned"


def docker_engine_answers(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds."""
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False  # the common case here: a docker client, no engine
    # the SDK leaves its socket open when the engine is missing: keep that out of -W error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            import docker

            client = docker.from_env(timeout=int(max(1, timeout)))
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:  # no SDK, no socket, engine down: all mean "no Docker"
            return False
        finally:
            gc.collect()


@contextlib.contextmanager
def neo4j_for_tests(home: str | os.PathLike[str] | None = None) -> Iterator[Neo4jForTests]:
    """Yields ``(uri, user, password, kind)`` of a server to test against.

    ``home``: where a provisioned server keeps its data (tests use their own, so they never
    touch a developer's database).
    """
    uri = os.environ.get("NEO4J_URI")
    if uri:
        log.info("testing against the external Neo4j at %s", uri)
        yield Neo4jForTests(
            uri,
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", ""),
            "external",
        )
        return
    if docker_engine_answers():
        from testcontainers.community.neo4j import Neo4jContainer

        image = os.environ.get("IDGRAPH_NEO4J_IMAGE", "neo4j:5.26-community")
        log.info("testing against a %s container", image)
        with Neo4jContainer(image) as container:
            yield Neo4jForTests(
                container.get_connection_url(),
                container.username,
                container.password,
                "testcontainers",
            )
        return
    started_here = server.status(home) is None
    info = server.start(home)
    try:
        yield Neo4jForTests(info.uri, info.user, info.password, "provisioned")
    finally:
        if started_here:
            server.stop(home)


def wipe(server: Neo4jForTests) -> None:
    """Empty the server's database (Neo4j Community has one per server). Tests only."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver, driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
