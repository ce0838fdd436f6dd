"""The workbench's pages in-process: locked without a login, roles per page, CSRF on every
POST, escaping, security headers, sessions that end, and every read audited."""

from __future__ import annotations

import re
import time

import pytest
from conftest import EVIL_EMAIL, USERS, Workbench, csrf_of, log_in
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.access import revoke_key
from identity_graph.access.users import disable_user, set_password
from identity_graph.workbench.app import CSP, build_workbench
from identity_graph.workbench.session import COOKIE, Signer

#: every page, and how to ask for it
PAGES = [("GET", "/workbench/search"), ("POST", "/workbench/search"), ("GET", "/workbench/person/P000000000000"),
         ("GET", "/workbench/address"), ("POST", "/workbench/address"), ("GET", "/workbench/alerts"),
         ("GET", "/workbench/alerts/status"), ("POST", "/workbench/alerts/run"), ("GET", "/workbench/review"),
         ("POST", "/workbench/review/decide"), ("GET", "/workbench/audit"), ("POST", "/workbench/logout"),
         ("POST", "/workbench/graph/expand"), ("GET", "/workbench/graph/waterfall"), ("GET", "/workbench/graph/path")]


def test_the_pages_listed_here_are_every_page_the_workbench_serves(client: TestClient) -> None:
    from identity_graph.serve.app import api_routes

    app = build_workbench(client.app.state.service)  # type: ignore[attr-defined]
    served = {(m, "/workbench" + r.path) for r in api_routes(app.routes) for m in r.methods}
    listed = {(m, p.replace("P000000000000", "{person_id}")) for m, p in PAGES}
    assert served == listed | {("GET", "/workbench/login"), ("POST", "/workbench/login"), ("GET", "/workbench/")}


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_a_new_install_is_locked_every_page_sends_you_to_log_in(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, path, data={"csrf_token": "x"} if method == "POST" else None)
    assert r.status_code == 303 and r.headers["location"] == "/workbench/login"


def test_a_page_without_its_guard_stops_the_workbench_from_being_built(client: TestClient) -> None:
    from identity_graph.workbench import app as wb
    from identity_graph.workbench.pages import search

    @search.router.get("/unguarded")
    def unguarded() -> str:
        return "no check"

    try:
        with pytest.raises(RuntimeError, match="without a session check"):
            wb.build_workbench(client.app.state.service)  # type: ignore[attr-defined]
    finally:
        search.router.routes.pop()


@pytest.mark.parametrize(("user", "allowed", "refused"), [
    ("ana", ["/workbench/search", "/workbench/address"], ["/workbench/review", "/workbench/audit"]),
    ("rev", ["/workbench/review"], ["/workbench/search", "/workbench/address", "/workbench/audit"]),
    ("root", ["/workbench/search", "/workbench/review", "/workbench/audit"], []),
])
def test_each_role_opens_its_pages_and_is_refused_the_others(client: TestClient, user: str, allowed: list[str],
                                                             refused: list[str]) -> None:
    log_in(client, user=user)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in refused:
        r = client.get(path)
        assert r.status_code == 403, path
        assert f"role {USERS[user][0]}" in r.text


#: the investigators' pages (everything but the review queue, the audit and logging out)
INVESTIGATOR_PAGES = [(m, p) for m, p in PAGES if not p.startswith(("/workbench/review", "/workbench/audit",
                                                                      "/workbench/logout"))]


@pytest.mark.parametrize(("method", "path"), INVESTIGATOR_PAGES)
def test_a_reviewer_is_refused_every_investigators_page_and_nothing_is_read(client: TestClient, method: str,
                                                                           path: str) -> None:
    token = log_in(client, user="rev")
    service = client.app.state.service  # type: ignore[attr-defined]
    service.audit.flush()
    before = len(service.store.audit_log(actor="user:rev", limit=10_000))  # the login, the queue it lands on
    r = client.request(method, path, data={"csrf_token": token} if method == "POST" else None)
    assert r.status_code == 403 and "role reviewer" in r.text, path
    service.audit.flush()
    assert len(service.store.audit_log(actor="user:rev", limit=10_000)) == before  # no one was read


