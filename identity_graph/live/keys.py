"""Blocking keys kept in memory, for records added one at a time.

A resolve blocks with DuckDB self-joins over the whole index (``block.pairs``). The live index
needs the same candidate pairs for a handful of records against 650k, in milliseconds: each
rule's key values are coded over a vocabulary that only grows, every record's key is one 64-bit
hash of its codes, and a rule's index is those hashes sorted (with each record's position), plus
a small dict for records added since. Blocks are the records sharing a hash; a block larger
than the rule's ``max_block`` yields no pairs, exactly as the resolve skips it, and sizes count
the live records only (a retired or replaced record keeps its position, marked dead).

Key values are derived as ``block.keys.blocking_keys`` derives its codes (initials, birth year,
names in either order, phones and emails one value each), so a record meets the same records
here as in a resolve.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..block.keys import MULTI_KEYS
from ..settings import BlockingRule

__all__ = ["KeyIndex", "key_values"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
#: at most this many values are coded by dict lookups rather than by a vectorised index
_SMALL = 64


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column's values, None where missing or empty."""
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    v = frame[name].to_numpy(dtype=object)
    bad = pd.isna(v)
    out = v.copy()
    out[bad] = None
    out[np.array([x == "" for x in out.tolist()], dtype=bool)] = None
    return out


def _sliced(values: np.ndarray, start: int, stop: int | None) -> np.ndarray:
    out = np.array([None if v is None else (str(v)[start:stop] or None) for v in values.tolist()], dtype=object)
    return out


