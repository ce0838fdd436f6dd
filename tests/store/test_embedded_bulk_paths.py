"""The embedded store's bulk paths give the same answers as the plain ones.

The records frame is read through Arrow columns (``_records_frame``), not pandas' row reader; a
resolve replaces whole tables with their secondary indexes dropped and rebuilt. Neither may
change a value, a type, an order or an index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.store.contract import Store
from identity_graph.store.embedded import EmbeddedStore
from identity_graph.synth import SynthSummary
from identity_graph.types import RECORD_COLUMNS

pytestmark = pytest.mark.embedded

CouncilLoader = Callable[[Store, SynthSummary, Path], list]


def _indexes(path: Path) -> set[tuple[str, str]]:
    con = sqlite3.connect(path)
    rows = con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")
    out = set(rows)
    con.close()
    return out


def _plain_read(store: EmbeddedStore) -> pd.DataFrame:
    """The records frame as pandas' own SQL reader gives it, made the contract's types."""
    cols = [*RECORD_COLUMNS, "trust"]
    df = pd.read_sql_query(f"SELECT {', '.join(cols)} FROM records ORDER BY record_id", store.con, dtype=object)
    df = df.astype(object).where(df.notna(), None)
    df["dob_ambiguous"] = df["dob_ambiguous"].map(lambda v: bool(int(v)) if v is not None else False)
    df["trust"] = df["trust"].map(lambda v: int(v) if v is not None else 1).astype("int64")
    return df


@pytest.fixture
def council_store(
    tmp_path: Path, small_council: SynthSummary, load_council: CouncilLoader
) -> Iterator[EmbeddedStore]:
    """A file store holding the small synthetic council."""
    store = EmbeddedStore(tmp_path / "store.idgraph.db")
    load_council(store, small_council, tmp_path / "rejects")
    yield store
    store.close()


def test_the_records_frame_is_the_table_as_pandas_reads_it(council_store: EmbeddedStore) -> None:
    frame = council_store.records_frame()

    pd.testing.assert_frame_equal(frame, _plain_read(council_store))
    assert frame["given_name"].map(type).isin([str, type(None)]).all()
    assert frame["dob_ambiguous"].dtype == bool and frame["trust"].dtype == "int64"


def test_equal_values_come_back_as_one_shared_string(council_store: EmbeddedStore) -> None:
    sources = council_store.records_frame()["source"].tolist()

    first = {s: s for s in sources}
    assert all(s is first[s] for s in sources)


def test_an_empty_store_and_a_column_with_no_value_read_back_typed(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store.idgraph.db")
    assert store.records_frame().empty
    assert list(store.records_frame().columns) == [*RECORD_COLUMNS, "trust"]
    export = tmp_path / "hr.csv"
    export.write_text("REF,NAME\nR1,Ann Lee\nR2,Bo Chan\n")
    mapping = tmp_path / "hr.toml"
    mapping.write_text('source = "hr"\nid = "REF"\n\n[fields]\nfull_name = "NAME"\n')
    api.load(store, export, mapping)

    frame = store.records_frame()

    assert frame["dob"].tolist() == [None, None] and frame["dob"].dtype == object
    pd.testing.assert_frame_equal(frame, _plain_read(store))
    store.close()


def test_a_second_resolve_replaces_the_tables_and_keeps_their_indexes(
    tmp_path: Path, small_council: SynthSummary, load_council: CouncilLoader
) -> None:
    path = tmp_path / "store.idgraph.db"
    store = EmbeddedStore(path)
    load_council(store, small_council, tmp_path / "rejects")
    indexes = _indexes(path)

    first = api.resolve(store)
    links_first = store.current_assignment()
    second = api.resolve(store)

    assert _indexes(path) == indexes
    assert second.people == first.people
    pd.testing.assert_frame_equal(store.current_assignment(), links_first)
    con = sqlite3.connect(path)
    (edges,) = con.execute("SELECT count(*) FROM edges").fetchone()
    plan = " ".join(r[-1] for r in con.execute("EXPLAIN QUERY PLAN SELECT * FROM edges WHERE record_b='x'"))
    con.close()
    assert edges == first.match_edges + first.possible_edges + first.related_edges + _distinct(store)
    assert "edges_b" in plan
    store.close()


def _distinct(store: EmbeddedStore) -> int:
    (n,) = store.con.execute("SELECT count(*) FROM edges WHERE tier='distinct'").fetchone()
    return int(n)
