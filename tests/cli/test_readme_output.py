"""The README's example output is what the commands print today.

A fenced ``text`` block preceded by ``<!-- example: NAME -->`` is the output of a real run:
``make-demo`` is the output of the Makefile's ``demo`` recipe (run here as the recipe runs it, in
a fresh folder), and a block whose first line is ``$ idgraph ...`` is that command's output, run in
the same folder after the demo. Only run times (``in 3.5s``) and timestamps may differ. When a
change moves the figures, the failure prints the block to paste into the README.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
IDGRAPH = Path(sys.executable).parent / "idgraph"

_EXAMPLE = re.compile(r"<!-- example: ([a-z0-9-]+) -->\n```text\n(.*?)```\n", re.S)
_SECONDS = re.compile(r"\bin \d+(?:\.\d+)?s\b")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def _examples() -> dict[str, str]:
    found = _EXAMPLE.findall(README.read_text(encoding="utf-8"))
    names = [name for name, _ in found]
    assert len(names) == len(set(names)), f"README example names repeat: {names}"
    return dict(found)


def _normalised(text: str) -> list[str]:
    text = _TIMESTAMP.sub("<timestamp>", _SECONDS.sub("in <seconds>s", text))
    return [line.rstrip() for line in text.rstrip("\n").splitlines()]


def _makefile_demo_args() -> list[str]:
    """The arguments ``make demo`` gives ``idgraph`` (from the Makefile, so they cannot drift)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*\n\t\$\(BIN\)/idgraph (.+)$", makefile, re.M)
    assert recipe, "the Makefile's demo recipe no longer runs $(BIN)/idgraph"
    return shlex.split(recipe.group(1))


def _run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(
        [str(IDGRAPH), *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"idgraph {shlex.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _same(name: str, readme_block: str, printed: str) -> None:
    assert _normalised(printed) == _normalised(readme_block), (
        f"README example {name!r} is stale; the run printed (paste it into README.md):\n{printed}"
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``make demo``'s command, run in an empty folder: (that folder, what it printed)."""
    cwd = tmp_path_factory.mktemp("readme_demo")
    return cwd, _run(_makefile_demo_args(), cwd)


def test_the_readme_shows_the_demo_and_a_command_after_it() -> None:
    examples = _examples()
    assert "make-demo" in examples
    assert any(block.startswith("$ idgraph ") for block in examples.values())


@pytest.mark.slow
def test_the_demo_output_in_the_readme_is_what_make_demo_prints(
    demo_run: tuple[Path, str],
) -> None:
    _, printed = demo_run
    _same("make-demo", _examples()["make-demo"], printed)


@pytest.mark.slow
def test_the_commands_shown_after_the_demo_print_what_the_readme_says(
    demo_run: tuple[Path, str],
) -> None:
    cwd, _ = demo_run
    commands = {n: b for n, b in _examples().items() if b.startswith("$ idgraph ")}
    for name, block in commands.items():
        command, _, expected = block.partition("\n")
        args = shlex.split(command.removeprefix("$ idgraph "))
        _same(name, expected, _run(args, cwd))


def test_every_readme_example_is_one_this_test_runs() -> None:
    for name, block in _examples().items():
        assert name == "make-demo" or block.startswith("$ idgraph "), (
            f"README example {name!r} is neither make-demo nor a `$ idgraph ...` command: "
            "this test cannot keep it true"
        )
