"""The investigator's commands at the terminal: residents by typed address, search that says
why, explain in plain words, the graph shown and exported, waterfalls, and alerts; every person
a command shows is in the audit log."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner, Result

from identity_graph import api
from identity_graph.cli.main import cli


def idgraph(store: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *[str(a) for a in args]], catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workbench_cli")
    runner = CliRunner()
    assert runner.invoke(cli, ["synth", "--people", "300", "--seed", "4", "--out", str(root / "synth")]).exit_code == 0
    path = root / "store.idgraph.db"
    for export in sorted((root / "synth" / "exports").iterdir()):
        mapping = root / "synth" / "mappings" / f"{export.stem}.toml"
        assert idgraph(path, "load", "--create", export, "-m", mapping).exit_code == 0
    assert idgraph(path, "resolve").exit_code == 0
    return path


@pytest.fixture(scope="module")
def resident(store: Path) -> dict[str, str]:
    """A record at a numbered house (no flat) and its person."""
    s = api.open_store(store)
    recs = s.records_frame()
    ok = recs[recs["house_number"].fillna("").str.isdigit() & recs["street"].notna() & recs["flat"].isna()
              & recs["postcode"].notna()].sort_values("record_id").iloc[0]
    out = {"record_id": ok["record_id"], "person_id": s.person_of(ok["record_id"]),
           "typed": f"{ok['house_number']} {ok['street'].title()}", "postcode": ok["postcode"]}
    s.close()
    return out


def _audited(store: Path, action: str) -> set[str]:
    log = json.loads(idgraph(store, "audit", "--json", "--limit", "5000").output)
    return {e["person_id"] for e in log if e["action"] == action}


def test_residents_by_typed_address_and_squeezed_postcode_show_golden_names(store: Path, resident: dict[str, str]) -> None:
    for text in (resident["typed"], resident["postcode"].replace(" ", "").lower()):
        result = idgraph(store, "graph", "residents", text, "--json")
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)
        assert resident["person_id"] in {r["person_id"] for r in rows}
        assert all(r["name"] and r["match"] > 0 for r in rows)
    assert resident["person_id"] in _audited(store, "idgraph graph residents")


def test_search_by_one_phone_puts_its_holder_first_and_says_matched_on_phone(store: Path) -> None:
    s = api.open_store(store)
    recs = s.records_frame()
    phones = recs[recs["phones"].notna()].assign(p=lambda d: d["phones"].str.split("|")).explode("p")
    holders = phones.assign(person=phones["record_id"].map(s.person_of)).groupby("p")["person"].nunique()
    phone = sorted(v for v in holders[holders == 1].index if v.startswith("+447"))[0]
    owner = s.person_of(phones.loc[phones["p"] == phone, "record_id"].iloc[0])
    s.close()
    table = idgraph(store, "search", "--phone", phone)
    assert table.exit_code == 0 and "matched_on" in table.output and "1.0000" in table.output.splitlines()[1]
    hits = json.loads(idgraph(store, "search", "--phone", phone, "--json").output)
    assert hits[0]["person_id"] == owner and hits[0]["matched_on"] == ["phone"] and hits[0]["score"] == 1.0


def _an_edge(store: Path) -> tuple[str, str]:
    s = api.open_store(store)
    e = next(iter(s.all_edges()))
    s.close()
    return str(e.iloc[0]["record_a"]), str(e.iloc[0]["record_b"])


def test_explain_speaks_plain_words(store: Path) -> None:
    a, b = _an_edge(store)
    out = idgraph(store, "explain", a, b).output
    assert "evidence" in out and "jw>=" not in out and ("same" in out or "differ" in out)
    data = json.loads(idgraph(store, "explain", a, b, "--json").output)
    assert all(r["evidence"] for r in data["comparisons"]) and "path" in data


def test_graph_show_and_export_write_what_other_tools_read(store: Path, resident: dict[str, str], tmp_path: Path) -> None:
    shown = json.loads(idgraph(store, "graph", "show", resident["person_id"], "--json").output)
    assert shown["person_id"] == resident["person_id"] and shown["nodes"]
    graphml = tmp_path / "p.graphml"
    assert idgraph(store, "graph", "export", resident["person_id"], "--format", "graphml", "--out", graphml).exit_code == 0
    assert nx.read_graphml(graphml).number_of_nodes() == len(shown["nodes"])
    svg = tmp_path / "p.svg"
    assert idgraph(store, "graph", "export", resident["person_id"], "--format", "svg", "--out", svg).exit_code == 0
    ET.parse(svg)
    png = tmp_path / "p.png"
    assert idgraph(store, "graph", "export", resident["person_id"], "--format", "png", "--out", png).exit_code == 0
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", data[16:24]) == (900, 700)
    assert f"({resident['person_id']}): {len(shown['nodes'])} nodes".encode() in data  # its Title text chunk
    over_the_store = idgraph(store, "graph", "export", resident["person_id"], "--format", "png", "--out", store)
    assert over_the_store.exit_code != 0 and "store" in over_the_store.output
    s = api.open_store(store, read_only=True)
    assert s.person(resident["person_id"]) is not None  # the store is still a store
    s.close()
    assert resident["person_id"] in _audited(store, "idgraph graph export")


def test_a_waterfall_prints_and_draws(store: Path, tmp_path: Path) -> None:
    a, b = _an_edge(store)
    chart = tmp_path / "wf.svg"
    result = idgraph(store, "graph", "waterfall", a, b, "--svg", chart)
    assert result.exit_code == 0 and "prior" in result.output and "total" in result.output
    ET.parse(chart)


def test_alerts_print_each_rule_in_words_and_are_audited(store: Path) -> None:
    result = idgraph(store, "alerts", "--json")
    assert result.exit_code == 0, result.output
    rules = json.loads(result.output)
    assert [r["rule"] for r in rules] == ["shared-identifier", "adults-over-discount", "unrelated-contact", "address-churn"]
    shown = {p["person_id"] for r in rules for h in r["hits"] + r["excluded"] for p in h["people"]}
    assert shown and shown == _audited(store, "idgraph alerts")
    one = idgraph(store, "alerts", "--rule", "adults-over-discount")
    assert one.exit_code == 0 and "== adults-over-discount" in one.output and "shared-identifier" not in one.output
    bad = idgraph(store, "alerts", "--rule", "nope")
    assert bad.exit_code != 0 and "the rules are" in bad.output


def test_a_switchboard_number_given_to_alerts_is_set_apart_not_alerted(store: Path) -> None:
    rules = json.loads(idgraph(store, "alerts", "--rule", "shared-identifier", "--json").output)
    phone = next(h["value"] for h in rules[0]["hits"] if h["kind"] == "phone")
    typed = f"0{phone[3:7]} {phone[7:]}" if phone.startswith("+44") else phone  # as a person writes it
    again = json.loads(idgraph(store, "alerts", "--rule", "shared-identifier", "--switchboard", typed,
                               "--json").output)[0]
    assert phone not in {h["value"] for h in again["hits"]}
    assert [h["detail"]["switchboard"] for h in again["excluded"] if h["value"] == phone] == [True]


def test_graph_commands_name_the_people_they_list(store: Path) -> None:
    shared = json.loads(idgraph(store, "graph", "shared", "--kinds", "address", "--limit", "3", "--json").output)
    assert shared and all(len(r["names"]) == len(r["person_ids"]) and all(r["names"]) for r in shared)
    a, b = shared[0]["person_ids"][:2]
    path = json.loads(idgraph(store, "graph", "path", a, b, "--json").output)
    assert path and all(step["name"] and step["next_name"] for step in path)
    table = idgraph(store, "graph", "person", a).output
    assert "name_a" in table and "(no name)" not in table.splitlines()[0]
