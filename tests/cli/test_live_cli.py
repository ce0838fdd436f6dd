"""``idgraph update``, ``idgraph delete`` and ``idgraph changes``: the live index from a shell."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.synth import SynthSummary


def idgraph(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), "--quiet", *args], catch_exceptions=False)


def test_update_resolves_what_was_loaded_since_and_the_feed_says_what_changed(
    small_council: SynthSummary, tmp_path: Path
) -> None:
    store_path = tmp_path / "c.idgraph.db"
    store = api.open_store(store_path, create=True)
    for source in sorted(set(small_council.files) - {"parking"}):
        api.load(store, small_council.files[source], small_council.mappings[source], rejects_path=tmp_path / "r.csv")
    api.resolve(store)
    feed0 = api.changes(store, after=0, limit=1_000_000)
    cursor = int(feed0["seq"].max())
    api.load(store, small_council.files["parking"], small_council.mappings["parking"], rejects_path=tmp_path / "r.csv")
    parking = sorted(r for r in store.dirty_records()[0])
    store.close()

    preview = idgraph(store_path, "update", "--dry-run", "--json")
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.output)["dry_run"] is True
    assert api.open_store(store_path).dirty_records()[0] == parking  # nothing written

    done = idgraph(store_path, "update", "--json")
    assert done.exit_code == 0, done.output
    rep = json.loads(done.output)
    assert rep["records_changed"] == len(parking) and rep["run_id"] == 2

    feed = idgraph(store_path, "changes", "--after", str(cursor), "--source", "parking", "--json")
    body = json.loads(feed.output)
    assert body["changes"] and all("parking" in c["sources"] for c in body["changes"])
    assert body["next"] > cursor
    # reading the feed is a read of people: audited like `idgraph person`
    audit = api.open_store(store_path).audit_log(limit=1000)
    assert set(audit.loc[audit["action"] == "idgraph changes", "person_id"]) == {c["person_id"] for c in body["changes"]}

    again = idgraph(store_path, "update")
    assert "nothing to update" in again.output

    gone = parking[0]
    deleted = idgraph(store_path, "delete", gone, "--reason", "ticket cancelled", "--json")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.output)["records_retired"] == 1
    assert api.open_store(store_path).person_of(gone) is None

    unknown = idgraph(store_path, "delete", "parking:NO-SUCH", "--reason", "x")
    assert unknown.exit_code != 0 and "no record" in unknown.output
