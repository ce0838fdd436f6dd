"""Splink's benchmark input, built from tiny stand-in exports (Splink itself is not needed)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from benchdata import make_data_dir

from benchmarks.datasets import Load, PreparedDataset, prepare
from benchmarks.splink_engine import (
    COUNCIL_COLUMNS,
    SplinkInputError,
    child_command,
    council_table,
    prepare_input,
    read_clusters,
)


@pytest.fixture
def data_dir(tmp_path):
    return make_data_dir(tmp_path / "data")


def test_febrl4_input_is_two_trimmed_tables(data_dir, tmp_path):
    prepared = prepare("febrl4", data_dir=data_dir, work_dir=tmp_path / "w")
    job = json.loads(prepare_input(prepared).read_text())
    assert job["model"] == "febrl4"
    assert [i["name"] for i in job["inputs"]] == ["febrl4a", "febrl4b"]
    frame = pd.read_parquet(tmp_path / "w" / "splink" / job["inputs"][0]["path"])
    assert frame["rec_id"].tolist() == ["rec-10-org", "rec-11-org"]
    assert frame.loc[0, "given_name"] == "amy" and frame.loc[0, "date_of_birth"] == "19600101"
    assert frame["address_2"].isna().all()  # blank fields are null, as in Splink's copy


def test_historical_input_leaves_the_truth_out(data_dir, tmp_path):
    prepared = prepare("historical_50k", data_dir=data_dir, work_dir=tmp_path / "w")
    job = json.loads(prepare_input(prepared).read_text())
    frame = pd.read_parquet(tmp_path / "w" / "splink" / job["inputs"][0]["path"])
    assert "cluster" not in frame.columns and len(frame) == 3


def _council(tmp_path) -> list[Load]:
    exports, mappings = tmp_path / "exports", tmp_path / "mappings"
    exports.mkdir()
    mappings.mkdir()
    (exports / "ct.csv").write_text(
        "REF,NAME,DOB,A1,A2,PC,TEL\n"
        'C1,"SMITH, John Paul",02/04/1992,29 Quarry Road,Aireside,LS128YN,+44 7700 900123\n'
        "C2,Mrs Ann Lee,31/02/1990,1 Hill St,Town,,\n"
    )
    (mappings / "ct.toml").write_text(
        'source = "council_tax"\nid = "REF"\nformat = "csv"\n\n[fields]\nfull_name = "NAME"\n'
        'dob = "DOB"\naddress = ["A1", "A2"]\npostcode = "PC"\nphone = "TEL"\n\n'
        '[formats]\ndob = "%d/%m/%Y"\n'
    )
    (exports / "sc.csv").write_text(
        "id,given,family,born,address,mail\n"
        '9,Olivia Chloe,GARTH,1985-08-24,"16 Saxon Rd, Farnley, LS12 8YN",O.Garth@Example.com\n'
    )
    (mappings / "sc.toml").write_text(
        'source = "social_care"\nid = "id"\nformat = "csv"\n\n[fields]\ngiven_name = "given"\n'
        'family_name = "family"\ndob = "born"\naddress = "address"\nemail = "mail"\n'
    )
    return [
        Load(exports / "ct.csv", mappings / "ct.toml"),
        Load(exports / "sc.csv", mappings / "sc.toml"),
    ]


def test_council_table_does_only_light_cleaning(tmp_path):
    table = council_table(_council(tmp_path)).set_index("unique_id")
    assert list(table.columns) == COUNCIL_COLUMNS[1:]
    john, ann, olivia = (
        table.loc[k] for k in ("council_tax:C1", "council_tax:C2", "social_care:9")
    )
    assert (john["first_name"], john["surname"]) == ("john", "smith")  # "SURNAME, Forenames"
    assert (ann["first_name"], ann["surname"]) == ("ann", "lee")  # title dropped
    assert john["dob"] == "1992-04-02" and ann["dob"] is None  # 31 February: null
    assert john["postcode"] == "ls12 8yn"
    assert olivia["postcode"] == "ls12 8yn"  # from the address when there is no postcode column
    assert john["address_line_1"] == "29 quarry road"
    assert olivia["address_line_1"] == "16 saxon rd"
    assert john["phone"] == "07700900123" and ann["phone"] is None
    assert (olivia["first_name"], olivia["surname"]) == ("olivia", "garth")
    assert olivia["email"] == "o.garth@example.com" and john["email"] is None


def test_council_job_and_clusters_round_trip(tmp_path):
    loads = _council(tmp_path)
    truth = pd.Series(
        ["p1", "p2", "p3"], index=["council_tax:C1", "council_tax:C2", "social_care:9"]
    )
    prepared = PreparedDataset("synth-3", "mixed", tmp_path, tuple(loads), truth)
    job = prepare_input(prepared)
    assert json.loads(job.read_text())["model"] == "council"
    cmd = child_command(job, tmp_path / "c.parquet", python="py")
    assert cmd[0] == "py" and cmd[-2:] == ["--out", str(tmp_path / "c.parquet")]
    pd.DataFrame({"record": truth.index, "cluster_id": ["1", "1", "2"]}).to_parquet(
        tmp_path / "c.parquet"
    )
    assert read_clusters(tmp_path / "c.parquet").to_dict() == dict(
        zip(truth.index, ["1", "1", "2"], strict=True)
    )


def test_unknown_dataset_has_no_model(tmp_path):
    prepared = PreparedDataset("other", "dedupe", tmp_path, (), pd.Series(dtype=str))
    with pytest.raises(SplinkInputError, match="no Splink model"):
        prepare_input(prepared)
