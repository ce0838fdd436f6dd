"""One raw export chunk + its mapping → canonical record frame + rejects.

This is where every standardiser meets the mapping. Whole columns at a time; each problem
becomes a ``Reject`` naming the file, row and column: the row is rejected when it cannot be used
at all (no id, duplicate id, nothing that identifies a person), otherwise only the bad value is
dropped and the row loads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..ingest.limits import id_problems
from ..ingest.mapping import SourceMapping
from ..types import DOB_UNPARSED, MULTI_SEPARATOR, RECORD_COLUMNS, Reject
from .addresses import parse_addresses
from .dates import parse_dates
from .emails import normalise_emails
from .gender import normalise_gender
from .identifiers import normalise_nhs_number, normalise_ni_number, normalise_uprn
from .names import normalise_name, parse_full_name, split_name_parts
from .nicknames import canonical_given
from .phones import normalise_phones
from .phonetic import phonetic_key

__all__ = ["standardise_chunk", "StandardisedChunk", "FieldTally", "ENGINE_VERSION", "IDENTIFYING"]

#: bumped when standardisation changes, so a re-load re-standardises unchanged rows
ENGINE_VERSION = "2"
#: a row with none of these after standardisation cannot identify anyone
IDENTIFYING = ("given_name", "family_name", "dob", "nhs_number", "ni_number", "phones", "emails", "uprn")
NAME_PARTS = ("title", "given_name", "middle_names", "family_name", "suffix")
MAX_VALUE_CHARS = 1000
#: mapped fields that hold (parts of) a name: a value with digits and no letter is not a name
NAME_FIELDS = ("full_name", "given_name", "middle_names", "family_name")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


def _shown(value: str) -> str:
    """A value for a rejects file: control characters escaped, at most 200 characters."""
    return value[:200].encode("unicode_escape").decode("ascii")[:200]


#: a few lost values per field and chunk, kept in memory (never logged or reported) so that a
#: mapping warning can say what the lost values look like (``ingest.mapping_check``)
LOST_SAMPLE = 50


@dataclass
class FieldTally:
    """One mapped field in one chunk: rows holding a value, and how many of those kept one after
    validation; ``lost_sample`` holds a few of the values that did not (in memory only)."""

    filled: int
    valid: int
    lost_sample: list[str] = field(default_factory=list)


@dataclass
class StandardisedChunk:
    frame: pd.DataFrame  # RECORD_COLUMNS + row_hash + raw + __row__
    rejects: list[Reject]
    #: per mapped field (ADR 0030); ``rows`` the chunk's rows, before any row is rejected
    tallies: dict[str, FieldTally] = field(default_factory=dict)
    rows: int = 0


def _none(s: pd.Series) -> pd.Series:
    """As object values with None for every missing value (NaN, NA, NaT)."""
    v = s.to_numpy(dtype=object)
    missing = pd.isna(v)
    if missing.any():
        v = v.copy()
        v[missing] = None
    return pd.Series(v, index=s.index, dtype=object)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize`` codes and uniques of a column of text (``None``/NaN coded -1), or ``None``
    when it holds anything but ``str`` (e.g. ``True`` and ``1`` would factorize as one value)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _per_value(values: np.ndarray, fn: Callable[[Any], Any], missing: Any) -> np.ndarray:
    """``fn`` of every cell (``missing`` for None/NaN), computed once per distinct text; a column
    that is not all text is done cell by cell."""
    found = _distinct(values)
    if found is None:
        return np.array([missing if v is None or v != v else fn(v) for v in values], dtype=object)
    codes, uniques = found
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [fn(u) for u in uniques]
    table[-1] = missing
    return table[codes]


def _joined(raw: pd.DataFrame, cols: tuple[str, ...], sep: str = " ") -> pd.Series:
    """The non-blank cells of ``cols`` joined by ``sep`` per row (``None`` when all are blank)."""
    parts = [raw[c].astype(object) for c in cols]
    if len(parts) == 1:
        return _none(parts[0])
    # each column's usable text once per distinct value, then joined column by column over the
    # rows holding it (whole-column object additions instead of a Python join per row)
    n = len(raw)
    acc = np.full(n, "", dtype=object)
    started = np.zeros(n, dtype=bool)
    for part in parts:
        text = _per_value(part.to_numpy(dtype=object), _usable, None)
        present = text != None  # noqa: E711 -- elementwise on an object array
        both = present & started
        if both.any():
            acc[both] = acc[both] + sep
        acc[present] = acc[present] + text[present]
        started |= present
    acc[~started] = None
    return pd.Series(acc, index=raw.index, dtype=object)


def _usable(v: Any) -> str | None:
    """A cell as ``_joined`` writes it: its text, or ``None`` when it is blank."""
    return str(v) if v == v and str(v).strip() != "" else None


def _too_long(v: str) -> bool:
    return len(v) > MAX_VALUE_CHARS


def _no_letters(v: str) -> bool:
    """A number or an id, not a name: digits and no letter."""
    return _DIGIT.search(v) is not None and not _LETTER.search(v)


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def _mapping_fingerprint(mapping: SourceMapping) -> str:
    d = mapping.to_dict()
    return hashlib.sha1((json.dumps(d, sort_keys=True) + ENGINE_VERSION).encode()).hexdigest()[:12]


def _with_flags(raw: pd.DataFrame, attr_cols: list[str], mapping: SourceMapping, drop_errors: Any) -> list[str]:
    """Each record's attributes JSON with its typed flags under ``FLAGS_KEY`` (a flag whose
    cell is empty is absent; one whose value is not of its type is dropped, with a reject).

    Byte for byte ``json.dumps(attributes | {FLAGS_KEY: flags}, sort_keys=True, default=str)``:
    each flag is typed once per distinct cell and the flags object joins the attributes as one
    more (pre-encoded) key, instead of a JSON parse and dump per row."""
    from ..ingest.flags import FLAGS_KEY, convert_flag

    text = [_distinct(raw[flag.column].to_numpy(dtype=object)) for flag in mapping.flags.values()]
    plain = FLAGS_KEY not in attr_cols and all(
        pd.api.types.infer_dtype(raw[c].to_numpy(dtype=object), skipna=True) in ("string", "empty")
        for c in attr_cols
    )
    if not plain or any(t is None for t in text):  # not all text: the general way, row by row
        return _with_flags_per_row(_json_objects(raw, attr_cols, skip_none=True), raw, mapping, drop_errors)
    pieces: dict[str, np.ndarray] = {}
    for (name, flag), found in zip(mapping.flags.items(), text, strict=True):
        assert found is not None
        codes, uniques = found
        typed, errors = convert_flag(pd.Series(uniques, dtype=object), flag.type)
        err = np.empty(len(uniques) + 1, dtype=object)
        err[:-1] = errors.to_numpy(dtype=object)
        err[-1] = None  # an empty cell is no flag and no error
        row_errors = pd.Series(err[codes], index=raw.index, dtype=object)
        drop_errors(row_errors.where(row_errors.isna(), f"flag {name}: " + row_errors.astype(str)), flag.column,
                    raw[flag.column])
        enc = np.empty(len(uniques) + 1, dtype=object)
        key = json.dumps(name) + ": "
        enc[:-1] = [None if v is None else key + json.dumps(v, default=str) for v in typed.tolist()]
        enc[-1] = None
        pieces[name] = enc[codes]
    flags = _object_rows([pieces[n] for n in sorted(pieces)], empty=None)
    flag_key = json.dumps(FLAGS_KEY) + ": "
    flag_col = np.array([None if f is None else flag_key + f for f in flags], dtype=object)
    columns = {c: _encoded(raw[c], json.dumps(c) + ": ") for c in attr_cols}
    columns[FLAGS_KEY] = flag_col
    return _object_rows([columns[c] for c in sorted(columns)], empty="{}")


def _with_flags_per_row(attributes: Any, raw: pd.DataFrame, mapping: SourceMapping, drop_errors: Any) -> list[str]:
    """``_with_flags`` for a frame holding values other than text (parsed and dumped per row)."""
    from ..ingest.flags import FLAGS_KEY, convert_flag

    typed: dict[str, list[Any]] = {}
    for name, flag in mapping.flags.items():
        values, errors = convert_flag(raw[flag.column], flag.type)
        drop_errors(errors.where(errors.isna(), f"flag {name}: " + errors.astype(str)), flag.column, raw[flag.column])
        typed[name] = values.tolist()
    out: list[str] = []
    for i, attrs in enumerate(list(attributes)):
        flags = {n: v[i] for n, v in typed.items() if v[i] is not None}
        if not flags:
            out.append(attrs)
            continue
        d = json.loads(attrs) if attrs else {}
        d[FLAGS_KEY] = flags
        out.append(json.dumps(d, sort_keys=True, default=str))
    return out


def _norm_extra(s: pd.Series) -> pd.Series:
    s = _none(s)
    ok = s.notna()
    out = s.copy()
    out[ok] = s[ok].astype(str).str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    return out.where(out.notna() & (out != ""), None)


_json_text = json.encoder.encode_basestring_ascii


def _encoded(s: pd.Series, key: str = "", none: str | None = None) -> np.ndarray:
    """Each cell as ``json.dumps(..., default=str)`` writes it as a dict value after ``key``
    (e.g. ``'"name": '``), computed once per distinct value; ``None`` cells get ``none``."""
    values = s.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    enc = np.empty(len(uniques) + 1, dtype=object)
    # for text, exactly the function json.dumps itself calls (ensure_ascii), without its overhead
    enc[:-1] = [key + (_json_text(u) if type(u) is str else json.dumps(u, default=str)) for u in uniques]
    enc[-1] = none
    out = enc[codes]
    na = np.flatnonzero(codes == -1)
    if len(na):  # NaN, NaT or pd.NA (not None): written as json.dumps writes them
        other = [i for i in na if values[i] is not None]
        out[other] = [key + json.dumps(values[i], default=str) for i in other]
    return out


def _object_rows(columns: list[np.ndarray], *, empty: str | None) -> list[Any]:
    """Per row, its non-``None`` ``"key": value`` pieces (columns in key order, at least one) as
    one JSON object; ``empty`` for a row with none."""
    return [
        "{" + body + "}" if (body := ", ".join([p for p in row if p is not None])) else empty
        for row in zip(*columns, strict=True)
    ]


def _json_objects(raw: pd.DataFrame, cols: list[str], *, skip_none: bool) -> list[str]:
    """One JSON object per row of ``raw[cols]``: byte for byte what
    ``json.dumps({c: row[c] for c in cols}, sort_keys=True, default=str)`` gives (``skip_none``:
    without the ``None`` values), built column by column with each distinct value encoded once
    (with its key), instead of a dict and an encoder call per row."""
    if not cols:
        return ["{}"] * len(raw)
    columns = []
    for c in sorted(cols):
        key = json.dumps(c) + ": "
        columns.append(_encoded(raw[c], key, None if skip_none else key + "null"))
    if not skip_none:  # every cell has a piece
        return ["{" + ", ".join(row) + "}" for row in zip(*columns, strict=True)]
    return _object_rows(columns, empty="{}")


def standardise_chunk(
    raw: pd.DataFrame,
    mapping: SourceMapping,
    file: str,
) -> StandardisedChunk:
    """Standardise one chunk (a pure function of its input: chunks run in worker processes).

    Duplicate ids across the file are found afterwards by ``drop_duplicate_ids``.
    """
    rejects: list[Reject] = []
    idx = raw.index
    rows = raw["__row__"].astype(int)
    f = mapping.fields

    as_given: dict[str, pd.Series] = {}  # mapped field -> its values as the export gave them

    def col(field_name: str, sep: str = " ") -> pd.Series:
        if field_name not in f:
            return _empty(idx)
        joined = _joined(raw, f[field_name], sep)
        as_given.setdefault(field_name, joined)
        too_long = pd.Series(_per_value(joined.to_numpy(dtype=object), _too_long, False).astype(bool),
                             index=joined.index)
        if too_long.any():
            column = "+".join(f[field_name])
            for r, v in zip(rows[too_long], joined[too_long], strict=True):
                rejects.append(Reject(file, int(r), column,
                                      f"value is {len(v):,} characters (limit {MAX_VALUE_CHARS:,}); "
                                      "is the column mapped right?", "value dropped", v[:200]))
            joined = joined.where(~too_long, None)
        if field_name in NAME_FIELDS:
            joined = drop_numbers(joined, field_name)
        return joined

    def drop_numbers(values: pd.Series, field_name: str) -> pd.Series:
        """A name field's values with no letter in them (a number, an id) are dropped."""
        present = [v for v in values.tolist() if v is not None]
        if not present or not _DIGIT.search("\x1f".join(present)):
            return values  # no digit anywhere in the column: one pass in C
        number = pd.Series(_per_value(values.to_numpy(dtype=object), _no_letters, False).astype(bool),
                           index=values.index)
        if not number.any():
            return values
        column = "+".join(f[field_name])
        for r, v in zip(rows[number], values[number], strict=True):
            rejects.append(Reject(file, int(r), column,
                                  f"{v[:40]!r} has no letters: a number is not a name; is the column "
                                  "mapped right?", "value dropped", v[:200]))
        return values.where(~number, None)

    def drop_errors(errors: pd.Series, field_name: str, values: pd.Series) -> None:
        bad = errors.notna()
        if not bad.any():
            return
        column = "+".join(f.get(field_name, (field_name,)))
        for r, reason, v in zip(rows[bad], errors[bad], values[bad], strict=True):
            rejects.append(Reject(file, int(r), column, str(reason), "value dropped", None if v is None else str(v)))

    nothing = pd.Series([None] * len(idx), index=idx, dtype=object)  # a field the mapping lacks
    # columns gathered in a dict and made a frame once (a frame grown column by column costs a
    # block consolidation per column: most of a small chunk's time, e.g. a match query's)
    out: dict[str, Any] = {}
    # -- ids ----------------------------------------------------------------------------------
    ids = _none(raw[mapping.id_column]).map(lambda v: None if v is None else str(v).strip() or None)
    keep = ids.notna()
    for r in rows[~keep]:
        rejects.append(Reject(file, int(r), mapping.id_column, f"no record id in column {mapping.id_column!r}"))
    # an id past the limits (10 MB, a NUL byte) is a broken row, not a record (ADR 0029)
    for i, reason in id_problems(ids.tolist()).items():
        keep.iloc[i] = False
        rejects.append(Reject(file, int(rows.iloc[i]), mapping.id_column, reason,
                              value=_shown(ids.iloc[i])))
    # -- names --------------------------------------------------------------------------------
    parts = pd.DataFrame({c: _empty(idx) for c in NAME_PARTS})
    if "full_name" in f:
        parts = parse_full_name(col("full_name")).reindex(idx)
    if any(k in f for k in ("given_name", "family_name", "middle_names", "title")):
        given = col("given_name")
        family = col("family_name")
        middle = col("middle_names") if "middle_names" in f else None
        title = col("title") if "title" in f else None
        split = split_name_parts(given, family, middle, title).reindex(idx)
        for c in NAME_PARTS:
            parts[c] = _none(split[c]).where(split[c].notna(), parts[c])
    if "suffix" in f:
        suf = normalise_name(col("suffix"))
        parts["suffix"] = suf.where(suf.notna(), parts["suffix"])
    for c in NAME_PARTS:
        out[c] = _none(parts[c])
    out["given_canonical"] = _none(canonical_given(out["given_name"]))
    out["given_phonetic"] = _none(phonetic_key(out["given_name"]))
    out["family_phonetic"] = _none(phonetic_key(out["family_name"]))
    # -- dates --------------------------------------------------------------------------------
    dob_raw = col("dob")
    dob = parse_dates(dob_raw, mapping.formats.get("dob"), earliest=mapping.dob_earliest, latest=mapping.dob_latest)
    drop_errors(dob["error"], "dob", dob_raw)
    out["dob"] = _none(dob["value"])
    out["dob_ambiguous"] = dob["ambiguous"].astype(bool).to_numpy()
    # (a field the mapping lacks is None throughout: its stage is not run on a column of Nones)
    if "record_date" in f:
        rd_raw = col("record_date")
        rd = parse_dates(rd_raw, mapping.formats.get("record_date"), earliest="1900-01-01")
        drop_errors(rd["error"], "record_date", rd_raw)
        out["record_date"] = _none(rd["value"])
    else:
        out["record_date"] = nothing
    out["gender"] = _none(normalise_gender(col("gender"))) if "gender" in f else nothing
    # -- address ------------------------------------------------------------------------------
    addr_raw = col("address", ", ")
    pc_raw = col("postcode")
    addr = parse_addresses(addr_raw, pc_raw if "postcode" in f else None).reindex(idx)
    for c in ("address", "flat", "house_number", "street", "town", "postcode", "postcode_sector",
              "postcode_district", "postcode_area", "address_key"):
        out[c] = _none(addr[c])
    if "postcode" in f:
        bad_pc = pc_raw.notna() & ~addr["postcode_valid"].astype(bool)
        drop_errors(pc_raw.where(bad_pc, None).map(lambda v: None if v is None else f"{v!r} is not a valid UK postcode"),
                    "postcode", pc_raw)
    # -- identifiers --------------------------------------------------------------------------
    for field_name, fn, target in (
        ("uprn", normalise_uprn, "uprn"),
        ("nhs_number", normalise_nhs_number, "nhs_number"),
        ("ni_number", normalise_ni_number, "ni_number"),
    ):
        if field_name not in f:
            out[target] = nothing
            continue
        v_raw = col(field_name)
        res = fn(v_raw)
        drop_errors(res["error"], field_name, v_raw)
        out[target] = _none(res["value"])
    if "phone" in f:
        ph_raw = col("phone", MULTI_SEPARATOR)
        ph = normalise_phones(ph_raw, mapping.region)
        drop_errors(ph["error"], "phone", ph_raw)
        out["phones"] = _none(ph["value"])
    else:
        out["phones"] = nothing
    if "email" in f:
        em_raw = col("email", MULTI_SEPARATOR)
        em = normalise_emails(em_raw)
        drop_errors(em["error"], "email", em_raw)
        out["emails"] = _none(em["value"])
    else:
        out["emails"] = nothing
    # -- extra evidence and attributes ---------------------------------------------------------
    # an impossible dob ("1853-15-20") is dropped as a date but kept, in ISO field order, as
    # evidence for the dob comparison: a typo of one digit is still one digit away
    unreal = _none(dob["unreal"])
    extra_cols = {name: _norm_extra(raw[c.column]) for name, c in mapping.compare.items()}
    if unreal.notna().any():
        extra_cols[DOB_UNPARSED] = unreal
    if extra_cols:
        # the text values' JSON object per row (None when none), as json.dumps(..., sort_keys=True)
        out["extra"] = _object_rows([_encoded(extra_cols[k], json.dumps(k) + ": ") for k in sorted(extra_cols)],
                                    empty=None)
    else:
        out["extra"] = None
    used = mapping.columns_used() | {"__row__"}
    attr_cols = [c for c in raw.columns if c not in used]
    if mapping.keep_attributes is not None:
        attr_cols = [c for c in attr_cols if c in set(mapping.keep_attributes)]
    raw_cols = [c for c in raw.columns if c != "__row__"]
    if mapping.flags:  # typed per-source flags, kept beside the attributes (ingest.flags)
        out["attributes"] = _with_flags(raw, attr_cols, mapping, drop_errors)
    else:
        out["attributes"] = _json_objects(raw, attr_cols, skip_none=True)
    out["raw"] = _json_objects(raw, raw_cols, skip_none=False)
    fp = _mapping_fingerprint(mapping)
    out["row_hash"] = [hashlib.sha1((fp + s).encode("utf-8")).hexdigest() for s in out["raw"]]
    out["source"] = mapping.source
    out["source_record_id"] = ids
    out["record_id"] = mapping.source + ":" + ids.fillna("")
    out["__row__"] = rows
    table = pd.DataFrame(out, index=idx)
    tallies = _tally(as_given, table, addr["postcode_valid"].astype(bool))
    # -- rows that identify nobody ---------------------------------------------------------------
    has_any = table[list(IDENTIFYING)].notna().any(axis=1)
    for r in rows[keep & ~has_any]:
        rejects.append(Reject(file, int(r), None,
                              "no identifying fields after standardisation (name, dob, NHS/NI number, "
                              "phone, email or UPRN); map at least one of them"))
    keep &= has_any
    frame = table[keep]
    frame = frame[list(RECORD_COLUMNS) + ["row_hash", "raw", "__row__"]]
    return StandardisedChunk(frame, rejects, tallies, len(raw))


