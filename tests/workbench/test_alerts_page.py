"""The alerts page: every rule shown as a rule you can read, its hits listed and explained and
linked to the people and (for an address) to the household's address page, what a rule sets
apart shown as such; computed on a background thread per state of the store, "computing…"
polled with htmx; run again by a CSRF-checked POST; every person a listing names audited with
the alert; and the demo council hits every rule."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EVIL_EMAIL, Workbench, csrf_of, log_in
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.investigate.alerts import RULES
from identity_graph.serve import create_app
from identity_graph.synth.systems import SWITCHBOARD
from identity_graph.workbench.pages import alerts as alerts_page

COMPUTING = "Computing the alerts for the whole index"


def _settled(client: TestClient, path: str = "/workbench/alerts", seconds: float = 60) -> str:
    """The page once its alerts are ready (it is asked again while it says "computing…")."""
    deadline = time.monotonic() + seconds
    while True:
        r = client.get(path)
        assert r.status_code == 200, r.text
        if COMPUTING not in r.text and "Newer alerts are being computed" not in r.text:
            return r.text
        assert time.monotonic() < deadline, "the alerts were never ready"
        time.sleep(0.1)


def _section(page: str, rule: str) -> str:
    """The HTML of one rule's section."""
    start = page.index(f'<section class="card rule" id="rule-{rule}"')
    return page[start : page.index("</section>", start)]


def _library(client: TestClient) -> dict[str, Any]:
    """Each rule's result from the library, on the service's store as it is now."""
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        return {r["rule"]: r for r in api.alerts(store)}


def _service(client: TestClient) -> Any:
    return client.app.state.service  # type: ignore[attr-defined]


def test_without_a_session_the_alerts_send_you_to_log_in_and_a_reviewer_is_refused(client: TestClient) -> None:
    for method, path in (("GET", "/workbench/alerts"), ("GET", "/workbench/alerts/status"),
                         ("POST", "/workbench/alerts/run")):
        r = client.request(method, path, data={"csrf_token": "x"} if method == "POST" else None)
        assert r.status_code == 303 and r.headers["location"] == "/workbench/login", path
    log_in(client, user="rev")
    r = client.get("/workbench/alerts")
    assert r.status_code == 403 and "role reviewer" in r.text
    assert alerts_page.alerts_cache(_service(client)).snapshot() == (None, None)  # nothing computed for them


def test_every_rule_is_shown_in_plain_words_with_its_parameters_and_its_hits_explained(client: TestClient) -> None:
    log_in(client, user="ana")
    page = _settled(client)
    assert 'href="/workbench/alerts" aria-current="page"' in page  # in the header's pages
    expected = _library(client)
    assert list(expected) == list(RULES)
    for name, res in expected.items():
        part = _section(page, name)
        text = html.unescape(part)
        assert res["title"] in text and res["description"] in text  # the rule, readable
        for param in res["parameters"]:
            assert f"<dt>{param.replace('_', ' ')}</dt>" in part
        n = len(res["hits"])
        assert f"{n} hit{'s' if n != 1 else ''}" in text
        shown = res["hits"][: alerts_page.SHOWN]
        assert part.count('<li class="hit"') == len(shown)
        for hit in shown:
            assert hit["explanation"] in text and hit["subject"] in text
            for p in hit["people"]:
                assert f'<a href="/workbench/person/{p["person_id"]}">{html.escape(p["name"])}</a>' in part
    # the small council hits these rules with their default parameters
    assert all(expected[r]["hits"] for r in ("shared-identifier", "adults-over-discount", "unrelated-contact"))


def test_one_rule_alone_lists_all_its_hits_and_an_unknown_rule_is_not_found(client: TestClient) -> None:
    log_in(client, user="ana")
    page = _settled(client, "/workbench/alerts?rule=shared-identifier")
    assert page.count('<section class="card rule"') == 1
    assert _section(page, "shared-identifier").count('<li class="hit"') == len(_library(client)["shared-identifier"]["hits"])
    assert client.get("/workbench/alerts?rule=nope").status_code == 404


def test_an_address_hit_opens_the_households_address_page_by_post_with_its_residents(client: TestClient) -> None:
    log_in(client, user="ana")
    page = _settled(client)
    hit = _library(client)["adults-over-discount"]["hits"][0]
    part = _section(page, "adults-over-discount")
    form = re.search(r'<form method="post" action="/workbench/address" class="address-link">(.*?)</form>', part, re.S)
    assert form, "no address page link on the adults-over-discount hit"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))
    assert html.unescape(fields["address"]) == hit["value"] and "/workbench/address?" not in page  # never in a URL
    r = client.post("/workbench/address", data={k: html.unescape(v) for k, v in fields.items()})
    assert r.status_code == 200
    residents = r.text.split("<tbody>", 1)[1]
    for p in hit["people"]:
        assert f'href="/workbench/person/{p["person_id"]}"' in residents


