"""Real Cypher against a real Neo4j: the server this project provisions (or NEO4J_URI's, or a
container's). These tests share the server with development data, so each writes under its own
label and deletes it afterwards."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from neo4j import Driver
from neo4j.exceptions import ClientError

from identity_graph.cli import neo4j_cmd
from identity_graph.cli.main import cli
from identity_graph.store.neo4j import server
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


def test_status_prints_eval_able_exports(neo4j: Neo4jForTests) -> None:
    test_home = Path(__file__).parents[2] / ".neo4j-test"  # tests/conftest.py: NEO4J_TEST_HOME
    result = CliRunner().invoke(
        cli, ["neo4j", "status", "--home", str(test_home)], catch_exceptions=False
    )
    if neo4j.kind != "provisioned":
        assert result.exit_code in (0, 1)  # the provisioned server may or may not run too
        return
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "export NEO4J_URI",
        "export NEO4J_USER",
        "export NEO4J_PASSWORD",
    ]
    assert re.fullmatch(r"export NEO4J_URI=bolt://127\.0\.0\.1:\d+", lines[0])
    assert lines[0] == f"export NEO4J_URI={neo4j.uri}"
    assert lines[1] == f"export NEO4J_USER={neo4j.user}"
    assert lines[2] == f"export NEO4J_PASSWORD={neo4j.password}"
    assert re.fullmatch(r"export NEO4J_PASSWORD=[A-Za-z0-9_-]+", lines[2])  # no quoting needed


def test_eval_of_status_exports_what_the_next_command_needs(neo4j: Neo4jForTests) -> None:
    """README: `eval "$(idgraph neo4j start)"`, then any command on `--store "$NEO4J_URI"`. The
    variables must be exported: a plain NAME=value would not reach the next command."""
    if neo4j.kind != "provisioned":
        return  # only the provisioned server has a home for `status` to read
    test_home = Path(__file__).parents[2] / ".neo4j-test"
    idgraph = Path(sys.executable).parent / "idgraph"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    script = f"""
        set -euo pipefail
        eval "$('{idgraph}' neo4j status --home '{test_home}')"
        '{idgraph}' --store "$NEO4J_URI" stats --json
    """
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "records" in json.loads(done.stdout)


def test_the_printed_exports_survive_any_characters_in_a_value() -> None:
    info = server.ServerInfo(
        "bolt://127.0.0.1:7687", "neo 4j", "pa$$ 'w\"o`rd;", 1, Path("/nonexistent")
    )
    lines = _exports(info)
    script = f'{lines}\nprintf "%s\\n" "$NEO4J_URI" "$NEO4J_USER" "$NEO4J_PASSWORD"\n'
    done = subprocess.run(
        ["bash", "-c", script], env={}, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == [info.uri, info.user, info.password]
    exported = subprocess.run(
        ["bash", "-c", f"{lines}\nenv"], env={}, capture_output=True, text=True, check=True
    ).stdout
    assert "NEO4J_PASSWORD=pa$$ 'w\"o`rd;" in exported.splitlines()


def _exports(info: server.ServerInfo) -> str:
    """What `idgraph neo4j start` prints for ``info``."""

    @click.command()
    def show() -> None:
        neo4j_cmd._print_env(info)

    return CliRunner().invoke(show, [], catch_exceptions=False).stdout


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
