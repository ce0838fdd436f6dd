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


def _joined(raw: pd.DataFrame, cols: tuple[str, ...], sep: str = " ") -> pd.Series:
    parts = [raw[c].astype(object) for c in cols]
    if len(parts) == 1:
        return _none(parts[0])
    df = pd.concat(parts, axis=1)
    vals = [
        sep.join(str(v) for v in row if v is not None and v == v and str(v).strip() != "") or None
        for row in df.itertuples(index=False, name=None)
    ]
    return pd.Series(vals, index=raw.index, dtype=object)


def _empty(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def _mapping_fingerprint(mapping: SourceMapping) -> str:
    d = mapping.to_dict()
    return hashlib.sha1((json.dumps(d, sort_keys=True) + ENGINE_VERSION).encode()).hexdigest()[:12]


def _with_flags(attributes: Any, raw: pd.DataFrame, mapping: SourceMapping, drop_errors: Any) -> list[str | None]:
    """Each record's attributes JSON with its typed flags under ``FLAGS_KEY`` (a flag whose
    cell is empty is absent; one whose value is not of its type is dropped, with a reject)."""
    from ..ingest.flags import FLAGS_KEY, convert_flag

    typed: dict[str, pd.Series] = {}
    for name, flag in mapping.flags.items():
        values, errors = convert_flag(raw[flag.column], flag.type)
        drop_errors(errors.where(errors.isna(), f"flag {name}: " + errors.astype(str)), flag.column, raw[flag.column])
        typed[name] = values
    out: list[str | None] = []
    for i, attrs in enumerate(list(attributes)):
        flags = {n: v.iloc[i] for n, v in typed.items() if v.iloc[i] is not None}
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


def _encoded(s: pd.Series) -> np.ndarray:
    """Each cell as ``json.dumps(..., default=str)`` writes it as a dict value, computed once per
    distinct value; ``None`` cells stay ``None`` (the caller writes "null" or leaves them out)."""
    values = s.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    enc = np.empty(len(uniques) + 1, dtype=object)
    # for text, exactly the function json.dumps itself calls (ensure_ascii), without its overhead
    enc[:-1] = [_json_text(u) if type(u) is str else json.dumps(u, default=str) for u in uniques]
    enc[-1] = None
    out = enc[codes]
    na = np.flatnonzero(codes == -1)
    if len(na):  # NaN, NaT or pd.NA (not None): written as json.dumps writes them
        other = [i for i in na if values[i] is not None]
        out[other] = [json.dumps(values[i], default=str) for i in other]
    return out


def _json_objects(raw: pd.DataFrame, cols: list[str], *, skip_none: bool) -> list[str]:
    """One JSON object per row of ``raw[cols]``: byte for byte what
    ``json.dumps({c: row[c] for c in cols}, sort_keys=True, default=str)`` gives (``skip_none``:
    without the ``None`` values), built column by column with each distinct value encoded once,
    instead of a dict and an encoder call per row."""
    if not cols:
        return ["{}"] * len(raw)
    ordered = sorted(cols)
    keys = [json.dumps(c) + ": " for c in ordered]
    columns = [_encoded(raw[c]) for c in ordered]
    rows = zip(*columns, strict=True)
    if skip_none:
        return ["{" + ", ".join([k + v for k, v in zip(keys, row, strict=True) if v is not None]) + "}" for row in rows]
    return [
        "{" + ", ".join([k + ("null" if v is None else v) for k, v in zip(keys, row, strict=True)]) + "}" for row in rows
    ]


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
        too_long = joined.map(lambda v: v is not None and len(v) > MAX_VALUE_CHARS)
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
        number = values.map(lambda v: v is not None and _DIGIT.search(v) is not None and not _LETTER.search(v))
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
        extra = pd.DataFrame(extra_cols, index=idx)
        present = [{k: v for k, v in r.items() if v is not None} for r in extra.to_dict(orient="records")]
        out["extra"] = [json.dumps(d, sort_keys=True) if d else None for d in present]
    else:
        out["extra"] = None
    used = mapping.columns_used() | {"__row__"}
    attr_cols = [c for c in raw.columns if c not in used]
    if mapping.keep_attributes is not None:
        attr_cols = [c for c in attr_cols if c in set(mapping.keep_attributes)]
    raw_cols = [c for c in raw.columns if c != "__row__"]
    out["attributes"] = _json_objects(raw, attr_cols, skip_none=True)
    if mapping.flags:  # typed per-source flags, kept beside the attributes (ingest.flags)
        out["attributes"] = _with_flags(out["attributes"], raw, mapping, drop_errors)
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
