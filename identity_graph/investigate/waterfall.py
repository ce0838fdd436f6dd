"""The evidence waterfall of one record pair: the prior, each field's weight (with its
term-frequency adjustment), and the total, as data and as a self-contained SVG chart.

The steps add up: ``prior + sum(step weights) == total_weight`` (a ``rule`` step carries what the
deterministic and keep-apart rules add, e.g. an NHS number in common lifting the total to +30).
Scores come from the latest model, exactly as the resolve that used it scored the pair.
"""

from __future__ import annotations

from html import escape
from typing import TypedDict

import numpy as np

from ..errors import IdentityGraphError, NotFoundError
from ..explain.explain import _latest, scored_against
from ..pipeline import prepare_frame
from ..score.model import probability
from ..store.contract import Store
from .evidence import field_words, phrase

__all__ = ["WaterfallStep", "Waterfall", "waterfall", "waterfall_svg"]


class WaterfallStep(TypedDict):
    """One bar. ``kind``: ``prior`` | ``comparison`` | ``rule`` | ``total``. ``name``: the
    comparison (or "prior", "rule", "total"); ``label``: what a person reads ("dob: same date
    of birth"); ``level``: the level label (comparisons only, else None); ``value_a`` /
    ``value_b``: the two records' values (comparisons; None when missing); ``weight``: the
    level's weight (bits); ``tf_adjustment``: the term-frequency adjustment (bits);
    ``contribution``: what the step adds to the total (weight + tf, after household vetoes and
    explained disagreements; the prior's own weight; for ``total``: the total); ``cumulative``:
    the running total after this step."""

    kind: str
    name: str
    label: str
    level: str | None
    value_a: str | None
    value_b: str | None
    weight: float
    tf_adjustment: float
    contribution: float
    cumulative: float


class Waterfall(TypedDict):
    """``steps``: prior, one per comparison with evidence (missing levels are left out unless
    ``include_missing``), an optional ``rule`` step, and ``total``. ``total_weight`` (bits) and
    ``probability`` are the pair's score; ``tier`` the stored edge's tier (None: no edge)."""

    record_a: str
    record_b: str
    steps: list[WaterfallStep]
    total_weight: float
    probability: float
    tier: str | None


def _text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    return str(v)


def waterfall(store: Store, record_a: str, record_b: str, *, include_missing: bool = False) -> Waterfall:
    """Waterfall data of a record pair (``source:source_record_id`` each) under the latest model."""
    if record_a == record_b:
        raise IdentityGraphError(f"{record_a} against itself: give two different records")
    model = _latest(store)
    recs = store.records([record_a, record_b])
    missing = {record_a, record_b} - set(recs["record_id"])
    if missing:
        raise NotFoundError(f"no record {sorted(missing)}; record ids look like council_tax:CT000123")
    compare = {k: v for s in store.sources() for k, v in s.compare.items()}
    frame, _ = prepare_frame(recs.drop(columns=["raw"]), compare)
    frame = frame.set_index("record_id").loc[[record_a, record_b]].reset_index()
    comps, levels, tf, total = scored_against(store, model, frame, np.array([0]), np.array([1]))
    contrib = model.contributions(levels, tf)[0]
    prior = float(model.prior_weight)
    steps: list[WaterfallStep] = [{
        "kind": "prior", "name": "prior", "label": "prior: how often two candidate records are one person",
        "level": None, "value_a": None, "value_b": None, "weight": prior, "tf_adjustment": 0.0,
        "contribution": prior, "cumulative": prior,
    }]
    running = prior
    for k, (c, cw) in enumerate(zip(comps, model.comparisons, strict=True)):
        lv = int(levels[0, k])
        if lv == 0 and not include_missing:
            continue
        col = c.spec.column
        add = float(contrib[k])
        running += add
        steps.append({
            "kind": "comparison", "name": cw.name,
            "label": f"{field_words(cw.name)}: {phrase(cw.kind, cw.labels[lv], cw.name)}",
            "level": cw.labels[lv],
            "value_a": _text(frame.at[0, col]) if col in frame.columns else None,
            "value_b": _text(frame.at[1, col]) if col in frame.columns else None,
            "weight": float(cw.weights()[lv]), "tf_adjustment": float(tf[0, k]),
            "contribution": add, "cumulative": running,
        })
    final = float(total[0])
    if abs(final - running) > 1e-3:
        why = ("a strong-identifier rule: the records agree on an identifier that decides"
               if final > running else "a keep-apart rule: the records conflict on an identifier that decides")
        steps.append({
            "kind": "rule", "name": "rule", "label": why, "level": None, "value_a": None, "value_b": None,
            "weight": final - running, "tf_adjustment": 0.0, "contribution": final - running, "cumulative": final,
        })
    steps.append({
        "kind": "total", "name": "total", "label": "total", "level": None, "value_a": None, "value_b": None,
        "weight": final, "tf_adjustment": 0.0, "contribution": final, "cumulative": final,
    })
    e = store.edges([record_a])
    hit = e[((e.record_a == record_a) & (e.record_b == record_b)) | ((e.record_a == record_b) & (e.record_b == record_a))]
    return {
        "record_a": record_a, "record_b": record_b, "steps": steps, "total_weight": final,
        "probability": float(probability(final)), "tier": str(hit["tier"].iloc[0]) if len(hit) else None,
    }


