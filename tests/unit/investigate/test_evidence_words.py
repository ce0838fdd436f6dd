"""Evidence in plain words: every level of every comparison kind reads as a phrase, and a waterfall
chart is one self-contained, escaped SVG document."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from identity_graph.compare.library import KINDS
from identity_graph.investigate.evidence import LEVEL_PHRASES, field_words, phrase
from identity_graph.investigate.waterfall import Waterfall, waterfall_svg
from identity_graph.settings import COMPARISON_KINDS


def test_every_label_of_every_comparison_kind_has_a_phrase() -> None:
    missing = [(kind, label) for kind, cls in KINDS.items() for label in cls.labels
               if label not in LEVEL_PHRASES.get(kind, {})]
    assert missing == []


def test_the_table_names_only_kinds_and_labels_that_exist() -> None:
    assert set(LEVEL_PHRASES) == set(KINDS) == set(COMPARISON_KINDS)
    for kind, phrases in LEVEL_PHRASES.items():
        assert set(phrases) == set(KINDS[kind].labels), kind


@pytest.mark.parametrize(("kind", "label"), [(k, lab) for k, c in KINDS.items() for lab in c.labels])
def test_no_phrase_shows_a_raw_level_name(kind: str, label: str) -> None:
    text = phrase(kind, label, "vehicle_reg")
    assert ">=" not in text and "{" not in text and text.strip() == text and text


def test_phrases_read_as_an_investigator_would_say_them() -> None:
    assert phrase("given_name", "jw>=0.92") == "given names nearly identical (Jaro-Winkler 0.92 or more)"
    assert phrase("dob", "exact") == "same date of birth"
    assert phrase("dob", "one digit") == "dates of birth differ by one digit"
    assert phrase("exact", "exact", "nhs_number") == "same NHS number"
    assert phrase("fuzzy", "jw>=0.90", "x_vehicle_reg") == "vehicle reg nearly identical (Jaro-Winkler 0.90 or more)"


def test_an_unknown_level_is_shown_as_itself_rather_than_hidden() -> None:
    assert phrase("dob", "a level from a newer model") == "a level from a newer model"
    assert field_words("x_vehicle_reg") == "vehicle reg"


def _waterfall(label: str) -> Waterfall:
    steps = [
        {"kind": "prior", "name": "prior", "label": "prior", "level": None, "value_a": None, "value_b": None,
         "weight": -10.0, "tf_adjustment": 0.0, "contribution": -10.0, "cumulative": -10.0},
        {"kind": "comparison", "name": "given_name", "label": label, "level": "exact", "value_a": "<b>x</b>",
         "value_b": "x", "weight": 6.0, "tf_adjustment": 0.5, "contribution": 6.5, "cumulative": -3.5},
        {"kind": "total", "name": "total", "label": "total", "level": None, "value_a": None, "value_b": None,
         "weight": -3.5, "tf_adjustment": 0.0, "contribution": -3.5, "cumulative": -3.5},
    ]
    return {"record_a": "a:1", "record_b": "b:<2>", "steps": steps, "total_weight": -3.5,
            "probability": 0.08, "tier": None}  # type: ignore[typeddict-item]


def test_a_waterfall_chart_is_one_escaped_self_contained_svg() -> None:
    svg = waterfall_svg(_waterfall("given name: <script>alert(1)</script>"))
    root = ET.fromstring(svg)  # well-formed: every value escaped
    assert root.tag.endswith("svg")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "href" not in svg and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    bars = [e for e in root.iter() if e.tag.endswith("rect")]
    assert len(bars) == 1 + 3  # the background and one bar per step
