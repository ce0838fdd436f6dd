"""JSON objects, one per row, built column by column in Arrow kernels.

Byte for byte what ``DataFrame.to_json(orient="records", lines=True, force_ascii=False)`` writes
for columns of text (or None), in the given order: pandas' encoder quotes a text as is except
for control characters, ``"``, ``\\`` and ``/``, which it escapes. Texts holding one of those
(a few) are encoded by that same encoder, one call each; every other one is quoted by an Arrow
kernel, and the rows are joined by one. A column holding anything but text is not handled
(``None`` back: the caller writes those rows with pandas).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pandas._libs._ujson import ujson_dumps  # the encoder DataFrame.to_json calls

__all__ = ["json_rows", "encode"]

_TEXT = pa.large_string()
#: characters pandas' encoder escapes (with ensure_ascii off)
_ESCAPED = r'[\x00-\x1f"/\\]'


def encode(value: object) -> str:
    """One value as ``DataFrame.to_json(force_ascii=False)`` writes it."""
    return ujson_dumps(value, ensure_ascii=False)


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, _TEXT)


def _encoded_text(values: np.ndarray) -> pa.Array | None:
    """A column of text or None as JSON values (``null`` for None); None when a value is not
    text (or not encodable: pandas then raises its own error)."""
    try:
        arr = pa.array(values, type=_TEXT)  # (not from_pandas: its NaN check costs 15x the copy)
    except (pa.ArrowException, UnicodeError):
        return None
    quoted = pc.binary_join_element_wise(_lit('"'), arr, _lit('"'), _lit(""))
    escaped = pc.fill_null(pc.match_substring_regex(arr, _ESCAPED), False)
    if pc.any(escaped).as_py():
        idx = np.flatnonzero(escaped.to_numpy(zero_copy_only=False))
        quoted = pc.replace_with_mask(quoted, escaped, pa.array([encode(values[i]) for i in idx], type=_TEXT))
    return pc.fill_null(quoted, _lit("null"))


def json_rows(columns: dict[str, np.ndarray], encoded: dict[str, np.ndarray] | None = None) -> np.ndarray | None:
    """One JSON object per row, keys sorted, as an object array of str.

    ``columns``: name -> object array of text or None. ``encoded``: name -> object array of
    values already JSON-encoded (written as they are). None when a column holds something other
    than text.
    """
    encoded = encoded or {}
    names = sorted([*columns, *encoded])
    pieces: list[pa.Array | pa.Scalar] = []
    for k, name in enumerate(names):
        if name in encoded:
            col: pa.Array | None = pa.array(encoded[name], type=_TEXT)
        else:
            col = _encoded_text(columns[name])
        if col is None:
            return None
        pieces += [_lit(("{" if k == 0 else ",") + encode(name) + ":"), col]
    if not pieces:
        return None
    joined = pc.binary_join_element_wise(*pieces, _lit("}"), _lit(""))
    return joined.to_numpy(zero_copy_only=False)
