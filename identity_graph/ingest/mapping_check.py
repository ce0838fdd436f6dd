"""Is the mapping right? Per mapped field, how many rows hold a value (fill) and how many of
those values survive validation (validity); a field that loses too many is a warning that names
the field, the column, the share lost and what to do (ADR 0030).

The same tallies serve a load (``LoadReport.fields`` and ``.warnings``) and a preview,
:func:`check_mapping` (``idgraph mapping check``), which standardises the export exactly as a
load would but writes nothing.

>>> t = FieldTallies(SourceMapping.from_dict({"source": "s", "id": "ID", "fields": {"postcode": "PC"}}))
>>> from identity_graph.standardise.record import FieldTally
>>> t.add({"postcode": FieldTally(10, 1, ["4223", "2615", "3070"])}, rows=10)
>>> [w.looks_like for w in t.warnings()]
['4-digit postcodes (Australia, New Zealand, Denmark, ...)']
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from identity_graph.ingest.mapping import SourceMapping, load_mapping
from identity_graph.ingest.profile import ColumnProfile, postcode_shape, profile
from identity_graph.types import FieldFill, MappingWarning

if TYPE_CHECKING:
    from identity_graph.standardise.record import FieldTally

__all__ = ["LOSS_WARNING", "FieldTallies", "MappingCheck", "check_mapping", "field_warnings"]

#: a mapped field that loses more than this share of its non-empty values is a warning
LOSS_WARNING = 0.20
#: lost values kept per field across a whole export, to say what they look like
_SAMPLE_CAP = 400

#: what a valid value of each canonical field is, for the advice
_WHAT: dict[str, str] = {
    "postcode": "UK postcodes",
    "dob": "dates of birth",
    "record_date": "dates",
    "nhs_number": "NHS numbers (10 digits with a check digit)",
    "ni_number": "National Insurance numbers (two letters, six digits, a letter A-D)",
    "uprn": "UPRNs (1 to 12 digits)",
    "phone": "phone numbers",
    "email": "email addresses",
    "gender": "gender codes (m/f, male/female)",
}
#: the canonical field a kind of value belongs to (profile kind -> field)
_FIELD_OF_KIND: dict[str, str] = {
    "uk_postcode": "postcode",
    "nhs_number": "nhs_number",
    "ni_number": "ni_number",
    "email": "email",
    "phone": "phone",
    "date": "dob",
    "gender": "gender",
    "title": "title",
}


class FieldTallies:
    """Per-field fill and validity of one export, summed over its chunks, with a few lost
    values per field kept in memory (never reported) to describe them."""

    def __init__(self, mapping: SourceMapping):
        self.mapping = mapping
        self.rows = 0
        self.fills: dict[str, FieldFill] = {
            name: FieldFill(name, columns) for name, columns in mapping.fields.items()
        }
        self._lost: dict[str, list[str]] = {name: [] for name in mapping.fields}

    def add(self, tallies: Mapping[str, FieldTally], rows: int) -> None:
        """Add one standardised chunk's tallies (``StandardisedChunk.tallies`` and ``.rows``)."""
        self.rows += rows
        for fill in self.fills.values():
            fill.rows += rows
        for name, t in tallies.items():
            fill = self.fills[name]
            fill.filled += t.filled
            fill.valid += t.valid
            room = _SAMPLE_CAP - len(self._lost[name])
            if room > 0:
                self._lost[name].extend(t.lost_sample[:room])

    def warnings(self) -> list[MappingWarning]:
        return field_warnings(self.mapping, self.fills, self._lost)


def field_warnings(
    mapping: SourceMapping, fills: Mapping[str, FieldFill], lost: Mapping[str, list[str]]
) -> list[MappingWarning]:
    """A warning for every mapped field that lost more than :data:`LOSS_WARNING` of its values,
    in mapping order, each with what the lost values look like and a suggestion."""
    out: list[MappingWarning] = []
    for name, fill in fills.items():
        if fill.filled == 0 or fill.lost_share <= LOSS_WARNING:
            continue
        sample = lost.get(name, [])
        prof = profile(sample, region=mapping.region)
        looks = prof.describe() if prof.values else None
        if name == "postcode":
            looks = postcode_shape(sample) or looks
        expected = _expected(name)
        if name in ("dob", "record_date") and prof.share("date") >= 0.6:
            fmt = mapping.formats.get(name)
            if fmt and prof.date_format and prof.date_format != fmt:
                expected = f"dates in the mapping's format {fmt}"
            else:
                expected = "dates between [checks] dob_earliest and dob_latest" if name == "dob" else (
                    "plausible dates")
        out.append(
            MappingWarning(
                field=name, columns=fill.columns, filled=fill.filled, lost=fill.lost, looks_like=looks,
                expected=expected, suggestion=_advice(mapping, name, fill.columns, prof),
            )
        )
    return out


