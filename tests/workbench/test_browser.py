"""The workbench in a real headless Chromium, against ``idgraph serve`` as a process: an
investigator logs in, finds a resident by a half-remembered address, opens them and sees the
address timeline and the graph; a reviewer keeps
two records apart from the review queue with one keystroke and sees the person split; an
investigator is refused the admin's audit page; a name holding ``<script>`` shows as text."""

from __future__ import annotations

import re
from typing import Any

from conftest import EVIL_EMAIL, Workbench, browser_log_in


def test_an_investigator_finds_a_resident_by_a_half_remembered_address_and_sees_the_timeline_and_graph(
        page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "ana")
    assert page.url.endswith("/workbench/search")
    page.get_by_label("Address", exact=True).fill(workbench_store.address_typed)  # "14 hyde park rd"
    page.get_by_label("Purpose or case reference", exact=True).fill("case 41")
    page.evaluate("() => { window.__same_page = true; }")
    page.get_by_role("button", name="Search").click()
    link = page.locator(f'#results a[href="/workbench/person/{workbench_store.person_id}"]')
    link.wait_for()
    assert page.evaluate("() => window.__same_page") is True  # htmx swapped the results in: no page load
    assert re.search(r"\d+\.\d%", page.locator("#results").inner_text())  # the match probability
    page.get_by_label("Address", exact=True).fill("")
    page.get_by_label("Name", exact=True).fill(workbench_store.search["full_name"])
    page.get_by_label("Date of birth", exact=True).fill(workbench_store.search["dob"])
    page.get_by_role("button", name="Search").click()  # by name and date of birth, the person first
    page.locator("#results tbody tr").first.locator(f'a[href="/workbench/person/{workbench_store.person_id}"]').wait_for()
    link.click()
    page.wait_for_url(f"**/workbench/person/{workbench_store.person_id}")
    assert page.locator("h1").inner_text().startswith(workbench_store.search["full_name"].split()[0])
    bars = page.locator("#address-timeline svg rect.bar")
    assert bars.count() >= 2  # two dwellings at least, drawn
    assert page.locator("#address-timeline table tbody tr").count() == bars.count()
    assert page.locator("#person-graph").is_visible()
    assert page.locator("#person-graph svg circle").count() >= 3  # the graph is drawn: nodes in the DOM
    assert page.errors == []  # type: ignore[attr-defined]  # no script or CSP error


def test_a_reviewer_keeps_two_records_apart_with_one_keystroke_and_the_person_splits(
        page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "rev")
    assert page.url.endswith("/workbench/review")
    item = page.locator("[data-review-item]").filter(has_text=workbench_store.split_item).first
    reason = item.get_by_label("Reason", exact=True)
    reason.fill("different dates of birth on the two records")
    reason.press("Alt+k")  # keep apart
    page.locator(".notice").wait_for()
    notice = page.locator(".notice").inner_text()
    assert "Decision recorded and applied" in notice
    assert "split" in notice or "created" in notice  # the change feed's events of the applied run
    page.get_by_role("button", name="Log out").click()
    browser_log_in(page, "root")  # an admin opens both records' people
    a, b = workbench_store.split_pair
    page.goto(f"/workbench/person/{a}")
    records = page.locator("article.record h4").all_inner_texts()
    assert a in records and b not in records, page.content()[:3000]
    page.goto(f"/workbench/person/{b}")
    records = page.locator("article.record h4").all_inner_texts()
    assert b in records and a not in records


def test_a_key_without_a_reason_sends_nothing_and_asks_for_the_reason(page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "rev")
    first = page.locator("[data-review-item]").first
    page.locator("h1").click()  # the focus outside any text box
    page.keyboard.press("k")
    reason = first.get_by_label("Reason", exact=True)
    assert reason.evaluate("el => el === document.activeElement")
    assert page.locator(".notice").count() == 0


def test_an_investigator_is_refused_the_admin_audit_page_and_an_admin_sees_who_looked(
        page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "ana")
    page.goto(f"/workbench/person/{workbench_store.person_id}")
    response = page.goto("/workbench/audit")
    assert response is not None and response.status == 403
    assert "admins only" in page.locator("main").inner_text()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/workbench/login")
    browser_log_in(page, "root")
    page.goto("/workbench/audit")
    page.get_by_label("Person id", exact=True).fill(workbench_store.person_id)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    rows = page.locator("table.audit tbody tr").all_inner_texts()
    assert any("user:ana" in r and "GET /workbench/person/{person_id}" in r for r in rows), rows


def test_an_email_holding_a_script_tag_is_shown_as_text_and_never_run(page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "ana")
    page.goto(f"/workbench/person/{workbench_store.evil_person}")
    assert "<script>window.__xss=1</script>" in page.locator("main").inner_text()
    assert page.evaluate("() => window.__xss") is None
    page.goto("/workbench/search")
    page.get_by_label("Email", exact=True).fill(EVIL_EMAIL)
    page.get_by_role("button", name="Search").click()
    page.locator(f'#results a[href="/workbench/person/{workbench_store.evil_person}"]').wait_for()
    assert page.get_by_label("Email", exact=True).input_value() == EVIL_EMAIL
    assert page.evaluate("() => window.__xss") is None


def test_every_page_is_reachable_and_usable_from_the_keyboard(page: Any) -> None:
    page.goto("/workbench/login")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"  # skip link first
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "username"
    page.keyboard.type("ana")
    page.keyboard.press("Tab")
    page.keyboard.type("ana-password-123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/workbench/search")
    outline = page.evaluate("""() => { const a = document.querySelector('header nav a');
        a.focus(); return getComputedStyle(a).outlineStyle; }""")
    assert outline == "solid"  # a visible focus style


#: every control, image and region on a page has a name a screen reader can say (WCAG 2.2 SC
#: 1.1.1, 1.3.1, 4.1.2): returns what lacks one
_UNNAMED = """() => {
  const bad = [];
  const named = el => (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby')
                      || (el.labels && el.labels.length) || (el.getAttribute('title') || '').trim();
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!named(el)) bad.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!(el.textContent || '').trim() && !named(el) && !el.querySelector('title')) bad.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('svg')) {
    if (!el.closest('a, button') && !named(el) && el.getAttribute('aria-hidden') !== 'true') bad.push('svg ' + (el.id || ''));
  }
  for (const el of document.querySelectorAll('table')) {
    if (!el.querySelector('caption') && !named(el)) bad.push('table ' + el.className);
  }
  if (!document.documentElement.lang) bad.push('no lang');
  if (document.querySelectorAll('h1').length !== 1) bad.push('h1 count ' + document.querySelectorAll('h1').length);
  return bad;
}"""


def test_every_control_picture_and_table_on_every_page_has_a_name_a_screen_reader_can_say(
        page: Any, workbench_store: Workbench) -> None:
    pages = {"ana": ["/workbench/search", f"/workbench/person/{workbench_store.person_id}", "/workbench/alerts",
                     "/workbench/address"],
             "root": ["/workbench/review", "/workbench/audit"]}
    page.goto("/workbench/login")
    assert page.evaluate(_UNNAMED) == [], "/workbench/login"
    for user, paths in pages.items():
        browser_log_in(page, user)
        for path in paths:
            page.goto(path)
            if path.endswith("/alerts"):
                page.locator("li.hit").first.wait_for()  # computed in the background
            assert page.evaluate(_UNNAMED) == [], path
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/workbench/login")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=x><button></button>')")
    assert len(page.evaluate(_UNNAMED)) == 2  # the check sees what lacks a name
    assert page.errors == []  # type: ignore[attr-defined]
