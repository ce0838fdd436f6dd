"""Read a council service export (CSV/TSV, Excel, JSON, NDJSON, Parquet) as a stream of chunks.

Every value comes out as a Python ``str`` or ``None`` (blank cells are ``None``), with ``__row__``
holding the 1-based data row number a person would count in the file (header excluded). Rows the
reader cannot use become :class:`~identity_graph.types.Reject` records on the chunk, never
exceptions; only a file that cannot be read at all raises :class:`IngestError`.

Memory stays flat as files grow for CSV, NDJSON and Parquet. An XLSX sheet is held by calamine in
compact native cells (a few tens of bytes each) and becomes Python values row by row; workbooks
with cells calamine reads differently from openpyxl are read by openpyxl in read-only mode. A JSON
*document* is parsed whole by the standard library; export large JSON sources as NDJSON.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import itertools
import json
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from identity_graph.errors import IngestError
from identity_graph.ingest.limits import MAX_FIELD_CHARS, field_problems, id_problem
from identity_graph.ingest.mapping import FORMATS, SourceMapping, check_columns, suggest
from identity_graph.types import Reject

__all__ = ["ROW_COLUMN", "RawChunk", "read_export", "detect_format", "file_sha256"]

#: Name of the int column holding each row's 1-based data row number.
ROW_COLUMN = "__row__"
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_SNIFF_DELIMITERS = (",", "\t", ";", "|")
_BLOCK = 1 << 20
_MAX_REJECT_VALUE = 1000
_SURROGATE = re.compile("[\udc80-\udcff]")
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook?); set format = 'xlsx' or rename it .xlsx"),
    (b"PAR1", "a Parquet file; set format = 'parquet' or rename it .parquet"),
    (b"\xd0\xcf\x11\xe0", "an old binary Excel .xls file; save it from Excel as .xlsx or .csv"),
)
_EMPTY_FIX = "export the file again with a header row"


@dataclass
class RawChunk:
    """One slice of an export: values as text, plus the rows the reader had to reject.

    ``frame`` has the file's columns (object dtype: ``str`` or ``None``) and ``__row__`` (int).
    ``notes`` are remarks about the whole file (e.g. the encoding used) and are set on the first
    chunk only. ``rows_total``: the rows of the whole export, when the reader knows them before
    the end (a parsed JSON document), for a load's progress (``ingest.rowcount`` counts the others).
    """

    frame: pd.DataFrame
    rejects: list[Reject]
    columns: list[str]
    notes: list[str] = field(default_factory=list)
    rows_total: int | None = None


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def detect_format(path: str | Path, mapping: SourceMapping | None = None) -> str:
    """``mapping.format`` if set, else the format implied by the file extension."""
    if mapping is not None and mapping.format:
        return mapping.format
    suffix = Path(path).suffix.lower()
    if suffix == ".xls":
        raise IngestError(
            str(path),
            "old binary .xls workbooks are not supported",
            fix="save it from Excel as .xlsx or .csv",
        )
    if suffix not in _EXTENSIONS:
        raise IngestError(
            str(path),
            f"cannot tell the format from the extension {suffix or '(none)'!r}",
            fix=f"set format = one of {', '.join(FORMATS)} in the mapping",
        )
    return _EXTENSIONS[suffix]


def read_export(
    path: str | Path, mapping: SourceMapping, *, chunk_rows: int = 100_000
) -> Iterator[RawChunk]:
    """Stream an export as :class:`RawChunk` s of at most ``chunk_rows`` rows.

    The header is checked against the mapping (:func:`check_columns`) before the first chunk.
    At least one chunk is always yielded, so a header-only file gives one empty chunk.
    Raises :class:`IngestError` when the file cannot be read at all and
    :class:`~identity_graph.errors.MappingError` when mapped columns are missing.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    where = str(path)
    p = Path(path)
    if not p.exists():
        raise IngestError(where, "file not found", fix="check the path and the file name")
    if p.is_dir():
        raise IngestError(where, "is a directory, not a file", fix="give the export file's path")
    fmt = detect_format(p, mapping)
    if p.stat().st_size == 0:
        raise IngestError(where, "file is empty (0 bytes)", fix=_EMPTY_FIX)
    reader = {
        "csv": _read_csv,
        "xlsx": _read_xlsx,
        "json": _read_json,
        "ndjson": _read_ndjson,
        "parquet": _read_parquet,
    }[fmt]
    yield from reader(p, where, mapping, chunk_rows)


# -- shared helpers ----------------------------------------------------------------------------


def _frame(
    columns: Sequence[str], rows: list[Sequence[Any]], nums: list[int], *, blank: bool
) -> pd.DataFrame:
    """Build the chunk frame (one object block); ``blank``: empty/whitespace strings → None."""
    cells = np.empty((len(rows), len(columns)), dtype=object)
    if rows:
        cells[:] = rows
        if blank:
            flat = cells.reshape(-1)
            mask = np.fromiter((not v or v.isspace() for v in flat), dtype=bool, count=flat.size)
            flat[mask] = None
    frame = pd.DataFrame(cells, columns=list(columns), dtype=object, copy=False)
    frame[ROW_COLUMN] = np.asarray(nums, dtype=np.int64)
    return frame


