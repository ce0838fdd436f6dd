"""The 1,500-person council exercises every clustering step after the split, so the contract
test that reclusters it (``tests/store/test_contract.py``, its recluster test on this council) covers each of them on both stores:
switching any one step off changes who is one person."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.synth import SynthSummary


def _people(council: SynthSummary, load_council, folder: Path, **settings: bool) -> frozenset[frozenset[str]]:
    store = EmbeddedStore(":memory:")
    load_council(store, council, folder)
    api.resolve(store, replace(api.default_settings(), **settings))
    links = store.current_assignment()
    store.close()
    return frozenset(frozenset(g["record_id"]) for _, g in links.groupby("person_id"))


@pytest.fixture(scope="module")
def people_with_every_step(council: SynthSummary, load_council, tmp_path_factory) -> frozenset[frozenset[str]]:
    return _people(council, load_council, tmp_path_factory.mktemp("all"))


@pytest.mark.parametrize("step", ["attach_singletons", "attach_unique_names", "pair_lone_records"])
def test_the_council_needs_each_step(
    step: str, council: SynthSummary, load_council, people_with_every_step, tmp_path: Path
) -> None:
    without = _people(council, load_council, tmp_path, **{step: False})
    assert without != people_with_every_step, f"{step} changes nobody on this council"

