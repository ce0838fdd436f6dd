"""The person page's graph, in process: another person one hop out expands in place (by a POST
with its CSRF token, the ids in the body), every person newly shown is audited, the cap holds and
says what it cut; every similarity edge opens its evidence waterfall (chart and the same steps in
words, escaped); two records with no edge of their own show the chain of records that joins them."""

from __future__ import annotations

import re
from itertools import combinations
from typing import Any

import pandas as pd
import pytest
from conftest import EVIL_EMAIL, Workbench, log_in
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.investigate.evidence import evidence_path
from identity_graph.investigate.neighbourhood import MAX_EXPAND, person_graph
from identity_graph.investigate.waterfall import waterfall
from identity_graph.store.contract import Store

HX = {"HX-Request": "true"}


def _others(g: dict[str, Any]) -> list[str]:
    return [n["person_id"] for n in g["nodes"] if n["kind"] == "person" and not n["centre"]]


def neighbour_to_expand(store: Store, first: str | None = None, *, with_edges: bool = False) -> tuple[str, str]:
    """A person (``first`` if it will do) and another one hop out whose expansion reaches people
    the first graph lacks; ``with_edges``: the person's graph has a similarity edge too."""
    for pid in ([first] if first else []) + sorted(set(store.current_assignment()["person_id"])):
        g = person_graph(store, pid)
        if with_edges and not any(e["kind"] == "similar" for e in g["edges"]):
            continue
        for other in _others(g):
            more = set(_others(person_graph(store, other))) - set(_others(g)) - {pid}
            if more:
                return pid, other
    raise AssertionError("the small council has no person whose neighbour leads further")


def joined_without_an_edge(store: Store) -> tuple[str, str, str]:
    """(person, record a, record b): two records of one person with no edge of their own but a
    chain of match / possible edges between them."""
    sizes = store.current_assignment().groupby("person_id").size().sort_values(ascending=False, kind="stable")
    for pid in sizes.index[:200]:
        records = sorted(store.person_records(str(pid))["record_id"])
        for a, b in combinations(records, 2):
            p = evidence_path(store, a, b)
            if len(p["steps"]) >= 2:
                return str(pid), a, b
    raise AssertionError("no person in the small council has two records joined only through a third")


def audit_log(client: TestClient, **where: Any) -> pd.DataFrame:
    service = client.app.state.service  # type: ignore[attr-defined]
    service.audit.flush()
    return service.store.audit_log(limit=100_000, **where)


@pytest.fixture(scope="module")
def picked(workbench_store: Workbench) -> dict[str, Any]:
    with api.open_store(workbench_store.path) as store:
        centre, other = neighbour_to_expand(store)
        before = person_graph(store, centre)
        after = person_graph(store, centre, expand=[other])
        path_person, path_a, path_b = joined_without_an_edge(store)
        return {"centre": centre, "other": other, "before": before, "after": after,
                "other_records": sorted(store.person_records(other)["record_id"]),
                "path": (path_person, path_a, path_b)}


# -- the library: expand in place --------------------------------------------------------------
def test_the_public_api_opens_a_person_in_place_as_the_page_does(workbench_store: Workbench,
                                                                 picked: dict[str, Any]) -> None:
    with api.open_store(workbench_store.path, read_only=True) as store:
        assert api.person_graph(store, picked["centre"], expand=[picked["other"]]) == picked["after"]


def test_expanding_adds_the_persons_records_identifiers_and_people_one_hop_out(picked: dict[str, Any]) -> None:
    before, after, other = picked["before"], picked["after"], picked["other"]
    assert after["expanded"] == [other] and before["expanded"] == []
    ids = [n["id"] for n in after["nodes"]]
    assert len(ids) == len(set(ids)) and {e["source"] for e in after["edges"]} | {e["target"] for e in after["edges"]} <= set(ids)
    drawn = {n["id"].removeprefix("record:") for n in after["nodes"] if n["kind"] == "record" and n["person_id"] == other}
    assert drawn == set(picked["other_records"])
    node = next(n for n in after["nodes"] if n["id"] == f"person:{other}")
    assert not node["expandable"] and not node["centre"] and node["via"] == before["person_id"]
    new_people = set(_others(after)) - set(_others(before)) - {other}
    assert new_people and all(n["via"] == other for n in after["nodes"] if n["person_id"] in new_people)
    assert all(n["expandable"] for n in after["nodes"] if n["person_id"] in new_people and n["kind"] == "person")
    # the expanded person's own identifiers hang off their records, not off a "shares" edge
    assert not [e for e in after["edges"] if e["kind"] == "shares" and e["source"] == f"person:{other}"]
    assert {n["id"] for n in before["nodes"]} <= set(ids)  # nothing of the first graph is lost


