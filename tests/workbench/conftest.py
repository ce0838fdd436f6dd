"""Fixtures for the workbench: a resolved small council with keys and users of each role, one
resident whose name holds ``<script>``, the app in-process, ``idgraph serve`` as a process, and
a real headless Chromium (Debian's ``chromium``, driven by Playwright's Python package)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from identity_graph import api
from identity_graph.access import add_key
from identity_graph.access.users import add_user
from identity_graph.serve import create_app
from identity_graph.serve.testing import Served, serving
from identity_graph.store.contract import Store
from identity_graph.synth import SynthSummary
from identity_graph.types import LoadReport

CHROMIUM = os.environ.get("IDGRAPH_CHROMIUM", "/usr/bin/chromium")
#: user name -> (role, password)
USERS = {"ana": ("investigator", "ana-password-123"), "rev": ("reviewer", "rev-password-123"),
         "root": ("admin", "root-password-123")}
KEYS = {"inv-key": "investigator", "rev-key": "reviewer", "admin-key": "admin", "desk-key": "match"}
#: the email address given to one web-accounts resident (standardised emails keep markup; names
#: lose it): the pages must show it as text and never run it
EVIL_EMAIL = "eve<script>window.__xss=1</script>@example.com"


@dataclass(frozen=True)
class Workbench:
    """A resolved store file (copied by each test), its keys, and people to look for."""

    path: Path
    keys: dict[str, str]  # key name -> raw key
    person_id: str  # a person with several records and an address history
    search: dict[str, str]  # name and dob of that person, as a clerk would type them
    address_typed: str  # their address half-remembered ("14 hyde park rd")
    evil_person: str  # the person holding the <script> record
    split_item: str  # a flagged person in the review queue, held together by its deciding pair
    split_pair: tuple[str, str]


def _inject_evil_email(store: Store) -> str:
    """Give one web-accounts record an email address holding markup (as a service could post it)."""
    mapping = json.loads(next(s for s in store.sources() if s.source == "web_accounts").mapping_json)
    frame = store.records_frame()
    rid = str(frame.loc[frame["source"] == "web_accounts", "record_id"].iloc[0])
    raw = json.loads(str(store.records([rid]).iloc[0]["raw"]))
    raw[mapping["fields"]["email"]] = EVIL_EMAIL
    api.load_records(store, "web_accounts", [raw])
    assert EVIL_EMAIL in str(store.records([rid]).iloc[0]["emails"])
    return rid


#: street types as people shorten them when they half-remember an address
_SHORT = {"street": "st", "road": "rd", "avenue": "ave", "drive": "dr", "lane": "ln"}


def half_remembered(address: str) -> str:
    """An address as a person half-remembers it: the house (and flat) and street only, in lower
    case, the street's type shortened ("14 Hyde Park Road, Leeds LS6 1AB" -> "14 hyde park rd")."""
    parts = [p.strip() for p in address.split(",")]
    first = ", ".join(parts[:2]) if parts[0].lower().startswith("flat") else parts[0]
    words = first.lower().split()
    return " ".join(words[:-1] + [_SHORT.get(words[-1], words[-1])])


def prepare_store(store: Store, council: SynthSummary, root: Path,
                  load_council: Callable[[Store, SynthSummary, Path], list[LoadReport]]) -> dict[str, Any]:
    """Load, resolve, make keys and users; returns what the tests look for."""
    load_council(store, council, root)
    evil_record = _inject_evil_email(store)
    api.resolve(store)
    keys = {name: add_key(store, name, role)[1] for name, role in KEYS.items()}
    for name, (role, password) in USERS.items():
        add_user(store, name, role, password)
    links = next(iter(store.links()))
    sizes = links.groupby("person_id").size().sort_values(ascending=False, kind="stable")
    person_id = ""
    for pid in sizes.index:
        view = api.person(store, str(pid))
        g = view.golden
        if len(view.address_history) >= 2 and g.get("given_name") and g.get("family_name") and g.get("dob"):
            person_id = str(pid)
            break
    g = api.person(store, person_id).golden
    items = [i for i in api.review_queue(store, None, ("person",)) if i.side == "inside" and i.pair]
    assert items, "the small council has no flagged person held together by its deciding pair"
    return {"keys": keys, "person_id": person_id,
            "search": {"full_name": f"{g['given_name']} {g['family_name']}", "dob": str(g["dob"])},
            "address_typed": half_remembered(str(g["address"])),
            "evil_person": str(store.person_of(evil_record)), "split_item": items[0].item,
            "split_pair": tuple(items[0].pair)}


@pytest.fixture(scope="session")
def workbench_store(small_council: SynthSummary, load_council: Callable[[Store, SynthSummary, Path], list[LoadReport]],
                    tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    root = tmp_path_factory.mktemp("workbench")
    path = root / "council.idgraph.db"
    store = api.open_store(path, create=True)
    try:
        found = prepare_store(store, small_council, root, load_council)
    finally:
        store.close()
    return Workbench(path=path, **found)


@pytest.fixture
def store_copy(workbench_store: Workbench, tmp_path: Path) -> Path:
    dest = tmp_path / "copy.idgraph.db"
    shutil.copyfile(workbench_store.path, dest)
    return dest


@pytest.fixture
def client(store_copy: Path) -> Iterator[TestClient]:
    """The service (API and workbench) in-process, over a copy of the store."""
    with TestClient(create_app(str(store_copy)), follow_redirects=False) as c:
        yield c


_HIDDEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    m = _HIDDEN.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def log_in(client: TestClient, *, user: str | None = None, key: str | None = None) -> str:
    """Log the client in (a user from ``USERS`` or a raw key); returns the session's CSRF token."""
    page = client.get("/workbench/login")
    form = {"csrf_token": csrf_of(page.text)}
    if user is not None:
        form |= {"username": user, "password": USERS[user][1]}
    else:
        form |= {"api_key": key or ""}
    r = client.post("/workbench/login", data=form)
    assert r.status_code == 303, r.text
    landing = client.get(r.headers["location"])
    assert landing.status_code == 200, landing.text
    return csrf_of(landing.text)




@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A real headless Chromium (Debian's package; ``make browser`` installs it). Never skipped:
    without it these tests fail, saying how to install it."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), (
        f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install -y chromium) or set IDGRAPH_CHROMIUM")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def served(store_copy: Path) -> Iterator[Served]:
    with serving(str(store_copy)) as s:
        yield s


@pytest.fixture
def page(chromium: Any, served: Served) -> Iterator[Any]:
    """A fresh browser context (no cookies) with one page, on the embedded store's service."""
    with browser_page(chromium, served.base) as pg:
        yield pg


@contextmanager
def browser_page(chromium: Any, base: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) with one page; console errors (CSP refusals
    included) are collected in ``page.errors``."""
    context = chromium.new_context(base_url=base)
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()


def browser_log_in(pg: Any, user: str) -> None:
    """Log in through the login page, by keyboard-free form filling as a person would."""
    pg.goto("/workbench/login")
    pg.get_by_label("User name", exact=True).fill(user)
    pg.get_by_label("Password", exact=True).fill(USERS[user][1])
    pg.get_by_role("button", name="Log in", exact=True).click()
    pg.wait_for_load_state()
