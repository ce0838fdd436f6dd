"""load_mapping / SourceMapping / check_columns, read as a specification."""

from __future__ import annotations

from pathlib import Path

import pytest

from identity_graph.errors import MappingError
from identity_graph.ingest.mapping import CompareField, SourceMapping, check_columns, load_mapping

FULL = """
source = "council_tax"
id = "ACCOUNT_REF"
trust = 3
format = "csv"
encoding = "auto"
delimiter = ","
region = "GB"
skip_initial_space = false

[fields]
given_name = "FORENAME"
family_name = "SURNAME"
dob = "DOB"
address = ["ADDR1", "ADDR2", "TOWN"]
postcode = "POSTCODE"
phone = ["HOME_TEL", "MOBILE"]
email = "EMAIL"

[formats]
dob = "%d/%m/%Y"

[checks]
dob_earliest = "1900-01-01"
dob_latest = "today"

[compare]
birth_place = "exact"
vehicle_reg = { column = "VRN", method = "fuzzy" }

[attributes]
keep = ["BAND"]
"""


def write(tmp_path: Path, text: str, name: str = "m.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(write(tmp_path, text))
    assert str(tmp_path / "m.toml") in str(info.value)
    return info.value.problems


def test_full_mapping_loads_with_every_key(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, FULL))
    assert m.path == str(tmp_path / "m.toml")
    assert (m.source, m.id_column, m.trust, m.format) == ("council_tax", "ACCOUNT_REF", 3, "csv")
    assert m.fields["dob"] == ("DOB",)
    assert m.fields["address"] == ("ADDR1", "ADDR2", "TOWN")
    assert m.formats == {"dob": "%d/%m/%Y"}
    assert (m.dob_earliest, m.dob_latest) == ("1900-01-01", None)
    assert m.compare["birth_place"] == CompareField("birth_place", "birth_place", "exact")
    assert m.compare["vehicle_reg"] == CompareField("vehicle_reg", "VRN", "fuzzy")
    assert m.keep_attributes == ("BAND",)
    assert "VRN" in m.columns_used() and "ACCOUNT_REF" in m.columns_used()
    assert "BAND" in m.columns_used()


def test_defaults() -> None:
    m = SourceMapping.from_dict({"source": "housing", "id": "ID"})
    assert (m.trust, m.format, m.encoding, m.delimiter, m.region) == (1, None, "auto", None, "GB")
    assert (m.dob_earliest, m.dob_latest, m.keep_attributes) == ("1890-01-01", None, None)
    assert m.skip_initial_space is False and m.fields == {} and m.compare == {}


def test_to_dict_round_trips(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, FULL))
    assert SourceMapping.from_dict(m.to_dict(), m.path) == m
    plain = SourceMapping.from_dict({"source": "a", "id": "B"}, "x.toml")
    assert SourceMapping.from_dict(plain.to_dict(), "x.toml") == plain


def test_every_problem_is_reported_together_with_suggestions(tmp_path: Path) -> None:
    text = """
sorce = "council tax"
trust = "high"
encodng = "utf-8"

[fields]
dob = "DOB"
surname = "SURNAME"
phone = 7

[formats]
dob = "%Q"
given_name = "%d"
record_date = "dd/mm/yyyy"

[compare]
vrn = "fuzy"
"""
    found = problems(tmp_path, text)
    joined = "\n".join(found)
    assert "unknown key 'sorce' — did you mean 'source'?" in joined
    assert "did you mean 'encoding'?" in joined
    assert "'source' is required" in joined
    assert "'id' is required" in joined
    assert "'trust' must be a whole number 0..10" in joined
    assert "fields.surname" in joined and "'family_name'" in joined
    assert "'fields.phone' must be a column name" in joined
    assert "'formats.dob'" in joined
    assert "'formats.given_name' is not allowed" in joined
    assert "'formats.record_date'" in joined and "no date directive" in joined
    assert "'compare.vrn'" in joined and "did you mean 'fuzzy'?" in joined
    assert len(found) >= 11


def test_bad_source_name_suggests_a_valid_one(tmp_path: Path) -> None:
    found = problems(tmp_path, 'source = "Council Tax"\nid = "REF"\n')
    assert found == [
        "source 'Council Tax' must use only lower-case letters, digits and '_'; "
        "e.g. source = 'council_tax'"
    ]


