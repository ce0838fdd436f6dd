"""Candidate pair generation: blocking rules as DuckDB joins, streamed in chunks.

Each rule is a list of keys. A record's key value for a rule is the hash of its key columns
(multi-valued keys such as ``phone`` give one value per phone). Key values shared by more than
``max_block`` records are skipped (and reported: they are placeholders or hostels, not evidence).
Pairs are generated rule by rule (one self-join each); a pair an earlier rule already generated
is dropped by one sort over all pair keys, so every pair appears exactly once, credited to the
first rule that makes it, and comes back in chunks.

No text from a settings file reaches the SQL: DuckDB sees the key columns under aliases the
code makes (``k0``, ``k1``, ... in sorted key order), the table and rule numbers are the code's
own integers, and ``max_block`` is an int (ADR 0027).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import BlockingExplosionError
from ..settings import BlockingRule
from .keys import MULTI_KEYS, blocking_keys

__all__ = ["RuleDiagnostic", "Blocker", "PairChunk"]


@dataclass
class RuleDiagnostic:
    """What a rule did: pairs it generated (new, not seen in earlier rules) and what it skipped."""

    rule: str
    keys: tuple[str, ...]
    records_with_key: int = 0
    blocks: int = 0
    largest_block: int = 0
    pairs_possible: int = 0  # sum of n(n-1)/2 over kept blocks
    pairs_new: int = 0
    skipped_blocks: int = 0
    skipped_pairs: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "keys": list(self.keys),
            "records_with_key": self.records_with_key,
            "blocks": self.blocks,
            "largest_block": self.largest_block,
            "pairs_possible": self.pairs_possible,
            "pairs_new": self.pairs_new,
            "skipped_blocks": self.skipped_blocks,
            "skipped_pairs": self.skipped_pairs,
        }


@dataclass
class PairChunk:
    a: np.ndarray  # int32 row positions, a < b
    b: np.ndarray
    rule: int  # index of the rule that generated them


def _rule_bits(rules: int) -> int:
    return max(1, int(rules - 1).bit_length())


def _packs(n: int, rules: int) -> bool:
    """Whether a pair key ``a * n + b`` leaves room for the rule in the low bits of an int64."""
    return n * n < 1 << (62 - _rule_bits(rules))


def _first_of_each(key: np.ndarray, rule: np.ndarray, n: int, rules: int) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct pair key once, ascending, with the smallest rule that made it."""
    if not _packs(n, rules):  # no room for the rule in the key: sort by both
        order = np.lexsort((rule, key))
        pair, rule = key[order], rule[order]
        first = np.empty(len(pair), dtype=bool)
        if len(first):
            first[0] = True
            np.not_equal(pair[1:], pair[:-1], out=first[1:])
        return pair[first], rule[first]
    bits = _rule_bits(rules)
    return _first_of_each_packed((key << bits) | rule.astype(np.int64), bits)


def _sort_two_cores(values: np.ndarray, min_size: int = 2_000_000) -> None:
    """Sort ``values`` in place: its two halves at once on two threads (numpy's sort releases the
    GIL), then the whole, which timsort (``kind="stable"``) does as one linear merge of the two
    runs. Sorted numbers are sorted numbers: the result is that of one ``sort()``."""
    if len(values) < min_size:
        values.sort()
        return
    h = len(values) // 2
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="idgraph-sort") as pool:
        for f in [pool.submit(values[:h].sort), pool.submit(values[h:].sort)]:
            f.result()
    values.sort(kind="stable")


