"""The investigator's workbench answers truthfully on every store: addresses found as people type
them, a strong identifier ranking its holder first, evidence in plain words with the path that
joins two records, waterfalls that add up, a person's graph in one shape, alerts whose every hit
can be checked against the records, and exports other tools read back."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from rapidfuzz.distance import Levenshtein

from identity_graph import api
from identity_graph.ingest.flags import FLAGS_KEY
from identity_graph.investigate import graph as g
from identity_graph.investigate.addresses import find_addresses
from identity_graph.investigate.alerts import run_alert
from identity_graph.investigate.evidence import evidence_path
from identity_graph.investigate.export import graph_svg, graphml_text
from identity_graph.investigate.neighbourhood import golden_name, person_graph
from identity_graph.investigate.waterfall import waterfall
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary
from identity_graph.synth.systems import SWITCHBOARD
from identity_graph.types import LoadReport

CouncilLoader = Callable[[Store, SynthSummary, Path], list[LoadReport]]


@pytest.fixture(scope="module")
def council(
    store_kind: str,
    store_factory: Callable[[Path], Store],
    small_council: SynthSummary,
    load_council: CouncilLoader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp(f"workbench_{store_kind}")
    s = store_factory(folder)
    load_council(s, small_council, folder)
    api.resolve(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def records(council: Store) -> pd.DataFrame:
    recs = council.records_frame()
    links = council.current_assignment()
    return recs.merge(links, on="record_id")


def _typed(row: pd.Series) -> str:
    """A record's address as a person would type it: "14 Hyde Park Road" (no postcode)."""
    return f"{row['house_number']} {row['street'].title()}"


def _a_house(records: pd.DataFrame) -> pd.Series:
    """A record at a numbered house with a street and postcode, on a street name no other
    postcode holds (so the typed text names one dwelling)."""
    ok = records[records["house_number"].notna() & records["street"].notna() & records["postcode"].notna()
                 & records["flat"].isna() & records["house_number"].str.isdigit().fillna(False)]
    one_pc = ok.groupby("street")["postcode"].nunique()
    ok = ok[ok["street"].map(one_pc) == 1]
    return ok.sort_values("record_id").iloc[0]


# -- 1. search defects --------------------------------------------------------------------------
def test_residents_are_found_by_address_text_as_people_type_it(council: Store, records: pd.DataFrame) -> None:
    row = _a_house(records)
    by_key = g.residents(council, row["address_key"])
    assert row["person_id"] in set(by_key["person_id"])
    typed = g.residents(council, _typed(row))  # was "(none)": only the internal key worked
    assert set(by_key["person_id"]) <= set(typed["person_id"])
    assert typed["match"].iloc[0] == 1.0 and row["address_key"] in set(typed["address_key"])


def test_residents_are_found_by_a_postcode_without_its_space_in_any_case(council: Store, records: pd.DataFrame) -> None:
    row = _a_house(records)
    squeezed = row["postcode"].replace(" ", "").lower()
    found = g.residents(council, squeezed)  # "LS61AB" answered "(none)"
    assert len(found) > 0 and (found["postcode"] == row["postcode"]).all()
    assert set(found["person_id"]) == set(g.residents(council, row["postcode"])["person_id"])


def test_a_street_typo_still_finds_the_dwelling(council: Store, records: pd.DataFrame) -> None:
    row = _a_house(records)
    street = row["street"]
    longest = max(street.split(), key=len)
    typo = street.replace(longest, longest[0] + longest[2] + longest[1] + longest[3:], 1)
    found = find_addresses(council, f"{row['house_number']} {typo}")
    assert row["address_key"] in [m["address_key"] for m in found]
    assert all(0 < m["score"] <= 1 for m in found)


def test_an_address_alone_is_a_search_and_finds_who_lives_there(council: Store, records: pd.DataFrame) -> None:
    row = _a_house(records)
    hits = api.search(council, address=_typed(row))  # raised "no usable identifying field"
    assert row["person_id"] in {h.person_id for h in hits}


