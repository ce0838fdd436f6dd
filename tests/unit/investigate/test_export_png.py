"""A person's neighbourhood as a PNG: a valid PNG file of that person's graph, drawn where the
seeded layout puts each node (the same picture as the SVG, the same bytes every time), names
drawn as typed, and a clear error naming the extra when matplotlib is not installed."""

from __future__ import annotations

import io
import stat
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from identity_graph.errors import IdentityGraphError
from identity_graph.investigate.export import (
    EXPORT_FORMATS,
    NODE_FILL,
    canvas_xy,
    layout,
    write_export,
)
from identity_graph.investigate.neighbourhood import PersonGraph
from identity_graph.investigate.png import PNG_EXTRA, graph_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _node(id_: str, kind: str, label: str, **kw: Any) -> dict[str, Any]:
    return {"id": id_, "kind": kind, "label": label, "person_id": None, "centre": False, "placeholder": False,
            "placeholder_reason": None, "holders": None, "expandable": False, **kw}


def _edge(source: str, target: str, kind: str, **kw: Any) -> dict[str, Any]:
    return {"source": source, "target": target, "kind": kind, "tier": None, "probability": None,
            "weight": None, **kw}


@pytest.fixture
def graph() -> PersonGraph:
    """Ann Dollar (whose name holds the characters matplotlib would read as maths and HTML), two
    records joined by a match edge, a phone, a switchboard placeholder, and a neighbour."""
    name = "Ann $x^2$ <script>Dollar"
    return {  # type: ignore[return-value]
        "person_id": "P0a1b2c3d4e5f", "name": name, "max_nodes": 200,
        "nodes": [
            _node("person:P0a1b2c3d4e5f", "person", name, person_id="P0a1b2c3d4e5f", centre=True),
            _node("record:council_tax:CT1", "record", "council_tax CT1", person_id="P0a1b2c3d4e5f", centre=True),
            _node("record:housing:H9", "record", "housing H9", person_id="P0a1b2c3d4e5f", centre=True),
            _node("phone:+447700900123", "phone", "+447700900123", centre=True, holders=2),
            _node("phone:+441134960000", "phone", "+441134960000", centre=True, placeholder=True,
                  placeholder_reason="a council switchboard", holders=90),
            _node("person:P9f8e7d6c5b4a", "person", "Bob Neighbour", person_id="P9f8e7d6c5b4a", expandable=True),
        ],
        "edges": [
            _edge("person:P0a1b2c3d4e5f", "record:council_tax:CT1", "has_record"),
            _edge("person:P0a1b2c3d4e5f", "record:housing:H9", "has_record"),
            _edge("record:council_tax:CT1", "record:housing:H9", "similar", tier="match", probability=0.998, weight=14.2),
            _edge("record:council_tax:CT1", "phone:+447700900123", "has"),
            _edge("record:housing:H9", "phone:+441134960000", "has"),
            _edge("person:P9f8e7d6c5b4a", "phone:+447700900123", "shares"),
        ],
        "cut": {"people": 0, "nodes": 0, "placeholder_holders": 90},
    }


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each CRC checked."""
    out, i = [], len(PNG_MAGIC)
    while i < len(png):
        (length,) = struct.unpack(">I", png[i:i + 4])
        kind, data = png[i + 4:i + 8], png[i + 8:i + 8 + length]
        (crc,) = struct.unpack(">I", png[i + 8 + length:i + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        out.append((kind, data))
        i += 12 + length
    return out


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def test_the_png_is_a_valid_png_of_the_asked_size(graph: PersonGraph) -> None:
    png = graph_png(graph, width=640, height=480)
    assert png.startswith(PNG_MAGIC)
    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == (640, 480)
    assert Image.open(io.BytesIO(png)).size == (640, 480)


def test_the_png_says_whose_neighbourhood_it_is(graph: PersonGraph) -> None:
    texts = dict(d.split(b"\0", 1) for k, d in _chunks(graph_png(graph)) if k == b"tEXt")
    title = texts[b"Title"].decode("latin-1")
    assert "P0a1b2c3d4e5f" in title and "Ann $x^2$ <script>Dollar" in title and "6 nodes" in title
    assert b"90 people behind placeholders" in texts[b"Description"]


def test_each_node_is_drawn_where_the_seeded_layout_puts_it_in_its_kinds_colour(graph: PersonGraph) -> None:
    width, height = 900, 700
    image = Image.open(io.BytesIO(graph_png(graph, width=width, height=height))).convert("RGB")
    pos = layout(graph)
    for node in graph["nodes"]:
        x, y = canvas_xy(pos[node["id"]], width, height)
        assert image.getpixel((round(x), round(y))) == _rgb(NODE_FILL[node["kind"]]), node["id"]
    assert image.getpixel((width - 2, height - 2)) == (255, 255, 255)  # a white background


def test_the_same_graph_gives_the_same_bytes_and_another_graph_other_bytes(graph: PersonGraph) -> None:
    assert layout(graph) == layout(graph)
    first = graph_png(graph)
    assert graph_png(graph) == first
    graph["edges"].pop()  # Bob no longer shares the phone: the layout moves
    assert graph_png(graph) != first


def test_png_is_an_export_format_written_owner_only(graph: PersonGraph, tmp_path: Path) -> None:
    assert "png" in EXPORT_FORMATS
    path = write_export(graph, "PNG", tmp_path / "new" / "p.png")
    assert path.read_bytes() == graph_png(graph)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_without_matplotlib_the_error_names_the_extra_and_no_file_is_written(
    graph: PersonGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import matplotlib` sees when absent
    with pytest.raises(IdentityGraphError, match=rf"pip install 'identity-graph\[{PNG_EXTRA}\]'"):
        write_export(graph, "png", tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()
