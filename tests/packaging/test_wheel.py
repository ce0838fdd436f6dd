"""The package installs anywhere: a wheel built from the repository, installed into a fresh virtual
environment outside the checkout, runs the demo on the embedded store and starts Neo4j and loads
and resolves a file on it, from a folder that holds no source (docs/adr/0031).

How it stays quick and offline once warm:

- the sdist and the wheel are built with the suite's own setuptools (no build isolation: no
  download), from a copy of the repository, so the checkout gains no ``build/`` folder;
- the new environment installs its dependencies from a wheelhouse of exactly the versions this
  environment runs, kept under the system's temporary folder and reused while those versions hold
  (the first run fills it through ``pip wheel``, from pip's cache or PyPI);
- Neo4j's jars come from the local Maven repository (``~/.m2``), and the launcher the test
  session built in ``.neo4j-test/build`` is reused when its sources are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from identity_graph.store.neo4j.build import source_hash

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]

ROOT = Path(__file__).parents[2]
#: tests/conftest.py: the test session's provisioned server (its launcher build is reused)
NEO4J_TEST_HOME = ROOT / ".neo4j-test"
#: what the source copy leaves out: environments, builds, data, caches
_NOT_SOURCE = {
    ".git",
    ".venv",
    ".neo4j",
    ".neo4j-test",
    "build",
    "dist",
    "demo",
    "out",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
}
#: machine settings the installed package may still read (where Java and Maven are)
_KEEP_ENV = {"IDGRAPH_JAVA", "IDGRAPH_MVN", "IDGRAPH_NEO4J_JAVA_OPTS"}


def _run(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


# -- the build --------------------------------------------------------------------------------
def _build(out: Path) -> tuple[Path, Path]:
    """(sdist, wheel): the sdist from a copy of the repository, the wheel from the sdist (as
    ``python -m build`` does), so both MANIFEST.in and the package data are tested."""
    src = out / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=lambda _, names: [n for n in names if n in _NOT_SOURCE or n.endswith(".egg-info")],
    )
    dist = out / "dist"
    dist.mkdir()
    _run(
        [
            sys.executable,
            "-c",
            f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})",
        ],
        cwd=src,
    )
    (sdist,) = dist.glob("identity_graph-*.tar.gz")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(sdist),
        ],
        cwd=out,
    )
    (wheel,) = dist.glob("identity_graph-*.whl")
    return sdist, wheel


# -- the dependencies -------------------------------------------------------------------------
def _runtime_pins() -> list[str]:
    """``name==version`` for every distribution the package needs at run time (no extras of its
    own), at the versions this environment has: the closure of its requirements."""
    pins: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [("identity-graph", frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(name)
        if name != "identity-graph":
            pins[dist.metadata["Name"].lower()] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            wanted = any(
                req.marker is None or req.marker.evaluate({"extra": extra})
                for extra in (extras or {""})
            )
            if wanted:
                todo.append((req.name, frozenset(req.extras)))
    return sorted(f"{name}=={version}" for name, version in pins.items())


def _wheelhouse(pins: list[str]) -> Path:
    """Wheels of ``pins``, built once per set of versions and kept between sessions."""
    key = hashlib.sha256("\n".join([sys.version, *pins]).encode()).hexdigest()[:16]
    house = Path(tempfile.gettempdir()) / "idgraph-test-wheelhouse" / key
    done = house / ".complete"
    if not done.is_file():
        house.mkdir(parents=True, exist_ok=True)
        _run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(house), *pins],
            cwd=house,
        )
        done.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return house


# -- the fresh environment --------------------------------------------------------------------
def _clean_env(venv: Path) -> dict[str, str]:
    """This process's environment without anything that points into the checkout or at a server:
    the new environment's ``bin`` first on PATH, and no other virtual environment on it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith(("IDGRAPH_", "NEO4J_")) and k not in _KEEP_ENV)
        and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    here = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != here]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    return env


class Installed:
    """The wheel, installed in a fresh environment, with a working folder outside the checkout."""

    def __init__(self, base: Path, wheel: Path, venv: Path, work: Path) -> None:
        self.base, self.wheel, self.venv, self.work = base, wheel, venv, work
        self.env = _clean_env(venv)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
        return _run(list(args), cwd=self.work, env=env or self.env, timeout=timeout)

    def idgraph(self, *args: str) -> str:
        return self.run(str(self.venv / "bin" / "idgraph"), *args)

    def bash(
        self, script: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=self.work,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    _, wheel = _build(base)
    house = _wheelhouse(_runtime_pins())
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    # this environment's pip installs into the new one (no ensurepip); no .pyc compiled ahead
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-compile",
            "--no-index",
            "--find-links",
            str(house),
            str(wheel),
        ],
        cwd=base,
        env=_clean_env(venv),
    )
    work = base / "work"
    work.mkdir()
    return Installed(base, wheel, venv, work)


