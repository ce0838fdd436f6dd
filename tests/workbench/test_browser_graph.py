"""The person page's graph in a real headless Chromium, against ``idgraph serve`` as a process:
an investigator opens a person, sees the graph's nodes, expands a neighbour from the keyboard
(the graph redrawn in place, the focus on what changed), opens the waterfall of a similarity
edge (its bars drawn) from its button and from the drawn edge, and asks how two records are
joined. ``graph_walk`` is the same walk over the Neo4j store (``test_browser_neo4j.py``)."""

from __future__ import annotations

from typing import Any

from conftest import Workbench, browser_log_in
from test_graph_page import neighbour_to_expand

from identity_graph import api


def graph_walk(page: Any, centre: str, other: str) -> None:
    """Open ``centre``'s page, expand ``other`` by keyboard, open a waterfall; as ana."""
    page.goto(f"/workbench/person/{centre}")
    graph = page.locator("#person-graph")
    before = graph.locator("svg circle").count()
    assert before >= 3  # the person, a record, an identifier at least: nodes in the DOM
    assert graph.locator(f'svg a.graph-person[href="/workbench/person/{other}"]').count() == 1
    page.evaluate("() => { window.__same_page = true; }")
    expand = graph.locator(f'button[name="expand"][value="{other}"]')
    expand.focus()
    page.keyboard.press("Enter")  # a keyboard-usable control, not only a click on the drawing
    page.locator("#graph-note").wait_for()
    assert page.evaluate("() => window.__same_page") is True  # swapped in place: no page load
    assert page.evaluate("() => document.activeElement.id") == "graph-note"  # the focus on what changed
    assert "Expanded" in page.locator("#graph-note").inner_text()
    assert graph.locator("svg circle").count() > before
    assert graph.locator(f'button[name="collapse"][value="{other}"]').count() == 1
    assert graph.locator(f'input[name="expanded"][value="{other}"]').count() == 1

    edges = graph.locator("table.graph-edges tbody tr")
    assert edges.count() >= 1
    edges.first.get_by_role("button").click()
    panel = page.locator("#evidence-panel")
    panel.locator("svg rect").first.wait_for()
    assert panel.locator("svg rect").count() >= 3  # the ground, the prior, a field, the total
    rows = panel.locator("table.waterfall-steps tbody tr")
    assert rows.first.inner_text().startswith("Prior") and rows.last.inner_text().startswith("Total")
    assert page.evaluate("() => document.activeElement.id") == "wf-h"

    page.evaluate("() => { document.getElementById('evidence-panel').innerHTML = ''; }")
    drawn = graph.locator("svg a.graph-edge").last  # the drawn edge opens its waterfall too
    wanted = f"Evidence for {drawn.get_attribute('data-record-a')} and {drawn.get_attribute('data-record-b')}"
    drawn.dispatch_event("click")
    panel.locator("svg rect").first.wait_for()
    assert panel.locator("h3").inner_text() == wanted
    assert page.evaluate("() => window.__same_page") is True
    assert page.errors == []  # type: ignore[attr-defined]  # no script or CSP error


def test_an_investigator_expands_a_neighbour_and_opens_a_waterfall(page: Any, workbench_store: Workbench) -> None:
    with api.open_store(workbench_store.path) as store:
        centre, other = neighbour_to_expand(store, workbench_store.person_id, with_edges=True)
    browser_log_in(page, "ana")
    graph_walk(page, centre, other)


def test_an_investigator_asks_how_two_records_of_a_person_are_joined(page: Any, workbench_store: Workbench) -> None:
    from test_graph_page import joined_without_an_edge

    with api.open_store(workbench_store.path) as store:
        person, a, b = joined_without_an_edge(store)
    browser_log_in(page, "ana")
    page.goto(f"/workbench/person/{person}")
    page.get_by_label("First record", exact=True).select_option(a)
    page.get_by_label("Second record", exact=True).select_option(b)
    page.get_by_role("button", name="How are these two records joined?").click()
    steps = page.locator("#evidence-panel ol.path-steps li")
    steps.first.wait_for()
    assert steps.count() >= 2 and "No edge joins them directly" in page.locator("#evidence-panel").inner_text()
    steps.first.get_by_role("button").click()  # each step opens its waterfall
    page.locator("#evidence-panel svg rect").first.wait_for()
    assert page.errors == []  # type: ignore[attr-defined]
