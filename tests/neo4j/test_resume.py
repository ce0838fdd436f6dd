"""Killing the loader mid-way and rerunning it leaves Neo4j with exactly the data of one clean load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary

pytestmark = pytest.mark.neo4j


def _idgraph(server: Neo4jForTests, *args: str, crash_after: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}
    env.pop("IDGRAPH_CRASH_AFTER", None)
    if crash_after:
        env["IDGRAPH_CRASH_AFTER"] = crash_after
    return subprocess.run(
        [sys.executable, "-m", "identity_graph.cli.main", "--quiet", "--store", server.uri, *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def _store(server: Neo4jForTests) -> Neo4jStore:
    return Neo4jStore(server.uri, server.user, server.password)


def test_a_loader_killed_mid_way_then_rerun_leaves_exactly_one_clean_load(
    neo4j_server: Neo4jForTests, small_council: SynthSummary, tmp_path: Path
) -> None:
    wipe(neo4j_server)
    export, mapping = small_council.files["electoral_register"], small_council.mappings["electoral_register"]
    load = ["load", "--create", str(export), "-m", str(mapping), "--chunk-rows", "50"]

    killed = _idgraph(neo4j_server, *load, crash_after="load:2")  # like kill -9 after 2 batches
    assert killed.returncode == 137, killed.stderr
    with _store(neo4j_server) as s:
        assert 0 < len(s.records_frame()) < 200  # two batches were committed, no more
        assert s.loads()["finished"].isna().all()  # the killed load never finished

    rerun = _idgraph(neo4j_server, *load)
    assert rerun.returncode == 0, rerun.stderr

    clean = EmbeddedStore(tmp_path / "clean.idgraph.db")
    api.load(clean, export, mapping, chunk_rows=50)
    with _store(neo4j_server) as s:
        got, want = s.records_frame(), clean.records_frame()
        pd.testing.assert_frame_equal(got, want)
        for rid in got["record_id"].iloc[:20]:
            assert s.record_history(rid).empty  # the rerun updated nothing: it only completed
        for postcode in want["postcode"].dropna().unique()[:20]:
            pd.testing.assert_frame_equal(
                s.find_records("postcode", [postcode]), clean.find_records("postcode", [postcode])
            )
    clean.close()
