"""The person page's graph, in place: expand another person one hop out, open the evidence
waterfall of any similarity edge, and show the chain of records that joins two records of the
person (issue 13 item 2; ADR 0036).

- ``POST /graph/expand``: the graph of ``person_id`` with the people in ``expanded`` opened, plus
  ``expand`` (or less ``collapse``). Person ids travel in the form's body, never the URL. htmx
  swaps the answer (``_graph.html``) for the graph section; without JavaScript the whole person
  page comes back with the graph expanded.
- ``GET /graph/waterfall?a=&b=``: the waterfall of a record pair (chart and the same steps in a
  table, in plain words). ``GET /graph/path?a=&b=``: the strongest chain of match / possible
  edges joining two records of one person, each step with its waterfall. Record ids are internal
  ids (``source:id``), not personal data: a GET fits, and a panel can be linked to.

Every person a graph shows is audited as read (``graph_reads``): those newly drawn by an
expansion with the detail ``expanded in the graph of P…``; a waterfall or path audits the
records it shows.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from ...errors import IdentityGraphError
from ...investigate.evidence import evidence_path
from ...investigate.export import graph_svg
from ...investigate.neighbourhood import (
    MAX_EXPAND,
    MAX_NODES,
    PersonGraph,
    golden_name,
    person_graph,
    readable_address,
)
from ...investigate.waterfall import waterfall, waterfall_svg
from ...store.contract import Store
from ..guard import Investigator, Visit
from ..render import render

__all__ = ["router", "graph_context", "graph_reads", "waterfall_context", "path_context"]

router = APIRouter()

#: nodes a graph on the page draws at most (the library's cap)
GRAPH_NODES = MAX_NODES
_TIER_WORDS = {"match": "match", "possible": "possible match", "related": "related (below the possible threshold)"}


def _href(path: str, **query: str) -> str:
    from ..app import PREFIX

    return f"{PREFIX}{path}?{urlencode(query)}" if query else f"{PREFIX}{path}"


def graph_context(store: Store, person_id: str, expanded: list[str], *, note: str | None = None,
                  opened: str | None = None, collapsed: str | None = None) -> dict[str, Any]:
    """What ``_graph.html`` shows: the drawing, the other people (each with an expand or collapse
    button), the similarity edges (each with an evidence button), and what the cap cut.
    ``opened`` / ``collapsed``: the person just expanded or collapsed (said in a note)."""
    g = person_graph(store, person_id, expand=expanded, max_nodes=GRAPH_NODES)
    nodes = {n["id"]: n for n in g["nodes"]}
    names = {n["person_id"]: n["label"] for n in g["nodes"] if n["kind"] == "person"}
    drawing = graph_svg(g, person_href=lambda pid: _href(f"/person/{pid}"),
                        edge_href=lambda a, b: _href("/graph/waterfall", a=a, b=b))
    shares: dict[str, list[str]] = {}
    records: dict[str, int] = {}
    for e in g["edges"]:
        if e["kind"] == "shares":
            t = nodes[e["target"]]
            shares.setdefault(e["source"], []).append(f"{t['kind']} {t['label']}")
        elif e["kind"] == "has_record":
            records[e["source"]] = records.get(e["source"], 0) + 1
    people = [{
        "person_id": n["person_id"], "name": n["label"], "expanded": n["person_id"] in g["expanded"],
        "expandable": n["expandable"], "via": names.get(n["via"] or "", n["via"]),
        "shares": shares.get(n["id"], []), "records": records.get(n["id"], 0),
    } for n in g["nodes"] if n["kind"] == "person" and not n["centre"]]
    owner = {n["id"]: n["person_id"] for n in g["nodes"] if n["kind"] == "record"}
    edges = []
    for e in g["edges"]:
        if e["kind"] != "similar":
            continue
        a, b = e["source"].removeprefix("record:"), e["target"].removeprefix("record:")
        pa, pb = owner.get(e["source"]), owner.get(e["target"])
        edges.append({"a": a, "b": b, "tier": e["tier"], "tier_words": _TIER_WORDS.get(e["tier"] or "", e["tier"]),
                      "probability": e["probability"], "weight": e["weight"],
                      "between": None if pa == pb else f"{names.get(pa, pa)} and {names.get(pb, pb)}"})
    if note is None and opened:
        if opened in g["expanded"]:
            reached = sum(1 for n in g["nodes"] if n["kind"] == "person" and n["via"] == opened)
            note = (f"Expanded {names.get(opened, opened)}: {records.get(f'person:{opened}', 0)} records drawn, "
                    f"{reached} more {'person' if reached == 1 else 'people'} one hop out.")
        else:
            note = "That person is not one hop out in this graph: nothing was expanded."
    elif note is None and collapsed:
        note = f"Collapsed {names.get(collapsed, collapsed)}: their records are no longer drawn."
    return {"graph": g, "graph_svg": Markup(drawing), "graph_people": people, "graph_edges": edges,
            "graph_note": note, "max_expand": MAX_EXPAND}


def graph_reads(g: PersonGraph, opened: str | None = None) -> tuple[list[tuple[str | None, str | None]],
                                                                 list[tuple[str | None, str | None]]]:
    """(newly shown, shown before) when ``opened`` has just been expanded in ``g``: its records
    and the people reached through it first; then every other person drawn (the other expanded
    people with their records, the rest one hop out). The centre's own records are not listed
    (the person page audits them)."""
    last = opened if opened is not None and opened in g["expanded"] else None
    new: list[tuple[str | None, str | None]] = []
    old: list[tuple[str | None, str | None]] = []
    for n in g["nodes"]:
        if n["centre"] or n["kind"] not in ("person", "record"):
            continue
        if n["kind"] == "record":
            (new if last is not None and n["person_id"] == last else old).append(
                (n["person_id"], n["id"].removeprefix("record:")))
        elif n["person_id"] not in g["expanded"]:
            (new if last is not None and n["via"] == last else old).append((n["person_id"], None))
    return new, old


def audit_graph(visit: Visit, g: PersonGraph, opened: str | None) -> None:
    """Audit what a redrawn graph shows (``graph_reads``): the newly shown apart from the rest,
    and the centre (whose records and identifiers it draws again)."""
    new, old = graph_reads(g, opened)
    centre = g["person_id"]
    if new:
        visit.audit(new, detail=f"expanded in the graph of {centre}")
    visit.audit([(centre, None), *old], detail=f"in the graph of {centre}")


Ids = Annotated[list[str], Form(max_length=300)]


@router.post("/graph/expand", summary="Expand or collapse another person in a person's graph")
def expand(request: Request, visit: Investigator,
           person_id: Annotated[str, Form(max_length=300)],
           expanded: Ids = [],  # noqa: B006 (FastAPI copies a default)
           expand: Annotated[str, Form(max_length=300)] = "",
           collapse: Annotated[str, Form(max_length=300)] = "") -> Response:
    opened = [x for x in dict.fromkeys(expanded) if x and x != collapse]
    note = None
    if expand and expand not in opened:
        if len(opened) >= MAX_EXPAND:
            note = f"At most {MAX_EXPAND} people can be expanded in one graph: collapse one first."
        else:
            opened.append(expand)
    if not request.headers.get("hx-request"):  # no JavaScript: the whole page, expanded
        from .person import person_response

        return person_response(request, visit, person_id, opened, note=note, opened=expand or None,
                               collapsed=collapse or None)
    with visit.service.reading() as store:
        ctx = graph_context(store, person_id, opened, note=note, opened=expand or None, collapsed=collapse or None)
    audit_graph(visit, ctx["graph"], expand or None)
    return render(request, "_graph.html", ctx, visit=visit)


RecordId = Annotated[str, Query(min_length=1, max_length=300)]


def _owners(store: Store, record_ids: list[str]) -> dict[str, tuple[str | None, str]]:
    """record id -> (person id, golden name) of the person holding it."""
    pids = {r: store.person_of(r) for r in record_ids}
    goldens = store.goldens(sorted({p for p in pids.values() if p}))
    return {r: (p, golden_name(goldens.get(p)) if p else "(no person)") for r, p in pids.items()}


def _shown(name: str, value: str | None) -> str:
    """A compared value as a person reads it: an address key as an address, lists with commas."""
    if value is None:
        return ""
    if name == "address" and value.count("|") == 3:
        return readable_address(None, None, value)
    return value.replace("|", ", ")


def waterfall_context(store: Store, a: str, b: str) -> dict[str, Any]:
    """The waterfall of a record pair, its chart, and its steps with the values shown as read."""
    w = waterfall(store, a, b)
    owners = _owners(store, [a, b])
    steps = [{**s, "shown_a": _shown(s["name"], s["value_a"]), "shown_b": _shown(s["name"], s["value_b"])}
             for s in w["steps"]]
    return {"wf": w, "wf_svg": Markup(waterfall_svg(w)), "wf_steps": steps, "owners": owners,
            "tier_words": _TIER_WORDS.get(w["tier"] or "", w["tier"])}


def path_context(store: Store, a: str, b: str) -> dict[str, Any]:
    p = evidence_path(store, a, b)
    owners = _owners(store, sorted({a, b, *p["records"]}))
    steps = [{**s, "tier_words": _TIER_WORDS.get(s["tier"], s["tier"])} for s in p["steps"]]
    return {"path": p, "steps": steps, "owners": owners}


def _panel(request: Request, visit: Visit, fragment: str, ctx: dict[str, Any], title: str) -> Response:
    if request.headers.get("hx-request"):
        return render(request, fragment, ctx, visit=visit)
    return render(request, "evidence.html", {**ctx, "title": title, "fragment": fragment}, visit=visit)


def _refusal(request: Request, visit: Visit, exc: IdentityGraphError) -> Response:
    if not request.headers.get("hx-request"):
        raise exc
    return render(request, "_panel_error.html", {"message": str(exc)}, visit=visit)


@router.get("/graph/waterfall", summary="The evidence waterfall of two records")
def waterfall_panel(request: Request, visit: Investigator, a: RecordId, b: RecordId) -> Response:
    try:
        with visit.service.reading() as store:
            ctx = waterfall_context(store, a, b)
    except IdentityGraphError as exc:
        return _refusal(request, visit, exc)
    visit.audit([(ctx["owners"][r][0], r) for r in (a, b)], detail="evidence waterfall")
    return _panel(request, visit, "_waterfall.html", ctx, "Evidence waterfall")


@router.get("/graph/path", summary="How two records of one person are joined")
def path_panel(request: Request, visit: Investigator, a: RecordId, b: RecordId) -> Response:
    try:
        with visit.service.reading() as store:
            ctx = path_context(store, a, b)
    except IdentityGraphError as exc:
        return _refusal(request, visit, exc)
    visit.audit([(ctx["owners"][r][0], r) for r in ctx["owners"]], detail="evidence path")
    return _panel(request, visit, "_path.html", ctx, "How two records are joined")