def test_only_a_person_drawn_in_the_graph_expands_and_at_most_max_expand(workbench_store: Workbench,
                                                                        picked: dict[str, Any]) -> None:
    with api.open_store(workbench_store.path) as store:
        stranger = next(p for p in sorted(set(store.current_assignment()["person_id"]))
                        if p not in _others(picked["after"]) and p != picked["centre"])
        g = person_graph(store, picked["centre"], expand=[stranger])
        assert g["expanded"] == [] and f"person:{stranger}" not in {n["id"] for n in g["nodes"]}
        assert person_graph(store, picked["centre"], expand=[picked["other"]], max_expand=0)["expanded"] == []
    assert MAX_EXPAND == 20


def test_the_cap_holds_with_people_expanded_and_says_what_it_cut(workbench_store: Workbench,
                                                                 picked: dict[str, Any]) -> None:
    after, other = picked["after"], picked["other"]
    fixed = [n for n in after["nodes"] if n["kind"] != "person" or n["centre"] or n["person_id"] == other]
    with api.open_store(workbench_store.path) as store:
        capped = person_graph(store, picked["centre"], expand=[other], max_nodes=len(fixed))
    assert len(capped["nodes"]) == len(fixed)
    # the person asked to be expanded keeps their records; the people one hop out are cut first
    assert {n["id"] for n in capped["nodes"]} == {n["id"] for n in fixed}
    assert capped["cut"]["people"] == len(after["nodes"]) - len(fixed) == capped["cut"]["nodes"]
    kept = {n["id"] for n in capped["nodes"]}
    assert all(e["source"] in kept and e["target"] in kept for e in capped["edges"])


