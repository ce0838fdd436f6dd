"""The synthetic council generator, as a specification.

One small council (1,500 people) is generated once per module and every test reads its files; the
population-level tests use ``build_population`` directly.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from identity_graph.synth import SynthSummary, generate
from identity_graph.synth.population import AS_OF, build_population
from identity_graph.synth.systems import CT_DOB_PLACEHOLDER, SWITCHBOARD
from identity_graph.synth.vocab import load_vocab
from identity_graph.types import CANONICAL_FIELDS

PEOPLE = 1500
SEED = 11
SYSTEMS = {
    "council_tax", "housing", "social_care", "parking", "libraries", "schools",
    "electoral_register", "web_accounts",
}  # fmt: skip
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(PEOPLE, SEED, tmp_path_factory.mktemp("council"))


def _read(path: Path, mapping: dict) -> pd.DataFrame:
    """Read an export the way the mapping says, every value as a string (None when missing)."""
    fmt = mapping.get("format", path.suffix[1:])
    if fmt == "csv":
        df = pd.read_csv(path, sep=mapping.get("delimiter", ","), dtype=str, keep_default_na=False)
        return df.replace("", None)
    if fmt == "xlsx":
        return pd.read_excel(path, sheet_name=mapping["sheet"], dtype=object, engine="openpyxl")
    if fmt == "json":
        data = json.loads(path.read_text("utf-8"))
        rows = data[mapping["record_path"]] if "record_path" in mapping else data
        return pd.DataFrame(rows)
    if fmt == "ndjson":
        return pd.read_json(path, lines=True, dtype=False)
    if fmt == "parquet":
        return pd.read_parquet(path)
    raise AssertionError(fmt)


@pytest.fixture(scope="module")
def exports(council: SynthSummary) -> dict[str, tuple[dict, pd.DataFrame]]:
    out = {}
    for source, path in council.files.items():
        mapping = tomllib.loads(council.mappings[source].read_text("utf-8"))
        out[source] = (mapping, _read(path, mapping))
    return out


@pytest.fixture(scope="module")
def truth(council: SynthSummary) -> pd.DataFrame:
    return pd.read_csv(council.truth, dtype=str)


def _norm_pc(values: pd.Series) -> pd.Series:
    return values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)


@pytest.fixture(scope="module")
def people_view(exports, truth) -> pd.DataFrame:
    """One row per record: source, id, person/household, postcode, record_date (ISO), names."""
    frames = []
    for source, (m, df) in exports.items():
        f = m["fields"]
        pc = (
            df[f["postcode"]]
            if "postcode" in f
            else df[f["address"]].str.extract(r"([A-Za-z0-9]+ ?[0-9][A-Za-z]{2})$")[0]
        )
        rd = df[f["record_date"]]
        fmt = m.get("formats", {}).get("record_date")
        rd = pd.to_datetime(rd, format=fmt) if fmt else pd.to_datetime(rd)
        frames.append(
            pd.DataFrame(
                {
                    "source": source,
                    "source_record_id": df[m["id"]].astype(str),
                    "postcode": _norm_pc(pc),
                    "record_date": rd.dt.strftime("%Y-%m-%d"),
                    "given": df[f["given_name"]] if "given_name" in f else None,
                    "family": df[f["family_name"]] if "family_name" in f else None,
                }
            )
        )
    view = pd.concat(frames, ignore_index=True)
    return view.merge(truth, on=["source", "source_record_id"], validate="one_to_one")


# --- files, mappings, truth ------------------------------------------------------------------


def test_writes_one_export_and_mapping_per_system(council: SynthSummary) -> None:
    assert set(council.files) == SYSTEMS == set(council.mappings)
    assert {p.suffix for p in council.files.values()} == {
        ".csv", ".xlsx", ".json", ".ndjson", ".parquet",
    }  # fmt: skip
    for source, path in council.files.items():
        assert path == council.files[source] and path.parent.name == "exports" and path.exists()
        assert path.stem == source
    assert council.truth.name == "truth.csv" and council.truth.exists()
    manifest = json.loads((council.truth.parent / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["people"] == PEOPLE
    assert sum(manifest["records_per_source"].values()) == council.records
    assert manifest["version"]


def test_mappings_are_valid_toml_whose_columns_exist(exports) -> None:
    for source, (m, df) in exports.items():
        assert m["source"] == source and re.fullmatch(r"[a-z0-9_]+", source)
        assert 0 <= m["trust"] <= 10
        assert m["id"] in df.columns
        assert set(m["fields"]) <= set(CANONICAL_FIELDS), source
        assert "record_date" in m["fields"], source
        for cols in m["fields"].values():
            for col in [cols] if isinstance(cols, str) else cols:
                assert col in df.columns, (source, col)
        for col, how in m.get("compare", {}).items():
            name = how["column"] if isinstance(how, dict) else col
            assert name in df.columns
        assert set(m.get("formats", {})) <= {"dob", "record_date"}


def test_record_ids_unique_and_styled_per_system(exports) -> None:
    patterns = {
        "council_tax": r"CT\d{6}", "housing": r"HSG-\d{6}", "social_care": r"\d{6}",
        "parking": r"PP-\d{6}", "libraries": r"2900\d{10}", "schools": r"K390\d{9}",
        "electoral_register": r"[A-D][AB]\d-\d+", "web_accounts": r"u[0-9a-f]{10}",
    }  # fmt: skip
    for source, (m, df) in exports.items():
        ids = df[m["id"]].astype(str)
        assert ids.is_unique, source
        assert ids.str.fullmatch(patterns[source]).all(), source


def test_truth_covers_every_exported_record_exactly_once(exports, truth) -> None:
    assert list(truth.columns) == ["source", "source_record_id", "person_id", "household_id"]
    assert not truth.duplicated(["source", "source_record_id"]).any()
    for source, (m, df) in exports.items():
        exported = set(df[m["id"]].astype(str))
        assert exported == set(truth.loc[truth.source == source, "source_record_id"]), source
    assert truth.groupby("person_id").household_id.nunique().max() == 1


def test_deterministic_for_a_seed(council: SynthSummary, tmp_path: Path) -> None:
    again = generate(PEOPLE, SEED, tmp_path / "again")
    other = generate(PEOPLE, SEED + 1, tmp_path / "other")

    def digest(s: SynthSummary) -> dict[str, str]:
        root = s.truth.parent
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()
        }  # fmt: skip

    assert digest(again) == digest(council)
    assert digest(other)["truth.csv"] != digest(council)["truth.csv"]


def test_progress_reports_stages(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    generate(200, 1, tmp_path, progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert list(dict.fromkeys(stages)) == ["population", "exports", "truth"]
    assert [d for s, d, _ in seen if s == "exports"] == list(range(len(SYSTEMS) + 1))
    assert all(d <= t for _, d, t in seen) and seen[-1][1] == seen[-1][2]


# --- volumes -----------------------------------------------------------------------------------


def test_records_per_person_and_systems_per_person(council: SynthSummary, truth) -> None:
    assert 1.75 <= council.records / council.people <= 2.0
    per_person = truth.groupby("person_id").source.nunique()
    assert len(per_person) == PEOPLE  # everyone appears somewhere
    assert per_person.min() >= 1 and per_person.max() <= 6
    assert 1 <= council.people / council.households <= 3


def test_some_people_registered_twice_in_one_system(truth) -> None:
    per_system = truth.groupby(["source", "person_id"]).size()
    rate = (per_system > 1).mean()
    assert 0.01 <= rate <= 0.04


# --- formats per system ----------------------------------------------------------------------------


def test_council_tax_formats(exports) -> None:
    _, df = exports["council_tax"]
    assert list(df.columns[:2]) == ["ACCOUNT_REF", "LIABLE_NAME"]
    assert df.LIABLE_NAME.str.match(r"^[A-Z' -]+, \S").mean() > 0.9  # "SURNAME, Forename"
    dob = df.DOB.dropna()
    assert (dob == CT_DOB_PLACEHOLDER).any()  # the unknown-DOB placeholder
    assert dob.str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert df.HOME_TEL.str.replace(r"\D", "", regex=True).eq(SWITCHBOARD).any()


def test_housing_has_excel_dates_and_ni_numbers(council: SynthSummary, exports) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(council.files["housing"], read_only=True)
    assert wb.sheetnames == ["Tenants"]
    header, first = list(wb["Tenants"].iter_rows(min_row=1, max_row=2, values_only=True))
    import datetime as dt

    assert isinstance(first[header.index("Date of Birth")], dt.datetime)
    _, df = exports["housing"]
    ni = df["NI Number"].dropna().str.replace(" ", "")
    assert ni.str.fullmatch(r"[A-Z]{2}\d{6}[A-D]").all()
    assert df["NI Number"].dropna().str.contains(" ").any()


def test_social_care_nhs_numbers_pass_mod11(exports) -> None:
    m, df = exports["social_care"]
    assert m["record_path"] == "records"
    for raw in df.nhsNumber.dropna():
        digits = [int(c) for c in raw.replace(" ", "")]
        assert len(digits) == 10
        check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
        assert digits[9] == (0 if check == 11 else check)
    assert set(df.gender) == {"M", "F"}
    assert df.address.str.contains(r"[A-Z]{1,2}\d+ ?\d[A-Z]{2}$", case=False).all()


def test_parking_is_names_addresses_and_vehicles_only(exports) -> None:
    m, df = exports["parking"]
    assert m["compare"]["vehicle_reg"] == "fuzzy"
    assert "dob" not in m["fields"] and not any("dob" in c.lower() for c in df.columns)
    assert df.vehicle_reg.str.replace(" ", "").str.len().between(6, 8).all()


def test_schools_are_children_with_typed_dates_and_parent_phones(exports) -> None:
    _, df = exports["schools"]
    assert df.dob.map(type).eq(pd.Timestamp(0).date().__class__).all()
    age = (pd.Timestamp(np.datetime64(AS_OF, "D")) - pd.to_datetime(df.dob)).dt.days / 365.25
    assert age.between(3.5, 19.5).all()
    assert df.uprn.dtype == np.int64
    assert df.parent_phone.notna().mean() > 0.7


def test_electoral_register_is_upper_case_semicolon_without_dob(council, exports) -> None:
    m, df = exports["electoral_register"]
    assert m["delimiter"] == ";"
    assert council.files["electoral_register"].read_text().splitlines()[0].count(";") >= 5
    names = df.SURNAME.dropna() + df.FORENAMES.dropna()
    assert (names == names.str.upper()).all()
    assert "dob" not in m["fields"]


def test_web_accounts_are_partial(exports) -> None:
    _, df = exports["web_accounts"]
    assert df.email.notna().all()
    assert df.mobile.isna().mean() > 0.2 and df.postcode.isna().mean() > 0.1


def test_phone_and_postcode_format_variants(exports) -> None:
    phones = pd.concat([exports["housing"][1].Mobile, exports["social_care"][1].phone]).dropna()
    assert phones.str.match(r"^07\d{3} \d{6}$").any()
    assert phones.str.match(r"^\+44 ?7").any()
    assert phones.str.match(r"^07\d{9}$").any()
    pcs = exports["council_tax"][1].POSTCODE
    assert pcs.str.match(POSTCODE).mean() > 0.9
    assert (~pcs.str.contains(" ")).any() and pcs.str.contains("  |[a-z]").any()


# --- population realism ------------------------------------------------------------------------------


def test_movers_have_stale_addresses_in_some_system(people_view) -> None:
    with_pc = people_view.dropna(subset=["postcode"])
    pcs = with_pc.groupby("person_id").postcode.nunique()
    movers = pcs[pcs > 1].index
    assert len(movers) > 0.02 * PEOPLE
    # for a mover, the record at the old postcode is older than the newest record
    rec = with_pc[with_pc.person_id.isin(movers)].sort_values("record_date")
    newest = rec.groupby("person_id").tail(1).set_index("person_id").postcode
    stale = rec[rec.postcode != rec.person_id.map(newest)]
    assert stale.source.nunique() >= 3
    assert stale.groupby("source").size().idxmax() == "electoral_register"


def test_twins_share_dob_surname_and_address_with_different_given_names() -> None:
    pop = build_population(4000, np.random.default_rng(3), load_vocab())
    twin = np.flatnonzero(pop.twin_of >= 0)
    assert len(twin) >= 2
    sib = pop.twin_of[twin]
    assert (pop.dob[twin] == pop.dob[sib]).all()
    assert (pop.family[twin] == pop.family[sib]).all()
    assert (pop.household[twin] == pop.household[sib]).all()
    assert (pop.given[twin] != pop.given[sib]).all()
    children = int(((pop.role == 2) & (pop.age < 18)).sum())
    assert len(twin) * 2 / children < 0.05


def test_twins_in_exports(council: SynthSummary, exports, truth) -> None:
    df = exports["schools"][1].merge(
        truth[truth.source == "schools"], left_on="upn", right_on="source_record_id"
    )
    same = df.groupby(["household_id", "dob", "surname"]).agg(
        people=("person_id", "nunique"), names=("forename", "nunique")
    )
    assert ((same.people >= 2) & (same.names >= 2)).any()


def test_jr_sr_share_full_name_and_address_with_different_dob() -> None:
    pop = build_population(4000, np.random.default_rng(3), load_vocab())
    jr = np.flatnonzero(pop.suffix == "Jr")
    assert len(jr) >= 1
    sr = pop.head[pop.household[jr]]
    assert (pop.suffix[sr] == "Sr").all()
    for col in (pop.given, pop.middle, pop.family):
        assert (col[jr] == col[sr]).all()
    assert (pop.dob[sr] < pop.dob[jr] - 18 * 365).all()
    assert (pop.sex[jr] == "M").all() and (pop.sex[sr] == "M").all()


def test_jr_sr_suffix_sometimes_present(exports) -> None:
    ct = exports["council_tax"][1].LIABLE_NAME.str.contains(r" (?:Jnr|Snr)$")
    er = exports["electoral_register"][1].SUFFIX.isin(["JR", "SR"])
    web = exports["web_accounts"][1].display_name.dropna().str.contains(r" (?:Jr|Sr)$")
    assert ct.any() or er.any() or web.any()


def test_marriage_name_change_between_older_and_newer_records(people_view) -> None:
    fam = people_view.dropna(subset=["family"]).copy()
    fam["family"] = fam.family.str.upper()
    n = fam.groupby("person_id").family.nunique()
    # typos also change names; a married name differs entirely (different first letter or length)
    changed = fam[fam.person_id.isin(n[n > 1].index)]
    first = changed.groupby("person_id").family.agg(lambda s: s.str[:2].nunique())
    assert (first > 1).sum() >= 3


def test_nicknames_in_informal_systems(exports) -> None:
    vocab = load_vocab()
    nicks = {n for options in vocab.nicknames.values() for n in options}
    formal = set(vocab.male) | set(vocab.female)
    lib = exports["libraries"][1].first_name
    assert lib.isin(nicks - formal).mean() > 0.05
    assert lib.isin(["Bob", "Liz", "Bill", "Kate", "Mike", "Dave", "Sue"]).any()
    housing = exports["housing"][1].Forenames.str.split().str[0]
    assert housing.isin(nicks - formal).mean() < 0.01


def test_swapped_names_in_web_and_parking(exports, truth) -> None:
    vocab = load_vocab()
    given = set(vocab.male) | set(vocab.female)
    for source, col in (("web_accounts", "display_name"), ("parking", "name")):
        names = exports[source][1][col].dropna().str.title()
        last_is_given = names.str.split().str[-1].isin(given)
        first_is_given = names.str.split().str[0].str.rstrip(",").isin(given)
        assert (last_is_given & ~first_is_given).any(), source


def test_hostel_address_is_shared_by_many_unrelated_people(people_view, truth) -> None:
    ct = people_view.dropna(subset=["postcode"])
    per_pc = ct.groupby("postcode").agg(
        people=("person_id", "nunique"), households=("household_id", "nunique")
    )
    top = per_pc.sort_values("people").iloc[-1]
    assert top.people > 10 and top.households > 10


def test_names_have_realistic_heavy_tailed_frequencies() -> None:
    pop = build_population(20000, np.random.default_rng(5), load_vocab())
    counts = pd.Series(pop.family).value_counts()
    assert counts.index[0] in {"Smith", "Jones", "Williams", "Taylor", "Brown"}
    assert 0.005 < counts.iloc[0] / len(pop.family) < 0.03
    assert (counts <= 5).sum() > len(counts) / 2  # most surnames are rare
    assert pd.Series(pop.given).nunique() > 300


def test_dwellings_have_valid_postcodes_and_unique_uprns() -> None:
    pop = build_population(3000, np.random.default_rng(2), load_vocab())
    assert pd.Series(pop.postcode).str.match(POSTCODE).all()
    assert len(np.unique(pop.uprn)) == len(pop.uprn)
    sizes = np.bincount(pop.household)
    assert sizes.min() >= 1 and sizes.max() <= 6
    history = (pop.addr >= 0).sum(axis=1)
    assert history.min() == 1 and history.max() == 3
    moved = (pop.addr[:, 1] >= 0) & ~pop.hostel
    assert 0.10 < moved.mean() < 0.20
    assert (pop.moved[moved, 0] >= AS_OF - 5 * 366).all()


def test_public_surface() -> None:
    import identity_graph.synth as synth

    assert sorted(synth.__all__) == ["GENERATOR_VERSION", "SynthSummary", "generate"]
    assert all(hasattr(synth, name) for name in synth.__all__)


def test_council_tax_carries_a_single_person_discount_for_single_and_some_shared_households(tmp_path: Path) -> None:
    """The adults-over-discount alert needs both: discounts where one adult lives, and a few
    where more do."""
    import pandas as pd

    from identity_graph.ingest.mapping import load_mapping

    out = generate(600, 3, tmp_path)
    ct = pd.read_csv(out.files["council_tax"], dtype=str)
    truth = pd.read_csv(out.truth, dtype=str)
    assert load_mapping(out.mappings["council_tax"]).flags["single_person_discount"].column == "SPD"
    assert set(ct["SPD"]) == {"Y", "N"}
    hh = truth[truth["source"] == "council_tax"].set_index("source_record_id")["household_id"]
    people = truth.groupby("household_id")["person_id"].nunique()
    size = ct["ACCOUNT_REF"].map(hh).map(people)
    assert (ct.loc[size == 1, "SPD"] == "Y").mean() > 0.7
    assert 0 < (ct.loc[size >= 3, "SPD"] == "Y").mean() < 0.3