def test_one_mobile_number_ranks_the_person_holding_it_first_and_says_so(council: Store, records: pd.DataFrame) -> None:
    phones = records[records["phones"].notna()].assign(phone=lambda d: d["phones"].str.split("|")).explode("phone")
    holders = phones.groupby("phone")["person_id"].nunique()
    mobiles = sorted(p for p in holders[holders == 1].index if p.startswith("+447"))
    phone = mobiles[0]
    owner = phones.loc[phones["phone"] == phone, "person_id"].iloc[0]
    hits = api.search(council, phone="0" + phone[3:])
    assert hits[0].person_id == owner
    assert hits[0].identifier_score == 1.0 and hits[0].score == 1.0 and hits[0].matched_on == ["phone"]
    assert hits[0].reasons[0] == f"matched on phone {phone} (held by this person alone)"
    assert hits[0].probability < 1.0  # the model's probability is kept apart, as it was
    assert hits[0].name == golden_name(council.person(owner)["golden"])


def test_an_identifier_match_contradicted_by_the_date_of_birth_does_not_count(council: Store, records: pd.DataFrame) -> None:
    with_both = records[records["phones"].notna() & records["dob"].notna()]
    phones = with_both.assign(phone=lambda d: d["phones"].str.split("|")).explode("phone")
    counts = records.assign(phone=records["phones"].str.split("|")).explode("phone").groupby("phone")["record_id"].nunique()
    row = phones[phones["phone"].map(counts) == 1].sort_values("record_id").iloc[0]
    # a date of birth more than two digits away (not a typo of it), day and month either way round
    other = next(d for d in (f"{y}-{m:02d}-{dd:02d}" for y in (1931, 1948, 1967, 1986) for m in (2, 7, 11)
                             for dd in (3, 16, 28))
                 if Levenshtein.distance(d, row["dob"]) > 3 and d[5:7] not in row["dob"] and d[8:] not in row["dob"])
    hits = api.search(council, phone=row["phone"], dob=other)
    mine = [h for h in hits if h.person_id == row["person_id"]]
    assert not mine or mine[0].identifier_score == 0.0
    assert not mine or any(r.startswith("but ") for r in mine[0].reasons)


def test_search_shows_the_golden_name_never_a_records_variant(council: Store, records: pd.DataFrame) -> None:
    multi = records.groupby("person_id")["given_name"].nunique()
    pid = sorted(multi[multi > 1].index)[0]
    golden = council.person(pid)["golden"]
    rec = records[(records["person_id"] == pid) & (records["given_name"] != golden["given_name"])].iloc[0]
    hits = api.search(council, given_name=rec["given_name"], family_name=rec["family_name"] or "", dob=rec["dob"] or "")
    hit = next(h for h in hits if h.person_id == pid)
    assert hit.name == golden_name(golden) and hit.to_dict()["name"] == hit.name


# -- 2. evidence in plain words ------------------------------------------------------------------
def _unjoined_pair(council: Store, records: pd.DataFrame) -> tuple[str, str, str]:
    """Two records of one person with no match or possible edge between them."""
    for pid, grp in records.groupby("person_id", sort=True):
        if len(grp) < 3:
            continue
        e = council.person_edges([pid])
        e = e[e["tier"].isin(["match", "possible"])]
        direct = set(zip(e["record_a"], e["record_b"], strict=True))
        ids = sorted(grp["record_id"])
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (a, b) not in direct and (b, a) not in direct:
                    return str(pid), a, b
    raise AssertionError("no person with two records that no match or possible edge joins")


def test_two_records_of_one_person_without_an_edge_are_joined_by_the_strongest_path(council: Store, records: pd.DataFrame) -> None:
    pid, a, b = _unjoined_pair(council, records)
    path = evidence_path(council, a, b)
    assert path["person_id"] == pid and not path["direct"]
    assert path["records"][0] == a and path["records"][-1] == b and len(path["steps"]) >= 2
    edges = council.person_edges([pid])
    stored = {frozenset((x, y)): (p, t) for x, y, p, t in edges[["record_a", "record_b", "probability", "tier"]].itertuples(index=False)}
    for step in path["steps"]:
        p, t = stored[frozenset((step["record_a"], step["record_b"]))]
        assert step["tier"] == t in ("match", "possible") and math.isclose(step["probability"], p, rel_tol=1e-6)
        assert council.person_of(step["record_b"]) == pid
    assert math.isclose(path["strength"], math.prod(s["probability"] for s in path["steps"]), rel_tol=1e-9)
    exp = api.explain(council, a, b)
    assert exp.path is not None and exp.path["records"] == path["records"]
    assert all(r["evidence"] and ">=" not in r["evidence"] for r in exp.rows)