class _Batcher:
    """Collects rows and rejects; emits a RawChunk every ``chunk_rows`` rows."""

    def __init__(
        self,
        columns: list[str],
        chunk_rows: int,
        notes: list[str],
        *,
        blank: bool,
        where: str = "",
        screen: bool = True,
    ):
        self.columns, self.chunk_rows, self.blank = columns, chunk_rows, blank
        self.where = where
        #: check every value against the field limits at flush (the CSV reader's C parser
        #: enforces the length itself, and asks for this only once it has seen a NUL)
        self.screen = screen
        self.rows: list[Sequence[Any]] = []
        self.nums: list[int] = []
        self.rejects: list[Reject] = []
        self.notes: list[str] | None = notes
        self.emitted = False
        self.rows_total: int | None = None

    def add(self, row: Sequence[Any], num: int) -> bool:
        self.rows.append(row)
        self.nums.append(num)
        return len(self.rows) >= self.chunk_rows

    def _screen(self) -> None:
        """Move rows holding a value past the field limits (:mod:`.limits`) to the rejects."""
        bad: dict[int, tuple[str, str]] = {}
        for j, column in enumerate(self.columns):
            found = field_problems([row[j] if j < len(row) else None for row in self.rows])
            for i, reason in found.items():
                bad.setdefault(i, (column, reason))
        if not bad:
            return
        for i in sorted(bad):
            column, reason = bad[i]
            value = self.rows[i][self.columns.index(column)]
            self.rejects.append(
                Reject(self.where, self.nums[i], column, reason, value=_clip(value))
            )
        keep = [i for i in range(len(self.rows)) if i not in bad]
        self.rows = [self.rows[i] for i in keep]
        self.nums = [self.nums[i] for i in keep]

    def flush(self) -> RawChunk:
        if self.screen and self.rows:
            self._screen()
        chunk = RawChunk(
            frame=_frame(self.columns, self.rows, self.nums, blank=self.blank),
            rejects=self.rejects,
            columns=list(self.columns),
            notes=self.notes or [],
            rows_total=self.rows_total,
        )
        self.rows, self.nums, self.rejects, self.notes = [], [], [], None
        self.emitted = True
        return chunk

    def tail(self) -> Iterator[RawChunk]:
        if self.rows or self.rejects or not self.emitted:
            yield self.flush()


def _clean_header(raw: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Strip names (and a BOM), name blank cells ``column_N``, make duplicates unique."""
    columns: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(raw):
        name = "" if cell is None else str(cell)
        if i == 0:
            name = name.lstrip("\ufeff")
        name = name.strip()
        if not name:
            name = f"column_{i + 1}"
            notes.append(f"header cell {i + 1} is blank; its column is named {name!r}")
        if name in seen or name == ROW_COLUMN:
            k = 2
            while f"{name}_{k}" in seen:
                k += 1
            notes.append(
                f"column {name!r} appears more than once; column {i + 1} is named {name}_{k!r}"
            )
            name = f"{name}_{k}"
        seen.add(name)
        columns.append(name)
    return columns, notes


def _clip(text: str) -> str:
    text = _printable(text[: _MAX_REJECT_VALUE * 2])
    return text if len(text) <= _MAX_REJECT_VALUE else text[: _MAX_REJECT_VALUE - 1] + "…"


def _printable(text: str) -> str:
    """``text`` with NUL shown as ``\\x00`` (a rejects file holds text, not binary)."""
    return text.replace("\x00", "\\x00")


def _to_text(value: Any) -> str | None:
    """One cell as text: whole numbers without '.0', dates ISO, booleans 'true'/'false'."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if not value or value.isspace() else value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        text = repr(value)
        if "e" in text:  # 1.2345678901234567e+19: the digits as a spreadsheet shows them
            return format(Decimal(text), "f")
        return text
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        try:
            return _to_text(value.decode("utf-8"))
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str) if value else None
    if isinstance(value, list | tuple):
        return _join(value)
    return str(value)


def _join(values: Sequence[Any]) -> str | None:
    """Lists of scalars joined with '|'; lists holding objects or lists kept as JSON."""
    if any(isinstance(v, dict | list | tuple) for v in values):
        return json.dumps(list(values), ensure_ascii=False, default=str)
    parts = [t for t in map(_to_text, values) if t is not None]
    return "|".join(parts) if parts else None


# -- encodings ---------------------------------------------------------------------------------


