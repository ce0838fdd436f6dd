"""The README stays true: its set-up commands exist, CI runs its test command, and every
`idgraph` command it mentions is a real command."""

from __future__ import annotations

import re
from pathlib import Path

from identity_graph.cli.main import cli

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_two_setup_commands() -> None:
    setup = README.split("## ", 2)[1]
    assert "make demo" in setup and "make test" in setup


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1] == "make test"


def test_the_makefile_defines_the_readme_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test", "lint", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_every_idgraph_command_in_the_readme_exists() -> None:
    mentioned = set(re.findall(r"idgraph(?: --store \S+)? ([a-z0-9][a-z0-9-]*)", README))
    assert mentioned, "the README shows no idgraph commands"
    assert mentioned <= set(cli.commands), mentioned - set(cli.commands)
