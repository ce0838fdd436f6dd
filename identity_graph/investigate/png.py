"""A person's neighbourhood as a PNG picture: the SVG's drawing (``export.graph_svg``) on
matplotlib's Agg raster canvas, same seeded layout, same colours, same pixel coordinates.

matplotlib is an optional dependency (the ``notebooks`` extra, ADR 0038), imported here only
when a PNG is drawn; without it :func:`graph_png` raises an ``IdentityGraphError`` that names
the extra. No pyplot: a ``Figure`` on its own canvas touches no global state and opens no window.
Labels are drawn as plain text (no mathtext: a name holding ``$`` is drawn as typed). The PNG's
``Title`` and ``Description`` text chunks say whose neighbourhood it is and what was cut.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from ..errors import IdentityGraphError
from .export import NODE_FILL, TIER_STROKE, canvas_xy, layout, picture_title
from .neighbourhood import PersonGraph

__all__ = ["graph_png", "PNG_EXTRA", "PNG_DPI"]

#: the extra that brings matplotlib
PNG_EXTRA = "notebooks"
#: dots per inch of the PNG: ``width`` x ``height`` are pixels whatever the dpi
PNG_DPI = 100

_INK, _GREY_INK, _EDGE_GREY, _NODE_STROKE, _CENTRE_STROKE = "#111827", "#374151", "#9ca3af", "#4b5563", "#111827"


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise IdentityGraphError(
            f"a PNG needs matplotlib, which is not installed: pip install 'identity-graph[{PNG_EXTRA}]' "
            "(or pip install matplotlib); --format svg or graphml need nothing more"
        ) from exc
    return Figure, FigureCanvasAgg


def graph_png(g: PersonGraph, *, width: int = 900, height: int = 700) -> bytes:
    """The neighbourhood drawn as a ``width`` x ``height`` PNG (bytes): similarity edges coloured
    by tier and as thick as their probability, placeholders dashed, the person asked for
    outlined, people drawn above the identifiers they share. The same graph gives the same bytes."""
    Figure, FigureCanvasAgg = _matplotlib()
    pos = layout(g)
    xy = {node: canvas_xy(p, width, height) for node, p in pos.items()}
    title, note = picture_title(g)
    fig = Figure(figsize=(width / PNG_DPI, height / PNG_DPI), dpi=PNG_DPI, facecolor="#ffffff")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y down, as in the SVG: the same pixel coordinates
    ax.set_axis_off()
    pt = 72 / PNG_DPI  # points per pixel: sizes below are the SVG's, in pixels
    text: dict[str, Any] = {"parse_math": False, "color": _INK, "family": "DejaVu Sans"}
    ax.text(10, 18, title, fontsize=14 * pt, fontweight="bold", va="baseline", **text)
    ax.text(10, 36, note, fontsize=11 * pt, va="baseline", **{**text, "color": _GREY_INK})
    for e in g["edges"]:
        (x1, y1), (x2, y2) = xy[e["source"]], xy[e["target"]]
        if e["kind"] == "similar":
            stroke, sw = TIER_STROKE.get(e["tier"] or "", "#6b7280"), 1 + 3 * float(e["probability"] or 0)
        else:
            stroke, sw = _EDGE_GREY, 1.0
        ax.plot([x1, x2], [y1, y2], color=stroke, linewidth=sw * pt, zorder=1, solid_capstyle="butt")
    from matplotlib.patches import Circle

    for n in g["nodes"]:
        x, y = xy[n["id"]]
        r = 14 if n["kind"] == "person" else 9
        centre = n["centre"] and n["kind"] == "person"
        ax.add_patch(Circle(
            (x, y), r, facecolor=NODE_FILL.get(n["kind"], "#e5e7eb"),
            edgecolor=_CENTRE_STROKE if centre else _NODE_STROKE, linewidth=1.5 * pt,
            linestyle=(0, (3, 2)) if n["placeholder"] else "solid",
            zorder=4 if centre else 3 if n["kind"] == "person" else 2,
        ))
        label = n["label"] if len(n["label"]) <= 40 else n["label"][:39] + "…"
        ax.text(x + r + 3, y + 4, label, fontsize=11 * pt, va="baseline", zorder=5, **text)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # a name in a script DejaVu Sans lacks is drawn with boxes, not refused
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buf, format="png", dpi=PNG_DPI, facecolor="#ffffff",
                    metadata={"Title": title, "Description": note})
    return buf.getvalue()