def _first_bad_byte(path: Path, encoding: str) -> int | None:
    """Byte offset of the first byte ``encoding`` cannot decode, or None if the file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return max(0, offset + exc.start - len(decoder.getstate()[0]))
            if not block:
                return None
            offset += len(block)


def _is_utf8(head: bytes) -> bool:
    """True if ``head`` (possibly cut mid-character) is UTF-8 text."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when ``head`` is UTF-16 text written without a byte-order
    mark: text that is mostly ASCII has a 0 in the high byte of nearly every character, so
    nearly every other byte is 0 and the bytes between are not (ADR 0029)."""
    sample = head[:8192]
    sample = sample[: len(sample) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high >= 0.7 * pairs and low <= 0.05 * pairs:
            try:
                codecs.getincrementaldecoder(codec)().decode(sample, final=False)
            except UnicodeDecodeError:
                return None
            return codec
    return None


def _guess_encoding(path: Path) -> str | None:
    for candidate in ("utf-8", "cp1252"):
        if _first_bad_byte(path, candidate) is None:
            return candidate
    return None


def _text_encoding(path: Path, where: str, mapping: SourceMapping) -> tuple[str, list[str]]:
    """The codec to read a text export with, and notes about the choice."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and mapping.encoding == "auto":
        return "utf-16", [
            "file is UTF-16 (it starts with a UTF-16 byte-order mark); read as utf-16"
        ]
    codec = "auto" if mapping.encoding == "auto" else codecs.lookup(mapping.encoding).name
    what = next((hint for magic, hint in _MAGIC if head.startswith(magic)), None)
    wide = codec.startswith(("utf-16", "utf-32"))
    utf16 = _utf16_without_bom(head) if b"\x00" in head and not what and not wide else None
    if utf16 and codec == "auto":
        return utf16, [
            f"file is {utf16.upper()} without a byte-order mark (every other byte is 0); read as "
            f"{utf16}; set encoding = '{utf16}' in the mapping to silence this"
        ]
    if utf16:
        raise IngestError(
            where,
            f"is {utf16.upper()} text without a byte-order mark (every other byte is 0), not "
            f"{mapping.encoding}",
            fix=f"set encoding = '{utf16}' (or 'auto') in the mapping, or save the file as UTF-8",
        )
    if b"\x00" in head and not wide and (what or not _is_utf8(head)):
        raise IngestError(
            where,
            "is a binary file, not delimited or JSON text"
            + (f": it looks like {what}" if what else ""),
            fix="check that this is the right file; export it again as CSV" if not what else None,
        )
    if codec != "auto":
        return ("utf-8-sig" if codec == "utf-8" else mapping.encoding), []
    bad = _first_bad_byte(path, "utf-8")
    if bad is None:
        return "utf-8-sig", []
    if _first_bad_byte(path, "cp1252") is None:
        return "cp1252", [
            f"file is not UTF-8; read as cp1252 (first non-UTF-8 byte at offset {bad}); "
            "set encoding in the mapping to silence this"
        ]
    raise IngestError(
        where,
        f"file is neither UTF-8 nor cp1252 text (first non-UTF-8 byte at offset {bad})",
        fix="find out the export's character set and set encoding = '<codec>' in the mapping, "
        "e.g. 'latin-1'",
    )


def _decode_error(
    where: str,
    encoding: str,
    exc: UnicodeDecodeError,
    row: int | None,
    column: str | None,
    path: Path,
) -> IngestError:
    guess = _guess_encoding(path)
    if guess and codecs.lookup(guess).name != codecs.lookup(encoding).name:
        fix = f"set encoding = '{guess}' in the mapping (or 'auto' to detect it)"
    else:
        fix = "set encoding = 'cp1252' in the mapping, or the export's real character set"
    return IngestError(
        where,
        f"bytes are not valid {encoding} ({exc.reason}, byte {exc.object[exc.start : exc.end]!r})"
        + (" in the header" if row is None and column is not None else ""),
        row=row,
        column=column,
        fix=fix,
    )


# -- CSV ---------------------------------------------------------------------------------------


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    lines = [line for line in sample.splitlines() if line.strip()]
    header = (
        re.sub(r'"[^"]*"', "", lines[0]) if lines else ""
    )  # delimiters inside quotes don't count
    counts = {d: header.count(d) for d in _SNIFF_DELIMITERS}
    best = max(_SNIFF_DELIMITERS, key=lambda d: counts[d])  # ties: earlier in the tuple wins
    if counts[best]:
        return best
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def _csv_reader(fh: Any, delimiter: str, mapping: SourceMapping, *, strict: bool) -> Any:
    return csv.reader(
        fh, delimiter=delimiter, skipinitialspace=mapping.skip_initial_space, strict=strict
    )


def _locate_csv_bad_bytes(
    path: Path, encoding: str, delimiter: str, mapping: SourceMapping, columns: list[str]
) -> tuple[int | None, str | None]:
    """(data row, column) of the first undecodable byte; row None when it is in the header."""
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = _csv_reader(fh, delimiter, mapping, strict=False)
        row = -1  # the header is row 0 here
        for rec in reader:
            if row == -1 and not any(c.strip() for c in rec):
                continue
            row += 1
            if row == 0 and not columns:
                # the decoder failed before the header was known: take it from here
                columns = _clean_header(rec)[0]
            for i, cell in enumerate(rec):
                if _SURROGATE.search(cell):
                    if row == 0:
                        return None, cell.strip() or f"column_{i + 1}"
                    return row, columns[i] if i < len(columns) else f"column_{i + 1}"
    return None, None


class _GcPause:
    """Pauses the cyclic garbage collector while a chunk of rows is built, and only then.

    Rows are lists, which the collector tracks: building 100,000 of them sets off collections
    that scan every row built so far, a third of a clean CSV load's time. Rows hold only strings,
    so no cycle is left unfreed; the collector runs again before each chunk is handed over.
    """

    def __init__(self) -> None:
        self.paused = False

    def pause(self) -> None:
        if gc.isenabled():
            gc.disable()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            gc.enable()
            self.paused = False


class _Runaway(Exception):
    """A CSV record still open after the mapping's ``max_record_lines`` lines."""