def test_a_key_logs_in_too_but_a_match_key_is_for_systems(client: TestClient, workbench_store: Workbench) -> None:
    log_in(client, key=workbench_store.keys["inv-key"])
    assert client.get("/workbench/search").status_code == 200
    fresh = TestClient(client.app, follow_redirects=False)
    form = {"csrf_token": csrf_of(fresh.get("/workbench/login").text), "api_key": workbench_store.keys["desk-key"]}
    r = fresh.post("/workbench/login", data=form)
    assert r.status_code == 403 and "for systems" in r.text and COOKIE not in r.cookies


@pytest.mark.parametrize("form", [
    {"username": "ana", "password": "not-her-password"},
    {"username": "nobody", "password": "ana-password-123"},
    {"api_key": "idg_not-a-key-anyone-was-given"},
])
def test_a_wrong_password_user_or_key_gets_the_same_refusal_and_no_session(client: TestClient,
                                                                           form: dict[str, str]) -> None:
    r = client.post("/workbench/login", data={"csrf_token": csrf_of(client.get("/workbench/login").text), **form})
    assert r.status_code == 401 and "is not right" in r.text
    assert COOKIE not in r.cookies


def test_the_login_form_needs_its_own_csrf_token(client: TestClient) -> None:
    client.get("/workbench/login")
    r = client.post("/workbench/login", data={"csrf_token": "forged", "username": "ana",
                                              "password": USERS["ana"][1]})
    assert r.status_code == 403 and COOKIE not in r.cookies


@pytest.mark.parametrize(("user", "path", "form"), [
    ("ana", "/workbench/search", {"full_name": "smith"}),
    ("ana", "/workbench/address", {"address": "LS6 1AB"}),
    ("rev", "/workbench/review/decide", {"item": "a~b", "action": "keep-apart", "reason": "x"}),
    ("ana", "/workbench/logout", {}),
])
def test_a_post_without_the_csrf_token_or_with_another_sessions_is_refused(
        client: TestClient, user: str, path: str, form: dict[str, str]) -> None:
    token = log_in(client, user=user)
    assert client.post(path, data=form).status_code == 403
    other = TestClient(client.app, follow_redirects=False)
    other_token = log_in(other, user=user)
    assert other_token != token
    r = client.post(path, data={**form, "csrf_token": other_token})
    assert r.status_code == 403 and "CSRF" in r.text
    assert client.get("/workbench/login").status_code == 303  # still logged in: nothing was done


def test_every_page_carries_the_security_headers_and_is_never_cached(client: TestClient,
                                                                     workbench_store: Workbench) -> None:
    log_in(client, user="root")
    for path in ["/workbench/login", "/workbench/search", f"/workbench/person/{workbench_store.person_id}",
                 "/workbench/review", "/workbench/audit"]:
        r = client.get(path)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in r.text.replace('<script src="', "")  # no inline script
        assert " style=" not in r.text  # no inline style
        assert re.fullmatch(r"app;dur=\d+\.\d", r.headers["server-timing"]), path  # time at the server, no detail
    static = client.get("/workbench/static/workbench.css")
    assert static.status_code == 200 and static.headers["cache-control"].startswith("public")


def test_the_session_cookie_is_httponly_samesite_strict_and_signed(client: TestClient) -> None:
    page = client.get("/workbench/login")
    r = client.post("/workbench/login", data={"csrf_token": csrf_of(page.text), "username": "ana",
                                              "password": USERS["ana"][1]})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/workbench" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; IDGRAPH_WORKBENCH_SECURE_COOKIES=1 sets it
    value = client.cookies[COOKIE]
    assert _with_cookie(client, value).status_code == 200
    body, mac = value.rsplit(".", 1)
    assert _with_cookie(client, body[:-3] + "AAA." + mac).status_code == 303  # tampered: no session
    assert _with_cookie(client, body + "." + mac[:-3] + "AAA").status_code == 303


def _with_cookie(client: TestClient, value: str):  # type: ignore[no-untyped-def]
    """The search page asked by a client holding no cookie but this session cookie."""
    fresh = TestClient(client.app, follow_redirects=False)
    return fresh.get("/workbench/search", headers={"Cookie": f"{COOKIE}={value}"})


