"""Comparison levels as stored text ("1,4,0,0"): one row of levels per edge, one digit each.

The stores keep each edge's levels as text (Neo4j properties and SQLite columns alike). A million
edges are written per resolve at council scale, so the text is built and parsed as whole arrays
(one byte per level, commas between), not a ``",".join`` per edge; a level above 9 (no built-in
comparison has one) takes the general path.
"""

from __future__ import annotations

import numpy as np

__all__ = ["levels_to_text", "text_to_levels"]

_COMMA = ord(",")
_ZERO = ord("0")


def levels_to_text(levels: np.ndarray) -> np.ndarray:
    """One "l1,l2,...,lk" string per row of an (n, k) integer array, as an object array.

    >>> levels_to_text(np.array([[1, 4, 0], [0, 0, 2]], dtype=np.int8)).tolist()
    ['1,4,0', '0,0,2']
    """
    n, k = levels.shape
    if n == 0 or k == 0:
        return np.full(n, "", dtype=object)
    if levels.min() < 0 or levels.max() > 9:
        return np.array([",".join(map(str, row)) for row in levels.tolist()], dtype=object)
    width = 2 * k - 1
    buf = np.full((n, width), _COMMA, dtype=np.uint8)
    buf[:, ::2] = levels.astype(np.uint8) + _ZERO
    return buf.view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def text_to_levels(texts: np.ndarray | list[object], k: int) -> np.ndarray:
    """The (n, k) int8 levels of stored texts; a missing text is all zeros.

    >>> text_to_levels(["1,4,0", None], 3).tolist()
    [[1, 4, 0], [0, 0, 0]]
    """
    texts = np.asarray(texts, dtype=object)
    n = len(texts)
    if n == 0 or k == 0:
        return np.zeros((n, k), dtype=np.int8)
    width = 2 * k - 1
    present = np.array([isinstance(t, str) and t != "" for t in texts.tolist()], dtype=bool)
    filled = np.where(present, texts, ",".join("0" * k))
    lengths = np.fromiter((len(t) for t in filled.tolist()), dtype=np.int64, count=n)
    if (lengths == width).all():
        raw = np.array(filled.tolist(), dtype=f"S{width}").view(np.uint8).reshape(n, width)
        digits = raw[:, ::2]
        if ((digits >= _ZERO) & (digits <= _ZERO + 9)).all() and (raw[:, 1::2] == _COMMA).all():
            return (digits - _ZERO).astype(np.int8)
    return np.array([[int(x) for x in str(s).split(",")] for s in filled.tolist()], dtype=np.int8).reshape(n, k)