class _Lines:
    """A text file's lines for ``csv.reader``, read a block (1 MiB) at a time (ADR 0029).

    The lines from the first line of the record in progress on are kept, so that reading can
    start again on the line after a bad one. The reading loop moves that line on: it sets
    ``done`` to the reader's ``line_num`` after every record. A record still open after
    ``max_lines`` lines raises :class:`_Runaway` when the next block is needed.
    """

    def __init__(self, fh: Any, max_lines: int):
        self.fh = fh
        self.max_lines = max_lines
        self.buf: list[str] = []
        self.first = 1  # file line number of buf[0]
        self.base = 0  # file line number just before the current feed's first line
        self.done = 0  # reader.line_num after the current feed's last complete record
        self.nul = False  # a NUL character has been read (rows are then screened for it)

    def feed(self, line: int) -> Iterator[str]:
        """The file's lines from line ``line`` (1-based, as an editor numbers them) on."""
        self.base, self.done = line - 1, 0
        while True:
            i = line - self.first
            if i < len(self.buf):
                yield from (self.buf if i == 0 else itertools.islice(self.buf, i, None))
                line = self.first + len(self.buf)
            start = self.base + self.done + 1  # the first line of the record in progress
            if line - start >= self.max_lines:
                raise _Runaway
            block = self.fh.readlines(_BLOCK)
            if not block:
                return
            if not self.nul and "\x00" in "".join(block):
                self.nul = True
            self.buf = self.buf[start - self.first :] + block  # start <= line: nothing skipped
            self.first = start

    def text(self, line: int) -> str:
        """Line ``line`` without its line break (it must be a kept line)."""
        return self.buf[line - self.first].rstrip("\r\n")


def _read_csv(
    path: Path, where: str, mapping: SourceMapping, chunk_rows: int
) -> Iterator[RawChunk]:
    encoding, notes = _text_encoding(path, where, mapping)
    csv.field_size_limit(MAX_FIELD_CHARS)
    delimiter = mapping.delimiter or _sniff_delimiter(path, encoding)
    columns: list[str] = []
    try:
        with open(path, encoding=encoding, errors="strict", newline="") as fh:
            src = _Lines(fh, mapping.max_record_lines)
            reader = _csv_reader(src.feed(1), delimiter, mapping, strict=True)
            header: list[str] | None = None
            try:
                for rec in reader:
                    if any(c.strip() for c in rec):
                        header = rec
                        break
            except (csv.Error, _Runaway) as exc:
                raise IngestError(
                    where,
                    f"the header row cannot be parsed ({exc or 'a quote is never closed'})",
                    fix=_EMPTY_FIX,
                ) from None
            if header is None:
                raise IngestError(where, "file is empty: there is no header row", fix=_EMPTY_FIX)
            columns, header_notes = _clean_header(header)
            notes += header_notes
            check_columns(mapping, columns, where)
            csv_rows = _CsvRows(src, where, columns, delimiter, mapping)
            yield from csv_rows.chunks(reader.line_num + 1, chunk_rows, notes)
    except UnicodeDecodeError as exc:
        row, column = _locate_csv_bad_bytes(path, encoding, delimiter, mapping, columns)
        raise _decode_error(where, encoding, exc, row, column, path) from None


