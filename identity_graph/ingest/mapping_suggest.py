"""Propose a source mapping from an export's header and values (``idgraph mapping suggest``).

Each column gets a guess from two kinds of evidence (ADR 0030): what its header says (``DOB``,
``date_of_birth`` and ``dateOfBirth`` all say *date of birth*) and what its values are, tested
with the validators the load itself uses (:mod:`identity_graph.ingest.profile`). Agreement is
*high* confidence, one kind of evidence alone *medium*, a weak hint *low*. A header that promises
a field its values do not hold ("postcode" over 4-digit numbers) is not mapped to that field:
the column becomes an exact ``[compare]`` field (or an attribute), with the reason in a comment.

The result is mapping TOML (``docs/MAPPING_SPEC.md``) for a person to read and edit, each line
commented with its confidence and evidence; the comments hold shares and shapes, never values.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "hr.csv").write_text("REF,Surname,Forename,DOB\\nR1,Lee,Ann,03/04/1980\\nR2,Chan,Bo,31/12/1979\\n")
>>> s = suggest_mapping(d / "hr.csv")
>>> s.mapping["id"], s.mapping["fields"]["dob"], s.mapping["formats"]
('REF', 'DOB', {'dob': '%d/%m/%Y'})
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from identity_graph.ingest.mapping import SourceMapping
from identity_graph.ingest.profile import ColumnProfile, postcode_shape, profile
from identity_graph.types import CANONICAL_FIELDS

__all__ = ["ColumnGuess", "MappingSuggestion", "suggest_mapping", "header_field"]

Confidence = Literal["high", "medium", "low"]

#: header phrases per field, in priority order (the first rule whose phrase appears wins)
_HEADER_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nhs_number", ("nhs",)),
    ("ni_number", ("nino", "ni number", "ni no", "national insurance", "ni")),
    ("uprn", ("uprn",)),
    ("email", ("email", "e mail")),
    ("phone", ("phone", "tel", "telephone", "mobile", "mob", "landline", "contact number")),
    ("postcode", ("postcode", "post code", "postal code", "zip", "zipcode", "zip code")),
    ("dob", ("dob", "date of birth", "birth date", "birthdate", "birth", "d o b", "born")),
    ("gender", ("gender", "sex")),
    ("title", ("title", "salutation", "honorific")),
    ("suffix", ("suffix", "name suffix")),
    ("middle_names", ("middle name", "middle names", "middle", "other names", "middlename")),
    ("given_name", ("forename", "forenames", "first name", "firstname", "given name", "given names",
                    "givenname", "christian name")),
    ("family_name", ("surname", "last name", "lastname", "family name", "familyname")),
    ("full_name", ("name", "full name", "fullname")),
    ("address", ("address", "addr", "street", "road", "town", "city", "suburb", "locality", "county",
                 "village", "house", "flat", "building", "line", "district")),
    ("record_date", ("updated", "modified", "last", "verified", "reviewed", "valid from", "active",
                     "login", "census", "registered", "created", "changed", "date")),
    ("id", ("id", "ref", "reference", "no", "number", "num", "key", "code", "urn", "upn", "account",
            "identifier")),
)
#: fields the load validates: the header alone does not map a column to them
_VALIDATED_KIND = {
    "email": "email", "nhs_number": "nhs_number", "ni_number": "ni_number", "postcode": "uk_postcode",
    "phone": "phone", "dob": "date", "record_date": "date", "gender": "gender", "title": "title",
    "suffix": "suffix",
}  # fmt: skip
_WORDS = {
    "nhs_number": "NHS numbers (check digit valid)", "ni_number": "National Insurance numbers",
    "email": "email addresses", "uk_postcode": "UK postcodes", "phone": "phone numbers",
    "date": "dates", "gender": "gender codes", "title": "titles", "suffix": "name suffixes",
}  # fmt: skip
#: kinds that say which field a column is from its values alone, tried in this order
_VALUE_KINDS = (
    ("email", "email"), ("nhs_number", "nhs_number"), ("ni_number", "ni_number"),
    ("uk_postcode", "postcode"), ("phone", "phone"), ("date", "dob"), ("title", "title"),
    ("gender", "gender"),
)  # fmt: skip
#: other regions tried for a phone column whose numbers are not valid in the default region
_PHONE_REGIONS = ("US", "AU", "IE", "NZ", "CA", "FR", "DE", "IN")
_MULTI = ("address", "phone", "email")
_STRONG, _ALONE = 0.8, 0.9  # value shares: a field's values, and a field known from values alone


def _header_words(column: str) -> str:
    """'dateOfBirth' / 'DATE_OF_BIRTH' / 'Date of Birth' -> 'date of birth'; 'ADDR1' -> 'addr 1'."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", column)
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def header_field(column: str) -> str | None:
    """The field a column's header names, if any: a canonical field, or ``"id"``.

    >>> [header_field(c) for c in ["dateOfBirth", "HOME_TEL", "Tenant Ref", "ADDR1", "vehicle_reg"]]
    ['dob', 'phone', 'id', 'address', None]
    """
    words = f" {_header_words(column)} "
    for name, phrases in _HEADER_RULES:
        if any(f" {p} " in words for p in phrases):
            return name
    return None


