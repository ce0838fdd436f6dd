"""Keeping hundreds of thousands of records in memory compactly."""

from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["share_repeated_strings", "return_freed_memory", "trim_heap"]


_MMAP_THRESHOLD = 128 * 1024  # glibc's default, before it starts adapting


def return_freed_memory() -> None:
    """Make large freed arrays go back to the OS at once (glibc; elsewhere a no-op).

    glibc raises its mmap threshold (up to 32 MB) each time a large block is freed, so after the
    first big array is dropped, later ones come from the heap and stay resident when freed: a
    resolve's stages, each freeing its arrays before the next, then peak as if they had kept them.
    Fixing the threshold at its default (``mallopt(M_MMAP_THRESHOLD)``, which also stops the
    adapting) took the 650k resolve's peak from 2.11 to 1.86 GiB, at no measurable cost in time.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, _MMAP_THRESHOLD)  # M_MMAP_THRESHOLD


def trim_heap() -> None:
    """Give the heap's free pages back to the OS now (glibc ``malloc_trim``; elsewhere a no-op).

    Small blocks freed in the middle of the heap (SQLite's page cache, a stage's Python objects)
    stay resident until something asks: ``malloc_trim(0)`` releases every free page in every
    arena. Arrow's own pool (mimalloc: pandas' ``str`` columns live there) keeps freed pages
    too: they are released first, when pyarrow is loaded. Called between a resolve's stages and
    slices; each call takes milliseconds.
    """
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _libc() -> Any | None:
    """glibc, when this process runs on it (malloc_trim is glibc's own)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - raises AttributeError on a libc without it
        return libc
    except (OSError, AttributeError):
        return None


def share_repeated_strings(frame: pd.DataFrame, max_share: float = 0.5) -> pd.DataFrame:
    """In place, and returned: in every object column where distinct values are at most
    ``max_share`` of the rows, make equal values one shared object.

    A store hands back a new ``str`` per cell (about 60 bytes each); postcode sectors, towns,
    given names or sources repeat thousands of times. Measured on 655k records: the records frame
    shrinks from 1.4 GB to about 0.6 GB for a second of work.
    """
    n = len(frame)
    for c in frame.columns:
        if frame[c].dtype != object:
            continue
        codes, uniques = pd.factorize(frame[c].to_numpy(dtype=object), use_na_sentinel=True)
        if len(uniques) > max_share * n:
            continue
        values = np.empty(len(uniques) + 1, dtype=object)
        values[:-1] = np.asarray(uniques, dtype=object)
        values[-1] = None
        frame[c] = pd.Series(values[codes], index=frame.index, dtype=object)  # -1: the trailing None
    return frame
