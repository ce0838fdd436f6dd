"""Real Cypher against a real Neo4j: the server this project provisions (or NEO4J_URI's, or a
container's). These tests share the server with development data, so each writes under its own
label and deletes it afterwards."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from neo4j import Driver
from neo4j.exceptions import ClientError

from identity_graph.cli.main import cli
from identity_graph.store.neo4j.testing import Neo4jForTests

pytestmark = pytest.mark.neo4j


@pytest.fixture
def label(neo4j_driver: Driver) -> Iterator[str]:
    """A label no other data has; its nodes are deleted after the test."""
    name = f"IdgraphTest_{uuid.uuid4().hex[:12]}"
    yield name
    neo4j_driver.execute_query(f"MATCH (n:{name}) DETACH DELETE n")


def test_create_and_read_a_node(neo4j_driver: Driver, label: str) -> None:
    neo4j_driver.execute_query(
        f"CREATE (:{label} {{record_id: $rid, given_name: $name}})",
        rid="council_tax:CT000001",
        name="ada",
    )
    records, _, _ = neo4j_driver.execute_query(
        f"MATCH (n:{label} {{record_id: $rid}}) RETURN n.given_name AS name",
        rid="council_tax:CT000001",
    )
    assert [r["name"] for r in records] == ["ada"]


def test_unwind_batch_write(neo4j_driver: Driver, label: str) -> None:
    rows = [{"record_id": f"housing:H{i:05d}", "size": i % 7} for i in range(5_000)]
    summary = neo4j_driver.execute_query(
        f"UNWIND $rows AS row CREATE (n:{label}) SET n = row", rows=rows
    ).summary
    assert summary.counters.nodes_created == len(rows)
    records, _, _ = neo4j_driver.execute_query(
        f"MATCH (n:{label}) RETURN count(n) AS n, sum(n.size) AS total"
    )
    assert (records[0]["n"], records[0]["total"]) == (len(rows), sum(r["size"] for r in rows))


def test_graph_data_science_is_loaded_on_the_provisioned_server(
    neo4j: Neo4jForTests, neo4j_driver: Driver
) -> None:
    if neo4j.kind == "provisioned":
        records, _, _ = neo4j_driver.execute_query("CALL gds.version()")
        assert re.fullmatch(r"2\.13\.\d+", records[0]["gdsVersion"])
        return
    # another server may lack GDS; then the call must fail the way the store's fallback expects
    try:
        records, _, _ = neo4j_driver.execute_query("CALL gds.version()")
    except ClientError as exc:
        assert exc.code == "Neo.ClientError.Procedure.ProcedureNotFound"
    else:
        assert records[0]["gdsVersion"]


def test_gds_connected_components(neo4j: Neo4jForTests, neo4j_driver: Driver, label: str) -> None:
    if neo4j.kind != "provisioned":
        return  # GDS is only guaranteed on the provisioned server (see the test above)
    neo4j_driver.execute_query(
        f"UNWIND $pairs AS p MERGE (a:{label} {{id: p[0]}}) MERGE (b:{label} {{id: p[1]}}) "
        "MERGE (a)-[:SIMILAR]->(b)",
        pairs=[[1, 2], [2, 3], [4, 5]],
    )
    graph = f"g_{label}"
    neo4j_driver.execute_query(
        "CALL gds.graph.project($g, $label, {SIMILAR: {orientation: 'UNDIRECTED'}})",
        g=graph,
        label=label,
    )
    try:
        records, _, _ = neo4j_driver.execute_query(
            "CALL gds.wcc.stream($g) YIELD componentId RETURN count(DISTINCT componentId) AS n",
            g=graph,
        )
    finally:
        neo4j_driver.execute_query("CALL gds.graph.drop($g)", g=graph)
    assert records[0]["n"] == 2


def test_status_prints_eval_able_variables(neo4j: Neo4jForTests) -> None:
    test_home = Path(__file__).parents[2] / ".neo4j-test"  # tests/conftest.py: NEO4J_TEST_HOME
    result = CliRunner().invoke(cli, ["neo4j", "status", "--home", str(test_home)], catch_exceptions=False)
    if neo4j.kind != "provisioned":
        assert result.exit_code in (0, 1)  # the provisioned server may or may not run too
        return
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
    ]
    assert re.fullmatch(r"NEO4J_URI=bolt://127\.0\.0\.1:\d+", lines[0])
    assert lines[0] == f"NEO4J_URI={neo4j.uri}"
    assert lines[1] == f"NEO4J_USER={neo4j.user}"
    assert lines[2] == f"NEO4J_PASSWORD={neo4j.password}"
    assert re.fullmatch(r"NEO4J_PASSWORD=[A-Za-z0-9_-]+", lines[2])  # no shell quoting needed


def test_status_exits_1_when_not_running(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["neo4j", "status", "--home", str(tmp_path / "none")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "not running" in result.stderr


def test_every_neo4j_command_has_an_example() -> None:
    group = cli.commands["neo4j"]
    assert "Example:" in (group.help or "")
    for name in ("start", "stop", "status"):
        assert "Example:" in (group.commands[name].help or ""), name  # type: ignore[attr-defined]