@dataclass(frozen=True)
class ColumnGuess:
    """What one column was taken to be, how sure, and why."""

    column: str
    target: str  # "id", "fields.<field>", "compare.<name>", "formats.<field>" or "attribute"
    confidence: Confidence
    evidence: str


@dataclass
class MappingSuggestion:
    """A proposed mapping (TOML-shaped dict) with the evidence for every column."""

    file: str
    rows_read: int
    mapping: dict[str, Any]
    guesses: list[ColumnGuess] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "rows_read": self.rows_read, "mapping": self.mapping,
                "columns": [g.__dict__ for g in self.guesses]}

    def to_toml(self) -> str:
        """The mapping as TOML for a person to edit: every choice commented with its evidence."""
        notes = {g.target: g for g in self.guesses}
        m = self.mapping
        lines = [
            f"# Mapping suggested by `idgraph mapping suggest` from {_comment(Path(self.file).name)} "
            f"({self.rows_read:,} rows read).",
            "# Check every line before loading. Confidence: high = the header and the values agree,",
            "# medium = one of them alone, low = a guess. Preview what a load would keep with",
            f"#   idgraph mapping check {_comment(Path(self.file).name)} --mapping THIS_FILE.toml",
            "# Format: docs/MAPPING_SPEC.md",
        ]
        fixed = {"source": "the source system's name ([a-z0-9_]+); rename it if you like",
                 "format": "from the file's extension and contents",
                 "region": "the country of the phone numbers (see fields.phone)"}
        for key in ("source", "id", "format", "sheet", "record_path", "delimiter", "encoding", "region"):
            if key in m:
                note = notes.get(key)
                line = _line(key, m[key], note)
                lines.append(line if note or key not in fixed else f"{line}  # {fixed[key]}")
        for table in ("fields", "formats", "compare"):
            if m.get(table):
                lines += ["", f"[{table}]"]
                lines += [_line(k, v, notes.get(f"{table}.{k}")) for k, v in m[table].items()]
        rest = [g for g in self.guesses if g.target == "attribute"]
        if rest:
            lines += ["", "# Not mapped: kept as attributes of each record (map them above if they identify people):"]
            lines += [f"#   {_comment(g.column)}: {_comment(g.evidence)}" for g in rest]
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _line(key: str, value: Any, note: ColumnGuess | None) -> str:
    text = f"{_toml_key(key)} = {_toml_value(value)}"
    if note is not None:
        text += f"  # {note.confidence}: {_comment(note.evidence)}"
    return text


def _comment(text: str) -> str:
    """Text for a TOML comment: a line break in a header must not end the comment and start
    a table of its own (``NAME\n[checks]``)."""
    return json.dumps(str(text), ensure_ascii=False)[1:-1] if re.search(r"[\x00-\x1f\x7f]", str(text)) else str(text)


class _HeaderProbe(SourceMapping):
    """A mapping that names no column: reads an export before it has a mapping (the readers
    check a mapping's columns against the header; this one has none to check)."""

    def column_keys(self) -> list[tuple[str, str]]:
        return []


def _read_sample(path: Path, probe: SourceMapping, max_rows: int) -> tuple[list[str], dict[str, list[Any]], int]:
    from identity_graph.ingest.readers import read_export

    columns: list[str] = []
    values: dict[str, list[Any]] = {}
    rows = 0
    for chunk in read_export(path, probe, chunk_rows=min(max_rows, 25_000)):
        columns = columns or list(chunk.columns)
        frame = chunk.frame.iloc[: max_rows - rows]
        for c in columns:
            values.setdefault(c, []).extend(frame[c].tolist() if c in frame.columns else [])
        rows += len(frame)
        if rows >= max_rows:
            break
    return columns, values, rows


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _source_name(path: Path) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_") or "my_source"