#: colours with at least 4.5:1 contrast on white (WCAG 2.2 AA for the text drawn in them)
_COLOURS = {"up": "#1a7f37", "down": "#b42318", "prior": "#4b5563", "rule": "#6d28d9", "total": "#1d4ed8"}


def waterfall_svg(w: Waterfall, *, width: int = 760) -> str:
    """The waterfall as one SVG document: no scripts, fonts, styles or images from elsewhere.
    Every text drawn is escaped (values come from source records). Bars run left to right
    from the running total before the step to the one after; green adds evidence, red takes it
    away; the prior grey, a rule purple, the total blue."""
    steps = w["steps"]
    row, top, label_w, value_w = 26, 54, 330, 70
    plot_w = width - label_w - value_w - 20
    height = top + row * len(steps) + 40
    starts = [s["cumulative"] - s["contribution"] if s["kind"] not in ("prior", "total") else 0.0 for s in steps]
    ends = [s["cumulative"] for s in steps]
    lo = min(0.0, *starts, *ends)
    hi = max(0.0, *starts, *ends)
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return label_w + (v - lo) / span * plot_w

    title = (f"Evidence for {w['record_a']} and {w['record_b']}: total {w['total_weight']:+.2f} bits, "
             f"match probability {w['probability']:.4f}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="wf-title" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="wf-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold" fill="#111827">{escape(title)}</text>',
        f'<text x="10" y="40" fill="#374151">{escape("weights in bits (log2 of the likelihood ratio); bars add up to the total")}</text>',
        f'<line x1="{x(0):.1f}" y1="{top - 6}" x2="{x(0):.1f}" y2="{top + row * len(steps)}" stroke="#6b7280" stroke-dasharray="3,3"/>',
    ]
    for i, (s, a, b) in enumerate(zip(steps, starts, ends, strict=True)):
        y = top + i * row
        kind = s["kind"]
        colour = _COLOURS["up" if s["contribution"] >= 0 else "down"] if kind == "comparison" else _COLOURS[kind]
        x0, x1 = sorted((x(a), x(b)))
        label = s["label"] if len(s["label"]) <= 52 else s["label"][:51] + "…"
        tip = s["label"] + (f" ({s['value_a']} / {s['value_b']})" if kind == "comparison" else "")
        out.append(f'<g><title>{escape(tip)}: {s["contribution"]:+.2f}</title>')
        out.append(f'<text x="10" y="{y + 16}" fill="#111827">{escape(label)}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1.0):.1f}" height="{row - 8}" fill="{colour}"/>')
        out.append(f'<text x="{width - value_w}" y="{y + 16}" fill="{colour}">{s["contribution"]:+.2f}</text></g>')
    out.append(f'<text x="{label_w}" y="{height - 14}" fill="#374151">{lo:+.1f}</text>')
    out.append(f'<text x="{label_w + plot_w}" y="{height - 14}" text-anchor="end" fill="#374151">{hi:+.1f}</text>')
    out.append("</svg>")
    return "\n".join(out)
