"""A mapping that sends a column to the wrong field says so: at load (the report and the CLI) and
in `idgraph mapping check`, which previews fill and validity per field without a store."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.ingest import mapping_check, profile
from identity_graph.ingest.mapping import SourceMapping
from identity_graph.ingest.mapping_check import LOSS_WARNING, check_mapping
from identity_graph.synth import SynthSummary


def idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# -- at load --------------------------------------------------------------------------------------


def test_febrl_postcodes_and_social_security_ids_mapped_to_uk_fields_are_two_warnings_at_load(
    febrl: Path, febrl_wrong_mapping: Path, tmp_path: Path
) -> None:
    store = api.open_store(tmp_path / "s.idgraph.db", create=True)
    try:
        report = api.load(store, febrl, febrl_wrong_mapping)
    finally:
        store.close()
    assert [(w.field, w.columns) for w in report.warnings] == [("postcode", ("postcode",)), ("ni_number", ("soc_sec_id",))]
    pc, ni = report.warnings
    assert (pc.filled, pc.lost, pc.lost_share) == (420, 420, 1.0)
    assert "4-digit postcodes" in (pc.looks_like or "") and "not UK postcodes" in pc.message()
    assert '[compare] postcode = { column = "postcode", method = "exact" }' in pc.suggestion
    assert "remove fields.postcode" in pc.suggestion
    assert ni.looks_like == "7-digit numbers" and "National Insurance" in ni.expected
    # every mapped field's fill and validity is in the report; the right ones lost nothing
    assert {f: (v.filled, v.valid) for f, v in report.fields.items()} == {
        "given_name": (420, 420), "family_name": (420, 420), "address": (420, 420),
        "postcode": (420, 0), "dob": (420, 420), "ni_number": (420, 0),
    }  # fmt: skip


def test_a_warning_names_the_field_the_column_and_the_share_but_no_value(febrl: Path, febrl_wrong_mapping: Path) -> None:
    values = {v for line in febrl.read_text().splitlines()[1:] for v in line.split(",") if len(v) >= 4}
    for w in check_mapping(febrl, febrl_wrong_mapping).warnings:
        text = json.dumps(w.to_dict())
        assert f"fields.{w.field}" in w.message() and "100%" in w.message() and w.columns[0] in w.message()
        assert not [v for v in values if v in text and v not in w.columns]


@pytest.mark.parametrize(("bad", "warned"), [(2, False), (3, True)])
def test_more_than_a_fifth_of_a_fields_values_lost_is_a_warning(tmp_path: Path, bad: int, warned: bool) -> None:
    rows = [f"R{i},Ann Lee,{'4223' if i < bad else 'SW1A 1AA'}" for i in range(10)]
    export = _csv(tmp_path / "hr.csv", "REF,NAME,PC", rows)
    m = SourceMapping.from_dict({"source": "hr", "id": "REF", "fields": {"full_name": "NAME", "postcode": "PC"}})
    assert LOSS_WARNING == 0.20
    assert [w.field for w in check_mapping(export, m).warnings] == (["postcode"] if warned else [])


def test_blank_values_are_not_lost_values(tmp_path: Path) -> None:
    rows = [f"R{i},Ann Lee,{'' if i else 'SW1A 1AA'}" for i in range(10)]
    export = _csv(tmp_path / "hr.csv", "REF,NAME,PC", rows)
    m = SourceMapping.from_dict({"source": "hr", "id": "REF", "fields": {"full_name": "NAME", "postcode": "PC"}})
    (pc,) = [f for f in check_mapping(export, m).fields if f.field == "postcode"]
    assert (pc.rows, pc.filled, pc.valid, pc.fill_rate, pc.valid_rate) == (10, 1, 1, 0.1, 1.0)


def test_dates_in_another_format_than_the_mapping_says_suggest_the_format(
    febrl: Path, febrl_wrong_mapping: Path, tmp_path: Path
) -> None:
    m = tmp_path / "m.toml"
    m.write_text(febrl_wrong_mapping.read_text(encoding="utf-8") + '\n[formats]\ndob = "%d/%m/%Y"\n', encoding="utf-8")
    (w,) = [w for w in check_mapping(febrl, m).warnings if w.field == "dob"]
    assert w.suggestion.startswith('set [formats] dob = "%Y%m%d"')


def test_nhs_numbers_mapped_as_ni_numbers_suggest_the_nhs_field(tmp_path: Path) -> None:
    export = _csv(tmp_path / "sc.csv", "ID,NAME,NINO", [f"R{i},Ann Lee,943 476 5919" for i in range(5)])
    m = SourceMapping.from_dict({"source": "sc", "id": "ID", "fields": {"full_name": "NAME", "ni_number": "NINO"}})
    (w,) = check_mapping(export, m).warnings
    assert w.suggestion == "map column NINO to fields.nhs_number instead of fields.ni_number"


def test_the_synthetic_councils_right_mappings_load_without_a_warning(small_council: SynthSummary, tmp_path: Path) -> None:
    store = api.open_store(tmp_path / "s.idgraph.db", create=True)
    try:
        reports = api.load_many(store, [(small_council.files[s], small_council.mappings[s]) for s in sorted(small_council.files)])
    finally:
        store.close()
    assert all(r.fields for r in reports)
    assert [(r.source, w.field) for r in reports for w in r.warnings] == []


# -- the preview ---------------------------------------------------------------------------------


def test_check_counts_what_a_load_keeps_and_writes_nothing(febrl: Path, febrl_wrong_mapping: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    check = check_mapping(febrl, febrl_wrong_mapping)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no store, no rejects file
    store = api.open_store(tmp_path / "s.idgraph.db", create=True)
    try:
        report = api.load(store, febrl, febrl_wrong_mapping)
    finally:
        store.close()
    assert [f.to_dict() for f in check.fields] == [f.to_dict() for f in report.fields.values()]
    assert [w.to_dict() for w in check.warnings] == [w.to_dict() for w in report.warnings]
    assert (check.rows, check.rows_rejected) == (report.rows, report.rejected)


def test_check_counts_rows_a_load_would_reject(tmp_path: Path) -> None:
    export = _csv(tmp_path / "hr.csv", "REF,NAME,PC", ["R1,Ann Lee,SW1A 1AA", "R1,Ann Lee,SW1A 1AA", ",Bo Chan,", "R3,,"])
    m = SourceMapping.from_dict({"source": "hr", "id": "REF", "fields": {"full_name": "NAME", "postcode": "PC"}})
    c = check_mapping(export, m)
    assert (c.rows, c.rows_rejected) == (4, 3)  # a repeated id, no id, nothing identifying


def test_check_reads_only_the_first_rows_when_asked(febrl: Path, febrl_wrong_mapping: Path) -> None:
    c = check_mapping(febrl, febrl_wrong_mapping, max_rows=50)
    assert c.rows == 50 and all(f.rows == 50 for f in c.fields)


# -- the command line ------------------------------------------------------------------------------


def test_load_prints_each_warning_on_stderr_and_in_its_json(febrl: Path, febrl_wrong_mapping: Path, tmp_path: Path) -> None:
    store = tmp_path / "cli.idgraph.db"
    text = idgraph("--store", store, "load", "--create", febrl, "-m", febrl_wrong_mapping)
    assert text.exit_code == 0
    lines = [ln for ln in text.stderr.splitlines() if ln.startswith("warning:")]
    assert len(lines) == 2
    assert lines[0].startswith("warning: febrl: fields.postcode (column postcode) lost 100% of its values")
    assert "fields.ni_number (column soc_sec_id)" in lines[1]
    as_json = idgraph("--store", tmp_path / "cli2.idgraph.db", "load", "--create", febrl, "-m", febrl_wrong_mapping, "--json")
    (report,) = json.loads(as_json.stdout)
    assert [w["field"] for w in report["warnings"]] == ["postcode", "ni_number"]
    assert report["warnings"][0]["lost_share"] == 1.0 and report["fields"]["dob"]["valid_rate"] == 1.0


def test_mapping_check_prints_a_table_and_the_warnings_and_opens_no_store(
    febrl: Path, febrl_wrong_mapping: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    res = idgraph("mapping", "check", febrl, "--mapping", febrl_wrong_mapping)
    assert res.exit_code == 0
    assert "febrl: 420 rows in febrl.csv; a load would reject 0 of them" in res.stdout
    (pc_row,) = [ln for ln in res.stdout.splitlines() if ln.strip().startswith("postcode")]
    assert "100.0%" in pc_row and "0.0%" in pc_row and "<- warning" in pc_row
    assert res.stderr.count("warning: fields.") == 2
    assert not list(tmp_path.glob("*.db*"))
    as_json = json.loads(idgraph("mapping", "check", febrl, "-m", febrl_wrong_mapping, "--json").stdout)
    assert {f["field"]: f["valid_rate"] for f in as_json["fields"]}["ni_number"] == 0.0
    assert [w["field"] for w in as_json["warnings"]] == ["postcode", "ni_number"]
    assert idgraph("mapping", "check", febrl, "-m", febrl_wrong_mapping, "--strict").exit_code == 8


def test_mapping_check_of_a_mapping_naming_a_missing_column_is_one_clear_error(febrl: Path, tmp_path: Path) -> None:
    m = tmp_path / "m.toml"
    m.write_text('source = "febrl"\nid = "rec_id"\n[fields]\npostcode = "post_code"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["mapping", "check", str(febrl), "-m", str(m)])
    assert res.exit_code == 2
    assert "column 'post_code' not in" in res.stderr and "did you mean 'postcode'" in res.stderr
    assert "Traceback" not in res.output


def test_the_modules_examples_run() -> None:
    for module in (mapping_check, profile):
        assert doctest.testmod(module).failed == 0
