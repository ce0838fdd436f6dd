"""Build the launcher (``launcher/``) with Maven, once per source change.

The build goes to ``<home>/build``: ``idgraph-neo4j-launcher-1.jar``, ``lib/`` (Neo4j, GDS and
their dependencies: the classpath) and ``plugins/`` (the GDS jars, which Neo4j scans for
procedures). ``<home>/build/stamp.json`` holds the hash of ``pom.xml`` and ``src/``; a later start
with the same hash skips Maven entirely. Jars come from Maven Central through the local Maven
repository (``~/.m2`` unless Maven is configured otherwise), so a fresh machine downloads them
once (about 150 MB).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..._resources import package_folder
from ...private_files import private_dirs
from .errors import JavaNotFoundError, LauncherBuildError, MavenNotFoundError

__all__ = ["LAUNCHER_DIR", "MAIN_CLASS", "Launcher", "build", "find_java", "source_hash"]

log = logging.getLogger(__name__)

#: the Maven project: pom.xml and src/, package data of this package (docs/adr/0031)
LAUNCHER_DIR = package_folder(__package__ or "identity_graph.store.neo4j", "launcher") or (
    Path(__file__).parent / "launcher"
)
MAIN_CLASS = "uk.gov.idgraph.neo4j.Launcher"
_JAR = "idgraph-neo4j-launcher-1.jar"
_MIN_JAVA = 17


@dataclass(frozen=True)
class Launcher:
    """A built launcher: what ``java -cp`` needs."""

    jar: Path
    lib: Path
    plugins: Path

    @property
    def classpath(self) -> str:
        return os.pathsep.join([str(self.jar), str(self.lib / "*")])


def source_hash(launcher_dir: Path = LAUNCHER_DIR) -> str:
    """sha256 over the pom and every source file (paths and contents), in path order."""
    digest = hashlib.sha256()
    files = [launcher_dir / "pom.xml", *sorted((launcher_dir / "src").rglob("*"))]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(launcher_dir).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def find_java() -> str:
    """The ``java`` to run: ``IDGRAPH_JAVA``, else ``$JAVA_HOME/bin/java``, else ``java`` on PATH.

    Raises :class:`JavaNotFoundError` when there is none or it is older than 17.
    """
    candidates = [os.environ.get("IDGRAPH_JAVA")]
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    candidates.append(shutil.which("java"))
    java = next((c for c in candidates if c and Path(c).is_file()), None)
    if java is None:
        raise JavaNotFoundError(
            "java not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless), "
            "or set JAVA_HOME or IDGRAPH_JAVA"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):  # "1.8.0_x"
        major = int(match.group(2))
    if major < _MIN_JAVA:
        raise JavaNotFoundError(
            f"{java} is Java {major or '?'}; Neo4j 5.26 needs 17 or later: install a JDK 17 "
            "and set JAVA_HOME or IDGRAPH_JAVA"
        )
    return java


def _find_maven() -> str:
    mvn = os.environ.get("IDGRAPH_MVN") or shutil.which("mvn")
    if not mvn:
        raise MavenNotFoundError(
            "mvn not found: install Maven 3.8+ (e.g. apt-get install maven), or set IDGRAPH_MVN; "
            "it builds the Neo4j launcher from Maven Central"
        )
    return mvn


def _built(build_dir: Path) -> Launcher:
    return Launcher(build_dir / _JAR, build_dir / "lib", build_dir / "plugins")


def build(home: Path, *, force: bool = False) -> Launcher:
    """The launcher built under ``home/build``, running Maven only if the sources changed.

    Maven's output goes to ``home/logs/build.log``; a failure raises
    :class:`LauncherBuildError` with its last lines.
    """
    build_dir = home / "build"
    stamp = build_dir / "stamp.json"
    wanted = source_hash()
    launcher = _built(build_dir)
    if not force and stamp.is_file() and launcher.jar.is_file():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")).get("hash") == wanted:
                return launcher
        except (OSError, ValueError):
            pass
    if not (LAUNCHER_DIR / "pom.xml").is_file():
        raise LauncherBuildError(
            f"the Neo4j launcher's sources are missing ({LAUNCHER_DIR / 'pom.xml'}): this "
            "identity-graph was installed without its package data. Reinstall it from a wheel "
            "built with `pip wheel .` (or `python -m build`) from the repository"
        )
    mvn = _find_maven()
    java = find_java()
    shutil.rmtree(build_dir, ignore_errors=True)  # no stale jars from an older pom
    logs = home / "logs"
    private_dirs(logs)  # the server's logs go here too: owner-only (ADR 0027)
    build_log = logs / "build.log"
    env = dict(os.environ)
    env.setdefault("JAVA_HOME", str(Path(java).resolve().parents[1]))
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(LAUNCHER_DIR / "pom.xml"),
        "package",
        f"-Dlauncher.build.dir={build_dir}",
    ]
    log.info("building the Neo4j launcher: %s", " ".join(cmd))
    t0 = time.monotonic()
    with build_log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    if proc.returncode != 0 or not launcher.jar.is_file():
        tail = "\n".join(build_log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
        raise LauncherBuildError(
            f"building the Neo4j launcher failed (mvn exit {proc.returncode}; full log "
            f"{build_log}). It needs Maven Central (https://repo.maven.apache.org) or a mirror "
            f"in ~/.m2/settings.xml. Last lines:\n{tail}"
        )
    stamp.write_text(
        json.dumps({"hash": wanted, "seconds": round(time.monotonic() - t0, 1)}) + "\n",
        encoding="utf-8",
    )
    log.info("built the Neo4j launcher in %.0fs", time.monotonic() - t0)
    return launcher
