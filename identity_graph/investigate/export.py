"""A person's neighbourhood for other tools: GraphML (networkx ``write_graphml``), an SVG
picture drawn here from a seeded networkx layout (no service, no fonts or scripts from
elsewhere: one self-contained file), and the same picture as PNG (``png.py``: matplotlib, an
optional dependency in the ``notebooks`` extra, imported only when a PNG is asked for; ADR 0038).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape
from pathlib import Path

import networkx as nx

from ..errors import IdentityGraphError
from ..private_files import open_private, private_dirs
from .neighbourhood import PersonGraph

__all__ = ["to_networkx", "graphml_text", "layout", "canvas_xy", "picture_title", "graph_svg", "write_export",
           "EXPORT_FORMATS", "LAYOUT_SEED", "NODE_FILL", "TIER_STROKE"]

EXPORT_FORMATS = ("graphml", "svg", "png")
#: the layout's seed: one person's picture is the same every time
LAYOUT_SEED = 13

#: fill per node kind, and per similarity tier; text on them is drawn dark, with ≥ 4.5:1 contrast
NODE_FILL = {"person": "#bfdbfe", "record": "#e5e7eb", "name": "#fde68a", "address": "#bbf7d0",
             "phone": "#fbcfe8", "email": "#ddd6fe", "nhs": "#fed7aa", "ni": "#fed7aa", "uprn": "#a5f3fc"}
TIER_STROKE = {"match": "#1a7f37", "possible": "#b45309", "related": "#6b7280"}


def to_networkx(g: PersonGraph) -> nx.Graph:
    """The graph as a networkx Graph: node and edge attributes as in ``PersonGraph`` (a None
    left out, so each GraphML key has one type); graph attributes ``person_id``, ``name``, the cut."""
    out = nx.Graph(person_id=g["person_id"], name=g["name"], cut_people=g["cut"]["people"],
                   cut_nodes=g["cut"]["nodes"], placeholder_holders=g["cut"]["placeholder_holders"])
    for n in g["nodes"]:
        out.add_node(n["id"], **{k: v for k, v in n.items() if k != "id" and v is not None})
    for e in g["edges"]:
        out.add_edge(e["source"], e["target"], **{k: v for k, v in e.items()
                                                  if k not in ("source", "target") and v is not None})
    return out


def graphml_text(g: PersonGraph) -> str:
    buf = io.BytesIO()
    nx.write_graphml(to_networkx(g), buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def layout(g: PersonGraph) -> dict[str, tuple[float, float]]:
    """Node id -> position in [-1, 1]²: networkx's spring layout seeded with ``LAYOUT_SEED``, so
    one person's picture (SVG or PNG) is the same every time."""
    G = to_networkx(g)
    return {str(k): (float(v[0]), float(v[1])) for k, v in nx.spring_layout(G, seed=LAYOUT_SEED).items()} if len(G) else {}


#: margin of a drawing, and room kept on the right for the labels (they run right of their node)
PAD, LABEL_ROOM = 60, 220


def canvas_xy(pos: tuple[float, float], width: int, height: int) -> tuple[float, float]:
    """A layout position in pixels of a ``width`` x ``height`` picture (y down, as in SVG)."""
    x, y = pos
    return PAD + (x + 1) / 2 * (width - PAD - LABEL_ROOM), PAD + (y + 1) / 2 * (height - 2 * PAD)


def picture_title(g: PersonGraph) -> tuple[str, str]:
    """The picture's title and its note of what was not drawn."""
    cut = g["cut"]
    return (f"Neighbourhood of {g['name']} ({g['person_id']}): {len(g['nodes'])} nodes",
            f"not drawn: {cut['people']} people over the cap of {g['max_nodes']} nodes, "
            f"{cut['placeholder_holders']} people behind placeholders")


