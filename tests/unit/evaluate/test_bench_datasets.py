"""Benchmark dataset preparation, on tiny stand-ins for the public files."""

from __future__ import annotations

import json
import tomllib

import pytest
from benchdata import FAKE_IDGRAPH, make_data_dir
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.datasets import (
    DatasetError,
    febrl_entity,
    load_prepared,
    prepare,
    synth_people,
    to_toml,
)


@pytest.fixture
def data_dir(tmp_path):
    return make_data_dir(tmp_path / "data")


def _mapping(prepared, index=0):
    return tomllib.loads(prepared.loads[index].mapping.read_text())


def test_febrl3_mapping_export_and_truth(data_dir, tmp_path):
    prepared = prepare("febrl3", data_dir=data_dir, work_dir=tmp_path / "w")
    assert prepared.task == "dedupe"
    (load,) = prepared.loads
    assert load.export.read_bytes() == (data_dir / "febrl" / "dataset3.csv").read_bytes()
    mapping = _mapping(prepared)
    assert mapping["source"] == "febrl3"
    assert mapping["id"] == "rec_id"
    assert mapping["skip_initial_space"] is True
    assert mapping["fields"] == {
        "given_name": "given_name",
        "family_name": "surname",
        "address": ["street_number", "address_1", "address_2", "suburb"],
        "dob": "date_of_birth",
    }
    assert "postcode" not in mapping["fields"]  # Australian: compared as an extra field instead
    assert mapping["formats"] == {"dob": "%Y%m%d"}
    assert mapping["compare"] == {
        "postcode_au": {"column": "postcode", "method": "exact"},
        "state": "exact",
        "soc_sec_id": "exact",
    }
    assert prepared.truth.to_dict() == {
        "febrl3:rec-1-org": "1",
        "febrl3:rec-2-dup-0": "2",
        "febrl3:rec-1-dup-0": "1",
        "febrl3:rec-3-org": "3",
        "febrl3:rec-2-org": "2",
    }


def test_febrl4_is_two_sources_sharing_entities(data_dir, tmp_path):
    prepared = prepare("febrl4", data_dir=data_dir, work_dir=tmp_path / "w")
    assert prepared.task == "link"
    assert [_mapping(prepared, i)["source"] for i in range(2)] == ["febrl4a", "febrl4b"]
    truth = prepared.truth
    assert truth["febrl4a:rec-10-org"] == truth["febrl4b:rec-10-dup-0"] == "10"
    assert truth["febrl4a:rec-11-org"] == truth["febrl4b:rec-11-dup-0"] == "11"
    assert len(truth) == 4


def test_historical_mapping_and_truth(data_dir, tmp_path):
    prepared = prepare("historical_50k", data_dir=data_dir, work_dir=tmp_path / "w")
    mapping = _mapping(prepared)
    assert mapping["format"] == "parquet"
    assert mapping["id"] == "unique_id"
    assert mapping["fields"] == {
        "given_name": "first_name",
        "family_name": "surname",
        "dob": "dob",
        "postcode": "postcode_fake",
        "gender": "gender",
    }
    assert "full_name" not in mapping["fields"].values()
    assert mapping["checks"] == {"dob_earliest": "1000-01-01"}
    assert mapping["compare"] == {"birth_place": "exact", "occupation": "exact"}
    assert prepared.truth.to_dict() == {
        "historical_50k:Q1-1": "Q1",
        "historical_50k:Q1-2": "Q1",
        "historical_50k:Q2-1": "Q2",
    }


def test_synth_runs_the_generator_and_pairs_exports(tmp_path):
    prepared = prepare("synth-3", work_dir=tmp_path / "w", idgraph=FAKE_IDGRAPH)
    (load,) = prepared.loads
    assert load.export.name == "council_tax_2024.csv"
    assert load.mapping.name == "council_tax.toml"
    assert prepared.records == 6
    assert prepared.truth["council_tax:CT0"] == prepared.truth["council_tax:CT1"] == "p0"
    assert json.loads((tmp_path / "w" / "dataset.json").read_text())["seed"] == 42


def test_synth_generator_failure_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_IDGRAPH_FAIL", "synth")
    with pytest.raises(DatasetError, match="fake failure in synth"):
        prepare("synth-3", work_dir=tmp_path / "w", idgraph=FAKE_IDGRAPH)


def test_manifest_round_trips(data_dir, tmp_path):
    prepared = prepare("febrl4", data_dir=data_dir, work_dir=tmp_path / "w")
    again = load_prepared(tmp_path / "w")
    assert again.loads == prepared.loads
    assert again.truth.equals(prepared.truth)
    assert (again.name, again.task) == ("febrl4", "link")


def test_prepare_replaces_its_own_output_only(data_dir, tmp_path):
    work = tmp_path / "w"
    (work / "exports").mkdir(parents=True)
    (work / "exports" / "stale.csv").write_text("old")
    (work / "links.csv").write_text("old")
    (work / "notes.txt").write_text("mine")
    prepare("febrl3", data_dir=data_dir, work_dir=work)
    assert not (work / "exports" / "stale.csv").exists()
    assert not (work / "links.csv").exists()
    assert (work / "notes.txt").read_text() == "mine"


def test_missing_input_names_the_data_option(tmp_path):
    with pytest.raises(DatasetError, match="--data"):
        prepare("febrl3", data_dir=tmp_path / "nowhere", work_dir=tmp_path / "w")


def test_unknown_dataset(tmp_path):
    with pytest.raises(DatasetError, match="unknown dataset"):
        prepare("febrl9", work_dir=tmp_path / "w")


def test_synth_names():
    assert synth_people("synth-10k") == 10_000
    assert synth_people("synth-350k") == 350_000
    assert synth_people("synth-2500") == 2500
    assert synth_people("febrl3") is None


def test_febrl_entity_rejects_other_ids():
    import pandas as pd

    assert febrl_entity(pd.Series(["rec-7-org", "rec-7-dup-12"])).tolist() == ["7", "7"]
    with pytest.raises(DatasetError, match="rec-N-org"):
        febrl_entity(pd.Series(["rec-7-org", "record 8"]))


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(
    st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), text, max_size=4),
    st.dictionaries(
        st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
        st.one_of(text, st.booleans(), st.integers(-5, 5), st.lists(text, max_size=3)),
        max_size=4,
    ),
)
def test_to_toml_round_trips(top, table):
    data = {**top, "fields": table, "compare": {"x y": {"column": "c", "method": "exact"}}}
    assert tomllib.loads(to_toml(data)) == data