def _compare_name(column: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", column.lower()).strip("_") or "other"


def _expected(name: str) -> str:
    return _WHAT.get(name, f"{name.replace('_', ' ')} values")


def _advice(mapping: SourceMapping, name: str, columns: tuple[str, ...], prof: ColumnProfile) -> str:
    """The fix for a field that lost too many values, from what the lost values look like."""
    cols = " + ".join(columns)
    column = columns[0]
    compare = f'[compare] {_compare_name(column)} = {{ column = "{column}", method = "exact" }}'
    unmapped = f"remove fields.{name} (the column is then kept as an attribute)"
    for kind, other in _FIELD_OF_KIND.items():  # the values are another canonical field's
        if other == name or prof.share(kind) < 0.6:
            continue
        if other == "dob" and name in ("dob", "record_date"):
            break
        return f"map column {cols} to fields.{other} instead of fields.{name}"
    if name in ("dob", "record_date") and prof.share("date") >= 0.6:
        given = mapping.formats.get(name)
        fmt = prof.date_format
        if given and fmt and fmt != given and not prof.date_has_time:
            return f'set [formats] {name} = "{fmt}" (or remove it, and the format is detected)'
        if name == "dob":
            return ("if the column is not a date of birth, map it to fields.record_date or "
                    f"{unmapped}; if it is, widen [checks] dob_earliest / dob_latest")
        return f"check the column, or {unmapped}"
    if name == "phone" and prof.share("digits") + prof.share("phone") >= 0.6:
        return (f'if they are another country\'s numbers, set region = "XX" (its two-letter code) at the '
                f"top of the mapping; otherwise {unmapped}")
    if name in ("postcode", "nhs_number", "ni_number", "uprn", "email", "gender", "phone"):
        return (f"if the column still tells people apart, compare it as an exact field with {compare}; "
                f"otherwise {unmapped}")
    return f"map column {cols} to the field it holds, put it under [compare], or {unmapped}"


@dataclass
class MappingCheck:
    """What loading ``file`` with ``mapping`` would keep, without loading it."""

    file: str
    mapping: str
    source: str
    rows: int
    rows_rejected: int
    fields: list[FieldFill]
    warnings: list[MappingWarning]
    unmapped_columns: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "mapping": self.mapping, "source": self.source, "rows": self.rows,
            "rows_rejected": self.rows_rejected, "fields": [f.to_dict() for f in self.fields],
            "warnings": [w.to_dict() for w in self.warnings], "unmapped_columns": self.unmapped_columns,
        }


def check_mapping(
    export: str | os.PathLike[str],
    mapping: str | os.PathLike[str] | SourceMapping,
    *,
    max_rows: int | None = None,
    chunk_rows: int = 25_000,
) -> MappingCheck:
    """Standardise ``export`` with ``mapping`` as a load would, write nothing, and report per
    mapped field the fill and validity rates, the rows a load would reject, and the warnings
    (``max_rows``: only the first rows). Raises the errors a load raises for a file it cannot
    read or a mapping naming missing columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "hr.csv").write_text("REF,NAME,PC\\nR1,Ann Lee,4223\\nR2,Bo Chan,SW1A 1AA\\n")
    >>> m = {"source": "hr", "id": "REF", "fields": {"full_name": "NAME", "postcode": "PC"}}
    >>> c = check_mapping(d / "hr.csv", SourceMapping.from_dict(m))
    >>> [(f.field, f.filled, f.valid) for f in c.fields], [w.field for w in c.warnings]
    ([('full_name', 2, 2), ('postcode', 2, 1)], ['postcode'])
    """
    from identity_graph.ingest.readers import read_export
    from identity_graph.standardise.parallel import Batch, BatchJob
    from identity_graph.standardise.record import drop_duplicate_ids

    m = mapping if isinstance(mapping, SourceMapping) else load_mapping(mapping)
    path = Path(export)
    tallies = FieldTallies(m)
    rejected = read = 0
    seen: dict[str, int] = {}
    columns: list[str] = []
    chunk_rows = min(chunk_rows, max_rows) if max_rows else chunk_rows
    chunks = _first_rows(read_export(path, m, chunk_rows=chunk_rows), max_rows)
    with Batch([BatchJob(chunks, m, str(path))]) as batch:
        for raw, std in batch.chunks(0):
            columns = columns or list(raw.columns)
            read += len(raw.frame) + len(raw.rejects)
            tallies.add(std.tallies, std.rows)
            std = drop_duplicate_ids(std, seen, str(path), m.id_column)
            rejected += len(raw.rejects) + sum(1 for r in std.rejects if r.action == "row rejected")
    used = m.columns_used()
    return MappingCheck(
        file=str(path), mapping=m.path, source=m.source, rows=read,
        rows_rejected=rejected, fields=list(tallies.fills.values()), warnings=tallies.warnings(),
        unmapped_columns=[c for c in columns if c not in used],
    )


def _first_rows(chunks: Any, max_rows: int | None) -> Any:
    if max_rows is None:
        yield from chunks
        return
    left = max_rows
    for chunk in chunks:
        if len(chunk.frame) > left:
            chunk.frame = chunk.frame.iloc[:left]
        left -= len(chunk.frame)
        yield chunk
        if left <= 0:
            return
