"""Personal data duties on every store (issue 12 items 3 and 4, ADR 0032): subject access,
erasure with tombstones, retention of history, snapshot loads.

A small synthetic council plus one source of our own (``gdpr_test``) holding a resident with
values found nowhere else: Zebedee Quillfeather, born 1911-11-11, of Nonesuch Mews. After an
erasure, not one of those values may be left anywhere: in the SQLite file and its WAL (read as
bytes, after the erasure's VACUUM), or in any property of any node or relationship of Neo4j.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from identity_graph import api
from identity_graph.access import audit
from identity_graph.errors import IdentityGraphError, NotFoundError
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary, generate
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]

HEADER = ["REF", "FIRST", "LAST", "DOB", "ADDRESS", "POSTCODE", "PHONE", "EMAIL"]
ZEB_1 = ["Z1", "Zebedee", "Quillfeather", "11/11/1911", "7 Nonesuch Mews", "YO61 4QX", "07700 900461",
         "zebedee.quillfeather@example.org"]
ZEB_2 = ["Z2", "Zebedee", "Quillfeather", "11/11/1911", "7 Nonesuch Mews", "YO61 4QX", "07700 900462",
         "zebedee.quillfeather@example.org"]
OTHERS = [
    ["A1", "Ann", "Other", "02/03/1970", "1 High Street", "LS1 1AA", "07700 900100", "ann.other@example.com"],
    ["B1", "Bob", "Else", "04/05/1980", "2 Low Street", "LS2 2BB", "07700 900200", "bob.else@example.com"],
    ["C1", "Cat", "Third", "06/07/1990", "3 Mid Street", "LS3 3CC", "07700 900300", "cat.third@example.com"],
]
#: every form Zebedee's values take (raw, canonical, lower case): none may survive an erasure
NEEDLES = ["zebedee", "quillfeather", "1911-11-11", "11/11/1911", "nonesuch", "quixote", "900461", "900462",
           "7700900461", "7700900462", "yo61 4qx", "yo614qx"]
MAPPING = """source = "gdpr_test"
id = "REF"
{extra}
[fields]
given_name = "FIRST"
family_name = "LAST"
dob = "DOB"
address = "ADDRESS"
postcode = "POSTCODE"
phone = "PHONE"
email = "EMAIL"
"""


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    out = generate(120, 3, tmp_path_factory.mktemp("gdpr_council"))
    for f in out.files.values():  # the needles are Zebedee's alone
        text = Path(f).read_text(encoding="utf-8", errors="replace").lower()
        assert not [n for n in NEEDLES if n in text]
    return out


def write_export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def write_mapping(path: Path, extra: str = "") -> Path:
    path.write_text(MAPPING.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def world(store: Store, council: SynthSummary, load_council: CouncilLoader, tmp_path: Path) -> dict[str, object]:
    """The council and gdpr_test loaded and resolved; then Zebedee moved (history, change-feed
    old and new values) and the move applied by an update; a reviewer's decision about him; a
    read of him in the audit log."""
    load_council(store, council, tmp_path)
    mapping = write_mapping(tmp_path / "gdpr_test.toml")
    old = [ZEB_1[:4] + ["3 Quixote Row", "YO61 4QX"] + ZEB_1[6:], ZEB_2, *OTHERS]
    v1 = write_export(tmp_path / "gdpr_v1.csv", old)
    api.load(store, v1, mapping, rejects_path=tmp_path / "rejects.csv")
    api.resolve(store)
    v2 = write_export(tmp_path / "gdpr_v2.csv", [ZEB_1, ZEB_2, *OTHERS])
    api.load(store, v2, mapping, rejects_path=tmp_path / "rejects.csv")
    api.update(store)
    pid = store.person_of("gdpr_test:Z1")
    assert pid is not None and store.person_of("gdpr_test:Z2") == pid
    api.decide(store, "same-person", "gdpr_test:Z1", "gdpr_test:Z2", reason="phoned Zebedee Quillfeather to check",
               actor="cli:reviewer")
    audit.record(store, "cli:officer", "cli", "idgraph person", [(pid, None)], purpose="housing case")
    return {"pid": pid, "mapping": mapping, "v1": v1, "v2": v2, "dir": tmp_path}


def leftovers(store: Store) -> list[str]:
    """Where Zebedee's values are still held: the store's own scan, and (embedded) the bytes
    of the file and its side files."""
    found = store.find_text(NEEDLES)
    if "://" not in store.uri:
        for suffix in ("", "-wal", "-shm"):
            path = Path(store.uri + suffix)
            if path.exists():
                data = path.read_bytes().lower()
                found += [f"{path.name}:{n}" for n in NEEDLES if _held(data, n.encode())]
    return found


_HEX = frozenset(b"0123456789abcdef")


def _held(data: bytes, needle: bytes) -> bool:
    """``needle`` occurs in ``data`` other than by chance inside a hash: a run of 32 or more hex
    digits around it (a row hash, a salted id) is not a resident's value."""
    at = data.find(needle)
    while at >= 0:
        lo, hi = at, at + len(needle)
        while lo > 0 and data[lo - 1] in _HEX:
            lo -= 1
        while hi < len(data) and data[hi] in _HEX:
            hi += 1
        if hi - lo < 32:
            return True
        at = data.find(needle, at + 1)
    return False