def test_records_of_two_people_have_no_path(council: Store, records: pd.DataFrame) -> None:
    firsts = records.drop_duplicates("person_id").sort_values("record_id")["record_id"].tolist()
    assert evidence_path(council, firsts[0], firsts[1])["steps"] == []


def test_a_waterfall_adds_up_to_the_pairs_score(council: Store, records: pd.DataFrame) -> None:
    e = pd.concat(list(council.all_edges()), ignore_index=True)
    a, b = e[e["tier"] == "match"].sort_values(["record_a", "record_b"]).iloc[0][["record_a", "record_b"]]
    wf = waterfall(council, a, b)
    kinds = [s["kind"] for s in wf["steps"]]
    assert kinds[0] == "prior" and kinds[-1] == "total"
    assert math.isclose(sum(s["contribution"] for s in wf["steps"][:-1]), wf["total_weight"], abs_tol=1e-3)
    exp = api.explain(council, a, b)
    assert math.isclose(wf["total_weight"], exp.total_weight, abs_tol=1e-4) and wf["tier"] == "match"
    for s in wf["steps"]:
        if s["kind"] == "comparison":
            assert s["label"] and ">=" not in s["label"]
    json.dumps(wf)
    ET.fromstring(api.waterfall_svg(wf))


# -- 3. the person's graph -----------------------------------------------------------------------
def _busy_person(records: pd.DataFrame) -> str:
    """A person whose phone another person holds too."""
    ph = records[records["phones"].notna()].assign(phone=lambda d: d["phones"].str.split("|")).explode("phone")
    shared = ph.groupby("phone")["person_id"].nunique()
    phone = sorted(shared[(shared >= 2) & (shared <= 5)].index)[0]
    return str(sorted(ph.loc[ph["phone"] == phone, "person_id"])[0])


def test_a_persons_graph_holds_their_records_identifiers_and_the_people_sharing_them(council: Store, records: pd.DataFrame) -> None:
    pid = _busy_person(records)
    pg = person_graph(council, pid)
    json.loads(json.dumps(pg))  # JSON-serialisable as it is
    ids = [n["id"] for n in pg["nodes"]]
    assert len(ids) == len(set(ids))
    assert {e["source"] for e in pg["edges"]} | {e["target"] for e in pg["edges"]} <= set(ids)
    mine = set(records.loc[records["person_id"] == pid, "record_id"])
    assert {n["id"].removeprefix("record:") for n in pg["nodes"] if n["kind"] == "record"} == mine
    others = {n["person_id"] for n in pg["nodes"] if n["kind"] == "person" and not n["centre"]}
    links = council.person_links([pid], ["phone", "email", "address", "uprn", "nhs", "ni"])
    assert others == set(links["other_person_id"]) and others
    for n in pg["nodes"]:
        assert n["label"] and n["label"] != n["person_id"] and not re.fullmatch(r"P[0-9a-f]{12}", n["label"])
        if n["kind"] == "person":
            assert n["label"] == golden_name(council.person(n["person_id"])["golden"])
    for e in pg["edges"]:
        if e["kind"] == "similar":
            assert e["tier"] in ("match", "possible", "related") and 0 <= e["probability"] <= 1


def test_the_graph_is_capped_and_says_what_it_cut(council: Store, records: pd.DataFrame) -> None:
    pid = _busy_person(records)
    full = person_graph(council, pid)
    own = sum(1 for n in full["nodes"] if n["centre"])
    capped = person_graph(council, pid, max_nodes=own)
    assert len(capped["nodes"]) == own and capped["cut"]["people"] == len(full["nodes"]) - own
    assert capped["cut"]["nodes"] >= capped["cut"]["people"] > 0


def test_a_switchboard_is_marked_and_not_expanded(council: Store, records: pd.DataFrame) -> None:
    board = "+44" + SWITCHBOARD[1:]
    holders = records[records["phones"].fillna("").str.contains(board, regex=False)]
    assert holders["person_id"].nunique() >= 2
    pid = sorted(holders["person_id"])[0]
    pg = person_graph(council, pid, placeholders={"phone": [board]})
    node = next(n for n in pg["nodes"] if n["id"] == f"phone:{board}")
    assert node["placeholder"] and node["placeholder_reason"] and node["holders"] == holders["person_id"].nunique()
    assert not [e for e in pg["edges"] if e["target"] == node["id"] and e["kind"] == "shares"]
    assert pg["cut"]["placeholder_holders"] >= 1


