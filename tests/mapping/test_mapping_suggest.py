"""`idgraph mapping suggest` drafts a mapping from an export's header and values, each line
commented with its confidence and evidence, for a person to edit."""

from __future__ import annotations

import doctest
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli
from identity_graph.ingest import mapping_suggest
from identity_graph.ingest.mapping import SourceMapping, load_mapping
from identity_graph.ingest.mapping_check import check_mapping
from identity_graph.ingest.mapping_suggest import MappingSuggestion, header_field, suggest_mapping
from identity_graph.synth import SynthSummary
from identity_graph.synth.systems import SYSTEMS, System


def idgraph(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("header", "field"),
    [("DOB", "dob"), ("date_of_birth", "dob"), ("dateOfBirth", "dob"), ("Forenames", "given_name"),
     ("LAST_NAME", "family_name"), ("LIABLE_NAME", "full_name"), ("NI Number", "ni_number"),
     ("nhsNumber", "nhs_number"), ("HOME_TEL", "phone"), ("e-mail", "email"), ("ADDR1", "address"),
     ("Post Code", "postcode"), ("sex", "gender"), ("Last Verified", "record_date"), ("ACCOUNT_REF", "id"),
     ("vehicle_reg", None)],
)
def test_a_header_names_its_field_however_it_is_written(header: str, field: str | None) -> None:
    assert header_field(header) == field


@pytest.mark.parametrize("system", SYSTEMS, ids=[s.name for s in SYSTEMS])
def test_suggest_proposes_the_generators_own_mapping_for_each_synthetic_export(
    small_council: SynthSummary, system: System, tmp_path: Path
) -> None:
    options = {"record_path": system.mapping["record_path"]} if "record_path" in system.mapping else {}
    s = suggest_mapping(small_council.files[system.name], **options)
    assert s.mapping["id"] == system.mapping["id"]
    assert s.mapping["fields"] == system.mapping["fields"]
    for name, fmt in system.mapping.get("formats", {}).items():
        # a format is proposed whenever the load would not detect it itself, and then it is the same
        if "%H" not in fmt and fmt not in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
            assert s.mapping["formats"][name] == fmt
    check = check_mapping(small_council.files[system.name], load_mapping_from(s, tmp_path))
    assert check.warnings == []


def load_mapping_from(s: MappingSuggestion, folder: Path) -> SourceMapping:
    path = folder / f"suggested_{s.mapping['source']}.toml"
    path.write_text(s.to_toml(), encoding="utf-8")
    return load_mapping(path)


def test_suggest_for_a_febrl_shaped_export_keeps_the_australian_columns_out_of_uk_fields(febrl: Path, tmp_path: Path) -> None:
    s = suggest_mapping(febrl)
    m = s.mapping
    assert (m["source"], m["id"], m["format"]) == ("febrl", "rec_id", "csv")
    assert m["fields"] == {
        "given_name": "given_name", "family_name": "surname", "dob": "date_of_birth",
        "address": ["street_number", "address_1", "address_2", "suburb"],
    }  # fmt: skip
    assert m["formats"] == {"dob": "%Y%m%d"}
    assert m["compare"] == {"postcode": {"column": "postcode", "method": "exact"},
                            "soc_sec_id": {"column": "soc_sec_id", "method": "exact"}}
    text = s.to_toml()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("postcode =")]
    assert "header says postcode, but only 0% are UK postcodes" in line and "4-digit postcodes" in line
    # loaded as suggested: nothing is lost, and the postcode still counts as evidence
    store = api.open_store(tmp_path / "s.idgraph.db", create=True)
    try:
        report = api.load(store, febrl, load_mapping_from(s, tmp_path))
    finally:
        store.close()
    assert report.warnings == [] and report.values_dropped == 0


def test_every_mapped_line_says_its_confidence_and_no_line_quotes_a_value(febrl: Path) -> None:
    text = suggest_mapping(febrl).to_toml()
    data = tomllib.loads(text)
    assert data["id"] == "rec_id"
    body = [ln for ln in text.splitlines() if ln and not ln.startswith(("#", "[", "source", "format"))]
    assert body and all(any(f"# {c}:" in ln for c in ("high", "medium", "low")) for ln in body)
    header = febrl.read_text().splitlines()[0].split(",")
    values = {v for line in febrl.read_text().splitlines()[1:] for v in line.split(",") if len(v) >= 4} - set(header)
    assert [v for v in values if v in text] == []


def test_an_export_with_no_id_column_gets_a_low_confidence_id_to_choose(tmp_path: Path) -> None:
    export = tmp_path / "x.csv"
    export.write_text("NAME,DOB\nAnn Lee,03/04/1980\nAnn Lee,03/04/1980\n", encoding="utf-8")
    s = suggest_mapping(export)
    assert s.mapping["fields"]["full_name"] == "NAME"
    (g,) = [g for g in s.guesses if g.target == "id"]
    assert g.confidence == "low" and "choose the record id column" in g.evidence


def test_mapping_suggest_writes_a_mapping_that_loads_and_never_overwrites_a_file(febrl: Path, tmp_path: Path) -> None:
    out = tmp_path / "mappings" / "febrl.toml"
    res = idgraph("mapping", "suggest", febrl, "--out", out)
    assert res.exit_code == 0 and "next: idgraph mapping check" in res.stdout
    assert load_mapping(out).id_column == "rec_id"
    again = CliRunner().invoke(cli, ["mapping", "suggest", str(febrl), "--out", str(out)])
    assert again.exit_code == 2 and "exists" in again.stderr
    printed = idgraph("mapping", "suggest", febrl, "--source", "febrl_a")
    assert printed.exit_code == 0 and tomllib.loads(printed.stdout)["source"] == "febrl_a"


def test_the_modules_examples_run() -> None:
    assert doctest.testmod(mapping_suggest).failed == 0


def test_a_header_holding_a_line_break_cannot_add_tables_to_the_suggested_mapping(tmp_path: Path) -> None:
    export = tmp_path / "odd.csv"
    export.write_text('ID,NAME,"NOTE\n[checks]\ndob_latest = ""1900-01-02"" #"\n'
                      + "".join(f"R{i},Ann Lee,hello\n" for i in range(20)), encoding="utf-8")
    text = mapping_suggest.suggest_mapping(export).to_toml()
    parsed = tomllib.loads(text)
    assert "checks" not in parsed and all(not line.startswith("[checks]") for line in text.splitlines())