def _either(primary: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    return np.where(pd.isna(primary), fallback, primary)


def _unordered(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array(
        [None if a is None or b is None else ("\x1f".join(sorted((str(a), str(b))))) for a, b in zip(x.tolist(), y.tolist(), strict=True)],
        dtype=object,
    )


def key_values(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Per record, the value of a single-valued blocking key (None: no value)."""
    derived: dict[str, Callable[[], np.ndarray]] = {
        "given_initial": lambda: _sliced(_text(frame, "given_name"), 0, 1),
        "family_initial": lambda: _sliced(_text(frame, "family_name"), 0, 1),
        "dob_year": lambda: _sliced(_text(frame, "dob"), 0, 4),
        "dob_md": lambda: _sliced(_text(frame, "dob"), 5, None),
        "family_or_given": lambda: _either(_text(frame, "family_name"), _text(frame, "given_name")),
        "names_unordered": lambda: _unordered(_text(frame, "given_name"), _text(frame, "family_name")),
        "initials_unordered": lambda: _unordered(
            _sliced(_text(frame, "given_name"), 0, 1), _sliced(_text(frame, "family_name"), 0, 1)
        ),
    }
    return derived[key]() if key in derived else _text(frame, key)


class _Vocab:
    """Codes of a key's values: a vocabulary that only grows (so codes never change)."""

    def __init__(self) -> None:
        self.index = pd.Index([], dtype=object)
        self._lookup: dict[object, int] | None = None  # value -> code, built on first small call
        self._lock = threading.Lock()

    def codes(self, values: np.ndarray) -> np.ndarray:
        """int64 code per value (-1 for None), adding values not seen before."""
        with self._lock:
            if len(values) <= _SMALL:
                return self._codes_small(values)
            return self._codes_many(values)

    def _codes_many(self, values: np.ndarray) -> np.ndarray:
        ok = np.array([v is not None for v in values.tolist()], dtype=bool)
        out = np.full(len(values), -1, dtype=np.int64)
        if not ok.any():
            return out
        vals = values[ok]
        pos = self.index.get_indexer(vals)
        new = pos < 0
        if new.any():
            fresh = pd.unique(vals[new])
            start = len(self.index)
            self.index = self.index.append(pd.Index(fresh, dtype=object))
            pos[new] = self.index.get_indexer(vals[new])
            if self._lookup is not None:
                self._lookup.update(zip(fresh.tolist(), range(start, start + len(fresh)), strict=True))
        out[ok] = pos
        return out

    def _codes_small(self, values: np.ndarray) -> np.ndarray:
        """``codes`` for a handful of values (a match query, one new record): dict lookups,
        not a hash table built over the whole vocabulary per call."""
        lookup = self._lookup
        if lookup is None:
            lookup = self._lookup = {v: i for i, v in enumerate(self.index.tolist())}
        out = np.full(len(values), -1, dtype=np.int64)
        fresh: list[object] = []
        for i, v in enumerate(values.tolist()):
            if v is None:
                continue
            code = lookup.get(v)
            if code is None:
                code = lookup[v] = len(lookup)
                fresh.append(v)
            out[i] = code
        if fresh:
            self.index = self.index.append(pd.Index(fresh, dtype=object))
        return out


class KeyIndex:
    """Per blocking rule: which live records share each key, for pairs against any records."""

    def __init__(self, rules: list[BlockingRule]):
        self.rules = rules
        self._vocab: dict[str, _Vocab] = {}
        self._base: list[tuple[np.ndarray, np.ndarray]] = [(np.zeros(0, np.uint64), np.zeros(0, np.int64))] * len(rules)
        self._added: list[dict[int, list[int]]] = [{} for _ in rules]

    # -- hashing ----------------------------------------------------------------------------
    def _vocab_of(self, key: str) -> _Vocab:
        v = self._vocab.get(key)
        if v is None:
            v = self._vocab[key] = _Vocab()
        return v

    def entries(self, frame: pd.DataFrame, positions: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per rule, (positions, key hashes) of the given records (frame row i is record
        ``positions[i]``): one entry per distinct key value combination a record holds."""
        positions = np.asarray(positions, dtype=np.int64)
        singles: dict[str, np.ndarray] = {}
        multis: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        out = []
        for rule in self.rules:
            pos = np.arange(len(frame), dtype=np.int64)  # rows of ``frame``
            h = np.zeros(len(frame), dtype=np.uint64)
            for k in rule.keys:
                if k in MULTI_KEYS:
                    if k not in multis:
                        rows, vals = [], []
                        for i, v in enumerate(_text(frame, MULTI_KEYS[k]).tolist()):
                            if v is None:
                                continue
                            for part in dict.fromkeys(str(v).split("|")):
                                if part:
                                    rows.append(i)
                                    vals.append(part)
                        multis[k] = (np.asarray(rows, dtype=np.int64), self._vocab_of(k).codes(np.asarray(vals, dtype=object)))
                    rows, codes = multis[k]
                    # every combination of this record's values with the entries so far
                    order = np.argsort(rows, kind="stable")
                    rows, codes = rows[order], codes[order]
                    lo = np.searchsorted(rows, pos, "left")
                    hi = np.searchsorted(rows, pos, "right")
                    counts = hi - lo
                    rep = np.repeat(np.arange(len(pos)), counts)
                    starts = np.repeat(lo, counts)
                    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
                    take = starts + offsets
                    pos, h = pos[rep], h[rep]
                    c = codes[take.astype(np.int64)] if len(take) else np.zeros(0, np.int64)
                else:
                    if k not in singles:
                        singles[k] = self._vocab_of(k).codes(key_values(frame, k))
                    c = singles[k][pos]
                    keep = c >= 0
                    pos, h, c = pos[keep], h[keep], c[keep]
                with np.errstate(over="ignore"):
                    h = (h ^ (c.astype(np.uint64) + np.uint64(1))) * _MIX
                    h ^= h >> np.uint64(29)
            p = positions[pos]
            if len(p) > 1:  # each (record, key) once: a record with two equal phones blocks once
                order = np.lexsort((h, p))
                p, h = p[order], h[order]
                first = np.ones(len(p), dtype=bool)
                first[1:] = (p[1:] != p[:-1]) | (h[1:] != h[:-1])
                p, h = p[first], h[first]
            out.append((p.astype(np.int64, copy=False), h))
        return out

    # -- building and growing -----------------------------------------------------------------
    def build(self, frame: pd.DataFrame) -> None:
        """Index every record of ``frame`` (record i at position i)."""
        for i, (p, h) in enumerate(self.entries(frame, np.arange(len(frame)))):
            order = np.argsort(h, kind="stable")
            self._base[i] = (h[order], p[order])
            self._added[i] = {}

    def add(self, entries: list[tuple[np.ndarray, np.ndarray]]) -> None:
        for i, (p, h) in enumerate(entries):
            added = self._added[i]
            for pos, key in zip(p.tolist(), h.tolist(), strict=True):
                added.setdefault(key, []).append(pos)

    # -- reading --------------------------------------------------------------------------------
    def members(self, i: int, key: int, alive: np.ndarray) -> np.ndarray:
        """Live records holding key hash ``key`` under rule ``i``."""
        bh, bp = self._base[i]
        lo = np.searchsorted(bh, np.uint64(key), "left")
        hi = np.searchsorted(bh, np.uint64(key), "right")
        out = bp[lo:hi]
        extra = self._added[i].get(int(key))
        if extra:
            out = np.concatenate([out, np.asarray(extra, dtype=np.int64)])
        return out[alive[out]] if len(out) else out

    def block_ok(self, i: int, size: int) -> bool:
        return 2 <= size <= self.rules[i].max_block

    def blocks(self, i: int, keys: np.ndarray, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Members of the blocks of rule ``i`` with these (distinct) key hashes: (block index
        into ``keys``, live position), grouped by block, all arrays."""
        bh, bp = self._base[i]
        keys = np.asarray(keys, dtype=np.uint64)
        lo = np.searchsorted(bh, keys, "left")
        hi = np.searchsorted(bh, keys, "right")
        counts = hi - lo
        blk = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        idx = np.repeat(lo, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
        mem = bp[idx]
        added = self._added[i]
        if added:
            eb: list[int] = []
            em: list[int] = []
            for j, k in enumerate(keys.tolist()):
                extra = added.get(k)
                if extra:
                    eb.extend([j] * len(extra))
                    em.extend(extra)
            if eb:
                blk = np.concatenate([blk, np.asarray(eb, dtype=np.int64)])
                mem = np.concatenate([mem, np.asarray(em, dtype=np.int64)])
                order = np.argsort(blk, kind="stable")
                blk, mem = blk[order], mem[order]
        keep = alive[mem]
        return blk[keep], mem[keep]

    def pairs(
        self, entries: list[tuple[np.ndarray, np.ndarray]], alive: np.ndarray, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (a < b, positions, each once) of the records in ``entries`` with every
        live record sharing a block of allowed size (``within``: a bool mask over positions, the
        other record must be in it too). Whole arrays: no Python loop per block."""
        out: list[np.ndarray] = []
        for i, (p, h) in enumerate(entries):
            if not len(p):
                continue
            ok = alive[p]
            p, h = p[ok], h[ok]
            if not len(p):
                continue
            keys, inv = np.unique(h, return_inverse=True)
            blk, mem = self.blocks(i, keys, alive)
            size = np.bincount(blk, minlength=len(keys))
            if within is not None:
                inside = within[mem]
                blk, mem = blk[inside], mem[inside]
            count = np.bincount(blk, minlength=len(keys))
            start = np.cumsum(count) - count
            usable = (size >= 2) & (size <= self.rules[i].max_block)
            e = usable[inv]
            p, inv = p[e], inv[e]
            rep = count[inv]
            if not rep.sum():
                continue
            a = np.repeat(p, rep)
            offsets = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
            b = mem[np.repeat(start[inv], rep) + offsets]
            keep = a != b
            a, b = a[keep], b[keep]
            out.append(np.minimum(a, b) * (1 << 32) + np.maximum(a, b))
        if not out:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        key = np.unique(np.concatenate(out))
        return key >> 32, key & ((1 << 32) - 1)

    def probe(self, entries: list[tuple[np.ndarray, np.ndarray]], alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (entry position, live record), each once, of records that are not in the index
        (a match query) with every live record sharing a block of allowed size: a block of one
        record or more, up to the rule's ``max_block`` (sizes count the index's records)."""
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for i, (p, h) in enumerate(entries):
            if not len(p):
                continue
            keys, inv = np.unique(h, return_inverse=True)
            blk, mem = self.blocks(i, keys, alive)
            count = np.bincount(blk, minlength=len(keys))
            start = np.cumsum(count) - count
            e = ((count >= 1) & (count <= self.rules[i].max_block))[inv]
            p, inv = p[e], inv[e]
            rep = count[inv]
            total = int(rep.sum())
            if not total:
                continue
            offsets = np.arange(total) - np.repeat(np.cumsum(rep) - rep, rep)
            out.append((np.repeat(p, rep), mem[np.repeat(start[inv], rep) + offsets]))
        if not out:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        a = np.concatenate([x for x, _ in out])
        b = np.concatenate([y for _, y in out])
        pair = np.unique(np.stack([a, b], axis=1), axis=0)
        return pair[:, 0], pair[:, 1]

    def crossing(
        self, entries: list[tuple[np.ndarray, np.ndarray]], alive_before: np.ndarray, alive_after: np.ndarray
    ) -> np.ndarray:
        """Live records of every block these entries touch whose size crossed the rule's
        ``max_block`` between the two states (its pairs appear or vanish for every member)."""
        found: list[np.ndarray] = []
        for i, (_p, h) in enumerate(entries):
            if not len(h):
                continue
            limit = self.rules[i].max_block
            keys = np.unique(h)
            bb, _ = self.blocks(i, keys, alive_before)
            ba, ma = self.blocks(i, keys, alive_after)
            before = np.bincount(bb, minlength=len(keys)) > limit
            after = np.bincount(ba, minlength=len(keys)) > limit
            crossed = np.flatnonzero(before != after)
            if len(crossed):
                found.append(ma[np.isin(ba, crossed)])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