# -- subject access ---------------------------------------------------------------------------------


def test_subject_access_holds_everything_about_the_person_and_is_audited(store: Store, world: dict, tmp_path: Path) -> None:
    pid = world["pid"]
    rep = api.subject_access(store, pid, tmp_path / "sar", actor="cli:dpo", purpose="SAR 41")
    data = json.loads(Path(rep.json_path).read_text(encoding="utf-8"))
    records = {r["record_id"]: r for r in data["records"]}
    assert set(records) == {"gdpr_test:Z1", "gdpr_test:Z2"}
    z1 = records["gdpr_test:Z1"]
    assert z1["raw"]["ADDRESS"] == "7 Nonesuch Mews"
    assert any("Quixote" in json.dumps(h["raw"]) for h in z1["history"])  # the value it replaced
    assert {"kind": "email", "value": "zebedee.quillfeather@example.org"} in z1["identifiers"]
    assert any({lk["record_a"], lk["record_b"]} == {"gdpr_test:Z1", "gdpr_test:Z2"} for lk in data["links"])
    assert [d["reason"] for d in data["decisions"]] == ["phoned Zebedee Quillfeather to check"]
    assert {"created", "details_changed"} <= {e["event"] for e in data["events"]}
    assert data["golden"]["family_name"] == "quillfeather"
    actions = [(a["actor"], a["action"], a["purpose"]) for a in data["audit"]]
    assert ("cli:officer", "idgraph person", "housing case") in actions
    assert ("cli:dpo", "subject access", "SAR 41") in actions  # the export's own read
    assert store.audit_log(person_id=pid, actor="cli:dpo")["action"].tolist() == ["subject access"]
    page = Path(rep.html_path).read_text(encoding="utf-8")
    assert "Nonesuch Mews" in page and "<script" not in page and "http" not in page.replace("http-equiv", "")
    for path in (rep.json_path, rep.html_path):
        assert Path(path).stat().st_mode & 0o077 == 0


def test_subject_access_by_record_id_finds_the_person(store: Store, world: dict, tmp_path: Path) -> None:
    rep = api.subject_access(store, "gdpr_test:Z2", tmp_path / "sar", actor="cli:dpo")
    assert rep.person_id == world["pid"] and rep.records == 2


