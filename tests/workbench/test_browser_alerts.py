"""Alerts in a real headless Chromium, on both stores: an investigator logs in, opens the alerts
from the header, reads the adults-over-discount rule, follows its first hit to the household's
address page and sees the residents the alert named there; while the alerts are computed the
page says so and htmx brings them in when they are ready."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from conftest import Workbench, browser_log_in, browser_page, prepare_store, serving

from identity_graph.serve import create_app
from identity_graph.store.contract import Store
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport
from identity_graph.workbench.pages import alerts as alerts_page


def follow_the_discount_alert_to_the_household(page: Any) -> None:
    """From the search page (just logged in as an investigator): alerts -> the first
    adults-over-discount hit -> its address page, whose residents include everyone it named."""
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url("**/workbench/alerts")
    rule = page.locator("#rule-adults-over-discount")
    rule.wait_for(timeout=60_000)  # computed in the background; the page polls until it is ready
    assert "single_person_discount" in rule.locator(".rule-description").inner_text()
    assert "adults allowed" in rule.locator("dl.parameters").inner_text()
    hit = rule.locator("li.hit").first
    assert "single_person_discount for" in hit.locator(".explanation").inner_text()
    people = hit.locator("ul.people a")
    named = {str(people.nth(i).get_attribute("href")): people.nth(i).inner_text() for i in range(people.count())}
    assert len(named) >= 2  # more adults than the discount allows
    subject = hit.locator(".subject").inner_text().removeprefix("address ")
    hit.get_by_role("button", name=f"Who lived at {subject}").click()
    page.wait_for_url("**/workbench/address")  # a POST: the address is not in the URL
    assert page.url.endswith("/workbench/address")
    main = page.locator("main")
    assert main.locator("section.card h2").count() >= 1
    residents = main.locator("section.card tbody a")
    shown = {str(residents.nth(i).get_attribute("href")): residents.nth(i).inner_text()
             for i in range(residents.count())}
    assert named.items() <= shown.items(), (named, shown)
    assert page.errors == []  # type: ignore[attr-defined]  # no script or CSP error


def test_an_investigator_follows_the_discount_alert_to_the_households_residents(
        page: Any, workbench_store: Workbench) -> None:
    browser_log_in(page, "ana")
    follow_the_discount_alert_to_the_household(page)


@pytest.mark.neo4j
def test_an_investigator_follows_the_discount_alert_to_the_households_residents_on_neo4j(
        chromium: Any, neo4j_server: Neo4jForTests, small_council: SynthSummary,
        load_council: Callable[[Store, SynthSummary, Path], list[LoadReport]], tmp_path: Path) -> None:
    wipe(neo4j_server)
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        prepare_store(store, small_council, tmp_path, load_council)
    finally:
        store.close()
    env = {"NEO4J_USER": neo4j_server.user, "NEO4J_PASSWORD": neo4j_server.password}
    with serving(neo4j_server.uri, env) as served, browser_page(chromium, served.base) as page:
        browser_log_in(page, "ana")
        follow_the_discount_alert_to_the_household(page)


@contextmanager
def served_in_this_process(store: Path) -> Iterator[str]:
    """The service on a free loopback port, on a thread of this process (so a test can hold its
    alerts computation); its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(str(store)), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="served-in-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)


def test_while_the_alerts_are_computed_the_page_says_so_and_htmx_brings_them_in(
        chromium: Any, store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = alerts_page.run_alerts

    def held(*args: Any, **kwargs: Any) -> Any:  # the real computation, once released
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(alerts_page, "run_alerts", held)
    try:
        with served_in_this_process(store_copy) as base, browser_page(chromium, base) as page:
            browser_log_in(page, "ana")
            page.goto("/workbench/alerts")
            status = page.locator("#alerts[aria-busy=true] [role=status]")
            assert "Computing the alerts" in status.inner_text()
            page.evaluate("() => { window.__same_page = true; }")
            time.sleep(1.5)  # htmx asks again, and again: still computing
            assert page.locator("#alerts[aria-busy=true]").count() == 1
            release.set()
            page.locator("#rule-adults-over-discount li.hit").first.wait_for(timeout=30_000)
            assert page.evaluate("() => window.__same_page") is True  # swapped in: no page load
            assert page.locator("#alerts[aria-busy=true]").count() == 0
            assert "Computing the alerts" not in page.locator("main").inner_text()
            assert page.errors == []  # type: ignore[attr-defined]
    finally:
        release.set()