def test_exports_are_read_back_by_other_tools(council: Store, records: pd.DataFrame, tmp_path: Path) -> None:
    pg = person_graph(council, _busy_person(records))
    back = nx.parse_graphml(graphml_text(pg))
    assert set(back.nodes) == {n["id"] for n in pg["nodes"]} and back.number_of_edges() == len(pg["edges"])
    svg = graph_svg(pg)
    root = ET.fromstring(svg)
    circles = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(circles) == len(pg["nodes"]) and "<script" not in svg
    path = api.export_graph(council, pg["person_id"], "graphml", tmp_path / "out" / "p.graphml")
    assert nx.read_graphml(path).number_of_nodes() == len(pg["nodes"])


# -- 4. alerts -----------------------------------------------------------------------------------
def test_shared_identifier_hits_are_held_by_exactly_the_people_listed_and_switchboards_are_set_apart(
    council: Store, records: pd.DataFrame
) -> None:
    res = run_alert(council, "shared-identifier", min_people={"phone": 2, "email": 2, "address": 4},
                    known_switchboards=[SWITCHBOARD])
    assert res["hits"] and "at least this many different people" in res["description"]
    board = "+44" + SWITCHBOARD[1:]
    assert [h["value"] for h in res["excluded"]] == [board] and res["excluded"][0]["detail"]["switchboard"]
    assert board not in {h["value"] for h in res["hits"]}
    col = {"phone": "phones", "email": "emails", "address": "address_key"}
    for h in res["hits"] + res["excluded"]:
        values = records[col[h["kind"]]].fillna("")
        held = values.str.split("|").map(lambda vs, v=h["value"]: v in vs) if h["kind"] != "address" else values == h["value"]
        assert sorted(records.loc[held, "person_id"].unique()) == sorted(p["person_id"] for p in h["people"])
        assert all(p["name"] and p["name"] != p["person_id"] for p in h["people"])


def test_a_discount_with_more_adults_at_the_address_is_an_alert_and_each_hit_checks_out(council: Store, records: pd.DataFrame) -> None:
    res = run_alert(council, "adults-over-discount")
    assert res["hits"], "the synthetic council tax carries discounts in shared households"
    for h in res["hits"]:
        d = h["detail"]
        rec = records.set_index("record_id").loc[d["record_id"]]
        assert json.loads(rec["attributes"])[FLAGS_KEY]["single_person_discount"] is True
        assert rec["address_key"] == h["value"] and d["adults"] == len(h["people"]) > 1
        lived = g.residents(council, h["value"])
        assert {p["person_id"] for p in h["people"]} <= set(lived["person_id"])


def test_unrelated_contact_hits_share_no_address_and_no_family_name(council: Store) -> None:
    res = run_alert(council, "unrelated-contact")
    for h in res["hits"]:
        people = [p["person_id"] for p in h["people"]]
        homes = [set(council.person_address_history(p)["address_key"]) for p in people]
        families = [council.person(p)["golden"].get("family_name") for p in people]
        assert all(not (homes[i] & homes[j]) for i in range(len(people)) for j in range(i + 1, len(people)))
        assert len({f for f in families if f}) == len([f for f in families if f])


def test_address_churn_lists_people_first_seen_at_several_addresses_within_the_window(council: Store) -> None:
    res = run_alert(council, "address-churn", min_addresses=2, months=24)
    assert res["hits"] and "2 or more different addresses within 24 months" in res["description"]
    for h in res["hits"]:
        seen = sorted(h["detail"]["first_seen"])
        assert len(seen) >= 2 and (pd.Timestamp(seen[-1]) - pd.Timestamp(seen[0])).days <= 24 * 30.44 + 1
        hist = council.person_address_history(h["value"])
        assert set(h["detail"]["addresses"]) <= set(hist["address_key"])


def test_an_unknown_rule_or_parameter_is_refused_with_the_choices(council: Store) -> None:
    from identity_graph.errors import IdentityGraphError

    with pytest.raises(IdentityGraphError, match="the rules are shared-identifier"):
        run_alert(council, "nope")
    with pytest.raises(IdentityGraphError, match="its parameters are min_addresses, months"):
        run_alert(council, "address-churn", weeks=3)