def test_subject_access_of_no_one_is_an_error(store: Store, world: dict, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        api.subject_access(store, "gdpr_test:NOPE", tmp_path / "sar", actor="cli:dpo")


# -- erasure ------------------------------------------------------------------------------------------


def test_erasing_a_person_leaves_not_one_byte_of_them(store: Store, world: dict) -> None:
    assert leftovers(store)  # the check sees them before
    rep = api.erase(store, world["pid"], reason="SAR 41 erasure", actor="cli:dpo")
    assert sorted(rep.records) == ["gdpr_test:Z1", "gdpr_test:Z2"] and rep.tombstones == 2
    assert leftovers(store) == []
    assert store.person(world["pid"])["status"] == "retired"
    assert store.person(world["pid"])["golden"] == {}
    assert not len(store.records(["gdpr_test:Z1", "gdpr_test:Z2"]))
    assert not len(store.record_history("gdpr_test:Z1"))
    assert store.decisions(history=True)["record_a"].tolist() == []
    # the audit log keeps who read the person, the records named by pseudonyms only
    log = store.audit_log(person_id=world["pid"])
    assert "cli:officer" in log["actor"].tolist()
    assert log.loc[log["action"] == "erase", ["actor", "detail"]].values.tolist() == [["cli:dpo", "2 records erased"]]


def test_an_old_export_does_not_bring_an_erased_person_back(store: Store, world: dict) -> None:
    api.erase(store, world["pid"], reason="SAR 41 erasure", actor="cli:dpo")
    rejects = world["dir"] / "reload_rejects.csv"
    rep = api.load(store, world["v1"], world["mapping"], rejects_path=rejects)
    assert (rep.inserted, rep.rejected) == (0, 2)
    assert not len(store.records(["gdpr_test:Z1", "gdpr_test:Z2"]))
    text = rejects.read_text(encoding="utf-8")
    today = datetime.now(UTC).date().isoformat()
    assert text.count(f"erased on {today}") == 2
    assert not [n for n in NEEDLES if n in text.lower()]  # the reject holds no personal data
    # nor can a service post the record back (the write routes' path)
    report, refused, ids = api.load_records(store, "gdpr_test", [dict(zip(HEADER, ZEB_2, strict=True))])
    assert (report.inserted, ids) == (0, []) and "erased on" in refused[0].reason
    # only with the flag, and then the tombstones go
    back = api.load(store, world["v1"], world["mapping"], rejects_path=rejects, allow_erased=True)
    assert back.inserted == 2
    again = api.load(store, world["v2"], world["mapping"], rejects_path=rejects)
    assert again.rejected == 0 and again.updated == 1


def test_erasing_one_record_shrinks_the_person_as_a_delete_does(store: Store, world: dict) -> None:
    pid = world["pid"]
    rep = api.erase(store, "gdpr_test:Z2", reason="record closed and erasure asked", actor="cli:dpo")
    assert rep.run_id is not None and rep.records == ["gdpr_test:Z2"]
    assert store.person_of("gdpr_test:Z1") == pid  # the rest stays with the person
    assert store.person(pid)["size"] == 1
    removed = store.changes(after=0)
    assert "records_removed" in removed.loc[removed["person_id"] == pid, "event"].tolist()
    assert store.find_text(["900462", "7700900462"]) == []  # Z2's own phone
    assert store.find_text(["900461"]) != []  # Z1's is still held, rightly
    assert store.decisions(history=True).empty  # the decision named Z2
    assert not len(store.record_history("gdpr_test:Z2"))


def test_a_record_retired_earlier_is_erased_from_history(store: Store, world: dict) -> None:
    api.update(store, retire=["gdpr_test:A1"], reason="account closed")
    assert len(store.record_history("gdpr_test:A1"))
    rep = api.erase(store, "gdpr_test:A1", reason="erasure asked", actor="cli:dpo")
    assert rep.records == ["gdpr_test:A1"]
    assert not len(store.record_history("gdpr_test:A1"))
    assert store.find_text(["ann.other@example.com"]) == []


def test_erasure_needs_a_reason_and_an_existing_target(store: Store, world: dict) -> None:
    with pytest.raises(IdentityGraphError, match="reason"):
        api.erase(store, world["pid"], reason="  ", actor="cli:dpo")
    with pytest.raises(NotFoundError):
        api.erase(store, "gdpr_test:NOPE", reason="x", actor="cli:dpo")


# -- retention ------------------------------------------------------------------------------------------


def test_retention_removes_history_older_than_the_limit_and_never_current_values(store: Store, world: dict) -> None:
    limited = write_mapping(world["dir"] / "limited.toml", "retain_history_days = 30")
    api.load(store, world["v2"], limited, rejects_path=world["dir"] / "r.csv")  # the mapping, stored
    api.update(store)
    api.update(store, retire=["gdpr_test:B1"], reason="account closed")
    assert len(store.record_history("gdpr_test:Z1")) and len(store.record_history("gdpr_test:B1"))
    council_record = store.records_frame()["record_id"].iloc[0]
    soon = api.retention_apply(store, as_of=datetime.now(UTC) + timedelta(days=29))
    assert soon.sources["gdpr_test"]["history_rows"] == 0
    later = datetime.now(UTC) + timedelta(days=31)
    preview = api.retention_apply(store, dry_run=True, as_of=later)
    assert preview.sources["gdpr_test"]["retired_records"] == 1
    assert preview.sources["gdpr_test"]["history_rows"] >= 2 and preview.events_redacted >= 1
    assert len(store.record_history("gdpr_test:Z1"))  # a dry run removes nothing
    done = api.retention_apply(store, as_of=later)
    assert done.sources == preview.sources and done.events_redacted == preview.events_redacted
    assert not len(store.record_history("gdpr_test:Z1")) and not len(store.record_history("gdpr_test:B1"))
    assert store.find_text(["quixote", "bob.else@example.com"]) == []  # replaced and retired values
    assert store.records(["gdpr_test:Z1"])["address"].tolist() == store.records(["gdpr_test:Z1"])["address"].tolist()
    assert len(store.records(["gdpr_test:Z1", "gdpr_test:Z2", council_record])) == 3  # current values stay
    feed = store.changes(after=0)
    changed = feed[(feed["event"] == "details_changed") & feed["sources"].map(lambda s: "gdpr_test" in s)]
    assert changed["detail"].map(lambda d: json.loads(d).get("removed")).eq("retention").all()


def test_retention_leaves_sources_without_a_limit_alone(store: Store, world: dict) -> None:
    rep = api.retention_apply(store, as_of=datetime.now(UTC) + timedelta(days=10_000))
    assert rep.sources == {} and rep.events_redacted == 0
    assert len(store.record_history("gdpr_test:Z1"))


# -- snapshot loads -----------------------------------------------------------------------------------


def test_a_snapshot_retires_the_records_it_no_longer_holds(store: Store, world: dict) -> None:
    snap = write_export(world["dir"] / "snap.csv", [ZEB_1, *OTHERS, *[
        [f"N{i}", "New", f"Person{i}", "01/01/1999", f"{i} New Road", "LS9 9ZZ", "", ""] for i in range(8)]])
    rep = api.load(store, snap, world["mapping"], rejects_path=world["dir"] / "r.csv", snapshot=True)
    assert (rep.inserted, rep.retired) == (8, 1) and rep.retired_run is not None
    assert not len(store.records(["gdpr_test:Z2"]))
    history = store.record_history("gdpr_test:Z2")
    assert history["reason"].tolist() == ["missing from snapshot snap.csv"]  # kept in history
    feed = store.changes(after=0)
    removed = feed[(feed["run_id"] == rep.retired_run) & (feed["event"] == "records_removed")]
    assert removed["person_id"].tolist() == [world["pid"]]
    assert json.loads(removed["detail"].iloc[0])["records"] == ["gdpr_test:Z2"]
    assert store.person_of("gdpr_test:Z1") == world["pid"]
    assert len(store.records(["gdpr_test:A1"]))  # the council's sources are not this snapshot's


def test_a_snapshot_from_the_mapping_and_its_guard(store: Store, world: dict) -> None:
    mapping = write_mapping(world["dir"] / "snapshot.toml", "snapshot = true")
    half = write_export(world["dir"] / "half.csv", [ZEB_1[:4] + ["8 Nonesuch Mews"] + ZEB_1[5:], ZEB_2])
    with pytest.raises(IdentityGraphError, match="allow-mass-retire"):
        api.load(store, half, mapping, rejects_path=world["dir"] / "r.csv")
    assert len(store.records(["gdpr_test:A1", "gdpr_test:B1", "gdpr_test:C1"])) == 3  # nothing retired
    if store.atomic_loads:  # and on the embedded store nothing loaded either
        assert store.records(["gdpr_test:Z1"])["address"].str.contains("7").all()
    rep = api.load(store, half, mapping, rejects_path=world["dir"] / "r.csv", allow_mass_retire=True)
    assert rep.retired == 3
    assert sorted(pd.concat(list(store.links()))["source_record_id"][lambda s: s.str.match(r"^[ABCZ]\d$")]) == ["Z1", "Z2"]


def test_deleting_every_record_of_a_person_dissolves_them(store: Store, world: dict) -> None:
    """Regression: the delete path crashed building the golden records of an empty region (the
    person's records linked to no one else), so erasing a whole person failed too."""
    res = api.update(store, retire=["gdpr_test:Z1", "gdpr_test:Z2"], reason="both accounts closed")
    assert res.run_id is not None
    assert store.person(world["pid"])["status"] == "retired"
    assert "dissolved" in res.events["event"].tolist()


def test_deleting_a_record_changed_since_the_last_run_retires_it(store: Store, world: dict) -> None:
    """Regression: a record loaded again with new values since the last run was re-clustered
    instead of retired by `idgraph delete` (the update dropped it from the records to retire)."""
    moved = write_export(world["dir"] / "moved.csv", [ZEB_1, ZEB_2, OTHERS[0],
                                                      OTHERS[1][:4] + ["5 Other Street"] + OTHERS[1][5:], OTHERS[2]])
    api.load(store, moved, world["mapping"], rejects_path=world["dir"] / "r.csv")
    assert "gdpr_test:B1" in store.dirty_records()[0]
    res = api.update(store, retire=["gdpr_test:B1"], reason="account closed")
    assert res.records_retired == 1
    assert not len(store.records(["gdpr_test:B1"]))
    assert store.record_history("gdpr_test:B1")["reason"].tolist()[-1] == "account closed"


# -- the second review (issue 12) ---------------------------------------------------------------------


def test_an_erased_records_dropped_values_do_not_reach_the_rejects_file_of_a_reload(
    store: Store, world: dict, tmp_path: Path
) -> None:
    api.erase(store, world["pid"], reason="SAR 41 erasure", actor="cli:dpo")
    bad = ["Z1", "Zebedee", "Quillfeather", "11/11/1911", "7 Nonesuch Mews", "NOTPC", "07700 900461",
           "bad-email-zebedee"]
    again = write_export(tmp_path / "gdpr_v3.csv", [bad, *OTHERS])
    api.load(store, again, world["mapping"], rejects_path=tmp_path / "rejects3.csv")
    text = (tmp_path / "rejects3.csv").read_text(encoding="utf-8").lower()
    assert "erased on" in text  # the row is refused, and says why
    assert "notpc" not in text and "bad-email-zebedee" not in text and "zebedee" not in text


def test_erasure_cleans_the_default_rejects_folder_of_either_store(
    store: Store, world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from identity_graph.gdpr.erase import default_rejects_dir

    monkeypatch.chdir(tmp_path)  # a Neo4j store's default rejects folder is in the working folder
    spoiled = ["Z9", "Zebedee", "Quillfeather", "11/11/1911", "7 Nonesuch Mews", "YO61 4QX", "07700 900461",
               "zebedee.quillfeather@@example"]
    report = api.load(store, write_export(tmp_path / "gdpr_v4.csv", [ZEB_1, ZEB_2, spoiled, *OTHERS]),
                      world["mapping"])
    assert report.rejects_file and "zebedee" in Path(report.rejects_file).read_text(encoding="utf-8").lower()
    folder = default_rejects_dir(store)
    assert folder is not None and Path(report.rejects_file).resolve().parent == folder.resolve()
    api.update(store)
    for target in (world["pid"], "gdpr_test:Z9"):  # Z9 is his too, unless the update joined it
        if target == world["pid"] or len(store.records([target])):
            api.erase(store, target, reason="SAR 41 erasure", actor="cli:dpo")
    assert "zebedee" not in Path(report.rejects_file).read_text(encoding="utf-8").lower()