def _compare_name(column: str, taken: set[str]) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", _header_words(column).replace(" ", "_")).strip("_") or "other"
    while name in taken:
        name += "_2"
    return name


@dataclass
class _Col:
    name: str
    hint: str | None
    prof: ColumnProfile
    filled: float  # share of rows with a value
    sample: list[str] = field(default_factory=list)  # its values (in memory only)
    region: str | None = None  # another phone region its numbers are valid in


def suggest_mapping(
    export: str | os.PathLike[str],
    *,
    source: str | None = None,
    max_rows: int = 5_000,
    region: str = "GB",
    sheet: str | None = None,
    record_path: str | None = None,
    delimiter: str | None = None,
    encoding: str = "auto",
) -> MappingSuggestion:
    """Propose a mapping for ``export`` from its header and its first ``max_rows`` rows.

    ``sheet`` (XLSX), ``record_path`` (JSON), ``delimiter`` and ``encoding`` are passed to the
    reader as a mapping would pass them, and kept in the proposal. The proposal validates as a
    mapping (:meth:`SourceMapping.from_dict`); raises the reader's errors for a file it cannot read.
    """
    path = Path(export)
    from identity_graph.ingest.readers import detect_format

    base: dict[str, Any] = {"source": source or _source_name(path), "id": "?"}
    for key, value in (("sheet", sheet), ("record_path", record_path), ("delimiter", delimiter)):
        if value is not None:
            base[key] = value
    if encoding != "auto":
        base["encoding"] = encoding
    if region != "GB":
        base["region"] = region
    fmt = detect_format(path, SourceMapping.from_dict(base, "<suggest>"))
    base["format"] = fmt
    probe = _HeaderProbe(**{**SourceMapping.from_dict(base, "<suggest>").__dict__})
    columns, values, rows = _read_sample(path, probe, max_rows)
    cols = []
    for c in columns:
        present = [str(v) for v in values.get(c, []) if v is not None and str(v).strip()]
        cols.append(_Col(c, header_field(c), profile(present, region=region),
                         len(present) / rows if rows else 0.0, present))
    guesses: list[ColumnGuess] = []
    mapping: dict[str, Any] = {"source": base["source"]}
    id_col = _pick_id(cols, guesses, rows)
    mapping["id"] = id_col.name if id_col else (columns[0] if columns else "?")
    mapping["format"] = fmt
    for key in ("sheet", "record_path", "delimiter", "encoding"):
        if key in base:
            mapping[key] = base[key]
    fields: dict[str, list[str]] = {}
    formats: dict[str, str] = {}
    compare: dict[str, dict[str, str]] = {}
    dates: list[tuple[_Col, str, Confidence, str]] = []
    for col in cols:
        if col is id_col:
            continue
        if not col.prof.values:
            guesses.append(ColumnGuess(col.name, "attribute", "low", "empty in the sample"))
            continue
        target, conf, why = _guess(col, region)
        if target in ("dob", "record_date"):
            dates.append((col, target, conf, why))
        elif target == "compare":
            name = _compare_name(col.name, set(compare))
            compare[name] = {"column": col.name, "method": "exact"}
            guesses.append(ColumnGuess(col.name, f"compare.{name}", conf, why))
        elif target is None or (target in fields and target not in _MULTI):
            if target is not None:
                why = f"a second {target} column ({fields[target][0]} is mapped); {why}"
            guesses.append(ColumnGuess(col.name, "attribute", "low", why))
        else:
            fields.setdefault(target, []).append(col.name)
            if target == "phone" and col.region and "region" not in mapping:
                mapping["region"] = col.region
            guesses.append(ColumnGuess(col.name, f"fields.{target}", conf, why))
    _place_dates(dates, fields, formats, guesses)
    for name, cols_ in fields.items():  # one line per field: its notes joined
        notes = [g for g in guesses if g.target == f"fields.{name}"]
        if len(notes) > 1:
            for g in notes:
                guesses.remove(g)
            if all(g.evidence.startswith("header says") for g in notes):
                why = f"the {len(notes)} headers name {name.replace('_', ' ')} parts, joined in file order"
            else:
                why = "; ".join(f"{g.column}: {g.evidence}" for g in notes)
            guesses.append(ColumnGuess(", ".join(cols_), f"fields.{name}", _lowest([g.confidence for g in notes]), why))
    order = [f for f in CANONICAL_FIELDS if f in fields]
    mapping["fields"] = {f: (fields[f][0] if len(fields[f]) == 1 else fields[f]) for f in order}
    if formats:
        mapping["formats"] = formats
    if compare:
        mapping["compare"] = {k: v for k, v in compare.items()}
    if id_col is None:
        guesses.append(ColumnGuess(mapping["id"], "id", "low",
                                   "no column is filled and unique in the sample: choose the record id column"))
    SourceMapping.from_dict(mapping, "<suggested mapping>")  # a proposal is always a valid mapping
    order_of = {c: i for i, c in enumerate(columns)}
    guesses.sort(key=lambda g: order_of.get(g.column.split(", ")[0], len(order_of)))
    return MappingSuggestion(str(path), rows, mapping, guesses)


