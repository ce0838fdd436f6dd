"""Screenshots of the workbench's main pages for the README, taken in a real headless Chromium.

Builds the demo council (the one ``make demo`` builds: 2,000 residents, seed 7) in a temporary
directory, makes one user per role with generated passwords, starts ``idgraph serve`` on a free
loopback port, and walks the pages as a person would: log in, search by a half-remembered
address, open the person (timeline), expand their graph, open a waterfall, the address page,
the alerts, the review queue and the audit page. Each page is saved as a PNG here.

    .venv/bin/python docs/screenshots/shoot.py          # or: make screenshots

Everything shown is synthetic. Nothing is fetched from the internet (the pages load nothing
from it). Needs Debian's ``chromium`` (``make browser``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("IDGRAPH_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 860


def _idgraph(*args: str, stdin: str | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", "identity_graph.cli.main", *args], input=stdin,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"idgraph {' '.join(args[:3])} failed:\n{out.stderr}")
    return out.stdout


def _pick(store_path: Path) -> dict[str, str]:
    """A resident with an address history and a one-hop neighbour, a dwelling with several
    adults, and a flagged person in the review queue (read in process, before serving)."""
    from identity_graph import api

    store = api.open_store(store_path)
    try:
        links = next(iter(store.links()))
        sizes = links.groupby("person_id").size().sort_values(ascending=False, kind="stable")
        chosen: dict[str, str] = {}
        for pid in sizes.index[:400]:
            view = api.person(store, str(pid))
            g = view.golden
            if len(view.address_history) < 2 or not (g.get("given_name") and g.get("address")):
                continue
            graph = api.person_graph(store, str(pid))
            if any(n["kind"] == "person" and not n["centre"] for n in graph["nodes"]):
                chosen = {"person_id": str(pid), "address": str(g["address"]).split(",")[0],
                          "postcode": str(g.get("postcode") or "")}
                break
        if not chosen:
            raise SystemExit("the demo council has no resident with a history and a neighbour")
        return chosen
    finally:
        store.close()


def _shots(base: str, passwords: dict[str, str], picked: dict[str, str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            def session(user: str) -> Any:
                ctx = browser.new_context(base_url=base, viewport={"width": WIDTH, "height": HEIGHT})
                pg = ctx.new_page()
                pg.goto("/workbench/login")
                pg.get_by_label("User name", exact=True).fill(user)
                pg.get_by_label("Password", exact=True).fill(passwords[user])
                pg.get_by_role("button", name="Log in", exact=True).click()
                pg.wait_for_load_state()
                return pg

            def shot(pg: Any, name: str, *, full: bool = False, locator: str | None = None) -> None:
                path = out / f"{name}.png"
                if locator:
                    pg.locator(locator).first.screenshot(path=str(path))
                else:
                    pg.screenshot(path=str(path), full_page=full)
                saved.append(path)

            pg = session("ana")
            pg.get_by_label("Address", exact=True).fill(picked["address"].lower())
            pg.get_by_label("Purpose or case reference", exact=True).fill("case 2026/114")
            pg.get_by_role("button", name="Search").click()
            pg.locator("#results a[href^='/workbench/person/']").first.wait_for()
            shot(pg, "search")

            pg.goto(f"/workbench/person/{picked['person_id']}")
            shot(pg, "person")
            expand = pg.locator('#person-graph button[name="expand"]')
            if expand.count():
                expand.first.focus()
                pg.keyboard.press("Enter")
                pg.locator("#graph-note").wait_for()
                _maybe(lambda: shot(pg, "person-graph-expanded", locator="#person-graph"))
            edge = pg.locator("#person-graph table.graph-edges tbody tr")
            if edge.count():
                edge.first.get_by_role("button").click()
                pg.locator("#evidence-panel svg rect").first.wait_for()
                _maybe(lambda: shot(pg, "waterfall", locator="#evidence-panel"))
            _maybe(lambda: shot(pg, "timeline", locator="#address-timeline"))

            pg.goto("/workbench/address")
            pg.get_by_label("Postcode or address", exact=False).first.fill(picked["postcode"])
            pg.get_by_role("button", name="Show residents").click()
            pg.wait_for_load_state()
            shot(pg, "address")

            pg.goto("/workbench/alerts")
            pg.locator("li.hit").first.wait_for(timeout=60_000)  # computed in the background
            shot(pg, "alerts")

            rev = session("rev")
            rev.goto("/workbench/review")
            shot(rev, "review")

            root = session("root")
            root.goto("/workbench/audit")
            shot(root, "audit")
        finally:
            browser.close()
    return saved


def _maybe(take: Callable[[], None]) -> None:
    """A section that a page may not have (a person without a neighbour): skipped, said."""
    try:
        take()
    except Exception as e:  # noqa: BLE001 - a missing optional section must not stop the others
        print(f"skipped: {str(e).splitlines()[0]}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go (default: here)")
    args = parser.parse_args()
    from identity_graph.serve.testing import serving

    with tempfile.TemporaryDirectory(prefix="idgraph-shots-") as tmp:
        demo = Path(tmp) / "demo"
        _idgraph("demo", "--people", "2000", "--seed", "7", "--out", str(demo))
        store = demo / "demo.idgraph.db"
        passwords = {}
        for user, role in (("ana", "investigator"), ("rev", "reviewer"), ("root", "admin")):
            passwords[user] = secrets.token_urlsafe(16)
            _idgraph("--store", str(store), "users", "add", user, "--role", role, "--password-stdin",
                     stdin=passwords[user] + "\n")
        picked = _pick(store)
        with serving(store) as served:
            saved = _shots(served.base, passwords, picked, args.out)
    for path in saved:
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


if __name__ == "__main__":
    main()
