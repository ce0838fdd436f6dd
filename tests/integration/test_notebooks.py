"""Every notebook in notebooks/ runs top to bottom without an error, in this interpreter, and
draws its charts; the investigator's notebook runs its Cypher against a real Neo4j. The
notebooks are committed with their outputs (ADR 0038), small, and rewritten by `make notebooks`,
which runs this file as a script: ``python tests/integration/test_notebooks.py [NOTEBOOK ...]``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbformat import NotebookNode

from identity_graph.store.neo4j.testing import Neo4jForTests, wipe

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
#: notebooks that run Cypher: executed with a provisioned Neo4j's NEO4J_URI / _USER / _PASSWORD
NEEDS_NEO4J = {"02_investigator.ipynb"}
#: what a chart is in a notebook's outputs
CHART_TYPES = ("image/png", "image/svg+xml")
#: a committed notebook's size at most: outputs kept small (charts at 72 dpi, short tables)
MAX_BYTES = 400_000
#: the provisioned server's folder (as tests/conftest.py's NEO4J_TEST_HOME): never a developer's .neo4j/
NEO4J_TEST_HOME = ROOT / ".neo4j-test"


def _kernel_python() -> str:
    """The interpreter the ``python3`` kernel starts (jupyter_client runs a bare ``python``
    argv[0] as ``sys.executable``); installs the kernelspec into this venv if there is none."""
    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    except NoSuchKernel:
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL],
            check=True,
            capture_output=True,
        )
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    return sys.executable if argv[0] in ("python", "python3") else argv[0]


def execute(path: Path, cwd: Path, env: Mapping[str, str] | None = None) -> NotebookNode:
    """Run a notebook in a fresh kernel started in ``cwd`` with ``env`` added to this process's
    environment; returns it with its outputs. Raises ``CellExecutionError`` (naming the cell) on
    the first failing cell."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=300, record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env={**os.environ, **(env or {})})
    return nb


def outputs(nb: NotebookNode) -> list[NotebookNode]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def charts(nb: NotebookNode) -> list[str]:
    """The chart outputs' types, one per chart drawn."""
    return [t for o in outputs(nb) for t in o.get("data", {}) if t in CHART_TYPES]


def neo4j_env(server: Neo4jForTests) -> dict[str, str]:
    """What the kernel reads to connect, as `eval "$(idgraph neo4j start)"` exports it."""
    return {"NEO4J_URI": server.uri, "NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}


def test_there_are_the_two_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_getting_started.ipynb", "02_investigator.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_each_notebook_is_committed_executed_with_its_charts_and_small(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "not executed: run `make notebooks`"
    assert [o for o in outputs(nb) if o.output_type == "error"] == []
    assert [o.text for o in outputs(nb) if o.get("name") == "stderr"] == []  # no warning either
    assert charts(nb), "no chart in the committed outputs"
    assert path.stat().st_size <= MAX_BYTES


def _run_and_check(path: Path, cwd: Path, env: Mapping[str, str] | None = None) -> NotebookNode:
    assert Path(_kernel_python()).resolve() == Path(sys.executable).resolve()
    nb = execute(path, cwd, env)
    assert [o for o in outputs(nb) if o.output_type == "error"] == []
    assert charts(nb), f"{path.name} drew no chart"
    return nb


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_core.*")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:ipykernel.*")
@pytest.mark.filterwarnings("ignore:.*datetime.datetime.utcnow.*:DeprecationWarning")
def test_the_getting_started_notebook_runs_and_draws_its_charts(tmp_path: Path) -> None:
    nb = _run_and_check(ROOT / "notebooks" / "01_getting_started.ipynb", tmp_path)
    assert len(charts(nb)) >= 3  # match weights, cluster sizes, a waterfall


@pytest.mark.slow
@pytest.mark.neo4j
@pytest.mark.filterwarnings("ignore::DeprecationWarning:jupyter_core.*")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:ipykernel.*")
@pytest.mark.filterwarnings("ignore:.*datetime.datetime.utcnow.*:DeprecationWarning")
def test_the_investigator_notebook_runs_its_cypher_on_a_real_neo4j(tmp_path: Path, neo4j_server: Neo4jForTests) -> None:
    wipe(neo4j_server)  # the notebook loads its synthetic council into an empty database
    nb = _run_and_check(ROOT / "notebooks" / "02_investigator.ipynb", tmp_path, neo4j_env(neo4j_server))
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs(nb))
    assert "on the Neo4j store at" in text and "needs Neo4j" not in text  # every Cypher cell ran


@contextlib.contextmanager
def _neo4j_for_notebooks() -> Iterator[dict[str, str]]:
    """`make notebooks`: the test suite's provisioned server in .neo4j-test/ (never NEO4J_URI:
    its database is wiped), as environment variables; stopped afterwards if started here."""
    from identity_graph.store.neo4j import server

    started_here = server.status(NEO4J_TEST_HOME) is None
    info = server.start(NEO4J_TEST_HOME)
    try:
        running = Neo4jForTests(info.uri, info.user, info.password)
        wipe(running)
        yield neo4j_env(running)
    finally:
        if started_here:
            server.stop(NEO4J_TEST_HOME)


def main(argv: list[str]) -> int:
    """Re-execute the notebooks (all, or those named) and write their outputs in place."""
    import tempfile

    paths = [Path(a).resolve() for a in argv] or NOTEBOOKS
    _kernel_python()  # the kernelspec, installed into this venv if missing
    with contextlib.ExitStack() as stack:
        env = stack.enter_context(_neo4j_for_notebooks()) if any(p.name in NEEDS_NEO4J for p in paths) else {}
        for path in paths:
            with tempfile.TemporaryDirectory() as cwd:
                nb = execute(path, Path(cwd), env if path.name in NEEDS_NEO4J else None)
            nb.metadata.pop("widgets", None)
            nbformat.write(nb, path)
            print(f"{path.relative_to(ROOT)}: {len(charts(nb))} charts, {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
