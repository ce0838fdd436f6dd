"""The pieces of the personal-data duties that need no store: mapping keys, tombstone hashes,
the subject-access page, rejects scrubbing, event redaction (ADR 0032)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from identity_graph.errors import MappingError
from identity_graph.gdpr.erase import ERASED, _redacted, erased_values, scrub_rejects
from identity_graph.gdpr.subject_access import render_html
from identity_graph.gdpr.tombstones import pseudonym, record_hash
from identity_graph.ingest.mapping import SourceMapping

BASE = {"source": "housing", "id": "REF", "fields": {"full_name": "NAME"}}


def test_a_mapping_may_say_it_is_a_snapshot_and_how_long_history_is_kept() -> None:
    m = SourceMapping.from_dict(BASE | {"snapshot": True, "retain_history_days": 2190})
    assert (m.snapshot, m.retain_history_days) == (True, 2190)
    assert SourceMapping.from_dict(m.to_dict(), m.path) == m
    plain = SourceMapping.from_dict(BASE)
    assert (plain.snapshot, plain.retain_history_days) == (False, None)
    assert "snapshot" not in plain.to_dict() and "retain_history_days" not in plain.to_dict()


@pytest.mark.parametrize("key, value, says", [
    ("snapshot", "yes", "'snapshot' must be true or false"),
    ("retain_history_days", -1, "whole number of days"),
    ("retain_history_days", 1.5, "whole number of days"),
    ("retain_history_days", True, "whole number of days"),
])
def test_bad_values_of_the_personal_data_keys_are_named(key: str, value: object, says: str) -> None:
    with pytest.raises(MappingError, match=says):
        SourceMapping.from_dict(BASE | {key: value})


def test_a_tombstone_hash_depends_on_the_store_salt_and_names_nothing() -> None:
    a, b = "aa" * 32, "bb" * 32
    assert record_hash(a, "housing:H1") == record_hash(a, "housing:H1")
    assert record_hash(a, "housing:H1") != record_hash(b, "housing:H1")
    assert record_hash(a, "housing:H1") != record_hash(a, "housing:H2")
    assert "H1" not in record_hash(a, "housing:H1") and pseudonym(record_hash(a, "x:1")).startswith("erased:")


def test_the_subject_access_page_escapes_every_value_and_loads_nothing() -> None:
    hostile = '<script>alert("x")</script><img src="http://evil.example/x">'
    page = render_html({
        "subject": hostile, "generated_at": "now", "person": {"person_id": "P1", "status": "active"},
        "golden": {"given_name": hostile}, "address_history": [], "links": [], "decisions": [], "events": [],
        "audit": [{"actor": hostile}],
        "records": [{"record_id": "housing:1", "raw": {"NAME": hostile}, "identifiers": [], "history": []}],
    })
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert "default-src 'none'" in page  # the page itself forbids loading anything


def test_rejects_rows_naming_an_erased_record_or_holding_its_values_go(tmp_path: Path) -> None:
    path = tmp_path / "housing__export.csv"
    rows = [["file", "row", "column", "reason", "action", "value"],
            ["export.csv", "3", "REF", "duplicate record id 'H1'", "row rejected", "H1"],
            ["export.csv", "4", "dob", "not a date", "value dropped", "31/02/1911 for Quillfeather"],
            ["export.csv", "5", "dob", "not a date", "value dropped", "99/99/1999"]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    path.chmod(0o600)
    other = tmp_path / "parking__export.csv"
    other.write_text("file,row\nH1,1\n", encoding="utf-8")
    removed, files = scrub_rejects([tmp_path], {"housing": {"H1"}}, ["Quillfeather"])
    assert (removed, files) == (2, [str(path)])
    with path.open(newline="", encoding="utf-8") as fh:
        assert [r[1] for r in csv.reader(fh)] == ["row", "5"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert other.read_text(encoding="utf-8") == "file,row\nH1,1\n"  # another source's file


def test_event_details_lose_erased_values_and_record_ids_only() -> None:
    ids = {"housing:H1"}
    names = {"housing:H1": "erased:0123456789abcdef"}
    values = sorted(v.lower() for v in erased_values([{"family_name": "quillfeather", "dob": "1911-11-11"}], []))
    changed = json.dumps({"field": "family_name", "old": "quillfeather", "new": "smith"})
    out = json.loads(_redacted(changed, ids, values, True, names))
    assert out == {"field": "family_name", "old": ERASED, "new": "smith"}
    assert _redacted(changed, ids, values, False, names) == changed  # another person's event
    removed = json.dumps({"records": ["housing:H1", "housing:H2"]})
    assert json.loads(_redacted(removed, ids, values, False, names)) == {"records": ["housing:H2"], "erased_records": 1}