def _lowest(confs: list[Confidence]) -> Confidence:
    for c in ("low", "medium", "high"):
        if c in confs:
            return c  # type: ignore[return-value]
    return "low"


def _pick_id(cols: list[_Col], guesses: list[ColumnGuess], rows: int) -> _Col | None:
    """The record id: a column filled and unique in the sample, one whose header says id first."""
    unique = [c for c in cols if c.filled >= 0.999 and c.prof.values and c.prof.unique_share == 1.0]
    named = [c for c in unique if c.hint == "id"]
    if named:
        c = named[0]
        guesses.append(ColumnGuess(c.name, "id", "high", f"header names an id; all {rows:,} rows filled and unique"))
        return c
    plain = [c for c in unique if c.prof.share("name") < 0.5 and c.prof.share("date") < 0.5]
    if plain:
        c = plain[0]
        guesses.append(ColumnGuess(c.name, "id", "medium", f"all {rows:,} rows filled and unique; the header does not say id"))
        return c
    hinted = sorted((c for c in cols if c.hint == "id" and c.prof.values), key=lambda c: -c.prof.unique_share)
    if hinted:
        c = hinted[0]
        guesses.append(ColumnGuess(c.name, "id", "low",
                                   f"header names an id but only {_pct(c.prof.unique_share)} of its values are "
                                   "distinct: rows with a repeated id will be rejected"))
        return c
    return None


def _guess(col: _Col, region: str) -> tuple[str | None, Confidence, str]:
    """(target, confidence, evidence): a canonical field, "dob"/"record_date" (placed later),
    "compare", or None (an attribute)."""
    p, hint = col.prof, col.hint
    looks = p.describe()
    said = f"header says {hint.replace('_', ' ')}" if hint and hint != "id" else ""
    if hint in _VALIDATED_KIND:
        kind = _VALIDATED_KIND[hint]
        share = p.share(kind)
        if hint == "phone" and share < _STRONG:
            other = _other_region(col, region)
            if other:
                return "phone", "medium", f"{said}; most are valid {other} numbers (region = {other!r})"
        if share >= _STRONG or (share >= 0.5 and hint not in ("title", "gender")):
            conf: Confidence = "high" if share >= _STRONG else "medium"
            return hint, conf, f"{said}; {_pct(share)} are {_WORDS[kind]}" + _date_note(p, kind)
        # the header promises a field its values do not hold
        for k, f in _VALUE_KINDS:
            if p.share(k) >= _ALONE and f != hint:
                return f, "medium", f"{said}, but {_pct(p.share(k))} are {_WORDS[k]}"
        what = (postcode_shape(col.sample) if hint == "postcode" else None) or looks
        reason = f"{said}, but only {_pct(share)} are {_WORDS[kind]} (they look like {what})"
        if hint in ("title", "gender", "suffix", "dob", "record_date"):
            return None, "low", reason
        if p.unique_share >= 0.05 or hint in ("postcode", "nhs_number", "ni_number"):
            return "compare", "medium", reason + ": compared exactly, as they are"
        return None, "low", reason
    if hint in ("given_name", "family_name", "middle_names", "full_name"):
        if p.share("name") + p.share("full_name") >= 0.6:
            extra = f" ({_pct(p.share('given_name'))} known given names)" if hint == "given_name" else ""
            return hint, "high", f"{said}; {_pct(max(p.share('name'), p.share('full_name')))} look like names{extra}"
        return hint, "low", f"{said}, but the values look like {looks}"
    if hint == "address":
        return "address", "high" if p.share("address") >= 0.3 or p.share("name") >= 0.5 else "medium", (
            f"{said} (address part); values look like {looks}")
    if hint == "uprn":
        if p.share("digits") >= _STRONG:
            return "uprn", "high", f"{said}; {_pct(p.share('digits'))} are numbers"
        return "compare", "low", f"{said}, but the values look like {looks}"
    # values alone
    for k, f in _VALUE_KINDS:
        if p.share(k) >= _ALONE and not (k == "gender" and p.distinct > 12) and not (k == "title" and p.distinct > 30):
            return f, "medium", f"{_pct(p.share(k))} are {_WORDS[k]}{_date_note(p, k)}; the header does not say"
    if p.share("full_name") >= 0.6:
        return "full_name", "medium", f"{_pct(p.share('full_name'))} look like full names; the header does not say"
    if p.share("given_name") >= 0.6:
        return "given_name", "low", f"{_pct(p.share('given_name'))} are known given names; the header does not say"
    if p.share("address") >= 0.6:
        return "address", "low", f"{_pct(p.share('address'))} look like address lines; the header does not say"
    if hint == "id" and p.unique_share >= 0.5 and p.share("name") < 0.5:
        return "compare", "low", f"header names an id ({looks}, {_pct(p.unique_share)} distinct): compared exactly"
    if hint == "record_date":
        return None, "low", f"header sounds like a date but the values look like {looks}"
    return None, "low", looks