def test_canonical_field_at_top_level_says_move_it_under_fields(tmp_path: Path) -> None:
    found = problems(tmp_path, 'source = "a"\nid = "REF"\ndob = "DOB"\ndob_latest = "today"\n')
    assert any("'dob'" in p and "[fields]" in p for p in found)
    assert any("'dob_latest'" in p and "[checks]" in p for p in found)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('format = "xls"', "format 'xls' is not supported"),
        ('encoding = "klingon"', "not a known codec"),
        ('delimiter = ",,"', "must be one character"),
        ('region = "Britain"', "two-letter country code"),
        ("skip_initial_space = 1", "must be true or false"),
        ("trust = 11", "0..10"),
        ("trust = true", "0..10"),
        ("fields = 3", "write [fields]"),
        ('[checks]\ndob_earliest = "01/01/1900"', "checks.dob_earliest"),
        ("[checks]\ndob_earliest = 2000-01-01\ndob_latest = 1999-01-01", "must be before"),
        ('[attributes]\nkeep = "BAND"', "'attributes.keep' must be a list"),
        ('[compare]\nvrn = { column = "VRN", methd = "exact" }', "did you mean 'method'?"),
    ],
)
def test_each_kind_of_problem_names_the_key(tmp_path: Path, snippet: str, expected: str) -> None:
    found = problems(tmp_path, f'source = "a"\nid = "REF"\n{snippet}\n')
    assert any(expected in p for p in found), found


def test_toml_dates_are_accepted_as_iso(tmp_path: Path) -> None:
    m = load_mapping(
        write(tmp_path, 'source = "a"\nid = "R"\n[checks]\ndob_earliest = 1900-01-01\n')
    )
    assert m.dob_earliest == "1900-01-01"


def test_delimiter_tab_alias() -> None:
    assert SourceMapping.from_dict({"source": "a", "id": "R", "delimiter": "tab"}).delimiter == "\t"


def test_invalid_toml_is_a_mapping_error_with_line_and_column(tmp_path: Path) -> None:
    found = problems(tmp_path, 'source = "a"\nid = REF\n')
    assert len(found) == 1
    assert "invalid TOML" in found[0] and "line 2" in found[0] and "column" in found[0]


def test_missing_file_is_a_mapping_error_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(tmp_path / "nope.toml")
    assert "file not found" in info.value.problems[0]
    assert "MAPPING_SPEC" in info.value.problems[0]


def test_check_columns_names_key_column_file_and_suggestion() -> None:
    m = SourceMapping.from_dict(
        {
            "source": "a",
            "id": "ACCOUNT_REF",
            "fields": {"dob": "DOB", "family_name": "SURNAME"},
            "compare": {"vehicle_reg": {"column": "VRN", "method": "fuzzy"}},
        },
        "a.toml",
    )
    with pytest.raises(MappingError) as info:
        check_columns(m, ["Account Ref", "D.O.B", "SURNAME", "Vehicle"], "export.csv")
    err = info.value
    assert err.path == "a.toml"
    assert len(err.problems) == 3
    dob = next(p for p in err.problems if p.startswith("fields.dob:"))
    assert "column 'DOB' not in export.csv; did you mean 'D.O.B'?" in dob
    assert "The file has: 'Account Ref', 'D.O.B', 'SURNAME', 'Vehicle'" in dob
    assert any(p.startswith("id:") and "'Account Ref'" in p for p in err.problems)
    assert any(p.startswith("compare.vehicle_reg:") and "'VRN'" in p for p in err.problems)


def test_check_columns_passes_when_all_present() -> None:
    m = SourceMapping.from_dict({"source": "a", "id": "R", "fields": {"address": ["A1", "A2"]}})
    check_columns(m, ["R", "A1", "A2", "OTHER"], "x.csv")


def test_the_documented_example_mapping_loads(tmp_path: Path) -> None:
    spec = (Path(__file__).parents[3] / "docs" / "MAPPING_SPEC.md").read_text(encoding="utf-8")
    example = spec.split("```toml", 1)[1].split("```", 1)[0]
    m = load_mapping(write(tmp_path, example))
    assert m.source == "council_tax" and m.fields["phone"] == ("HOME_TEL", "MOBILE")
    assert m.compare["vehicle_reg"].column == "VRN"


def test_public_names() -> None:
    from identity_graph.ingest import mapping, readers, rejects

    for module in (mapping, readers, rejects):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
    assert {"SourceMapping", "load_mapping", "check_columns", "CompareField"} <= set(
        mapping.__all__
    )
    assert {"RawChunk", "read_export", "file_sha256"} <= set(readers.__all__)
    assert {"REJECT_COLUMNS", "write_rejects", "read_rejects"} <= set(rejects.__all__)