def graph_svg(g: PersonGraph, *, width: int = 900, height: int = 700,
              person_href: Callable[[str], str] | None = None,
              edge_href: Callable[[str, str], str] | None = None) -> str:
    """The neighbourhood drawn as SVG: a spring layout (seeded), similarity edges coloured by
    tier and as thick as their probability, placeholders dashed, the person asked for outlined.
    Every label is escaped (names can hold ``<script>``). ``person_href``: person id -> a link
    for each other person's node (a page shows their neighbourhood in turn). ``edge_href``:
    (record a, record b) -> a link for each similarity edge (a page shows its waterfall); the
    link is out of the tab order (``tabindex="-1"``): a page lists the edges with a button each.
    People opened in place (``g["expanded"]``) are outlined like the person asked for."""
    pos = layout(g)

    def xy(node: str) -> tuple[float, float]:
        return canvas_xy(pos[node], width, height)

    title, note = picture_title(g)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-labelledby="g-title" font-family="sans-serif" font-size="11">',
        f'<title id="g-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="18" font-size="14" font-weight="bold" fill="#111827">{escape(title)}</text>',
        f'<text x="10" y="36" fill="#374151">{escape(note)}</text>',
    ]
    for e in g["edges"]:
        (x1, y1), (x2, y2) = xy(e["source"]), xy(e["target"])
        if e["kind"] == "similar":
            stroke = TIER_STROKE.get(e["tier"] or "", "#6b7280")
            sw = 1 + 3 * float(e["probability"] or 0)
            tip = f"{e['tier']} edge, probability {float(e['probability'] or 0):.3f}, weight {float(e['weight'] or 0):+.2f}"
            line = (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                    f'stroke-width="{sw:.1f}"><title>{escape(tip)}</title></line>')
            if edge_href is not None:
                a, b = e["source"].removeprefix("record:"), e["target"].removeprefix("record:")
                hit = (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="transparent" '
                       f'stroke-width="10"><title>{escape(tip)}: show the evidence</title></line>')
                line = (f'<a href="{escape(edge_href(a, b))}" class="graph-edge" tabindex="-1" '
                        f'data-record-a="{escape(a)}" data-record-b="{escape(b)}">{line}{hit}</a>')
            out.append(line)
        else:
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#9ca3af" stroke-width="1"/>')
    for n in g["nodes"]:
        x, y = xy(n["id"])
        r = 14 if n["kind"] == "person" else 9
        fill = NODE_FILL.get(n["kind"], "#e5e7eb")
        opened = n["kind"] == "person" and (n["centre"] or n["person_id"] in g.get("expanded", []))
        stroke = "#111827" if opened else "#4b5563"
        dash = ' stroke-dasharray="3,2"' if n["placeholder"] else ""
        label = n["label"] if len(n["label"]) <= 40 else n["label"][:39] + "…"
        tip = f"{n['kind']}: {n['label']}" + (f" ({n['placeholder_reason']})" if n["placeholder"] else "")
        node = (f'<g><title>{escape(tip)}</title>'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
                f'<text x="{x + r + 3:.1f}" y="{y + 4:.1f}" fill="#111827">{escape(label)}</text></g>')
        if person_href is not None and n["kind"] == "person" and not n["centre"] and n.get("person_id"):
            node = f'<a href="{escape(person_href(str(n["person_id"])))}" class="graph-person">{node}</a>'
        out.append(node)
    out.append("</svg>")
    return "\n".join(out)


def write_export(g: PersonGraph, fmt: str, out: str | Path) -> Path:
    """Write the graph as ``graphml``, ``svg`` or ``png`` to ``out`` (folders created); returns
    the path. ``png`` needs matplotlib (the ``notebooks`` extra): without it, an error that says
    so, and nothing is written."""
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise IdentityGraphError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "png":
        from .png import graph_png

        payload: bytes | str = graph_png(g)  # before the file is opened: no matplotlib, no file
    else:
        payload = graphml_text(g) if fmt == "graphml" else graph_svg(g)
    path = Path(out)
    private_dirs(path.parent)  # names, phones and addresses: owner-only (ADR 0027)
    if isinstance(payload, bytes):
        with open_private(path, binary=True) as fb:
            fb.write(payload)
    else:
        with open_private(path, encoding="utf-8") as fh:
            fh.write(payload)
    return path