#: the canonical column(s) a mapped field's value ends up in: present there = survived validation
_KEPT_IN: dict[str, tuple[str, ...]] = {
    "full_name": ("given_name", "family_name"),
    "phone": ("phones",),
    "email": ("emails",),
}


def _tally(given: dict[str, pd.Series], table: pd.DataFrame, postcode_valid: pd.Series) -> dict[str, FieldTally]:
    """Per mapped field: rows that held a value, and those whose value survived standardisation
    (for the postcode, a valid UK postcode in its own column, not one found in the address)."""
    out: dict[str, FieldTally] = {}
    for name, values in given.items():
        held = values.notna()
        if name == "postcode":
            kept = postcode_valid
        else:
            kept = table[list(_KEPT_IN.get(name, (name,)))].notna().any(axis=1)
        lost = held & ~kept
        sample = [str(v)[:200] for v in values[lost].head(LOST_SAMPLE)]
        out[name] = FieldTally(int(held.sum()), int((held & kept).sum()), sample)
    return out


def drop_duplicate_ids(
    chunk: StandardisedChunk, seen_ids: dict[str, int], file: str, id_column: str
) -> StandardisedChunk:
    """Reject rows whose id appeared earlier in the file (``seen_ids``: id → first row, spanning
    the file's chunks, updated in place). The first row with an id wins."""
    f = chunk.frame
    if f.empty:
        return chunk
    rejects = list(chunk.rejects)
    first_in_chunk = ~f["source_record_id"].duplicated()
    # a dict lookup per row: ``Series.map(dict)`` would copy the whole (growing) dict per chunk
    prior = pd.Series([seen_ids.get(v) for v in f["source_record_id"].tolist()], index=f.index, dtype=object)
    dup = prior.notna() | ~first_in_chunk
    if dup.any():
        firsts = dict(zip(f.loc[first_in_chunk, "source_record_id"], f.loc[first_in_chunk, "__row__"], strict=True))
        for rid, r, p in zip(f.loc[dup, "source_record_id"], f.loc[dup, "__row__"], prior[dup], strict=True):
            first = int(p) if p == p and p is not None else firsts[rid]
            rejects.append(Reject(file, int(r), id_column,
                                  f"duplicate record id {rid!r} (first seen at row {first}); keep one row per id",
                                  value=rid))
    kept = f[~dup]
    seen_ids.update(zip(kept["source_record_id"], kept["__row__"].astype(int), strict=True))
    return StandardisedChunk(kept, rejects)
