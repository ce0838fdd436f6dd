"""Source mapping TOML → a validated :class:`SourceMapping` (see ``docs/MAPPING_SPEC.md``).

Validation happens once, here, and reports every problem together: each problem names the key
and the fix, so a user corrects the whole file in one pass.

>>> m = SourceMapping.from_dict({"source": "council_tax", "id": "REF", "fields": {"dob": "DOB"}})
>>> m.fields["dob"], sorted(m.columns_used())
(('DOB',), ['DOB', 'REF'])
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process

from identity_graph.errors import MappingError
from identity_graph.ingest.limits import MAX_RECORD_LINES
from identity_graph.types import CANONICAL_FIELDS

__all__ = [
    "FORMATS",
    "TOP_LEVEL_KEYS",
    "CompareField",
    "SourceMapping",
    "load_mapping",
    "check_columns",
    "suggest",
]

#: Export formats a mapping may name (``format = ...``); otherwise taken from the file extension.
FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "ndjson", "parquet")
COMPARE_METHODS: tuple[str, ...] = ("exact", "fuzzy")
DATE_FIELDS: tuple[str, ...] = ("dob", "record_date")
_SCALAR_KEYS: tuple[str, ...] = (
    "source",
    "id",
    "trust",
    "format",
    "encoding",
    "delimiter",
    "sheet",
    "record_path",
    "region",
    "skip_initial_space",
    "one_record_per_person",
    "snapshot",
    "retain_history_days",
    "max_record_lines",
)
_TABLE_KEYS: tuple[str, ...] = ("fields", "formats", "checks", "compare", "attributes", "flags")
TOP_LEVEL_KEYS: tuple[str, ...] = _SCALAR_KEYS + _TABLE_KEYS
_CHECK_KEYS: tuple[str, ...] = ("dob_earliest", "dob_latest")
_DELIMITER_ALIASES = {"tab": "\t", "\\t": "\t", "comma": ",", "pipe": "|", "semicolon": ";"}
#: Common names people use for canonical fields, for "did you mean" hints.
_FIELD_SYNONYMS = {
    "surname": "family_name",
    "last_name": "family_name",
    "lastname": "family_name",
    "forename": "given_name",
    "forenames": "given_name",
    "first_name": "given_name",
    "firstname": "given_name",
    "name": "full_name",
    "middle_name": "middle_names",
    "date_of_birth": "dob",
    "birth_date": "dob",
    "birthdate": "dob",
    "sex": "gender",
    "post_code": "postcode",
    "zip": "postcode",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "phone_number": "phone",
    "email_address": "email",
    "nhs": "nhs_number",
    "nhs_no": "nhs_number",
    "nino": "ni_number",
    "ni": "ni_number",
    "national_insurance": "ni_number",
    "updated": "record_date",
    "last_updated": "record_date",
}
_SOURCE_RE = re.compile(r"[a-z0-9_]+")
_FLAG_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_DATE_DIRECTIVES = re.compile(r"%[-#]?[dmyYbBjUWaAxcGVu]")
_SPEC = "see docs/MAPPING_SPEC.md"


def suggest(word: str, choices: Sequence[str], *, limit: int = 1, cutoff: float = 60) -> list[str]:
    """The ``limit`` choices closest to ``word`` (case and punctuation ignored), best first."""
    if not choices:
        return []
    hits = process.extract(
        word,
        list(choices),
        scorer=fuzz.ratio,
        processor=_fold,
        limit=limit,
        score_cutoff=cutoff,
    )
    return [h[0] for h in hits]


def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    hit = suggest(word, choices)
    return f"did you mean {hit[0]!r}?" if hit else f"valid keys are: {', '.join(choices)}"


def _type_name(value: object) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class CompareField:
    """A non-canonical column that counts as matching evidence (``[compare]``)."""

    name: str
    column: str
    method: Literal["exact", "fuzzy"]


@dataclass(frozen=True)
class FlagField:
    """A typed per-source flag (``[flags]``): kept on the record, never matching evidence."""

    name: str
    column: str
    type: str  # one of ingest.flags.FLAG_TYPES


@dataclass(frozen=True)
class SourceMapping:
    """A validated source mapping. Build it with :func:`load_mapping` or :meth:`from_dict`."""

    path: str
    source: str
    id_column: str
    trust: int = 1
    format: str | None = None
    encoding: str = "auto"
    delimiter: str | None = None
    sheet: str | None = None
    record_path: str | None = None
    region: str = "GB"
    skip_initial_space: bool = False
    #: the export holds each person at most once (a de-duplicated system, Splink's
    #: ``link_only``): clustering may complete one-to-one links across such sources (ADR 0010)
    one_record_per_person: bool = False
    #: every export of this source is a full snapshot: its records missing from one are retired
    #: (ADR 0032)
    snapshot: bool = False
    #: history (replaced values, retired records) older than this many days is removed by
    #: ``idgraph retention apply`` (None: kept); ADR 0032
    retain_history_days: int | None = None
    #: CSV: the most lines one record may span when a quoted value holds line breaks (ADR 0029)
    max_record_lines: int = MAX_RECORD_LINES
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    dob_earliest: str = "1890-01-01"
    dob_latest: str | None = None  # None: today
    compare: dict[str, CompareField] = field(default_factory=dict)
    keep_attributes: tuple[str, ...] | None = None
    flags: dict[str, FlagField] = field(default_factory=dict)

    def columns_used(self) -> set[str]:
        """Every source column this mapping reads (id, fields, compare, attributes.keep)."""
        cols = {self.id_column}
        for columns in self.fields.values():
            cols.update(columns)
        cols.update(c.column for c in self.compare.values())
        cols.update(c.column for c in self.flags.values())
        if self.keep_attributes:
            cols.update(self.keep_attributes)
        return cols

    def column_keys(self) -> list[tuple[str, str]]:
        """``(mapping key, source column)`` pairs, in mapping order, for error messages."""
        pairs = [("id", self.id_column)]
        for name, columns in self.fields.items():
            pairs.extend((f"fields.{name}", c) for c in columns)
        pairs.extend((f"compare.{name}", c.column) for name, c in self.compare.items())
        pairs.extend(("attributes.keep", c) for c in self.keep_attributes or ())
        pairs.extend((f"flags.{name}", c.column) for name, c in self.flags.items())
        return pairs

    def to_dict(self) -> dict[str, Any]:
        """The TOML-shaped dict; ``SourceMapping.from_dict(m.to_dict(), m.path) == m``."""
        out: dict[str, Any] = {"source": self.source, "id": self.id_column, "trust": self.trust}
        for key in ("format", "delimiter", "sheet", "record_path"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["encoding"] = self.encoding
        out["region"] = self.region
        out["skip_initial_space"] = self.skip_initial_space
        if self.one_record_per_person:
            out["one_record_per_person"] = True
        if self.snapshot:
            out["snapshot"] = True
        if self.retain_history_days is not None:
            out["retain_history_days"] = self.retain_history_days
        if self.max_record_lines != MAX_RECORD_LINES:
            out["max_record_lines"] = self.max_record_lines
        out["fields"] = {k: (v[0] if len(v) == 1 else list(v)) for k, v in self.fields.items()}
        out["formats"] = dict(self.formats)
        out["checks"] = {
            "dob_earliest": self.dob_earliest,
            "dob_latest": self.dob_latest if self.dob_latest is not None else "today",
        }
        out["compare"] = {
            name: c.method if c.column == name else {"column": c.column, "method": c.method}
            for name, c in self.compare.items()
        }
        if self.keep_attributes is not None:
            out["attributes"] = {"keep": list(self.keep_attributes)}
        if self.flags:  # only when given: a mapping without flags keeps its fingerprint
            out["flags"] = {n: {"column": c.column, "type": c.type} for n, c in self.flags.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str | Path = "<mapping>") -> SourceMapping:
        """Validate a TOML-shaped dict; raise :class:`MappingError` listing every problem."""
        return _Validator(str(path)).build(data)


class _Validator:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    # -- scalar helpers -------------------------------------------------------------------------
    def text(self, data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
        if key not in data:
            if required:
                self.problem(f"'{key}' is required; add {key} = \"...\" at the top ({_SPEC})")
            return None
        value = data[key]
        if not isinstance(value, str):
            self.problem(
                f"'{key}' must be a string, got {value!r} ({_type_name(value)}); "
                f'write {key} = "{value}"'
            )
            return None
        if not value.strip():
            self.problem(f"'{key}' is empty; give it a value or remove the key")
            return None
        return value

    def build(self, data: Mapping[str, Any]) -> SourceMapping:
        if not isinstance(data, Mapping):
            raise MappingError(self.path, [f"expected a table of keys, got {_type_name(data)}"])
        for key in data:
            if key in TOP_LEVEL_KEYS:
                continue
            if key in CANONICAL_FIELDS:
                fix = f"move it under [fields] ({key} is a canonical field)"
            elif key in _CHECK_KEYS:
                fix = "move it under [checks]"
            else:
                fix = _did_you_mean(key, TOP_LEVEL_KEYS)
            self.problem(f"unknown key {key!r} — {fix}")

        source = self.text(data, "source", required=True)
        if source is not None and not _SOURCE_RE.fullmatch(source):
            fixed = re.sub(r"[^a-z0-9_]+", "_", source.lower()).strip("_") or "my_source"
            self.problem(
                f"source {source!r} must use only lower-case letters, digits and '_'; "
                f"e.g. source = {fixed!r}"
            )
        id_column = self.text(data, "id", required=True)

        trust = data.get("trust", 1)
        if isinstance(trust, bool) or not isinstance(trust, int) or not 0 <= trust <= 10:
            self.problem(f"'trust' must be a whole number 0..10 (higher wins), got {trust!r}")
            trust = 1

        fmt = self.text(data, "format")
        if fmt is not None and fmt.lower() not in FORMATS:
            self.problem(f"format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")
        fmt = fmt.lower() if fmt else None

        encoding = self.text(data, "encoding") or "auto"
        if encoding.lower() == "auto":
            encoding = "auto"
        else:
            try:
                codecs.lookup(encoding)
            except LookupError:
                self.problem(
                    f"encoding {encoding!r} is not a known codec; use 'auto', 'utf-8' or 'cp1252'"
                )

        delimiter = self.text(data, "delimiter")
        if delimiter is not None:
            delimiter = _DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
            if len(delimiter) != 1 or delimiter in '"\r\n':
                self.problem(
                    f"delimiter {data['delimiter']!r} must be one character, e.g. ',' ';' '|' "
                    "or '\\t' (tab)"
                )
        sheet = self.text(data, "sheet")
        record_path = self.text(data, "record_path")
        region = self.text(data, "region") or "GB"
        if not re.fullmatch(r"[A-Za-z]{2}", region):
            self.problem(f"region {region!r} must be a two-letter country code such as 'GB'")
        region = region.upper()

        skip = data.get("skip_initial_space", False)
        if not isinstance(skip, bool):
            self.problem(f"'skip_initial_space' must be true or false, got {skip!r}")
            skip = False

        one_per_person = data.get("one_record_per_person", False)
        if not isinstance(one_per_person, bool):
            self.problem(f"'one_record_per_person' must be true or false, got {one_per_person!r}")
            one_per_person = False

        snapshot = data.get("snapshot", False)
        if not isinstance(snapshot, bool):
            self.problem(f"'snapshot' must be true or false, got {snapshot!r}")
            snapshot = False
        retain = data.get("retain_history_days")
        if retain is not None and (isinstance(retain, bool) or not isinstance(retain, int) or retain < 0):
            self.problem(
                f"'retain_history_days' must be a whole number of days (0 or more), got {retain!r}; "
                "e.g. retain_history_days = 2190 (six years)"
            )
            retain = None
        max_lines = data.get("max_record_lines", MAX_RECORD_LINES)
        if isinstance(max_lines, bool) or not isinstance(max_lines, int) or not 1 <= max_lines <= 10_000:
            self.problem(
                f"'max_record_lines' must be a whole number 1..10000 (1: no value spans lines), "
                f"got {max_lines!r}"
            )
            max_lines = MAX_RECORD_LINES

        fields = self.fields(self.table(data, "fields"))
        formats = self.formats(self.table(data, "formats"))
        earliest, latest = self.checks(self.table(data, "checks"))
        compare = self.compare(self.table(data, "compare"))
        keep = self.attributes(self.table(data, "attributes"))
        flags = self.flags(self.table(data, "flags"))

        if self.problems:
            raise MappingError(self.path, self.problems)
        assert source is not None and id_column is not None
        return SourceMapping(
            path=self.path,
            source=source,
            id_column=id_column,
            trust=trust,
            format=fmt,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            record_path=record_path,
            region=region,
            skip_initial_space=skip,
            one_record_per_person=one_per_person,
            snapshot=snapshot,
            retain_history_days=retain,
            max_record_lines=max_lines,
            fields=fields,
            formats=formats,
            dob_earliest=earliest,
            dob_latest=latest,
            compare=compare,
            keep_attributes=keep,
            flags=flags,
        )

    # -- tables ---------------------------------------------------------------------------------
    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            self.problem(f"'{key}' must be a table: write [{key}] on its own line, then keys")
            return {}
        return value

    def unknown(self, table: str, key: str, valid: Sequence[str]) -> None:
        self.problem(f"unknown key '{table}.{key}' — {_did_you_mean(key, valid)}")

    def fields(self, table: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for name, value in table.items():
            if name not in CANONICAL_FIELDS:
                synonym = _FIELD_SYNONYMS.get(name.lower())
                hit = [synonym] if synonym else suggest(name, CANONICAL_FIELDS)
                hint = f"did you mean {hit[0]!r}? " if hit else ""
                self.problem(
                    f"unknown field 'fields.{name}' — {hint}canonical fields are: "
                    f"{', '.join(CANONICAL_FIELDS)} (other columns go under [compare] or are kept "
                    "as attributes)"
                )
                continue
            if isinstance(value, str) and value.strip():
                out[name] = (value,)
            elif (
                isinstance(value, list)
                and value
                and all(isinstance(v, str) and v.strip() for v in value)
            ):
                out[name] = tuple(value)
            else:
                self.problem(
                    f"'fields.{name}' must be a column name or a non-empty list of column names, "
                    f'got {value!r}; e.g. {name} = "COLUMN" or {name} = ["COL1", "COL2"]'
                )
        return out

    def formats(self, table: Mapping[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, fmt in table.items():
            if name not in DATE_FIELDS:
                self.problem(
                    f"'formats.{name}' is not allowed: formats apply to {' and '.join(DATE_FIELDS)} "
                    "only; remove it"
                )
                continue
            if not isinstance(fmt, str):
                self.problem(f"'formats.{name}' must be a strptime string such as \"%d/%m/%Y\"")
                continue
            if not _DATE_DIRECTIVES.search(fmt):
                self.problem(
                    f"'formats.{name}' = {fmt!r} has no date directive (%d, %m, %Y, %b ...); "
                    'e.g. "%d/%m/%Y"'
                )
                continue
            try:
                datetime.strptime(datetime(2001, 2, 3).strftime(fmt), fmt)
            except (ValueError, TypeError) as exc:
                self.problem(
                    f"'formats.{name}' = {fmt!r} is not a usable strptime format ({exc}); "
                    'e.g. "%d/%m/%Y"'
                )
                continue
            out[name] = fmt
        return out

    def iso_date(self, key: str, value: Any, *, allow_today: bool) -> str | None:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            if allow_today and value.strip().lower() == "today":
                return None
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        extra = ' or "today"' if allow_today else ""
        self.problem(f"'checks.{key}' must be a date \"YYYY-MM-DD\"{extra}, got {value!r}")
        return "" if not allow_today else None

    def checks(self, table: Mapping[str, Any]) -> tuple[str, str | None]:
        for key in table:
            if key not in _CHECK_KEYS:
                self.unknown("checks", key, _CHECK_KEYS)
        earliest = self.iso_date(
            "dob_earliest", table.get("dob_earliest", "1890-01-01"), allow_today=False
        )
        latest = self.iso_date("dob_latest", table.get("dob_latest", "today"), allow_today=True)
        earliest = earliest or "1890-01-01"
        if latest is not None and latest and earliest >= latest:
            self.problem(
                f"'checks.dob_earliest' ({earliest}) must be before 'checks.dob_latest' ({latest})"
            )
        return earliest, latest

    def compare(self, table: Mapping[str, Any]) -> dict[str, CompareField]:
        out: dict[str, CompareField] = {}
        for name, spec in table.items():
            column: Any = name
            method: Any = spec
            if isinstance(spec, Mapping):
                for key in spec:
                    if key not in ("column", "method"):
                        self.unknown(f"compare.{name}", key, ("column", "method"))
                column = spec.get("column", name)
                method = spec.get("method")
                if not isinstance(column, str) or not column.strip():
                    self.problem(f"'compare.{name}.column' must be a column name, got {column!r}")
                    continue
            if method not in COMPARE_METHODS:
                hit = suggest(str(method), COMPARE_METHODS)
                hint = f"; did you mean {hit[0]!r}?" if hit else ""
                self.problem(
                    f'\'compare.{name}\' method {method!r} is unknown; use "exact" or "fuzzy"'
                    f'{hint} (e.g. {name} = "exact" or '
                    f'{name} = {{ column = "COL", method = "fuzzy" }})'
                )
                continue
            out[name] = CompareField(name=name, column=column, method=method)
        return out

    def flags(self, table: Mapping[str, Any]) -> dict[str, FlagField]:
        from .flags import FLAG_TYPES

        out: dict[str, FlagField] = {}
        example = 'e.g. single_person_discount = { column = "SPD", type = "bool" }'
        for name, spec in table.items():
            if not _FLAG_NAME_RE.fullmatch(str(name)):
                self.problem(f"flag name {name!r} must use lower-case letters, digits and '_'; {example}")
                continue
            if not isinstance(spec, Mapping):
                self.problem(f"'flags.{name}' must be a table with column and type, got {spec!r}; {example}")
                continue
            for key in spec:
                if key not in ("column", "type"):
                    self.unknown(f"flags.{name}", key, ("column", "type"))
            column, kind = spec.get("column"), spec.get("type", "text")
            if not isinstance(column, str) or not column.strip():
                self.problem(f"'flags.{name}.column' must be a column name, got {column!r}; {example}")
                continue
            if kind not in FLAG_TYPES:
                self.problem(f"'flags.{name}.type' {kind!r} is unknown; use one of {', '.join(FLAG_TYPES)}")
                continue
            out[str(name)] = FlagField(name=str(name), column=column, type=str(kind))
        return out

    def attributes(self, table: Mapping[str, Any]) -> tuple[str, ...] | None:
        for key in table:
            if key != "keep":
                self.unknown("attributes", key, ("keep",))
        if "keep" not in table:
            return None
        keep = table["keep"]
        if not isinstance(keep, list) or not all(isinstance(v, str) and v for v in keep):
            self.problem(
                f"'attributes.keep' must be a list of column names, got {keep!r}; "
                'e.g. keep = ["COL1", "COL2"]'
            )
            return None
        return tuple(keep)


def load_mapping(path: str | Path) -> SourceMapping:
    """Read and validate a mapping TOML; raise :class:`MappingError` listing every problem."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise MappingError(
            where, ["file not found; check the path, or write one following docs/MAPPING_SPEC.md"]
        ) from None
    except IsADirectoryError:
        raise MappingError(where, ["is a directory; give the path of the .toml file"]) from None
    except PermissionError:
        raise MappingError(
            where, ["cannot be read (permission denied); fix its permissions"]
        ) from None
    except UnicodeDecodeError as exc:
        raise MappingError(
            where, [f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            where,
            [
                f"invalid TOML: {exc}; fix the syntax there (strings need quotes, "
                'e.g. id = "REF"; tables are written [fields])'
            ],
        ) from None
    return SourceMapping.from_dict(data, where)


def check_columns(mapping: SourceMapping, columns: Sequence[str], file: str) -> None:
    """Raise :class:`MappingError` naming every mapped column that ``columns`` does not have."""
    have = list(columns)
    present = set(have)
    problems: list[str] = []
    listing = ", ".join(repr(c) for c in have[:40])
    if len(have) > 40:
        listing += f", ... ({len(have)} columns)"
    for key, column in mapping.column_keys():
        if column in present:
            continue
        hits = suggest(column, have, limit=3)
        hint = ""
        if hits:
            hint = "did you mean " + " or ".join(repr(h) for h in hits) + "? "
        problems.append(
            f"{key}: column {column!r} not in {file}; {hint}The file has: {listing or '(no columns)'}"
            f" — fix the column name in the mapping"
        )
    if problems:
        raise MappingError(mapping.path, problems)
