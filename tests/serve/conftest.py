"""Fixtures for the match service: a real embedded store, resolved from the small synthetic
council, with one API key per role; the app over a copy of it, called in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.access import add_key
from identity_graph.serve import create_app
from identity_graph.serve.testing import Served, serving
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

#: key name -> (role, bound source)
KEYS: dict[str, tuple[str, str | None]] = {
    "front-desk": ("match", None),
    "housing-match": ("match", "housing"),
    "housing-app": ("service", "housing"),
    "parking-app": ("service", "parking"),
    "reviewer": ("reviewer", None),
    "investigator": ("investigator", None),
    "admin": ("admin", None),
}


@dataclass(frozen=True)
class Resolved:
    """A resolved store file (never opened by a test: each copies it) and its keys."""

    path: Path
    keys: dict[str, str]  # key name -> raw key
    person_id: str  # a person with several records
    record_ids: tuple[str, ...]  # that person's records
    other_record: str  # a record of another person


@pytest.fixture(scope="session")
def resolved(
    small_council: SynthSummary,
    load_council: Callable[[Store, SynthSummary, Path], list[LoadReport]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Resolved:
    root = tmp_path_factory.mktemp("serve")
    path = root / "council.idgraph.db"
    store = api.open_store(path, create=True)
    try:
        load_council(store, small_council, root)
        api.resolve(store)
        raw = {name: add_key(store, name, role, source)[1] for name, (role, source) in KEYS.items()}
        links = next(iter(store.links()))
        sizes = links.groupby("person_id").size().sort_values(ascending=False, kind="stable")
        person_id = str(sizes.index[0])
        records = tuple(sorted(api.person(store, person_id).records["record_id"]))
        other = str(links.loc[links["person_id"] != person_id].iloc[0]["source"]) + ":" + str(
            links.loc[links["person_id"] != person_id].iloc[0]["source_record_id"])
    finally:
        store.close()
    return Resolved(path, raw, person_id, records, other)


@pytest.fixture
def store_copy(resolved: Resolved, tmp_path: Path) -> Path:
    """A fresh copy of the resolved store file, for a test to serve or change."""
    dest = tmp_path / "copy.idgraph.db"
    shutil.copyfile(resolved.path, dest)
    return dest


@pytest.fixture
def app(store_copy: Path) -> FastAPI:
    return create_app(str(store_copy))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The service, in-process (its lifespan runs: the store closes at the end)."""
    with TestClient(app) as c:
        yield c


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def as_key(resolved: Resolved) -> Callable[[str], dict[str, str]]:
    """``as_key("investigator")``: the headers that send that key."""
    return lambda name: bearer(resolved.keys[name])




@pytest.fixture
def serve() -> Callable[[Path], AbstractContextManager[Served]]:
    """``with serve(store_path) as served:`` runs ``idgraph serve`` for the block (``serving``)."""
    return serving