# -- the page: expand by a POST ----------------------------------------------------------------
def test_expand_swaps_in_the_graph_with_the_neighbours_records_and_new_people(
        client: TestClient, picked: dict[str, Any]) -> None:
    token = log_in(client, user="ana")
    centre, other = picked["centre"], picked["other"]
    page = client.get(f"/workbench/person/{centre}").text
    assert f'name="expand" value="{other}"' in page  # a button per other person shown
    r = client.post("/workbench/graph/expand", data={"csrf_token": token, "person_id": centre, "expand": other},
                    headers=HX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section aria-labelledby="graph-h" class="card" id="person-graph">')
    assert "<html" not in r.text  # a fragment: htmx swaps the graph section only
    for rid in picked["other_records"]:
        assert f'data-record-a="{rid}"' in r.text or f"record:{rid}" in r.text or rid.split(":", 1)[1] in r.text
    new_people = set(_others(picked["after"])) - set(_others(picked["before"])) - {other}
    for p in new_people:
        assert f'href="/workbench/person/{p}"' in r.text and f'name="expand" value="{p}"' in r.text
    assert f'name="collapse" value="{other}"' in r.text and f'name="expanded" value="{other}"' in r.text
    assert 'role="status"' in r.text and "Expanded" in r.text
    assert r.text.count("<circle") == len(picked["after"]["nodes"])


def test_every_person_newly_shown_by_an_expansion_is_audited(client: TestClient, picked: dict[str, Any]) -> None:
    token = log_in(client, user="ana")
    centre, other = picked["centre"], picked["other"]
    client.post("/workbench/graph/expand", data={"csrf_token": token, "person_id": centre, "expand": other},
                headers=HX)
    log = audit_log(client, actor="user:ana")
    log = log[log["action"] == "POST /workbench/graph/expand"]
    new = log[log["detail"] == f"expanded in the graph of {centre}"]
    assert set(new.loc[new["person_id"] == other, "record_id"]) == set(picked["other_records"])
    new_people = set(_others(picked["after"])) - set(_others(picked["before"])) - {other}
    assert new_people <= set(new["person_id"])
    assert set(new["person_id"]) == new_people | {other}
    again = log[log["detail"] == f"in the graph of {centre}"]
    assert centre in set(again["person_id"]) and set(_others(picked["before"])) - {other} <= set(again["person_id"])


def test_collapse_takes_the_persons_records_out_again(client: TestClient, picked: dict[str, Any]) -> None:
    token = log_in(client, user="ana")
    centre, other = picked["centre"], picked["other"]
    r = client.post("/workbench/graph/expand", data={"csrf_token": token, "person_id": centre,
                                                     "expanded": other, "collapse": other}, headers=HX)
    assert r.status_code == 200 and f'name="expand" value="{other}"' in r.text
    assert 'name="expanded"' not in r.text and "Collapsed" in r.text
    assert r.text.count("<circle") == len(picked["before"]["nodes"])


def test_expand_without_javascript_answers_with_the_whole_person_page(client: TestClient,
                                                                      picked: dict[str, Any]) -> None:
    token = log_in(client, user="ana")
    r = client.post("/workbench/graph/expand", data={"csrf_token": token, "person_id": picked["centre"],
                                                     "expand": picked["other"]})
    assert r.status_code == 200 and "<h1>" in r.text and 'id="address-timeline"' in r.text
    assert f'name="collapse" value="{picked["other"]}"' in r.text
    assert picked["other"] not in r.request.url.path and picked["centre"] not in str(r.request.url)


def test_a_person_not_in_the_graph_is_not_expanded(client: TestClient, picked: dict[str, Any]) -> None:
    token = log_in(client, user="ana")
    stranger = next(p for p in _others(picked["after"]) if p not in _others(picked["before"]))
    r = client.post("/workbench/graph/expand", data={"csrf_token": token, "person_id": picked["centre"],
                                                     "expand": stranger}, headers=HX)
    assert r.status_code == 200 and "not one hop out" in r.text
    assert f'name="collapse" value="{stranger}"' not in r.text


def test_expand_needs_the_csrf_token_of_the_session(client: TestClient, picked: dict[str, Any]) -> None:
    log_in(client, user="ana")
    form = {"person_id": picked["centre"], "expand": picked["other"]}
    assert client.post("/workbench/graph/expand", data=form, headers=HX).status_code == 403
    other = TestClient(client.app, follow_redirects=False)
    r = client.post("/workbench/graph/expand", data={**form, "csrf_token": log_in(other, user="ana")}, headers=HX)
    assert r.status_code == 403 and "CSRF" in r.text
    log = audit_log(client)
    assert (log["action"] == "POST /workbench/graph/expand").sum() == 0  # nothing was read


@pytest.mark.parametrize("path", ["/workbench/graph/waterfall?a=x&b=y", "/workbench/graph/path?a=x&b=y"])
def test_a_reviewer_is_refused_the_graph_panels(client: TestClient, path: str) -> None:
    log_in(client, user="rev")
    assert client.get(path).status_code == 403


def test_the_page_says_what_the_cap_cut(client: TestClient, picked: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from identity_graph.workbench.pages import graph

    own = sum(1 for n in picked["before"]["nodes"] if n["centre"])
    monkeypatch.setattr(graph, "GRAPH_NODES", own)
    log_in(client, user="ana")
    page = client.get(f"/workbench/person/{picked['centre']}").text
    cut = len(picked["before"]["nodes"]) - own
    assert re.search(rf"Not drawn: {cut} (person|people)\s+\({cut} nodes in all\) over the cap of {own} nodes", page)
    assert page.count("<circle") == own


# -- waterfalls and paths ----------------------------------------------------------------------
def test_every_similarity_edge_has_an_evidence_button(client: TestClient, picked: dict[str, Any]) -> None:
    log_in(client, user="ana")
    centre = picked["path"][0]
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        similar = [e for e in person_graph(store, centre)["edges"] if e["kind"] == "similar"]
    page = client.get(f"/workbench/person/{centre}").text
    table = page[page.index('class="graph-edges"'):]
    assert similar and table.count('action="/workbench/graph/waterfall"') == len(similar)
    for e in similar:
        a, b = e["source"].removeprefix("record:"), e["target"].removeprefix("record:")
        assert f'name="a" value="{a}"><input type="hidden" name="b" value="{b}">' in table
        assert f'data-record-a="{a}" data-record-b="{b}"' in page  # the drawn edge links there too


def test_the_waterfall_panel_shows_the_prior_each_fields_weight_and_the_total(
        client: TestClient, picked: dict[str, Any]) -> None:
    log_in(client, user="ana")
    _, a, b = picked["path"]
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        edge = evidence_path(store, a, b)["steps"][0]
        w = waterfall(store, edge["record_a"], edge["record_b"])
    r = client.get("/workbench/graph/waterfall", params={"a": w["record_a"], "b": w["record_b"]}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    chart = r.text[r.text.index("<svg"):r.text.index("</svg>")]
    assert chart.count("<rect") == len(w["steps"]) + 1  # a bar per step, on a white ground
    table = r.text[r.text.index('class="waterfall-steps"'):]
    assert table.count("<tr class=\"step-") == len(w["steps"])
    assert "Prior: how often two candidate records are one person" in table and ">Total</th>" in table
    assert f"{w['steps'][0]['contribution']:+.2f}" in table  # the prior's weight
    assert f"Total <strong>{w['total_weight']:+.2f} bits</strong>" in r.text
    assert f"{w['probability']:.4f}" in r.text
    for s in w["steps"]:
        if s["kind"] == "comparison":
            assert f"<th scope=\"row\">{s['label']}</th>" in table.replace("&#39;", "'")
    assert "jw&gt;=" not in table and "jw>=" not in table  # level names are said in words
    log = audit_log(client, actor="user:ana")
    read = log[log["detail"] == "evidence waterfall"]
    assert set(read["record_id"]) == {w["record_a"], w["record_b"]}


def test_the_waterfall_shows_values_escaped(client: TestClient, workbench_store: Workbench) -> None:
    log_in(client, user="ana")
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        frame = store.records_frame()
        evil = str(frame.loc[frame["emails"].fillna("").str.contains("<script>", regex=False), "record_id"].iloc[0])
        other = str(frame.loc[frame["emails"].notna() & (frame["record_id"] != evil), "record_id"].iloc[0])
    r = client.get("/workbench/graph/waterfall", params={"a": evil, "b": other}, headers=HX)
    assert r.status_code == 200
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in r.text
    assert "<script" not in r.text.lower()
    full = client.get("/workbench/graph/waterfall", params={"a": evil, "b": other})
    assert full.status_code == 200 and "<h1>Evidence waterfall</h1>" in full.text
    assert "<script>window" not in full.text and EVIL_EMAIL not in full.text


def test_two_records_with_no_edge_of_their_own_show_the_chain_that_joins_them(
        client: TestClient, picked: dict[str, Any]) -> None:
    log_in(client, user="ana")
    person, a, b = picked["path"]
    page = client.get(f"/workbench/person/{person}").text
    assert f'<option value="{a}"' in page and f'<option value="{b}"' in page  # the form's two selects
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        p = evidence_path(store, a, b)
    r = client.get("/workbench/graph/path", params={"a": a, "b": b}, headers=HX)
    assert r.status_code == 200 and "No edge joins them directly" in r.text
    steps = r.text[r.text.index('<ol class="path-steps">'):]
    assert steps.count("<li>") == len(p["steps"]) >= 2
    for s in p["steps"]:
        assert f'name="a" value="{s["record_a"]}"><input type="hidden" name="b" value="{s["record_b"]}">' in steps
    order = [steps.index(f'name="a" value="{s["record_a"]}"') for s in p["steps"]]
    assert order == sorted(order)  # first record to last
    log = audit_log(client, actor="user:ana")
    assert set(log.loc[log["detail"] == "evidence path", "record_id"]) == set(p["records"])


def test_records_of_two_people_have_no_path_and_an_unknown_record_is_refused(
        client: TestClient, picked: dict[str, Any]) -> None:
    log_in(client, user="ana")
    a = picked["path"][1]
    b = picked["other_records"][0]
    r = client.get("/workbench/graph/path", params={"a": a, "b": b}, headers=HX)
    assert r.status_code == 200 and "not records of one person" in r.text
    bad = client.get("/workbench/graph/waterfall", params={"a": a, "b": "nowhere:0"}, headers=HX)
    assert bad.status_code == 200 and 'role="alert"' in bad.text and "no record" in bad.text
    assert client.get("/workbench/graph/waterfall", params={"a": a, "b": "nowhere:0"}).status_code == 404