def test_the_secure_flag_is_set_when_asked(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDGRAPH_WORKBENCH_SECURE_COOKIES", "1")
    page = client.get("/workbench/login")
    r = client.post("/workbench/login", data={"csrf_token": csrf_of(page.text), "username": "ana",
                                              "password": USERS["ana"][1]})
    assert "Secure" in r.headers["set-cookie"]


def test_a_session_expires() -> None:
    signer = Signer("a secret")
    s = signer.new("user", "ana", "investigator", seconds=1)
    assert signer.load(signer.dump(s)) == s
    time.sleep(1.1)
    assert signer.load(signer.dump(s)) is None


def test_logout_ends_the_session_even_for_a_copy_of_its_cookie(client: TestClient) -> None:
    token = log_in(client, user="ana")
    kept = client.cookies[COOKIE]
    assert _with_cookie(client, kept).status_code == 200
    assert client.post("/workbench/logout", data={"csrf_token": token}).status_code == 303
    assert _with_cookie(client, kept).status_code == 303


def test_a_revoked_key_a_disabled_user_or_a_new_password_ends_open_sessions(
        client: TestClient, workbench_store: Workbench) -> None:
    store = client.app.state.service.store  # type: ignore[attr-defined]
    by_key = TestClient(client.app, follow_redirects=False)
    log_in(by_key, key=workbench_store.keys["inv-key"])
    log_in(client, user="ana")
    by_rev = TestClient(client.app, follow_redirects=False)
    log_in(by_rev, user="rev")
    revoke_key(store, "inv-key")
    assert by_key.get("/workbench/search").status_code == 303
    set_password(store, "ana", "a-new-password-456")
    assert client.get("/workbench/search").status_code == 303
    disable_user(store, "rev")
    assert by_rev.get("/workbench/review").status_code == 303


def test_what_a_page_shows_is_escaped(client: TestClient, workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    person = client.get(f"/workbench/person/{workbench_store.evil_person}")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in person.text
    assert "<script>window" not in person.text
    found = client.post("/workbench/search", data={"csrf_token": token, "email": EVIL_EMAIL,
                                                   "purpose": "<script>window.__xss=2</script>"})
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in found.text  # the form's echo
    assert f"/workbench/person/{workbench_store.evil_person}" in found.text
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in found.text  # the case purpose in the header
    assert "<script>window" not in found.text
    admin = TestClient(client.app, follow_redirects=False)
    log_in(admin, user="root")
    client.app.state.service.audit.flush()  # type: ignore[attr-defined]
    audit = admin.get("/workbench/audit", params={"actor": "user:ana"})
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in audit.text and "<script>window" not in audit.text


def test_search_takes_any_field_by_post_and_a_source_record_id(client: TestClient, workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    r = client.post("/workbench/search", data={"csrf_token": token, **workbench_store.search})
    assert f"/workbench/person/{workbench_store.person_id}" in r.text
    a = workbench_store.split_pair[0]
    r = client.post("/workbench/search", data={"csrf_token": token, "record_id": a.split(":", 1)[1]})
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        owner = store.person_of(a)
    assert "record id given" in r.text and f"/workbench/person/{owner}" in r.text
    partial = client.post("/workbench/search", data={"csrf_token": token, **workbench_store.search},
                          headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<section id="results"')  # htmx swaps the results only


def test_search_finds_residents_by_an_address_as_people_type_it(client: TestClient,
                                                                workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        golden = api.person(store, workbench_store.person_id).golden
    house_and_street = str(golden["address"]).split(",")[0]
    for typed in (house_and_street.lower(), f"{house_and_street.upper()} {str(golden['postcode']).replace(' ', '')}"):
        r = client.post("/workbench/search", data={"csrf_token": token, "address": typed})
        assert r.status_code == 200
        assert f"/workbench/person/{workbench_store.person_id}" in r.text, typed
        assert "No one matches" not in r.text and 'role="alert"' not in r.text
    run_together = str(golden["postcode"]).replace(" ", "").lower()  # "ls61ab"
    r = client.post("/workbench/search", data={"csrf_token": token, "postcode": run_together})
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        lived_there = set(store.residents(str(golden["postcode"]))["person_id"])
    shown = set(re.findall(r"/workbench/person/(P[0-9a-f]+)", r.text))
    assert workbench_store.person_id in shown and len(lived_there) > 1, run_together
    assert shown == lived_there or len(shown) == 20  # everyone who lived there (up to the page's 20)
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        # a dwelling alone is weak evidence of a person: no probability floor leaves anyone out
        hits = api.search(store, postcode=run_together, limit=1000, min_probability=0.99)
    assert {h.person_id for h in hits} == lived_there


def test_one_known_phone_number_ranks_its_holder_first_and_says_why_in_plain_words(
        client: TestClient, workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        frame = store.records_frame()
        held: dict[str, set[str]] = {}
        for rid, v in zip(frame["record_id"], frame["phones"], strict=True):
            for p in str(v).split("|") if isinstance(v, str) and v else []:
                held.setdefault(p, set()).add(str(store.person_of(rid)))
    phone, person_id = next((p, next(iter(who))) for p, who in sorted(held.items()) if len(who) == 1 and "None" not in who)
    r = client.post("/workbench/search", data={"csrf_token": token, "phone": phone})
    first = r.text.split("<tbody>")[1].split("</tr>")[0]
    assert f"/workbench/person/{person_id}" in first
    assert "identifier: 100%" in first and "matched on phone" in first and "held by this person alone" in first
    assert "jw&gt;=" not in r.text and "jw>=" not in r.text  # level names are not words


def test_every_person_a_page_shows_is_audited_with_the_case_purpose(client: TestClient,
                                                                   workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    client.post("/workbench/search", data={"csrf_token": token, "purpose": "case 41", **workbench_store.search})
    client.get(f"/workbench/person/{workbench_store.person_id}")
    service = client.app.state.service  # type: ignore[attr-defined]
    service.audit.flush()
    log = service.store.audit_log(person_id=workbench_store.person_id)
    opened = log[log["action"] == "GET /workbench/person/{person_id}"]
    searched = log[log["action"] == "POST /workbench/search"]
    assert set(opened["actor"]) == {"user:ana"} and set(opened["purpose"]) == {"case 41"}
    assert len(opened) == len(client.get(f"/workbench/person/{workbench_store.person_id}").text.split('class="record"')) - 1
    assert list(searched["detail"])[0] == "search by dob,full_name"  # the fields, never their values
    assert workbench_store.search["full_name"] not in service.store.audit_log(limit=1000).to_string()


def test_the_address_page_lists_who_lived_at_a_postcode_with_dates_and_sources(
        client: TestClient, workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    from identity_graph import api

    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        spell = api.person(store, workbench_store.person_id).address_history.iloc[0]
    r = client.post("/workbench/address", data={"csrf_token": token, "address": str(spell["postcode"]).replace(" ", "").lower()})
    assert r.status_code == 200
    assert f"/workbench/person/{workbench_store.person_id}" in r.text


def test_the_address_page_finds_a_dwelling_by_the_address_as_people_type_it(
        client: TestClient, workbench_store: Workbench) -> None:
    token = log_in(client, user="ana")
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        spell = api.person(store, workbench_store.person_id).address_history.iloc[0]
    # "12 High Street, Leeds" as a clerk types it: the dwelling's line in capitals, no postcode
    typed = str(spell["address"]).split(",")[0].upper()
    r = client.post("/workbench/address", data={"csrf_token": token, "address": typed})
    assert r.status_code == 200
    assert f"/workbench/person/{workbench_store.person_id}" in r.text


def test_a_decision_from_the_queue_splits_the_person_and_the_person_pages_show_the_split(
        client: TestClient, workbench_store: Workbench) -> None:
    """Regression: a person page whose change-feed events carried a detail without a ``field``
    (a split's ``records``) failed with a server error."""
    token = log_in(client, user="root")
    r = client.post("/workbench/review/decide", data={"csrf_token": token, "item": workbench_store.split_item,
                                                      "action": "keep-apart", "reason": "two people"})
    assert r.status_code == 303
    done = client.get(r.headers["location"])
    assert "Decision recorded and applied" in done.text and "split" in done.text
    a, b = workbench_store.split_pair
    page_a, page_b = client.get(f"/workbench/person/{a}"), client.get(f"/workbench/person/{b}")
    assert page_a.status_code == page_b.status_code == 200
    assert f">{a}</h4>" in page_a.text and f">{b}</h4>" not in page_a.text
    assert f">{b}</h4>" in page_b.text and f">{a}</h4>" not in page_b.text
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        decisions = store.decisions()
        changes = store.changes(0, None, 100_000)
    assert list(decisions["kind"]) == ["keep-apart"] and list(decisions["actor"]) == ["user:root"]
    assert "split" in set(changes["event"])  # in the change feed, as POST /v1/decisions would put it


def test_the_audit_page_filters_by_person_actor_and_dates_and_empty_filters_mean_all(
        client: TestClient, workbench_store: Workbench) -> None:
    """Regression: the filter form sends empty dates (``since=&until=``), which were refused."""
    log_in(client, user="ana")
    client.get(f"/workbench/person/{workbench_store.person_id}")
    admin = TestClient(client.app, follow_redirects=False)
    log_in(admin, user="root")
    client.app.state.service.audit.flush()  # type: ignore[attr-defined]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    found = admin.get("/workbench/audit", params={"person": workbench_store.person_id, "actor": "", "since": "",
                                                  "until": ""})
    assert found.status_code == 200 and "<td>user:ana</td>" in found.text
    assert "<td>user:ana</td>" in admin.get("/workbench/audit", params={"actor": "user:ana", "since": today}).text
    old = admin.get("/workbench/audit", params={"actor": "user:ana", "until": "2000-01-01"})
    assert old.status_code == 200 and "<td>user:ana</td>" not in old.text
    bad = admin.get("/workbench/audit", params={"since": "01/12/2026"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


def test_the_access_log_names_workbench_pages_by_template_never_by_the_ids_or_values_in_them(
        client: TestClient, workbench_store: Workbench, caplog: pytest.LogCaptureFixture) -> None:
    token = log_in(client, user="ana")
    with caplog.at_level("INFO"):
        client.get(f"/workbench/person/{workbench_store.person_id}")
        client.post("/workbench/search", data={"csrf_token": token, **workbench_store.search})
        client.get("/workbench/no-such-page/P123456789abc")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "identity_graph.serve.access")
    assert "GET /person/{person_id} 200" in text and "POST /search 200" in text
    assert workbench_store.person_id not in text and "P123456789abc" not in text
    assert workbench_store.search["full_name"] not in text


@pytest.mark.parametrize(("action", "kinds"), [("accept", {"same-person", "keep-apart"}), ("reject", {"keep-apart"})])
def test_accept_and_reject_from_the_queue_record_the_reviewers_decisions(
        client: TestClient, workbench_store: Workbench, action: str, kinds: set[str]) -> None:
    """A flagged person: accept keeps the grouping (same-person along it, keep-apart from the
    people it was cut from), reject keeps its weakest link apart (``review/actions.py``)."""
    token = log_in(client, user="rev")
    r = client.post("/workbench/review/decide", data={"csrf_token": token, "item": workbench_store.split_item,
                                                      "action": action, "reason": "checked with the tenant"})
    assert r.status_code == 303, r.text
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        decisions = store.decisions()
    assert len(decisions) >= 1 and set(decisions["kind"]) <= kinds
    assert action != "accept" or "same-person" in set(decisions["kind"])
    assert action != "reject" or len(decisions) == 1
    assert set(decisions["actor"]) == {"user:rev"} and set(decisions["reason"]) == {"checked with the tenant"}


def test_a_decision_without_a_reason_is_refused_and_nothing_is_recorded(client: TestClient,
                                                                        workbench_store: Workbench) -> None:
    token = log_in(client, user="rev")
    r = client.post("/workbench/review/decide", data={"csrf_token": token, "item": workbench_store.split_item,
                                                      "action": "keep-apart", "reason": "  "})
    assert r.status_code == 422 and "needs a reason" in r.text
    with client.app.state.service.reading() as store:  # type: ignore[attr-defined]
        assert store.decisions().empty


def test_the_person_page_draws_the_graph_with_links_to_the_people_one_hop_out(
        client: TestClient, workbench_store: Workbench) -> None:
    log_in(client, user="ana")
    page = client.get(f"/workbench/person/{workbench_store.person_id}").text
    drawn = page[page.index('id="person-graph"'):]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in drawn and 'role="img"' in drawn
    assert drawn.count("<circle") >= 3  # the person, their records, what identifies them
    with api.open_store(workbench_store.path) as store:  # someone who shares an identifier with others
        linked = next(p for p in sorted(set(store.current_assignment()["person_id"]))[:400]
                      if any(n["kind"] == "person" and not n["centre"] for n in api.person_graph(store, p)["nodes"]))
        others = {n["person_id"] for n in api.person_graph(store, linked)["nodes"] if n["kind"] == "person" and not n["centre"]}
    page = client.get(f"/workbench/person/{linked}").text
    assert any(f'href="/workbench/person/{o}"' in page for o in others)


def test_the_graph_escapes_what_it_draws(client: TestClient, workbench_store: Workbench) -> None:
    log_in(client, user="ana")
    page = client.get(f"/workbench/person/{workbench_store.evil_person}").text
    drawn = page[page.index('id="person-graph"'):]
    assert "<svg" in drawn and "<script" not in drawn.lower()
