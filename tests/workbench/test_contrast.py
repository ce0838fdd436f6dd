"""The workbench's colours meet WCAG 2.2 AA contrast: text at least 4.5:1 on the background it
sits on, borders of controls and focus rings at least 3:1 (success criteria 1.4.3 and 1.4.11).
The pairs are read from the stylesheet itself, so a colour changed there is checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).parents[2] / "identity_graph" / "workbench" / "static" / "workbench.css").read_text()
VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _colour(name: str) -> str:
    return VARS[name] if not name.startswith("#") else name


#: (foreground, background, minimum): text 4.5, non-text (borders, bars, focus) 3.0
PAIRS = [
    ("ink", "paper", 4.5), ("muted", "paper", 4.5), ("link", "paper", 4.5), ("link-visited", "paper", 4.5),
    ("ok", "paper", 4.5), ("bad", "paper", 4.5), ("paper", "ink", 4.5), ("ink", "mark", 4.5),
    ("ink", "panel", 4.5), ("ink", "#fdecea", 4.5), ("ink", "#e9f5ec", 4.5), ("muted", "panel", 4.5),
    ("line", "paper", 3.0), ("bar", "paper", 3.0), ("bar-current", "paper", 3.0), ("focus", "ink", 3.0),
    ("paper", "#383838", 4.5),
]


@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS, ids=[f"{f} on {b}" for f, b, _ in PAIRS])
def test_each_colour_pair_meets_wcag_aa(fg: str, bg: str, minimum: float) -> None:
    assert contrast(_colour(fg), _colour(bg)) >= minimum


def test_the_stylesheet_loads_no_font_or_anything_else_from_elsewhere() -> None:
    assert "@import" not in CSS and "url(" not in CSS and "@font-face" not in CSS


def test_focus_is_always_visible() -> None:
    assert re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid", CSS)