def _date_note(p: ColumnProfile, kind: str) -> str:
    if kind != "date" or not p.date_format:
        return ""
    return f" ({p.date_format}{', with times' if p.date_has_time else ''}; median year {p.date_median_year})"


def _other_region(col: _Col, region: str) -> str | None:
    """Another region in which most of a phone column's numbers are valid (values re-profiled)."""
    for other in _PHONE_REGIONS:
        if other != region and profile(col.sample, region=other).share("phone") >= _STRONG:
            col.region = other
            return other
    return None


def _place_dates(dates: list[tuple[_Col, str, Confidence, str]], fields: dict[str, list[str]],
                 formats: dict[str, str], guesses: list[ColumnGuess]) -> None:
    """One dob and one record_date: a dob by its header, else the date column with the earliest
    median year if that is at least ten years ago; the record date by its header (``updated``,
    ``last ...``), else the latest remaining date column. Other date columns stay attributes."""
    dob = [d for d in dates if d[0].hint == "dob"]
    if not dob:
        old = [d for d in dates if d[0].hint != "record_date" and (d[0].prof.date_median_year or 9999)
               <= date.today().year - 10]
        old.sort(key=lambda d: d[0].prof.date_median_year or 9999)
        dob = [(d[0], "dob", "low", d[3] + "; the oldest dates, so taken as dates of birth") for d in old[:1]]
    chosen_dob = dob[0] if dob else None
    rest = [d for d in dates if chosen_dob is None or d[0] is not chosen_dob[0]]
    rest.sort(key=lambda d: (d[0].hint != "record_date", -(d[0].prof.date_median_year or 0)))
    chosen_rd = rest[0] if rest else None
    for d, target in ((chosen_dob, "dob"), (chosen_rd, "record_date")):
        if d is None:
            continue
        col, _, conf, why = d
        if target == "record_date" and col.hint != "record_date":
            conf, why = "low", why.replace("; the header does not say", "") + "; taken as the record's date"
        fields[target] = [col.name]
        guesses.append(ColumnGuess(col.name, f"fields.{target}", conf, why))
        p = col.prof
        if p.date_format and not p.date_has_time and p.share("date") >= _ALONE:
            formats[target] = p.date_format
            guesses.append(ColumnGuess(col.name, f"formats.{target}", conf,
                                       f"{_pct(p.share('date'))} of the dates are in this format"))
    for d in dates:
        if d is not chosen_dob and d is not chosen_rd:
            guesses.append(ColumnGuess(d[0].name, "attribute", "low", f"dates ({d[3]}); one dob and one record_date are mapped"))
