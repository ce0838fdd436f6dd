"""How many rows an export holds, known before it is parsed: the total a load's progress shows
(ADR 0039).

:func:`export_digest` reads the file's bytes once for its SHA-256, as a load does anyway, and
counts its records in the same pass: the line breaks outside double quotes of a CSV (a quoted
value may hold line breaks), the line breaks of an NDJSON file. A Parquet file's footer says its
row count, an XLSX sheet its ``<dimension>`` (or its ``<row>`` tags are counted as it inflates); a JSON document's count is known once it is
parsed (the reader puts it on its chunks: ``RawChunk.rows_total``). Each count is an estimate (a
blank line counts; a stray quote makes the CSV count fall back to the line count); the load's
last progress call gives the real one. Estimating never fails a load: a file it cannot count
has no estimate (None).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import numpy as np

from identity_graph.ingest.mapping import SourceMapping

__all__ = ["export_digest", "LineBreaks"]

_BLOCK = 1 << 20
_QUOTE, _NEWLINE = ord('"'), ord("\n")


class LineBreaks:
    """Counts the records of a text export from its bytes, a block at a time.

    ``quoted``: a line break between double quotes is inside a value, not the end of a record
    (quotes escaped by doubling, as CSV does, keep the count right). Byte counts hold for UTF-8,
    the single-byte encodings and (as an estimate) UTF-16."""

    def __init__(self, *, quoted: bool):
        self.quoted = quoted
        self.lines = 0  # every line break
        self.breaks = 0  # those outside quotes
        self.inside = False
        self.last = b""

    def feed(self, block: bytes) -> None:
        if not block:
            return
        self.last = block[-1:]
        lines = block.count(b"\n")
        self.lines += lines
        if not self.quoted:
            return
        quotes = block.count(b'"')
        if not quotes:
            self.breaks += 0 if self.inside else lines
            return
        data = np.frombuffer(block, dtype=np.uint8)
        before = np.cumsum(data == _QUOTE, dtype=np.int32)  # quotes up to and including each byte
        at = np.flatnonzero(data == _NEWLINE)
        self.breaks += int(np.count_nonzero(((before[at] + self.inside) & 1) == 0))
        self.inside = bool((quotes + self.inside) & 1)

    def records(self, header: int = 0) -> int:
        """Records after ``header`` leading records; all lines if the quotes never balance (a
        stray quote: the quoted count would be far too low)."""
        n = self.breaks if self.quoted and not self.inside else self.lines
        if self.last not in (b"", b"\n"):  # a last line without its line break
            n += 1
        return max(n - header, 0)


def export_digest(path: str | Path, mapping: SourceMapping) -> tuple[str, int | None]:
    """(hex SHA-256 of the file's bytes, the data rows it holds or None when not known yet)."""
    from identity_graph.ingest.readers import detect_format

    path = Path(path)
    try:
        fmt: str | None = detect_format(path, mapping)
    except Exception:  # noqa: BLE001 - the reader reports a bad format; the estimate has none
        fmt = None
    counter = LineBreaks(quoted=fmt == "csv") if fmt in ("csv", "ndjson") else None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            if counter is not None:
                counter.feed(block)
    rows: int | None = None
    try:
        if counter is not None:
            rows = counter.records(header=1 if fmt == "csv" else 0)
        elif fmt == "parquet":
            rows = _parquet_rows(path)
        elif fmt == "xlsx":
            rows = _xlsx_rows(path, mapping)
    except Exception:  # noqa: BLE001 - a file the reader will reject: it says why, not the estimate
        rows = None
    return digest.hexdigest(), rows


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_TARGET = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _xlsx_rows(path: Path, mapping: SourceMapping) -> int | None:
    """The data rows of the mapping's sheet from its ``<dimension>`` (the last row used, less the
    header row), read from the first few kilobytes of the sheet's XML; None without one."""
    from html import unescape

    with zipfile.ZipFile(path) as zf:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        sheets = [(m[0] or m[3], m[1] or m[2]) for m in _SHEET.findall(book)]
        if not sheets:
            return None
        wanted = mapping.sheet
        rid = next((r for name, r in sheets if wanted is None or unescape(name.decode()) == wanted), None)
        target = next(((t or t2) for i, t, t2, i2 in _TARGET.findall(rels) if (i or i2) == rid), None)
        if rid is None or target is None:
            return None
        name = target.decode().lstrip("/")
        name = name if name.startswith("xl/") else f"xl/{name}"
        with zf.open(name) as fh:
            head = fh.read(8192)
            found = _DIMENSION.search(head)
            if found:
                return max(int(found.group(1)) - 1, 0)
            # no <dimension> (openpyxl's write-only mode leaves it out): count the <row> tags as
            # the sheet inflates, at zlib's speed (a small part of what parsing it costs)
            rows, tail, block = 0, b"", head
            while block:
                text = tail + block
                rows += text.count(b"<row ") + text.count(b"<row>")
                tail = text[-4:]  # a tag split between two blocks is counted with the next one
                block = fh.read(_BLOCK)
    return max(rows - 1, 0)