def test_switchboards_given_on_run_again_are_set_apart_and_shown_as_such(client: TestClient) -> None:
    token = log_in(client, user="ana")
    board = "+44" + SWITCHBOARD[1:]  # as stored
    before = _section(_settled(client), "shared-identifier")
    assert f"phone {board}" in before.split('<table class="excluded">')[0]  # an alert, until it is known
    r = client.post("/workbench/alerts/run", data={"csrf_token": token, "switchboards": "0113 496 0000"})
    assert r.status_code == 303 and r.headers["location"] == "/workbench/alerts"
    part = _section(_settled(client), "shared-identifier")
    hits, excluded = part.split('<table class="excluded">')
    assert f"phone {board}" not in hits
    assert re.search(rf"<th scope=\"row\">phone {re.escape(board)}</th><td>\d+ people</td><td>a known switchboard number",
                     excluded)
    assert "known switchboards</dt><dd>0113 496 0000 <span class=\"tag\">given</span>" in part
    assert 'value="0113 496 0000"' in client.get("/workbench/alerts").text  # kept for the next run


def test_run_again_needs_the_forms_csrf_token(client: TestClient) -> None:
    log_in(client, user="ana")
    _settled(client)
    cache = alerts_page.alerts_cache(_service(client))
    number = cache.snapshot()[0].number  # type: ignore[union-attr]
    assert client.post("/workbench/alerts/run", data={}).status_code == 403
    other = TestClient(client.app, follow_redirects=False)
    foreign = log_in(other, user="root")
    r = client.post("/workbench/alerts/run", data={"csrf_token": foreign})
    assert r.status_code == 403 and "CSRF" in r.text
    latest, running = cache.snapshot()
    assert running is None and latest is not None and latest.number == number  # nothing ran again


def test_listing_hits_audits_every_person_named_with_the_alert(client: TestClient) -> None:
    log_in(client, user="ana")
    client.post("/workbench/search", data={"csrf_token": csrf_of(client.get("/workbench/search").text),
                                           "purpose": "case 7", "postcode": "LS1 1AA"})
    _settled(client)
    service = _service(client)
    service.audit.flush()
    log = service.store.audit_log(actor="user:ana", limit=100_000)
    listed = log[log["action"].isin(["GET /workbench/alerts", "GET /workbench/alerts/status"])]
    assert set(listed["purpose"]) == {"case 7"}
    for name, res in _library(client).items():
        rows = listed[listed["detail"].str.startswith(f"alert {name}:")]
        named = {p["person_id"] for h in res["hits"][: alerts_page.SHOWN] for p in h["people"]}
        if named:
            assert set(rows["person_id"]) == named, name
        else:
            assert len(rows) >= 1 and rows["person_id"].isna().all()  # the listing itself, naming no one


def _unrelated_web_record(store: Any, evil_person: str) -> str:
    """A web-accounts record of a person who shares no address and no family name with the
    holder of the <script> email."""
    evil = store.person(evil_person)["golden"]
    homes = set(store.person_address_history(evil_person)["address_key"])
    frame = store.records_frame()
    for rid in frame.loc[frame["source"] == "web_accounts", "record_id"]:
        pid = store.person_of(str(rid))
        if pid is None or pid == evil_person:
            continue
        golden = store.person(pid)["golden"]
        if golden.get("family_name") != evil.get("family_name") and not (
                homes & set(store.person_address_history(pid)["address_key"])):
            return str(rid)
    raise AssertionError("no unrelated web-accounts record")


