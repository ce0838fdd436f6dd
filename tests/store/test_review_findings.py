"""What the second security review of issue 12 found, each held fixed (on both stores where
the store matters): outputs never overwrite the store or their input, pictures of people are
owner-only, a store with no similarity edges still updates and matches, and a service's record
that leaves out a mapped column loads (its rejects listed once)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.errors import IdentityGraphError
from identity_graph.store.contract import Store

MAPPING = """source = "lonely"
id = "ID"
[fields]
full_name = "NAME"
dob = "DOB"
email = "EMAIL"
"""
# three residents nobody could mistake for each other: no candidate pair, no edge
ROWS = ["ID,NAME,DOB,EMAIL", "L1,Ann Lee,02/03/1970,ann.lee@example.com",
        "L2,Bob Kaur,04/05/1981,bob.kaur@example.com", "L3,Cy Novak,06/07/1992,cy.novak@example.com"]


@pytest.fixture
def lonely(store: Store, tmp_path: Path) -> tuple[Path, Path]:
    export = tmp_path / "lonely.csv"
    export.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    mapping = tmp_path / "lonely.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    api.load(store, export, mapping, rejects_path=tmp_path / "rejects.csv")
    api.resolve(store)
    return export, mapping


def test_a_store_with_no_similarity_edges_updates_and_matches(store: Store, lonely: tuple[Path, Path]) -> None:
    assert sum(len(e) for e in store.all_edges()) == 0
    report, _, ids = api.load_records(store, "lonely", [{"ID": "L4", "NAME": "Dee Ode", "DOB": "08/09/1960",
                                                         "EMAIL": "dee.ode@example.com"}])
    result = api.update(store, changed=report.written)
    assert result.run_id and store.person_of(ids[0]) is not None
    found = api.match(api.open_live(store), {"given_name": "Ann", "family_name": "Lee", "dob": "02/03/1970"})
    assert found and found[0].person_id == store.person_of("lonely:L1")
    api.recluster(store)


def test_a_posted_record_may_leave_out_a_mapped_column_and_its_rejects_are_listed_once(
    store: Store, lonely: tuple[Path, Path]
) -> None:
    report, rejects, ids = api.load_records(store, "lonely", [{"ID": "L5", "NAME": "Eve Ash", "EMAIL": "not-an-email"}])
    assert ids == ["lonely:L5"] and report.inserted == 1
    assert len(rejects) == 1 and "not a valid email" in rejects[0].reason


def test_no_output_overwrites_the_store_or_the_export_being_read(
    store: Store, lonely: tuple[Path, Path], tmp_path: Path
) -> None:
    # a Neo4j store is no file: there only the export could be overwritten
    targets = [] if "://" in store.uri else [Path(store.uri), Path(store.uri + "-wal")]
    export, mapping = lonely
    before = export.read_bytes()
    with pytest.raises(IdentityGraphError, match="the file being read"):
        api.load(store, export, mapping, rejects_path=export)
    assert export.read_bytes() == before
    for target in targets:
        with pytest.raises(IdentityGraphError, match="is the store"):
            api.export_links(store, target)
        with pytest.raises(IdentityGraphError, match="is the store"):
            api.load(store, export, mapping, rejects_path=target)
        with pytest.raises(IdentityGraphError, match="is the store"):
            api.export_graph(store, store.person_of("lonely:L1"), "svg", target)
    assert store.stats()["records"] == 3  # the store is whole


def test_a_persons_picture_is_owner_only_whatever_the_umask(store: Store, lonely: tuple[Path, Path], tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        for fmt in ("graphml", "svg"):
            out = api.export_graph(store, store.person_of("lonely:L1"), fmt, tmp_path / "pics" / f"p.{fmt}")
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(old)
