"""The same walk through the workbench over the Neo4j store: log in, find a resident by a
half-remembered address, open them and
see the address timeline, expand a neighbour in the person's graph and open a waterfall
(``test_browser_graph.graph_walk``), keep two records apart from the review queue with one keystroke and
see the person split, an investigator refused the audit page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Workbench, browser_log_in, browser_page, prepare_store, serving
from test_browser_graph import graph_walk
from test_graph_page import neighbour_to_expand

from identity_graph.store.contract import Store
from identity_graph.store.neo4j.store import Neo4jStore
from identity_graph.store.neo4j.testing import Neo4jForTests, wipe
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport


@pytest.mark.neo4j
def test_the_workbench_walk_over_the_neo4j_store(
        chromium: Any, neo4j_server: Neo4jForTests, small_council: SynthSummary,
        load_council: Callable[[Store, SynthSummary, Path], list[LoadReport]], tmp_path: Path) -> None:
    wipe(neo4j_server)
    store = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        wb = Workbench(path=tmp_path, **prepare_store(store, small_council, tmp_path, load_council))
        centre, other = neighbour_to_expand(store, wb.person_id, with_edges=True)
    finally:
        store.close()
    env = {"NEO4J_USER": neo4j_server.user, "NEO4J_PASSWORD": neo4j_server.password}
    with serving(neo4j_server.uri, env) as served, browser_page(chromium, served.base) as page:
        browser_log_in(page, "ana")
        page.get_by_label("Address", exact=True).fill(wb.address_typed)  # half-remembered
        page.get_by_role("button", name="Search").click()
        page.locator(f'#results a[href="/workbench/person/{wb.person_id}"]').click()
        page.wait_for_url(f"**/workbench/person/{wb.person_id}")
        assert page.locator("#address-timeline svg rect.bar").count() >= 2
        assert page.locator("#person-graph svg circle").count() >= 3
        graph_walk(page, centre, other)
        response = page.goto("/workbench/audit")
        assert response is not None and response.status == 403
        page.errors.clear()  # type: ignore[attr-defined]  # the console's note of that 403
        page.get_by_role("button", name="Log out").click()

        browser_log_in(page, "rev")
        item = page.locator("[data-review-item]").filter(has_text=wb.split_item).first
        item.get_by_label("Reason", exact=True).fill("two people")
        item.get_by_label("Reason", exact=True).press("Alt+k")
        page.locator(".notice").wait_for()
        assert "split" in page.locator(".notice").inner_text()
        page.get_by_role("button", name="Log out").click()

        browser_log_in(page, "root")
        a, b = wb.split_pair
        page.goto(f"/workbench/person/{a}")
        records = page.locator("article.record h4").all_inner_texts()
        assert a in records and b not in records
        assert page.errors == []  # type: ignore[attr-defined]
