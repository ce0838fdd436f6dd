"""Writers for the synthetic exports, each byte-deterministic for the same columns.

Columns arrive as numpy object arrays of strings where ``""`` means "missing"; each writer decides
how a missing value looks in its format (empty CSV cell, JSON null or absent key, Parquet null).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["write_csv", "write_xlsx", "write_json", "write_ndjson", "write_parquet", "toml_text"]

_FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def write_csv(path: Path, cols: Mapping[str, np.ndarray], *, delimiter: str = ",") -> None:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    frame.to_csv(path, index=False, sep=delimiter, lineterminator="\n", encoding="utf-8")


def _records(cols: Mapping[str, np.ndarray], missing: str) -> list[dict[str, Any]]:
    names = list(cols)
    values = [cols[k].tolist() for k in names]
    out: list[dict[str, Any]] = []
    for row in zip(*values, strict=True):
        if missing == "omit":
            out.append({k: v for k, v in zip(names, row, strict=True) if v != ""})
        else:
            out.append({k: (None if v == "" else v) for k, v in zip(names, row, strict=True)})
    return out


def write_json(
    path: Path, cols: Mapping[str, np.ndarray], *, record_path: str | None, missing: str,
    meta: Mapping[str, Any] | None = None,
) -> None:  # fmt: skip
    """A list of objects, or ``{..meta, record_path: [...]}``; one object per line for diffs."""
    body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in _records(cols, missing))
    with path.open("w", encoding="utf-8", newline="\n") as f:
        if record_path is None:
            f.write("[\n" + body + "\n]\n")
            return
        head = json.dumps(dict(meta or {}), ensure_ascii=False)[:-1]
        f.write(head + (", " if meta else "") + json.dumps(record_path) + ": [\n" + body + "\n]}\n")


def write_ndjson(path: Path, cols: Mapping[str, np.ndarray], *, missing: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for r in _records(cols, missing):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_parquet(path: Path, cols: Mapping[str, np.ndarray], *, dates: tuple[str, ...]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for k, v in cols.items():
        if k in dates:
            arrays[k] = pa.array(v.astype("datetime64[D]"), type=pa.date32())
        elif v.dtype.kind in "iu":
            arrays[k] = pa.array(v, type=pa.int64())
        else:
            arrays[k] = pa.array([None if x == "" else x for x in v.tolist()], type=pa.string())
    pq.write_table(pa.table(arrays), path, compression="snappy")


def write_xlsx(
    path: Path, cols: Mapping[str, np.ndarray], *, sheet: str, dates: tuple[str, ...]
) -> None:
    """Write-only openpyxl workbook with real Excel dates, then re-zipped with fixed timestamps."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    fixed = dt.datetime(*_FIXED_ZIP_TIME)
    wb.properties.creator = "identity-graph synth"
    wb.properties.created = fixed
    ws = wb.create_sheet(sheet)
    names = list(cols)
    ws.append(names)
    columns: list[list[Any]] = []
    for k in names:
        vals = cols[k].tolist()
        if k in dates:
            columns.append([dt.date.fromisoformat(x) if x else None for x in vals])
        else:
            columns.append([x if x != "" else None for x in vals])
    date_idx = {i for i, k in enumerate(names) if k in dates}
    for row in zip(*columns, strict=True):
        out: list[Any] = list(row)
        for i in date_idx:
            if out[i] is not None:
                c = WriteOnlyCell(ws, value=out[i])
                c.number_format = "DD/MM/YYYY"
                out[i] = c
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    _rezip(buf.getvalue(), path)


def _rezip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed entry times and core-properties dates, so output is byte-stable."""
    stamp = "2025-01-01T00:00:00Z"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text
                )
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def toml_text(mapping: Mapping[str, Any], header: str = "") -> str:
    """Serialise a mapping (scalars, then one level of tables) as TOML."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    tables = {k: v for k, v in mapping.items() if isinstance(v, dict)}
    for k, v in mapping.items():
        if k not in tables:
            lines.append(f"{_key(k)} = {_toml_value(v)}")
    for name, table in tables.items():
        lines.append("")
        lines.append(f"[{name}]")
        for k, v in table.items():
            lines.append(f"{_key(k)} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"
