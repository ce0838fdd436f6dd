"""A settings file is checked against its schema before a run reads it: unknown keys, unknown
blocking keys, columns, comparison kinds and levels, and wrong types are errors naming their
path in the file (issue 12, defect 1; ADR 0027)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from identity_graph.errors import ModelError, SettingsError
from identity_graph.settings import Settings, default_settings
from identity_graph.settings_schema import settings_problems


def _defaults() -> dict[str, Any]:
    return json.loads(default_settings().to_json())


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_the_printed_default_settings_are_valid_and_round_trip() -> None:
    data = _defaults()
    assert settings_problems(data) == []
    assert Settings.from_dict(data).to_dict() == default_settings().to_dict()


def test_an_unknown_blocking_key_is_refused_with_its_path_and_the_known_keys(tmp_path: Path) -> None:
    data = _defaults()
    data["blocking_rules"][2]["keys"] = ["nosuchcol"]
    with pytest.raises(SettingsError) as err:
        Settings.from_file(_write(tmp_path, data))
    message = str(err.value)
    assert 'blocking_rules[2].keys[0]: unknown key "nosuchcol"; known: ' in message
    assert "postcode_district" in message and str(tmp_path / "settings.json") in message
    assert err.value.exit_code == ModelError.exit_code


def test_the_crafted_settings_file_that_ran_copy_to_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "pwned.csv"
    data = _defaults()
    data["blocking_rules"][0]["keys"] = [f"idx\") AS h FROM base_df b; COPY (SELECT 42) TO '{target}'; --"]
    with pytest.raises(SettingsError, match=r"blocking_rules\[0\]\.keys\[0\]: unknown key"):
        Settings.from_file(_write(tmp_path, data))
    assert not target.exists()


def test_the_schema_knows_exactly_the_comparison_kinds_the_compare_stage_computes() -> None:
    from identity_graph.compare.library import KINDS
    from identity_graph.settings import COMPARISON_KINDS

    assert set(COMPARISON_KINDS) == set(KINDS)


def test_a_misspelt_key_gets_a_suggestion() -> None:
    data = _defaults()
    data["blocking_rules"][0]["keys"] = ["postcode_distrct"]
    (problem,) = settings_problems(data)
    assert 'did you mean "postcode_district"?' in problem


def test_extra_fields_are_keys_and_columns_by_their_x_prefix() -> None:
    data = _defaults()
    data["blocking_rules"].append({"name": "birthplace", "keys": ["x_birthplace", "dob_year"], "max_block": 50})
    data["comparisons"].append({"name": "x_birthplace", "kind": "exact", "column": "x_birthplace"})
    data["vetoes"].append("x_birthplace:else")
    assert settings_problems(data) == []


def test_every_problem_is_reported_together_each_with_its_path() -> None:
    data = _defaults()
    data["nosuch_setting"] = 1
    data["match_threshold"] = "high"
    data["possible_threshold"] = 1.5
    data["seed"] = True
    data["attach_singletons"] = "yes"
    data["blocking_rules"][0]["max_block"] = 1
    data["blocking_rules"][1]["colour"] = "red"
    data["blocking_rules"][3]["keys"] = []
    data["comparisons"][4]["kind"] = "soundex"
    data["comparisons"][1]["column"] = "surname"
    data["comparisons"][2]["tf_adjust"] = "true"
    data["vetoes"][0] = "given_name:very similar"
    data["vetoes"][1] = "nosuch:else"
    data["deterministic"][0] = ["nhs_number"]
    data["training_rules"] = ["dob+family_phonetic", "nosuch rule"]
    data["household"] = ["address", "postcode"]
    problems = settings_problems(data)
    expected = [
        "nosuch_setting: unknown setting",
        "match_threshold: must be a number from 0 to 1",
        "possible_threshold: must be from 0 to 1",
        "seed: must be a whole number",
        "attach_singletons: must be true or false",
        "blocking_rules[0].max_block: must be at least 2",
        "blocking_rules[1].colour: unknown setting",
        "blocking_rules[3].keys: is empty",
        'comparisons[4].kind: unknown comparison kind "soundex"',
        'comparisons[1].column: unknown column "surname"',
        "comparisons[2].tf_adjust: must be true or false",
        'vetoes[0]: comparison "given_name" has no level "very similar"',
        'vetoes[1]: unknown comparison "nosuch"',
        'deterministic[0][0]: must be "comparison:level" text',
        'training_rules[1]: unknown blocking rule "nosuch rule"',
        'household[1]: unknown comparison "postcode"',
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected), problems


def test_required_parts_missing_and_a_non_object_are_errors() -> None:
    assert settings_problems({"comparisons": []}) == ["blocking_rules: is required"]
    assert settings_problems([1, 2]) == ["(top): the settings must be a JSON object, got a list"]
    assert settings_problems({"blocking_rules": [["dob"]], "comparisons": []})[0].startswith(
        "blocking_rules[0]: must be an object"
    )


def test_duplicate_rule_and_comparison_names_are_errors() -> None:
    data = _defaults()
    data["blocking_rules"].append(dict(data["blocking_rules"][0]))
    data["comparisons"].append(dict(data["comparisons"][0]))
    problems = settings_problems(data)
    assert any("names an earlier rule too" in p for p in problems)
    assert any("names an earlier comparison too" in p for p in problems)


def test_a_file_that_is_not_json_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"blocking_rules": [\n  {"name": "x",}\n]}', encoding="utf-8")
    with pytest.raises(ModelError, match=r"not valid JSON \(line 2, column"):
        Settings.from_file(path)
