"""The example mappings in loaders/ stay valid and in step with the generator's own mappings."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from identity_graph.ingest.mapping import load_mapping
from identity_graph.synth import SynthSummary

EXAMPLES = sorted((Path(__file__).parents[2] / "loaders" / "examples").glob("*.toml"))


def test_there_is_an_example_mapping_for_each_synthetic_system() -> None:
    assert len(EXAMPLES) == 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_mapping_is_valid(path: Path) -> None:
    assert load_mapping(path).source == path.stem


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_match_what_the_generator_writes(path: Path, small_council: SynthSummary) -> None:
    generated = small_council.mappings[path.stem]
    assert tomllib.loads(path.read_text()) == tomllib.loads(generated.read_text())