class _CsvRows:
    """The data rows of a CSV file, a chunk at a time; a bad line costs only itself (ADR 0029).

    Records are read by ``csv.reader`` (in C). A record on one line with the header's field count
    takes the fast path. Anything else is looked at closely: a record whose quoted value spans
    line breaks is accepted only if it spans at most ``max_record_lines`` lines, has the header's
    field count, and none of its continuation lines would be a record of the file on its own;
    otherwise -- and on any CSV error -- the line the record starts on is rejected (with its line
    number and, when it can be read, its record id) and reading starts again on the next line.
    """

    def __init__(
        self, src: _Lines, where: str, columns: list[str], delimiter: str, mapping: SourceMapping
    ):
        self.src, self.where, self.columns, self.delimiter = src, where, columns, delimiter
        self.mapping = mapping
        self.width = len(columns)
        self.id_at = columns.index(mapping.id_column) if mapping.id_column in columns else None

    def chunks(self, line: int, chunk_rows: int, notes: list[str]) -> Iterator[RawChunk]:
        """Chunks of the rows from file line ``line`` (the one after the header) on."""
        src, width = self.src, self.width
        batch = _Batcher(
            self.columns, chunk_rows, notes, blank=True, where=self.where, screen=False
        )
        n = 0  # data row number: records, rejected lines and blank lines, as counted so far
        gc_pause = _GcPause()  # the rows are lists: the collector would scan them over and over
        gc_pause.pause()
        try:
            while line:
                reader = _csv_reader(src.feed(line), self.delimiter, self.mapping, strict=True)
                base, last, line = line - 1, 0, 0
                try:
                    rows, nums = batch.rows, batch.nums
                    for rec in reader:
                        ln = reader.line_num
                        n += 1
                        if ln - last != 1 or len(rec) != width:  # the careful path
                            if ln - last == 1:
                                if rec:  # (an empty line is skipped, but counted)
                                    batch.rejects.append(self._ragged(n, base + ln, rec))
                                last = src.done = ln
                                continue
                            reason = self._spanning(base + last + 1, base + ln, rec)
                            if reason:
                                batch.rejects.append(self._reject(n, base + last + 1, reason))
                                line = base + last + 2
                                break
                        rows.append(rec)
                        nums.append(n)
                        if len(rows) >= chunk_rows:
                            batch.screen = src.nul
                            chunk = batch.flush()
                            gc_pause.resume()
                            yield chunk
                            gc_pause.pause()
                            rows, nums = batch.rows, batch.nums
                        last = src.done = ln
                except csv.Error as exc:
                    n += 1
                    start = base + last + 1
                    reason = self._error(exc, start, base + reader.line_num)
                    batch.rejects.append(self._reject(n, start, reason, self._too_long(exc, start)))
                    line = start + 1
                except _Runaway:
                    n += 1
                    start = base + last + 1
                    batch.rejects.append(self._reject(n, start, self._too_many_lines(start)))
                    line = start + 1
            batch.screen = src.nul
            tail = list(batch.tail())
        finally:
            gc_pause.resume()
        yield from tail

    # -- the careful path ----------------------------------------------------------------------

    def _alone(self, text: str, *, literal: bool = False) -> list[str]:
        """The fields of one line parsed on its own: leniently (it may hold half a quote), or
        with its quotes read as plain characters; [] if even that fails (a value too long)."""
        reader = csv.reader(
            [text],
            delimiter=self.delimiter,
            quoting=csv.QUOTE_NONE if literal else csv.QUOTE_MINIMAL,
            skipinitialspace=self.mapping.skip_initial_space,
        )
        try:
            return next(reader, [])
        except csv.Error:
            return []

    def _record_like(self, text: str) -> bool:
        """True if continuation line ``text`` looks like a record of its own: read with its
        quotes as plain characters it has the header's field count, and a delimiter comes
        before its first quote. (The line that closes a value left open holds the value's tail,
        the quote, then the record's remaining fields: a delimiter before the quote means the
        "tail" is fields of another record, as when a stray quote opens a value on one line and
        another stray quote closes it on the next.)"""
        quote = text.find('"')
        if quote >= 0 and self.delimiter not in text[:quote]:
            return False
        return len(self._alone(text, literal=True)) == self.width

    def _spanning(self, first: int, end: int, rec: list[str]) -> str | None:
        """Why a record spanning lines ``first``..``end`` is not to be trusted, or None."""
        lines = end - first + 1
        if lines > self.mapping.max_record_lines:
            return self._too_many_lines(first)
        if len(rec) != self.width:
            return (
                f"a quoted value opened on line {first} runs on to line {end}, and the record "
                f"then has {len(rec)} fields, not the header's {self.width}; "
                + _CLOSE_THE_QUOTE
            )
        if self.width > 1:
            for k in range(first + 1, end + 1):
                if self._record_like(self.src.text(k)):
                    return (
                        f"a quoted value opened on line {first} runs on into line {k}, which "
                        "looks like a record of its own (it has the header's field count); "
                        + _CLOSE_THE_QUOTE
                    )
        return None

    def _too_many_lines(self, first: int) -> str:
        cap = self.mapping.max_record_lines
        return (
            f"a quoted value opened on line {first} is still open {cap} lines later "
            f"(max_record_lines = {cap} in the mapping); " + _CLOSE_THE_QUOTE
        )

    def _error(self, exc: csv.Error, first: int, end: int) -> str:
        text = str(exc)
        if "field larger than field limit" in text:
            if end == first:
                return (
                    f"a value is longer than {MAX_FIELD_CHARS:,} characters, the limit for any "
                    "field; is the wrong column exported?"
                )
            return (
                f"a quoted value opened on line {first} is still open after "
                f"{MAX_FIELD_CHARS:,} characters (line {end}); " + _CLOSE_THE_QUOTE
            )
        if "unexpected end of data" in text:
            return "a quoted value opened on this line is never closed; " + _CLOSE_THE_QUOTE
        if end == first:
            return f'line cannot be parsed as CSV ({text}); a stray quote (")?'
        return (
            f"a quoted value opened on line {first} closes on line {end}, where the line cannot "
            f"be parsed ({text}); " + _CLOSE_THE_QUOTE
        )

    def _record_id(self, fields: list[str], text: str | None = None) -> str | None:
        """The record id in ``fields``; when a quote left open there ran into the next fields,
        the id as read from ``text`` with its quotes taken as plain characters."""
        if self.id_at is None:
            return None
        value = fields[self.id_at] if self.id_at < len(fields) else ""
        if text is not None and (self.delimiter in value or "\n" in value or "\r" in value):
            literal = self._alone(text, literal=True)
            value = literal[self.id_at].strip('"') if self.id_at < len(literal) else ""
        value = value.strip()
        return value if value and id_problem(value) is None else None

    def _too_long(self, exc: csv.Error, line: int) -> str | None:
        """The column whose value on line ``line`` is past the field limit, if that is the error
        (the one line is parsed again with the limit lifted, then the limit is put back)."""
        if "field larger than field limit" not in str(exc):
            return None
        previous = csv.field_size_limit(2**31 - 1)
        try:
            fields = self._alone(self.src.text(line))
        finally:
            csv.field_size_limit(previous)
        at = next((i for i, v in enumerate(fields) if len(v) > MAX_FIELD_CHARS), None)
        if at is None:
            return None
        return self.columns[at] if at < len(self.columns) else f"column_{at + 1}"

    def _reject(self, n: int, line: int, reason: str, column: str | None = None) -> Reject:
        text = self.src.text(line)
        head = text[: 2 * MAX_FIELD_CHARS // 3]  # enough for the id, never past the field limit
        return Reject(
            self.where,
            n,
            column,
            reason,
            value=_clip(text),
            line=line,
            record_id=self._record_id(self._alone(head), head),
        )

    def _ragged(self, n: int, line: int, rec: list[str]) -> Reject:
        width, delimiter = self.width, self.delimiter
        reason = f"row has {len(rec)} fields but the header has {width}"
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            reason += " (the extra fields are empty: a trailing delimiter?)"
        elif len(rec) > width:
            reason += f" (an unquoted {delimiter!r} inside a value?)"
        else:
            reason += " (a missing delimiter, or a line break inside an unquoted value?)"
        return Reject(
            self.where,
            n,
            None,
            reason,
            value=_clip(delimiter.join(rec)),
            line=line,
            record_id=self._record_id(rec),
        )


_CLOSE_THE_QUOTE = (
    "this line is rejected and reading goes on from the next line; close the quote (\") or "
    'write a quote inside a value as two ("")'
)


# -- XLSX --------------------------------------------------------------------------------------


def _xlsx_not_readable(where: str, exc: BaseException) -> IngestError:
    return IngestError(
        where,
        f"is not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
        fix="open it in Excel and save it again as .xlsx (or export CSV)",
    )


def _pick_sheet(names: list[str], mapping: SourceMapping, where: str) -> str:
    if mapping.sheet is None:
        return names[0]
    if mapping.sheet not in names:
        hit = suggest(mapping.sheet, names)
        raise IngestError(
            where,
            f"sheet {mapping.sheet!r} not found; the workbook has sheets: "
            + ", ".join(repr(s) for s in names),
            fix=f"set sheet = {(hit or names)[0]!r} in the mapping",
        )
    return mapping.sheet


def _calamine_rows(path: Path, where: str, mapping: SourceMapping) -> Iterator[Sequence[Any]]:
    """The sheet's rows from cell A1 as openpyxl (read-only, values only) gives them: empty cells
    ``None``, leading empty rows and columns kept, so row numbers and column positions are the
    sheet's. calamine (Rust) parses the sheet about 10x faster than openpyxl's XML reader; it
    holds the sheet's cells in compact native form and the rows become Python values one by one.
    """
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(_pick_sheet(list(wb.sheet_names), mapping, where))
    start = sheet.start
    if start is None:  # no cells at all
        return
    first_row, first_col = start
    for _ in range(first_row):
        yield ()
    pad = [None] * first_col
    for row in sheet.iter_rows():
        yield pad + [None if v == "" and isinstance(v, str) else v for v in row]


def _openpyxl_rows(path: Path, where: str, mapping: SourceMapping) -> Iterator[Sequence[Any]]:
    """The same rows read by openpyxl (read-only, cached values): the fallback for a workbook
    calamine cannot read, and the reference its values are tested against."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise _xlsx_not_readable(where, exc) from None
    try:
        ws = wb[_pick_sheet(wb.sheetnames, mapping, where)]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # stored dimensions are often wrong; read to the real end
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a date cell out of range: read as an error value
            yield from ws.iter_rows(values_only=True)
    finally:
        wb.close()


#: cells calamine reads differently from openpyxl: error values (``#N/A``: openpyxl keeps the text,
#: calamine gives an empty cell), ISO-dated cells (``t="d"``) and integers of 16+ digits (openpyxl
#: keeps them exact as int, calamine gives a float). Each pattern starts with a literal, so the
#: search runs at memchr speed (a 24 MB sheet in ~0.05 s).
_CALAMINE_DIFFERS = tuple(
    re.compile(p) for p in (rb't="[ed]"', rb"t='[ed]'", rb"<v>-?\d{16,}</v>", rb"\ts=", rb"\ns=", rb"\rs=", rb"s='")
)  # the last four: attributes written unusually, which the styled-cell pattern below would miss
#: a numeric cell of one of the styles ``{ids}``: its value
_STYLED_CELL = rb' s="(?:{ids})"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]*)</v>'
#: serials openpyxl and calamine turn into the same date: Excel's range (to 9999-12-31), without
#: the 1900 leap day Lotus invented (serial 60)
_SAFE_SERIALS = ((0.0, 60.0), (61.0, 2958466.0))


def _date_styles(zf: zipfile.ZipFile) -> set[int] | None:
    """Style ids openpyxl reads as dates or durations (its own rule), or None when the workbook
    uses the 1904 calendar or has no stylesheet (left to openpyxl)."""
    from xml.etree.ElementTree import fromstring

    from openpyxl.styles.stylesheet import Stylesheet

    names = set(zf.namelist())
    if "xl/styles.xml" not in names or "xl/workbook.xml" not in names:
        return None
    if re.search(rb'date1904="(?:1|true)"', zf.read("xl/workbook.xml")):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = Stylesheet.from_tree(fromstring(zf.read("xl/styles.xml")))
    return set(sheet.date_formats) | set(sheet.timedelta_formats)


def _dates_in_range(block: bytes, cells: re.Pattern[bytes] | None) -> bool:
    """True if every date-styled value in ``block`` is a serial both readers convert alike (a
    text cell's shared-string index is checked too: at worst openpyxl reads a workbook calamine
    could have)."""
    if cells is None:
        return True
    for raw in cells.findall(block):
        try:
            v = float(raw)
        except ValueError:
            return False
        if not (_SAFE_SERIALS[0][0] <= v < _SAFE_SERIALS[0][1] or _SAFE_SERIALS[1][0] <= v < _SAFE_SERIALS[1][1]):
            return False
    return True


def _differs(block: bytes, cells: re.Pattern[bytes] | None) -> bool:
    return any(p.search(block) for p in _CALAMINE_DIFFERS) or not _dates_in_range(block, cells)


def _calamine_reads_it_as_openpyxl(path: Path) -> bool:
    """False when any worksheet holds a cell calamine would read differently from openpyxl (a
    streamed scan of the sheets' XML, regular expressions in C; ~0.1 s for 24 MB)."""
    try:
        with zipfile.ZipFile(path) as zf:
            styles = _date_styles(zf)
            if styles is None:
                return False
            cells = None
            if styles:
                ids = b"|".join(str(i).encode() for i in sorted(styles))
                cells = re.compile(_STYLED_CELL.replace(b"{ids}", ids))
            for name in zf.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                carry = b""
                with zf.open(name) as fh:
                    while block := fh.read(_BLOCK):
                        block = carry + block
                        cut = block.rfind(b"</c>") + 4  # whole cells only; the rest waits
                        if cut < 4:
                            carry = block
                            continue
                        whole, carry = block[:cut], block[cut:]
                        if _differs(whole, cells):
                            return False
                if carry and _differs(carry, cells):
                    return False
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, SyntaxError):
        return False  # openpyxl reports what is wrong with it
    return True


def _sheet_rows(path: Path, where: str, mapping: SourceMapping) -> Iterator[Sequence[Any]]:
    """The sheet's rows, read by calamine unless the workbook holds cells it reads differently
    from openpyxl (then openpyxl reads it all). If calamine fails part-way (a cell it cannot
    convert), the rest comes from openpyxl, starting at the row calamine stopped at."""
    if not _calamine_reads_it_as_openpyxl(path):
        yield from _openpyxl_rows(path, where, mapping)
        return
    done = 0
    rows: Iterator[Sequence[Any]] = _calamine_rows(path, where, mapping)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except IngestError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - calamine raises CalamineError, or panics (a BaseException)
            rows = _openpyxl_rows(path, where, mapping)
            for _ in range(done):
                next(rows, None)
            yield from rows
            return
        done += 1
        yield row


def _read_xlsx(
    path: Path, where: str, mapping: SourceMapping, chunk_rows: int
) -> Iterator[RawChunk]:
    if not zipfile.is_zipfile(path):
        raise _xlsx_not_readable(where, zipfile.BadZipFile("File is not a zip file"))
    notes: list[str] = []
    rows = _sheet_rows(path, where, mapping)
    header_at = 0
    header: list[Any] | None = None
    for values in rows:
        header_at += 1
        if any(_to_text(v) is not None for v in values):
            header = list(values)
            break
    if header is None:
        raise IngestError(where, "workbook sheet is empty: there is no header row", fix=_EMPTY_FIX)
    while header and _to_text(header[-1]) is None:
        header.pop()
    columns, header_notes = _clean_header([_to_text(v) for v in header])
    notes += header_notes
    check_columns(mapping, columns, where)
    width = len(columns)
    batch = _Batcher(columns, chunk_rows, notes, blank=False, where=where)
    for sheet_row, values in enumerate(rows, header_at + 1):
        cells = [_to_text(v) for v in values]
        if not any(c is not None for c in cells):
            continue
        n = sheet_row - header_at
        if len(cells) > width:
            extra = [c for c in cells[width:] if c is not None]
            if extra:
                while cells[-1] is None:  # up to the last value, however far the cells reach
                    cells.pop()
                batch.rejects.append(
                    Reject(
                        where,
                        n,
                        None,
                        f"row has values beyond the last header column ({width} columns); "
                        "give those columns a header or delete the values",
                        value=_clip(" | ".join(c or "" for c in cells)),
                    )
                )
                continue
            cells = cells[:width]
        elif len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        if batch.add(cells, n):
            yield batch.flush()
    yield from batch.tail()


# -- JSON / NDJSON -----------------------------------------------------------------------------


def _flatten(
    obj: dict[str, Any], prefix: str = "", out: dict[str, str | None] | None = None
) -> dict[str, str | None]:
    """Nested objects become dotted keys ("address.line1"); values become text."""
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        else:
            out[ROW_COLUMN + "_source" if name == ROW_COLUMN else name] = _to_text(value)
    return out


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _records_from_document(
    data: Any, where: str, record_path: str | None
) -> tuple[list[Any], list[str]]:
    if isinstance(data, list):
        if record_path:
            raise IngestError(
                where,
                f"record_path = {record_path!r} is set but the document is a list, not an object",
                fix="remove record_path from the mapping",
            )
        return data, []
    if not isinstance(data, dict):
        raise IngestError(
            where,
            f"the JSON document is {_kind(data)}, not a list of records",
            fix="export a list of objects, or an object holding one (set record_path)",
        )
    if record_path:
        node: Any = data
        walked: list[str] = []
        for part in record_path.split("."):
            if not isinstance(node, dict) or part not in node:
                keys = list(node) if isinstance(node, dict) else []
                hit = suggest(part, keys)
                at = ".".join(walked) or "the top level"
                raise IngestError(
                    where,
                    f"record_path {record_path!r}: no key {part!r} at {at}; keys there: "
                    + (", ".join(repr(k) for k in keys[:30]) or "(none)"),
                    fix=(f"did you mean {hit[0]!r}? " if hit else "")
                    + "fix record_path in the mapping",
                )
            node = node[part]
            walked.append(part)
        if not isinstance(node, list):
            raise IngestError(
                where,
                f"record_path {record_path!r} holds {_kind(node)}, not a list of records",
                fix="point record_path at the list of objects",
            )
        return node, []
    lists = [k for k, v in data.items() if isinstance(v, list)]
    if len(lists) == 1:
        return data[lists[0]], [f"records read from the list under key {lists[0]!r}"]
    if not lists:
        raise IngestError(
            where,
            "the JSON document is an object with no list of records in it",
            fix="set record_path = 'dotted.key' in the mapping to the list of objects",
        )
    raise IngestError(
        where,
        "the JSON object has several lists: " + ", ".join(repr(k) for k in lists),
        fix=f"set record_path = {lists[0]!r} (or another) in the mapping",
    )


def _not_object(where: str, n: int, item: Any, what: str) -> Reject:
    return Reject(
        where,
        n,
        None,
        f"{what} is {_kind(item)}, not a JSON object",
        value=_clip(json.dumps(item, ensure_ascii=False, default=str)),
    )


def _emit_records(
    records: Iterable[tuple[int, Any]],
    where: str,
    columns: list[str],
    chunk_rows: int,
    notes: list[str],
    what: str,
    rows_total: int | None = None,
) -> Iterator[RawChunk]:
    batch = _Batcher(columns, chunk_rows, notes, blank=False, where=where)
    batch.rows_total = rows_total
    for n, item in records:
        if isinstance(item, Reject):
            batch.rejects.append(item)
        elif not isinstance(item, dict):
            batch.rejects.append(_not_object(where, n, item, what))
        else:
            flat = _flatten(item)
            if batch.add([flat.get(c) for c in columns], n):
                yield batch.flush()
    yield from batch.tail()


def _columns_of(records: Iterable[tuple[int, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for _, item in records:
        if isinstance(item, dict):
            seen.update(dict.fromkeys(_flatten(item)))
    return list(seen)


def _read_json(
    path: Path, where: str, mapping: SourceMapping, chunk_rows: int
) -> Iterator[RawChunk]:
    encoding, notes = _text_encoding(path, where, mapping)
    try:
        with open(path, encoding=encoding) as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise _decode_error(where, encoding, exc, None, None, path) from None
    except json.JSONDecodeError as exc:
        raise IngestError(
            where,
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            fix="fix the document there, or export it again",
        ) from None
    except RecursionError:
        raise IngestError(
            where, "JSON nesting is too deep to read", fix="flatten the export"
        ) from None
    items, found = _records_from_document(data, where, mapping.record_path)
    notes += found
    del data

    def numbered() -> Iterator[tuple[int, Any]]:
        return enumerate(items, 1)

    columns = _columns_of(numbered())
    if columns:  # no objects at all: nothing to check, and no rows to read
        check_columns(mapping, columns, where)
    yield from _emit_records(numbered(), where, columns, chunk_rows, notes, "item", rows_total=len(items))


def _ndjson_lines(
    path: Path, where: str, encoding: str, *, rejects: bool
) -> Iterator[tuple[int, Any]]:
    with open(path, encoding=encoding) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                if rejects:
                    yield (
                        n,
                        Reject(
                            where,
                            n,
                            None,
                            f"line is not valid JSON ({exc.msg} at column {exc.colno})",
                            value=_clip(line.rstrip("\r\n")),
                        ),
                    )
                continue
            except RecursionError:
                if rejects:
                    yield n, Reject(where, n, None, "line is nested too deeply to read")
                continue
            yield n, obj


def _locate_line(path: Path, encoding: str) -> int | None:
    with open(path, encoding=encoding, errors="surrogateescape") as fh:
        for n, line in enumerate(fh, 1):
            if _SURROGATE.search(line):
                return n
    return None


def _read_ndjson(
    path: Path, where: str, mapping: SourceMapping, chunk_rows: int
) -> Iterator[RawChunk]:
    encoding, notes = _text_encoding(path, where, mapping)
    try:
        # Two streamed passes: the first finds every key (objects may omit keys), the second reads.
        lines = 0
        seen: dict[str, None] = {}
        for _, item in _ndjson_lines(path, where, encoding, rejects=False):
            lines += 1
            if isinstance(item, dict):
                seen.update(dict.fromkeys(_flatten(item)))
        if not lines:
            with open(path, encoding=encoding) as fh:
                if not any(line.strip() for line in fh):
                    raise IngestError(where, "file is empty: no JSON lines", fix=_EMPTY_FIX)
        columns = list(seen)
        if columns:  # no objects at all: nothing to check, and no rows to read
            check_columns(mapping, columns, where)
        yield from _emit_records(
            _ndjson_lines(path, where, encoding, rejects=True),
            where,
            columns,
            chunk_rows,
            notes,
            "line",
        )
    except UnicodeDecodeError as exc:
        line = _locate_line(path, encoding)
        raise _decode_error(where, encoding, exc, line, None, path) from None


# -- Parquet -----------------------------------------------------------------------------------


def _flat_table(table: Any) -> Any:
    import pyarrow as pa

    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _read_parquet(
    path: Path, where: str, mapping: SourceMapping, chunk_rows: int
) -> Iterator[RawChunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fix = "export the Parquet file again; it is damaged or not Parquet"
    try:
        pf = pq.ParquetFile(path)
        columns = _flat_table(pf.schema_arrow.empty_table()).column_names
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise IngestError(where, f"is not a readable Parquet file ({exc})", fix=fix) from None
    columns, notes = _clean_header(columns)
    check_columns(mapping, columns, where)
    batch = _Batcher(columns, chunk_rows, notes, blank=False, where=where)
    n = 0
    try:
        for record_batch in pf.iter_batches(batch_size=chunk_rows):
            table = _flat_table(pa.Table.from_batches([record_batch]))
            cols = [
                [_to_text(v) for v in table.column(i).to_pylist()] for i in range(table.num_columns)
            ]
            for row in zip(*cols, strict=True):
                n += 1
                if batch.add(row, n):
                    yield batch.flush()
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(
            where, f"Parquet data cannot be read after row {n} ({exc})", fix=fix
        ) from None
    yield from batch.tail()