# -- what the wheel holds ---------------------------------------------------------------------
def test_the_wheel_holds_every_cypher_query_and_the_launcher_sources(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    queries = {
        f"identity_graph/cypher/{p.relative_to(ROOT / 'cypher').as_posix()}"
        for p in (ROOT / "cypher").rglob("*.cypher")
    }
    launcher = ROOT / "identity_graph" / "store" / "neo4j" / "launcher"
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in launcher.rglob("*")
        if p.is_file() and p.name != ".gitignore"
    }
    assert queries and queries <= names, sorted(queries - names)
    assert "identity_graph/store/neo4j/launcher/pom.xml" in sources
    assert sources <= names, sorted(sources - names)


def test_the_wheel_holds_every_data_file_the_code_reads(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    package = ROOT / "identity_graph"
    data = {
        p.relative_to(ROOT).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert "identity_graph/py.typed" in data
    assert data <= names, sorted(data - names)


def test_the_installed_package_runs_from_the_new_environment_not_the_checkout(
    installed: Installed,
) -> None:
    out = installed.run(
        str(installed.venv / "bin" / "python"),
        "-c",
        "import identity_graph, json; from identity_graph._resources import checkout_root; "
        "from identity_graph.store.neo4j import build, catalog; "
        "print(json.dumps([identity_graph.__file__, str(checkout_root()), str(catalog.CYPHER_DIR), "
        "str(build.LAUNCHER_DIR)]))",
    )
    package, checkout, cypher, launcher = json.loads(out)
    site = str(installed.venv)
    assert package.startswith(site) and not package.startswith(str(ROOT))
    assert checkout == "None"
    assert cypher.startswith(site) and cypher.endswith("identity_graph/cypher")
    assert launcher.startswith(site)


# -- using it ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(installed: Installed) -> Path:
    """The installed package's demo (synth -> load -> resolve) on the embedded store."""
    out = installed.idgraph("demo", "--people", "300", "--seed", "3", "--out", "demo")
    assert re.search(r"resolved [\d,]+ records into [\d,]+ people", out), out
    return installed.work / "demo"


def test_the_installed_package_loads_and_resolves_on_the_embedded_store(
    installed: Installed, demo: Path
) -> None:
    stats = json.loads(installed.idgraph("--store", "demo/demo.idgraph.db", "stats", "--json"))
    truth = (demo / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert stats["records"] == len(truth) - 1
    assert 0 < stats["people"] < stats["records"]


def _seed_launcher_build(home: Path) -> None:
    """Reuse a launcher this checkout built (the test session's, else the developer's) when its
    sources are these; else the installed package runs Maven, which finds the jars in ``~/.m2``.
    A hard-linked copy, so nothing is downloaded or copied twice."""
    for built in (NEO4J_TEST_HOME / "build", ROOT / ".neo4j" / "build"):
        try:
            stamp = json.loads((built / "stamp.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if stamp.get("hash") != source_hash():
            continue
        try:
            shutil.copytree(built, home / "build", copy_function=os.link)
        except OSError:
            shutil.rmtree(home / "build", ignore_errors=True)
            shutil.copytree(built, home / "build")
        return


@pytest.fixture(scope="module")
def neo4j_home(installed: Installed) -> Iterator[Path]:
    """A Neo4j home of the installed package's own (stopped at the end)."""
    home = installed.base / "neo4j-home"
    home.mkdir()
    _seed_launcher_build(home)
    try:
        yield home
    finally:
        installed.bash(f'IDGRAPH_NEO4J_HOME="{home}" idgraph neo4j stop')


def test_the_installed_package_starts_neo4j_with_eval_and_loads_and_resolves_a_file(
    installed: Installed, demo: Path, neo4j_home: Path
) -> None:
    # the README's commands, in bash, as a user types them
    script = f"""
        set -euo pipefail
        export IDGRAPH_NEO4J_HOME="{neo4j_home}"
        eval "$(idgraph neo4j start)"
        idgraph --quiet --store "$NEO4J_URI" load --create demo/exports/council_tax.csv \\
            --mapping demo/mappings/council_tax.toml
        idgraph --quiet --store "$NEO4J_URI" resolve
        echo "-- stats --"
        idgraph --store "$NEO4J_URI" stats --json
    """
    done = installed.bash(script)
    assert done.returncode == 0, done.stderr[-4000:]
    stats = json.loads(done.stdout.split("-- stats --\n", 1)[1])
    with (demo / "exports" / "council_tax.csv").open(encoding="utf-8") as export:
        exported = sum(1 for _ in export) - 1
    assert stats["records"] == exported
    assert 0 < stats["people"] <= stats["records"]


def test_the_missing_password_error_recommends_a_command_that_works(
    installed: Installed, demo: Path, neo4j_home: Path
) -> None:
    env = dict(installed.env, IDGRAPH_NEO4J_HOME=str(neo4j_home))
    uri = installed.run(str(installed.venv / "bin" / "idgraph"), "neo4j", "start", env=env).split(
        "\n"
    )[0]
    uri = uri.removeprefix("export NEO4J_URI=")
    failed = installed.bash(f'idgraph --store "{uri}" stats', env=env)
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    advice = re.findall(r"`(eval [^`]+)`", failed.stderr)
    assert advice, failed.stderr
    done = installed.bash(
        f'set -e; {advice[0]}; idgraph --store "$NEO4J_URI" stats --json', env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["records"] > 0