def _first_of_each_packed(packed: np.ndarray, bits: int, step: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """The same from ``key << bits | rule`` values, sorted in place (``packed`` is consumed).

    The rule is in the low bits, so one in-place sort orders pairs by key and then rule, and the
    first of each run is the pair's first rule (at 655k records, 20M raw pairs: 3.6 s, where
    ``np.unique(return_index=True)``'s stable argsort and gathers took 5.9 s). Runs are found a
    slice at a time, so nothing pair-sized but ``packed`` and one mask is ever held.
    """
    _sort_two_cores(packed)
    m = len(packed)
    first = np.empty(m, dtype=bool)
    if m:
        first[0] = True
    for s in range(1, m, step):
        e = min(s + step, m)
        np.not_equal(packed[s:e] >> bits, packed[s - 1 : e - 1] >> bits, out=first[s:e])
    kept = packed[first]
    del first
    rule = np.empty(len(kept), dtype=np.int16)
    for s in range(0, len(kept), step):
        rule[s : s + step] = kept[s : s + step] & ((1 << bits) - 1)
    kept >>= bits
    return kept, rule


@dataclass
class Blocker:
    """Generates candidate pairs for one record frame under a list of rules."""

    frame: pd.DataFrame
    rules: list[BlockingRule]
    max_pairs_per_rule: int = 60_000_000
    threads: int = 2
    diagnostics: list[RuleDiagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        needed = sorted({k for r in self.rules for k in r.keys})
        keys = blocking_keys(self.frame, set(needed))  # raises ModelError on an unknown key name
        #: key name -> the column alias the SQL uses: made here, never the name itself
        self._alias = {k: f"k{j}" for j, k in enumerate(needed)}
        self._keys = pa.table({"idx": keys.column("idx"), **{self._alias[k]: keys.column(k) for k in needed}})
        self._con = duckdb.connect(config={"threads": self.threads})
        self._con.register("base_df", self._keys)
        self._prepared = False

    def close(self) -> None:
        self._con.close()

    # -- preparation --------------------------------------------------------------------------
    def _key_sql(self, rule: BlockingRule) -> str:
        """SQL yielding (idx, h) for every record and key value of the rule.

        Each multi-valued key is unnested in its own lateral join, so a rule on two of them
        (phone + email) yields every combination of their values, not values paired by position.
        """
        cols, joins = [], []
        for j, k in enumerate(rule.keys):
            alias = self._alias[k]  # "k<int>": the SQL never holds the key's name
            if k in MULTI_KEYS:
                joins.append(f", LATERAL (SELECT unnest(string_split(b.{alias}, '|')) AS v) m{j}")
                cols.append(f"m{j}.v")
            else:
                cols.append(f"b.{alias}")
        # codes are null where a value is missing or empty; split phones/emails may hold ''
        not_null = " AND ".join(
            f"{c} IS NOT NULL AND {c} <> ''" if k in MULTI_KEYS else f"{c} IS NOT NULL"
            for c, k in zip(cols, rule.keys, strict=True)
        )
        return (
            f"SELECT DISTINCT b.idx, hash({', '.join(cols)}) AS h FROM base_df b{''.join(joins)} "
            f"WHERE {not_null}"
        )

    def prepare(self) -> list[RuleDiagnostic]:
        """Build per-rule key tables, drop oversized blocks, count pairs; check the guard."""
        con = self._con
        self.diagnostics = []
        for i, rule in enumerate(self.rules):
            con.execute(f"CREATE OR REPLACE TEMP TABLE ex_{i} AS {self._key_sql(rule)}")
            sizes = con.execute(
                f"SELECT h, count(*) AS n FROM ex_{i} GROUP BY h HAVING count(*) > 1"
            ).fetchnumpy()
            n = sizes["n"].astype(np.int64) if len(sizes["n"]) else np.zeros(0, np.int64)
            big = n > rule.max_block
            d = RuleDiagnostic(rule.name, rule.keys)
            d.records_with_key = int(con.execute(f"SELECT count(DISTINCT idx) FROM ex_{i}").fetchone()[0])
            d.blocks = int((~big).sum())
            d.largest_block = int(n[~big].max()) if (~big).any() else 0
            d.pairs_possible = int((n[~big] * (n[~big] - 1) // 2).sum())
            d.skipped_blocks = int(big.sum())
            d.skipped_pairs = int((n[big] * (n[big] - 1) // 2).sum())
            if d.pairs_possible > self.max_pairs_per_rule:
                raise BlockingExplosionError(
                    f"blocking rule {rule.name!r} would generate {d.pairs_possible:,} candidate pairs "
                    f"(guard: {self.max_pairs_per_rule:,}); add a key to the rule, lower its "
                    f"max_block (largest block {d.largest_block:,}), or raise max_pairs_per_rule"
                )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE k_{i} AS SELECT e.idx, e.h FROM ex_{i} e "
                f"JOIN (SELECT h FROM ex_{i} GROUP BY h HAVING count(*) BETWEEN 2 AND {int(rule.max_block)}) s "
                f"USING (h)"
            )
            con.execute(f"DROP TABLE ex_{i}")
            self.diagnostics.append(d)
        self._prepared = True
        return self.diagnostics

    # -- generation ---------------------------------------------------------------------------
    def _unique_pair_keys(
        self, chunk_pairs: int, progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Every pair once as its key ``a * n + b`` (ascending, so in (a, b) order) and the
        first rule that made it; ``pairs_new`` of each rule filled in. Returns (keys, rules, n).

        Each rule's pairs come from one DuckDB self-join; the pairs earlier rules already made
        are then dropped by one sort over all pair keys, once for all rules, rather than by
        testing every pair of rule *i* against the *i* earlier rules' key lists. ``progress``
        gets the raw pairs made so far (of ``total_possible()``) after each batch.
        """
        if not self._prepared:
            self.prepare()
        con = self._con
        n = max(self._keys.num_rows, 1)
        rules = len(self.rules)
        if not _packs(n, rules):
            return self._unique_pair_keys_unpacked(chunk_pairs, n, progress)
        bits = _rule_bits(rules)
        # one array of every raw pair, its size known from the block sizes (a rule's self-join
        # yields exactly sum(C(block, 2)) rows), each pair written as ``(a * n + b) << bits | rule``:
        # no list of batches concatenated, no separate rule array
        packed = np.empty(sum(d.pairs_possible for d in self.diagnostics), dtype=np.int64)
        at = 0
        for i, sql in self._rule_joins():
            for batch in con.sql(sql).to_arrow_reader(chunk_pairs):
                m = batch.num_rows
                if at + m > len(packed):  # more rows than the block sizes promised: grow
                    packed = np.resize(packed, max(2 * len(packed), at + m))
                out = packed[at : at + m]
                np.multiply(batch.column(0).to_numpy(), np.int64(n), out=out)
                out += batch.column(1).to_numpy()
                out <<= bits
                out |= i
                at += m
                if progress is not None:
                    progress(at)
        key, rule = _first_of_each_packed(packed[:at] if at < len(packed) else packed, bits)
        del packed
        for i, count in enumerate(np.bincount(rule, minlength=rules)):
            self.diagnostics[i].pairs_new = int(count)
        return key, rule, n

    def _rule_joins(self) -> Iterator[tuple[int, str]]:
        """(rule index, SQL of its self-join) for every rule with blocks; ``pairs_new`` reset."""
        for i, _rule in enumerate(self.rules):
            self.diagnostics[i].pairs_new = 0
            if self.diagnostics[i].pairs_possible == 0:
                continue
            # no DISTINCT: a pair two phones make twice is dropped later with every other repeat
            yield i, f"SELECT x.idx AS a, y.idx AS b FROM k_{i} x JOIN k_{i} y ON x.h = y.h AND x.idx < y.idx"

    def _unique_pair_keys_unpacked(
        self, chunk_pairs: int, n: int, progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """As ``_unique_pair_keys`` for indexes too large to pack a rule beside a pair key."""
        keys: list[np.ndarray] = []
        rule_of: list[np.ndarray] = []
        made = 0
        for i, sql in self._rule_joins():
            for batch in self._con.sql(sql).to_arrow_reader(chunk_pairs):
                a = batch.column(0).to_numpy().astype(np.int64, copy=False)
                b = batch.column(1).to_numpy().astype(np.int64, copy=False)
                keys.append(a * n + b)
                rule_of.append(np.full(len(a), i, dtype=np.int16))
                made += len(a)
                if progress is not None:
                    progress(made)
        if not keys:
            return np.zeros(0, np.int64), np.zeros(0, np.int16), n
        key, rule = _first_of_each(np.concatenate(keys), np.concatenate(rule_of), n, len(self.rules))
        for i, count in enumerate(np.bincount(rule, minlength=len(self.rules))):
            self.diagnostics[i].pairs_new = int(count)
        return key, rule, n

    def sorted_pairs(
        self, chunk_pairs: int = 2_000_000, progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every candidate pair once, as int32 row positions (a < b) sorted by (a, b): the order
        training samples and scoring read them in, whatever order DuckDB's threads made them.
        ``progress``: called with the raw pairs made so far (of ``total_possible()``)."""
        key, _, n = self._unique_pair_keys(chunk_pairs, progress)
        return (key // n).astype(np.int32), (key % n).astype(np.int32)

    def pairs(self, chunk_pairs: int = 2_000_000) -> Iterator[PairChunk]:
        """Every candidate pair once, credited to the first rule that generates it, rule by rule
        (sorted within each), in chunks of at most ``chunk_pairs``."""
        key, rule, n = self._unique_pair_keys(chunk_pairs)
        order = np.argsort(rule, kind="stable")
        key, rule = key[order], rule[order]
        del order
        for i in range(len(self.rules)):
            lo, hi = np.searchsorted(rule, [i, i + 1])
            for s in range(lo, hi, chunk_pairs):
                k = key[s : min(s + chunk_pairs, hi)]
                yield PairChunk((k // n).astype(np.int32), (k % n).astype(np.int32), i)

    def rule_sample(self, i: int, max_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A deterministic sample of *all* pairs rule ``i`` generates (earlier rules not excluded).

        Training uses these: a pair set that excludes earlier rules' pairs is biased against
        the very agreements those rules block on.
        """
        if not self._prepared:
            self.prepare()
        possible = self.diagnostics[i].pairs_possible
        if possible == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        keep = min(1.0, max_pairs / possible)
        cut = int(keep * 1_000_000)
        where = "" if keep >= 1.0 else f"WHERE hash(a, b, {int(seed)}) % 1000000 < {cut}"
        sql = (
            f"SELECT a, b FROM (SELECT DISTINCT x.idx AS a, y.idx AS b FROM k_{i} x "
            f"JOIN k_{i} y ON x.h = y.h AND x.idx < y.idx) {where} ORDER BY a, b"
        )
        res = self._con.sql(sql).fetchnumpy()
        return res["a"].astype(np.int32), res["b"].astype(np.int32)

    def total_possible(self) -> int:
        return sum(d.pairs_possible for d in self.diagnostics)