def test_a_change_to_the_index_is_computed_again_and_what_the_page_shows_is_escaped(
        client: TestClient, workbench_store: Workbench) -> None:
    log_in(client, user="ana")
    first = _settled(client)
    assert "eve&lt;script&gt;" not in first
    service = _service(client)
    cache = alerts_page.alerts_cache(service)
    number = cache.snapshot()[0].number  # type: ignore[union-attr]
    with service.writing() as store:  # a service posts a second account with the same address
        rid = _unrelated_web_record(store, workbench_store.evil_person)
        mapping = json.loads(next(s for s in store.sources() if s.source == "web_accounts").mapping_json)
        raw = json.loads(str(store.records([rid]).iloc[0]["raw"]))
        raw[mapping["fields"]["email"]] = EVIL_EMAIL
        api.load_records(store, "web_accounts", [raw])
        api.update(store, changed=[rid])
    page = _settled(client)
    latest = cache.snapshot()[0]
    assert latest is not None and latest.number > number  # a new state: computed again
    part = _section(page, "unrelated-contact")
    assert "email eve&lt;script&gt;window.__xss=1&lt;/script&gt;@example.com" in part
    assert "<script>window" not in page


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every alerts computation until set (the real computation then runs)."""
    event = threading.Event()
    real = alerts_page.run_alerts

    def held(*args: Any, **kwargs: Any) -> Any:
        assert event.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(alerts_page, "run_alerts", held)
    yield event
    event.set()


def test_until_ready_the_page_says_computing_and_htmx_polls_then_shows_the_hits_once(
        client: TestClient, gate: threading.Event) -> None:
    token = log_in(client, user="ana")
    page = client.get("/workbench/alerts")
    assert COMPUTING in page.text and "Check again" in page.text  # without script: a link
    poller = re.search(r'<section id="alerts"[^>]*>', page.text)
    assert poller and 'hx-get="/workbench/alerts/status"' in poller.group(0) and "hx-trigger" in poller.group(0)
    status = client.get("/workbench/alerts/status", headers={"HX-Request": "true"})
    assert COMPUTING in status.text and status.text.lstrip().startswith('<section id="alerts"')
    gate.set()
    deadline = time.monotonic() + 60
    while COMPUTING in status.text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        status = client.get("/workbench/alerts/status", headers={"HX-Request": "true"})
    assert status.text.lstrip().startswith('<section id="alerts" aria-labelledby="alerts-h">')  # no more polling
    assert "hx-get" not in status.text and all(f'id="rule-{r}"' in status.text for r in RULES)
    shown = alerts_page.alerts_cache(_service(client)).snapshot()[0]
    assert shown is not None
    # run again: the shown alerts stay, a note polls for the newer ones and offers them when ready
    gate.clear()
    client.post("/workbench/alerts/run", data={"csrf_token": token})
    page = client.get("/workbench/alerts")
    assert 'id="rule-shared-identifier"' in page.text and "Newer alerts are being computed" in page.text
    note = client.get(f"/workbench/alerts/status?shown={shown.number}", headers={"HX-Request": "true"})
    assert "being computed" in note.text and "hx-get" in note.text
    gate.set()
    deadline = time.monotonic() + 60
    while "being computed" in note.text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        note = client.get(f"/workbench/alerts/status?shown={shown.number}", headers={"HX-Request": "true"})
    assert "Newer alerts are ready" in note.text and 'href="/workbench/alerts"' in note.text
    assert "hx-get" not in note.text and 'class="hit"' not in note.text  # offered, never swapped in


def test_the_demo_council_hits_every_rule(tmp_path: Path) -> None:
    """`idgraph demo` with its defaults: every alert rule finds something to show."""
    from identity_graph.cli.main import demo
    from identity_graph.synth import generate

    defaults = {p.name: p.default for p in demo.params}
    council = generate(int(defaults["people"]), int(defaults["seed"]), tmp_path / "demo")  # type: ignore[arg-type]
    store = api.open_store(tmp_path / "demo.idgraph.db", create=True)
    try:
        api.load_many(store, [(council.files[s], council.mappings[s]) for s in sorted(council.files)])
        api.resolve(store)
        results = {r["rule"]: r for r in api.alerts(store)}
    finally:
        store.close()
    assert list(results) == list(RULES)
    assert {name: len(r["hits"]) for name, r in results.items() if not r["hits"]} == {}
    assert results["shared-identifier"]["excluded"], "the demo's switchboard is set apart as a placeholder"


def test_the_workbench_over_a_fresh_service_starts_no_computation_until_the_page_is_opened(
        store_copy: Path) -> None:
    with TestClient(create_app(str(store_copy)), follow_redirects=False) as c:
        assert alerts_page.alerts_cache(_service(c)).snapshot() == (None, None)
        log_in(c, user="ana")
        assert alerts_page.alerts_cache(_service(c)).snapshot() == (None, None)
        _settled(c)
        latest, running = alerts_page.alerts_cache(_service(c)).snapshot()
        assert running is None and latest is not None and not latest.failed


def test_run_alerts_takes_parameters_per_rule_and_refuses_them_for_a_rule_it_does_not_run(client: TestClient) -> None:
    from identity_graph.errors import IdentityGraphError
    from identity_graph.investigate.alerts import run_alerts

    with _service(client).reading() as store:
        churn = run_alerts(store, ["address-churn"], {"address-churn": {"min_addresses": 2, "months": 24}})
        assert [r["rule"] for r in churn] == ["address-churn"] and churn[0]["parameters"]["months"] == 24
        assert churn[0]["hits"] and "2 or more different addresses within 24 months" in churn[0]["description"]
        with pytest.raises(IdentityGraphError, match="parameters given for rules not run: shared-identifier"):
            run_alerts(store, ["address-churn"], {"shared-identifier": {"min_people": {"phone": 2}}})
        with pytest.raises(IdentityGraphError, match="has no parameter"):
            run_alerts(store, None, {"address-churn": {"weeks": 3}})
