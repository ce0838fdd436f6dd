"""The live index: the resolved people kept warm in memory, updated one change at a time.

``LiveIndex(store)`` reads the store once (records, the latest run's model and its frozen
context, the stored similarity graph) and then answers two things:

* ``match(fields)``: who is this resident? The query is standardised and prepared as a record
  would be, blocked against every record with the in-memory keys (``keys.KeyIndex``), scored with
  the stored model and ranked by person;
* ``apply(changed, retired)``: an incremental update (ADR 0026). New and changed records are
  blocked against the whole index and scored with the frozen model; only the *region* they touch
  is re-clustered — the connected parts of the graph of possible-or-better edges holding them,
  closed over the people those parts held before, and over any name whose number of holders
  crosses two (the unique-name attach counts holders index-wide). Every other person keeps its
  id, its records and its edges untouched. The result is the same people a full
  ``resolve --replay`` over the same records gives (tested as a property, both stores).

Record positions only grow: a changed record gets a new position and its old one is marked dead,
so the key index and the graph never need rewriting. Inside a region, records are ordered by
record id, as a resolve orders them, so every tie breaks the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..cluster.components import cluster_records, record_evidence
from ..cluster.decisions import decisions_from_frame
from ..cluster.unique_names import full_name_key
from ..compare.levels_text import levels_to_text, text_to_levels
from ..compare.library import CompareContext, FrozenTF
from ..errors import IdentityGraphError, ModelError, StaleIndexError
from ..explain.explain import model_comparisons
from ..people.changes import old_goldens, person_events
from ..pipeline import build_people, effective_settings, prepare_frame
from ..progress import UNKNOWN, Progress, noop
from ..recompute import compare_methods, unique_sources
from ..score.model import Model, probability
from ..score.training import tf_adjustments
from ..settings import Settings
from ..store.contract import EVENT_COLUMNS, ResolutionDelta, Store
from .keys import KeyIndex

__all__ = ["LiveIndex", "UpdateResult", "MatchCandidate"]


@dataclass
class UpdateResult:
    run_id: int | None  # None: nothing had changed, no run was recorded
    records_changed: int
    records_retired: int
    region_records: int
    people_touched: int
    events: pd.DataFrame
    assignment: pd.DataFrame  # record_id, person_id of every record re-clustered
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ev = self.events["event"].value_counts().to_dict() if len(self.events) else {}
        return {
            "run_id": self.run_id,
            "records_changed": self.records_changed,
            "records_retired": self.records_retired,
            "region_records": self.region_records,
            "people_touched": self.people_touched,
            "events": {k: int(v) for k, v in ev.items()},
            "seconds": round(self.seconds, 3),
        }


@dataclass
class MatchCandidate:
    person_id: str | None
    record_id: str
    probability: float
    tier: str
    golden: dict[str, Any]
    evidence: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "best_record": self.record_id,
            "probability": round(self.probability, 6),
            "tier": self.tier,
            "golden": self.golden,
            "evidence": self.evidence,
        }


class _RWLock:
    """Many readers or one writer (writers wait for readers to leave, then block new ones)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._readers:
                self._cond.wait()
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class _Rows:
    """Frames appended in chunks; rows by position."""

    def __init__(self, first: pd.DataFrame):
        self.chunks = [first.reset_index(drop=True)]
        self.starts = [0]
        self.n = len(first)
        self._arrays: dict[int, dict[str, np.ndarray]] = {}

    def append(self, frame: pd.DataFrame) -> None:
        self.chunks.append(frame.reset_index(drop=True))
        self.starts.append(self.n)
        self.n += len(frame)

    def _columns(self, c: int) -> dict[str, np.ndarray]:
        """Chunk ``c``'s columns as arrays (views, made once)."""
        cols = self._arrays.get(c)
        if cols is None:
            frame = self.chunks[c]
            cols = self._arrays[c] = {name: frame[name].to_numpy() for name in frame.columns}
        return cols

    def after(self, front: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
        """``front``'s rows, then the rows at ``positions``: one frame, built column by column
        with numpy (``take`` and ``concat`` of frames cost more than the rows, for a query's
        few hundred candidates)."""
        positions = np.asarray(positions, dtype=np.int64)
        which = np.searchsorted(np.asarray(self.starts), positions, side="right") - 1
        parts = [(np.flatnonzero(which == c), c) for c in np.unique(which).tolist()]
        objects: dict[str, np.ndarray] = {}
        others: list[tuple[int, str, np.ndarray]] = []
        for k, (name, dtype) in enumerate(self.chunks[0].dtypes.items()):
            plain = isinstance(dtype, np.dtype) and dtype != np.dtype(object)
            taken = np.empty(len(positions), dtype=dtype if plain else object)
            for sel, c in parts:
                taken[sel] = self._columns(c)[name][positions[sel] - self.starts[c]]
            head = front[name].to_numpy() if name in front.columns else np.full(len(front), None, dtype=object)
            both = np.concatenate([head.astype(taken.dtype, copy=False), taken])
            if plain:
                others.append((k, name, both))
            else:
                objects[name] = both
        # one object frame (``dtype=object``: pandas would infer its ``str`` dtype, and align a
        # Series per column), then the bool and int columns in their places
        out = pd.DataFrame(objects, dtype=object)
        for k, name, values in others:
            out.insert(k, name, values)
        return out

    def take(self, positions: np.ndarray) -> pd.DataFrame:
        positions = np.asarray(positions, dtype=np.int64)
        which = np.searchsorted(np.asarray(self.starts), positions, side="right") - 1
        parts, order = [], []
        for c in np.unique(which).tolist():
            sel = np.flatnonzero(which == c)
            parts.append(self.chunks[c].take(positions[sel] - self.starts[c]))
            order.append(sel)
        if not parts:
            return self.chunks[0].iloc[0:0].reset_index(drop=True)
        out = pd.concat(parts, ignore_index=True)
        inv = np.empty(len(positions), dtype=np.int64)
        inv[np.concatenate(order)] = np.arange(len(positions))
        return out.take(inv).reset_index(drop=True)


class LiveIndex:
    """The resolved index in memory (see the module docstring). Thread-safe: many ``match``
    calls at once; ``apply`` serialised, and readers never see half of one."""

    def __init__(self, store: Store, progress: Progress | None = None):
        """``progress``: stages read records, prepare, index, read graph (ADR 0039)."""
        self.store = store
        self._lock = _RWLock()
        self._write = threading.Lock()
        self._load(progress or noop)

    # -- building -------------------------------------------------------------------------------
    def _load(self, progress: Progress) -> None:
        store = self.store
        latest = store.latest_model()
        if latest is None:
            raise ModelError("no resolve has run yet: run `idgraph resolve` first")
        self.model = Model.from_json(latest[2])
        if not self.model.context:
            raise ModelError(
                "the latest model predates frozen training context (ADR 0026): run `idgraph resolve` "
                "once, then updates can use it"
            )
        self.settings_json, self.model_json = latest[1], latest[2]
        #: the store's latest run this index holds the people of (an update checks it is still so)
        self.run_id = store.next_run_id() - 1
        self.compare = compare_methods(store)
        self.settings = effective_settings(Settings.from_json(latest[1]), self.compare)
        self.unique_sources = unique_sources(store)
        self.placeholders = self.model.context.get("placeholders", {})
        progress("read records", 0, UNKNOWN)
        records = store.records_frame()
        n = len(records)
        progress("read records", n, n)
        self.canon = _Rows(records)
        self.nameless = set(np.flatnonzero(_nameless(records)).tolist())
        self.given_count = records["given_name"].value_counts().to_dict()
        self.family_count = records["family_name"].value_counts().to_dict()
        self._vocab_version = 0
        progress("prepare", 0, n)
        prepared, _ = prepare_frame(records, self.compare, placeholders=self.placeholders, vocab=self._vocab())
        progress("prepare", n, n)
        progress("index", 0, n)
        self.rows = _Rows(prepared)
        self.rid = records["record_id"].to_numpy(dtype=object).copy()
        self.alive = np.ones(n, dtype=bool)
        self.pos_of = {r: i for i, r in enumerate(self.rid.tolist())}
        self.keys = KeyIndex(self.settings.blocking_rules)
        self.keys.build(prepared)
        self._tf_lock = threading.Lock()
        self._tf_unseen: dict[str, set[str]] = {}  # per column, values the training run never saw
        self._tf_frozen: dict[str, FrozenTF] = {}
        self._learn_tf(prepared)
        # people now
        assign = store.current_assignment()
        self.pid = np.full(n, None, dtype=object)
        pos = pd.Index(self.rid).get_indexer(assign["record_id"].to_numpy(dtype=object))
        ok = pos >= 0
        self.pid[pos[ok]] = assign["person_id"].to_numpy(dtype=object)[ok]
        self.members: dict[str, set[int]] = {}
        for p, person in enumerate(self.pid.tolist()):
            if person is not None:
                self.members.setdefault(person, set()).add(p)
        meta = store.persons_meta()
        self.issued = set(meta["person_id"].tolist())  # every person id ever issued
        self.created = dict(zip(meta["person_id"].tolist(), meta["created_run"].tolist(), strict=True))
        del meta
        # the stored graph: possible-or-better edges as adjacency, and the split clusters
        self.adj: dict[int, set[int]] = {}
        names = full_name_key(prepared) if self.settings.attach_unique_names else np.full(n, None, dtype=object)
        self.name_key = names
        self.name_pos: dict[str, set[int]] = {}
        for p, nm in enumerate(names.tolist()):
            if nm is not None:
                self.name_pos.setdefault(nm, set()).add(p)
        self.split_key = np.full(n, None, dtype=object)
        self.decisions = store.decisions()
        self._link_decisions(self.decisions)
        progress("index", n, n)
        self._cluster_all(prepared, progress)

    def _link_decisions(self, decisions: pd.DataFrame) -> None:
        """A reviewer's decision ties its two records' regions together, as an edge would."""
        for x, y in zip(decisions["record_a"].tolist(), decisions["record_b"].tolist(), strict=True):
            px, py = self.pos_of.get(x), self.pos_of.get(y)
            if px is not None and py is not None:
                self.adj.setdefault(px, set()).add(py)
                self.adj.setdefault(py, set()).add(px)

    def _vocab(self) -> tuple[set[str], set[str]]:
        """The names the index holds (what glued emails split by); cached until they change."""
        cached = getattr(self, "_vocab_cache", None)
        if cached is not None and cached[0] == self._vocab_version:
            return cached[1]
        vocab = ({str(k) for k, v in self.given_count.items() if v > 0},
                 {str(k) for k, v in self.family_count.items() if v > 0})
        self._vocab_cache = (self._vocab_version, vocab)
        return vocab

    def _learn_tf(self, frame: pd.DataFrame, reader: Store | None = None) -> None:
        """Fetch the stored term frequencies of values not seen yet (tf-adjusted columns)."""
        reader = reader or self.store
        floors = self.model.context.get("tf_floor", {})
        for c in self.model.comparisons:
            if not c.tf_adjust or c.column not in floors:
                continue
            cols = ["given_name", "family_name"] if c.column in ("given_name", "family_name") else [c.column]
            values = set()
            for col in cols:
                if col in frame.columns:
                    values |= {str(v) for v in pd.unique(frame[col].dropna().to_numpy(dtype=object)) if v != ""}
            frozen = self._tf_frozen.get(c.column)
            if frozen is None:
                frozen = self._tf_frozen[c.column] = FrozenTF({}, float(floors[c.column]))
            unseen = self._tf_unseen.setdefault(c.column, set())
            missing = sorted(v for v in values if v not in frozen.table and v not in unseen)
            if not missing:
                continue
            got = reader.term_frequencies(c.column, missing)
            with self._tf_lock:  # the table only grows: a reader sees a value's frequency or the floor
                for v in missing:
                    t = got.get(v)
                    if t and t > 0:
                        frozen.table[v] = float(t)
                    else:
                        unseen.add(v)

    def _cluster_all(self, prepared: pd.DataFrame, progress: Progress = noop) -> None:
        """Split clusters of every record from the stored graph (as ``recluster`` computes them)."""
        n = len(prepared)
        progress("read graph", 0, UNKNOWN)
        parts, read = [], 0
        for part in self.store.all_edges() if n else []:  # a store may hold no edges at all
            parts.append(part)
            read += len(part)
            progress("read graph", read, UNKNOWN)
        edges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        progress("read graph", len(edges), len(edges))
        if len(edges):
            pos = pd.Index(self.rid)
            a = pos.get_indexer(edges["record_a"].to_numpy(dtype=object))
            b = pos.get_indexer(edges["record_b"].to_numpy(dtype=object))
            keep = (a >= 0) & (b >= 0)
            a, b = a[keep].astype(np.int64), b[keep].astype(np.int64)
            prob = edges["probability"].to_numpy(dtype=np.float32)[keep]
            levels = text_to_levels(edges["levels"].to_numpy(dtype=object)[keep], len(self.model.comparisons))
            conflict = self.model.conflicts(levels)
        else:
            a = b = np.zeros(0, np.int64)
            prob = np.zeros(0, np.float32)
            conflict = np.zeros(0, bool)
        link = prob >= self.settings.possible_threshold
        for x, y in zip(a[link].tolist(), b[link].tolist(), strict=True):
            self.adj.setdefault(x, set()).add(y)
            self.adj.setdefault(y, set()).add(x)
        cl = self._cluster(prepared, a, b, prob, conflict, None)
        self.split_key[:] = _cluster_keys(cl.split_labels, self.rid)

    def _cluster(self, frame: pd.DataFrame, a: np.ndarray, b: np.ndarray, prob: np.ndarray,
                 conflict: np.ndarray, outside: dict[str, int] | None) -> Any:
        s = self.settings
        decided = decisions_from_frame(self.decisions, frame["record_id"].to_numpy(dtype=object))[0]
        return cluster_records(
            len(frame), a, b, prob, conflict,
            match_threshold=s.match_threshold, possible_threshold=s.possible_threshold,
            link_threshold=s.cluster_link_threshold,
            evidence=record_evidence(
                frame, attach_unique_names=s.attach_unique_names, unique_sources=self.unique_sources,
                attach_singletons=s.attach_singletons, pair_lone_records=s.pair_lone_records,
            ),
            weak_floor=s.cluster_weak_floor, outside_holders=outside, decisions=decided,
            splitter=s.splitter,
        )

    # -- scoring ----------------------------------------------------------------------------------
    def _score(self, frame: pd.DataFrame, ia: np.ndarray, ib: np.ndarray,
               reader: Store | None = None, new: pd.DataFrame | None = None) -> tuple[Any, np.ndarray, np.ndarray]:
        """(comparisons, levels, weights) of pairs of rows of ``frame``, with the frozen model.
        ``new``: the rows of ``frame`` the index does not hold (a match's queries); the term
        frequencies of the index's own rows are known already (default: learn from all)."""
        self._learn_tf(frame if new is None else new, reader or self.store)
        ctx = CompareContext(frame, workers=1, frozen_tf=self._tf_frozen)
        comps = model_comparisons(self.model, ctx)
        levels = np.empty((len(ia), len(comps)), dtype=np.int8)
        for k, c in enumerate(comps):
            levels[:, k] = c.levels(ia, ib)
        w = self.model.score(levels, tf_adjustments(comps, self.model, ia, ib, levels))
        return comps, levels, w

    def _prepare(self, records: pd.DataFrame) -> pd.DataFrame:
        return prepare_frame(records, self.compare, placeholders=self.placeholders, vocab=self._vocab())[0]

    # -- matching -------------------------------------------------------------------------------
    def match(self, fields: dict[str, str], limit: int = 5, min_probability: float = 0.01,
              reader: Store | None = None) -> list[MatchCandidate]:
        """People most likely to be the resident ``fields`` describe (canonical field names)."""
        (out,) = self.match_many([fields], limit=limit, min_probability=min_probability, reader=reader)
        if isinstance(out, Exception):
            raise out
        return out

    def match_many(
        self, queries: list[dict[str, str]], limit: int = 5, min_probability: float = 0.01,
        reader: Store | None = None,
    ) -> list[list[MatchCandidate] | IdentityGraphError]:
        """``match`` for several queries in one pass (the service batches concurrent requests:
        every stage works on whole columns, so k queries cost little more than one). A query
        that cannot be used answers with its error, in its place. ``reader``: the store to read
        golden records and term frequencies through (a service thread's read view)."""
        reader = reader or self.store
        results: list[list[MatchCandidate] | IdentityGraphError] = [[] for _ in queries]
        q, ok = _query_frames(queries, results)
        if q.empty:
            return results
        with self._lock.read():
            qf = self._prepare(q).reset_index(drop=True)
            qpos = -1 - np.arange(len(qf), dtype=np.int64)  # queries: negative positions
            qi, cp = self.keys.probe(self.keys.entries(qf, qpos), self.alive)
            qi = -1 - qi  # back to query rows
            if not len(qi):
                return results
            cand, inv = np.unique(cp, return_inverse=True)
            sub = self.rows.after(qf, cand)
            comps, levels, w = self._score(sub, qi, len(qf) + inv, reader, new=qf)
            prob = probability(w)
            persons = self.pid[cp]
            rids = self.rid[cp]
        s = self.settings
        weights = [cw.weights() for cw in self.model.comparisons]
        golden_cache: dict[str, dict[str, Any]] = {}
        for j, row in enumerate(ok):
            mine = np.flatnonzero((qi == j) & (prob >= min_probability))
            best: dict[str, int] = {}
            for t in mine.tolist():
                key = persons[t] or rids[t]
                if key not in best or prob[t] > prob[best[key]]:
                    best[key] = t
            ranked = sorted(best.items(), key=lambda kv: (-prob[kv[1]], kv[0]))[:limit]
            out = []
            for _key, t in ranked:
                person = persons[t]
                if person and person not in golden_cache:
                    found = reader.person(person)
                    golden_cache[person] = found["golden"] if found else {}
                pr = float(prob[t])
                tier = "match" if pr >= s.match_threshold else "possible" if pr >= s.possible_threshold else "unlikely"
                evidence = [
                    {"comparison": cw.name, "level": cw.labels[int(levels[t, k])],
                     "weight": round(float(weights[k][int(levels[t, k])]), 3)}
                    for k, cw in enumerate(self.model.comparisons) if int(levels[t, k]) > 0
                ]
                out.append(MatchCandidate(person, str(rids[t]), pr, tier, golden_cache.get(person, {}) if person else {}, evidence))
            results[row] = out
        return results

    # -- updating ---------------------------------------------------------------------------------
    def apply(self, changed: pd.DataFrame, retired: list[str], *, reason: str = "deleted",
              write: bool = True, progress: Progress | None = None) -> UpdateResult:
        """Apply new or changed records (canonical rows with ``trust``, as ``Store.records``
        returns them) and retire records, re-cluster the people they touch, write the change
        to the store in one transaction and return what changed. ``write=False``: compute and
        return it only (a preview); the index is then stale and must not be used again.
        ``progress``: stages prepare, score, cluster, people, write (ADR 0039)."""
        with self._write:
            if not self.is_current():
                raise StaleIndexError(
                    f"the store has runs this live index has not seen (it holds run {self.run_id}); "
                    "open it again"
                )
            try:
                result = self._apply(changed, retired, reason, write, progress or noop)
            except BaseException:
                # the arrays may hold part of the change and the store none of it: this index
                # no longer matches its store (an update refuses it, the service reads it again)
                self.run_id = -1
                raise
            if not write:
                self.run_id = -1  # a preview changed the index in memory only
            return result

    def is_current(self, reader: Store | None = None) -> bool:
        """Whether the store's latest run is still the one this index holds."""
        return (reader or self.store).next_run_id() - 1 == self.run_id

    def _apply(self, changed: pd.DataFrame, retired: list[str], reason: str, write: bool,
               progress: Progress = noop) -> UpdateResult:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        retired = sorted(set(retired) - set(changed["record_id"]))
        # decisions recorded since the last update: their records' people are recomputed
        decisions = self.store.decisions()
        known = set(self.decisions["decision_id"].tolist()) if len(self.decisions) else set()
        fresh = decisions[~decisions["decision_id"].isin(known)] if len(decisions) else decisions
        if changed.empty and not retired and fresh.empty:  # nothing to do: no run is recorded
            return UpdateResult(
                run_id=None, records_changed=0, records_retired=0, region_records=0, people_touched=0,
                events=pd.DataFrame(columns=EVENT_COLUMNS), assignment=pd.DataFrame(columns=["record_id", "person_id"]),
                seconds=time.perf_counter() - t0,
            )
        progress("prepare", 0, len(changed))
        changed = changed.drop(columns=[c for c in ("raw", "row_hash") if c in changed.columns])
        changed = changed.sort_values("record_id", ignore_index=True)
        alive_before = self.alive.copy()
        n0 = len(self.rid)
        # records that go: changed ones (replaced by a new position) and retired ones
        gone = [self.pos_of[r] for r in [*changed["record_id"].tolist(), *retired] if r in self.pos_of]
        gone = np.array(sorted(gone), dtype=np.int64)
        gone_frame = self.canon.take(gone)
        # name counts move by this change; the vocabulary (names held at all) changes only when a
        # count crosses zero, and only then can a glued email split differently
        delta: dict[tuple[str, str], int] = {}
        for frame, sign in ((gone_frame, -1), (changed, 1)):
            for col in ("given_name", "family_name"):
                for v in frame[col].dropna().tolist():
                    delta[(col, v)] = delta.get((col, v), 0) + sign
        counts = {"given_name": self.given_count, "family_name": self.family_count}
        crossing_zero = any(
            (counts[c].get(v, 0) > 0) != (counts[c].get(v, 0) + d > 0) for (c, v), d in delta.items() if d
        )
        if crossing_zero:
            vocab_before = self._vocab()
            given_count, family_count = dict(self.given_count), dict(self.family_count)
            for (c, v), d in delta.items():
                target = given_count if c == "given_name" else family_count
                target[v] = target.get(v, 0) + d
            # a name that appears in, or leaves, the index changes how glued emails split
            extra_dirty = self._glued_changes(given_count, family_count, vocab_before, gone)
            if len(extra_dirty):
                more = self.canon.take(extra_dirty)
                changed = pd.concat([changed, more], ignore_index=True).sort_values("record_id", ignore_index=True)
                gone = np.union1d(gone, extra_dirty)
            self.given_count, self.family_count = given_count, family_count
            self._vocab_version += 1
        else:  # counts only: the vocabulary, and every prepared record, stay as they are
            for (c, v), d in delta.items():
                counts[c][v] = counts[c].get(v, 0) + d
        prepared = self._prepare(changed) if len(changed) else self.rows.chunks[0].iloc[0:0]
        new_pos = np.arange(n0, n0 + len(changed), dtype=np.int64)
        old_keys = self.keys.entries(self.rows.take(gone), gone) if len(gone) else None
        # new state (arrays grow; nothing old is rewritten)
        alive = np.concatenate([self.alive, np.ones(len(changed), dtype=bool)])
        alive[gone] = False
        new_entries = self.keys.entries(prepared, new_pos)
        self.keys.add(new_entries)
        self.rows.append(prepared)
        self.canon.append(changed)
        self.nameless |= set((new_pos[_nameless(changed)]).tolist())
        self.rid = np.concatenate([self.rid, changed["record_id"].to_numpy(dtype=object)])
        for p in gone.tolist():
            if self.pos_of.get(self.rid[p]) == p:
                del self.pos_of[self.rid[p]]
        for p in new_pos.tolist():
            self.pos_of[self.rid[p]] = p
        self.pid = np.concatenate([self.pid, np.full(len(changed), None, dtype=object)])
        self.split_key = np.concatenate([self.split_key, np.full(len(changed), None, dtype=object)])
        names = full_name_key(prepared) if self.settings.attach_unique_names else np.full(len(changed), None, dtype=object)
        self.name_key = np.concatenate([self.name_key, names])
        for p, nm in zip(new_pos.tolist(), names.tolist(), strict=True):
            if nm is not None:
                self.name_pos.setdefault(nm, set()).add(p)
        alive_before_ext = np.concatenate([alive_before, np.zeros(len(changed), dtype=bool)])
        # blocks whose size crossed a rule's limit: their members' pairs appear or vanish
        crossing = np.zeros(0, np.int64)
        for entries in (new_entries, old_keys):
            if entries is not None:
                crossing = np.union1d(crossing, self.keys.crossing(entries, alive_before_ext, alive))
        crossing = crossing[alive[crossing]]
        dirty = np.union1d(new_pos, crossing)
        progress("prepare", len(changed), len(changed))
        timings["prepare"] = time.perf_counter() - t0
        # candidate pairs of the dirty records against the whole index, scored with the frozen model
        t = time.perf_counter()
        dirty_entries = self.keys.entries(self.rows.take(dirty), dirty)
        da, db = self.keys.pairs(dirty_entries, alive)
        progress("score", 0, len(da))
        k = len(self.model.comparisons)
        scored = self._score_positions(da, db) if len(da) else (np.zeros(0), np.zeros((0, k), np.int8), np.zeros(0, np.float32))
        progress("score", len(da), len(da))
        probs = scored[0]
        link = probs >= self.settings.possible_threshold
        timings["score"] = time.perf_counter() - t
        # the graph: dirty records' old links go, their new ones come
        t = time.perf_counter()
        progress("cluster", 0, UNKNOWN)
        old_neighbours: set[int] = set()
        for p in np.union1d(gone, crossing).tolist():
            for q in self.adj.pop(p, set()):
                self.adj.get(q, set()).discard(p)
                old_neighbours.add(q)
        for x, y in zip(da[link].tolist(), db[link].tolist(), strict=True):
            self.adj.setdefault(x, set()).add(y)
            self.adj.setdefault(y, set()).add(x)
        self.alive = alive
        seeds = set(dirty.tolist()) | old_neighbours
        for r in [*fresh["record_a"].tolist(), *fresh["record_b"].tolist()]:
            if r in self.pos_of and self.alive[self.pos_of[r]]:
                seeds.add(self.pos_of[r])
        self.decisions = decisions
        self._link_decisions(fresh)
        for p in gone.tolist():  # the people the gone records belonged to
            seeds |= self.members.get(self.pid[p], set()) if self.pid[p] else set()
        region = self._region(seeds)
        # the unique-name attach counts holders index-wide: close over names whose count of
        # holders moved to or from two
        while True:
            result = self._recluster(region)
            extra = self._holder_changes(region, result["split_keys"], alive_before_ext)
            if not extra:
                break
            region = self._region(set(region.tolist()) | extra)
        progress("cluster", len(region), len(region))
        timings["cluster"] = time.perf_counter() - t
        t = time.perf_counter()
        progress("people", 0, len(region))
        delta, res = self._delta(region, result, gone, dirty, da, db, scored, retired, reason, write)
        progress("people", len(region), len(region))
        timings["people"] = time.perf_counter() - t
        t = time.perf_counter()
        # the run after the one this index holds: write_update refuses it, inside its transaction,
        # when another run was recorded since (ADR 0028)
        run_id = self.run_id + 1
        if not write:
            return UpdateResult(
                run_id=run_id, records_changed=len(changed), records_retired=len(retired),
                region_records=len(region), people_touched=int(res["touched"]), events=delta.events,
                assignment=res["assignment"], seconds=time.perf_counter() - t0, timings=timings,
            )
        progress("write", 0, len(region))
        self.store.write_update(run_id, delta)
        progress("write", len(region), len(region))
        timings["write"] = time.perf_counter() - t
        # the store has it: readers now see the new people
        with self._lock.write():
            self._commit(region, result, gone, res, run_id)
            self.run_id = run_id
        return UpdateResult(
            run_id=run_id, records_changed=len(changed), records_retired=len(retired),
            region_records=len(region), people_touched=int(res["touched"]), events=delta.events,
            assignment=res["assignment"], seconds=time.perf_counter() - t0,
            timings={k: round(v, 4) for k, v in timings.items()},
        )

    def _score_positions(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probability, levels, weight) of pairs of positions."""
        uniq, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
        frame = self.rows.take(uniq)
        ia, ib = inv[: len(a)], inv[len(a):]
        _, levels, w = self._score(frame, ia, ib)
        return probability(w), levels, w

    def _glued_changes(self, given: dict, family: dict, vocab_before: tuple[set[str], set[str]],
                       gone: np.ndarray) -> np.ndarray:
        """Live nameless records with an email whose derived name changes with the vocabulary."""
        after = ({str(k) for k, v in given.items() if v > 0}, {str(k) for k, v in family.items() if v > 0})
        if after == vocab_before:
            return np.zeros(0, np.int64)
        pos = np.array(sorted(p for p in self.nameless if self.alive[p]), dtype=np.int64)
        if not len(pos):
            return np.zeros(0, np.int64)
        canon = self.canon.take(pos)
        before = prepare_frame(canon, self.compare, placeholders=self.placeholders, vocab=vocab_before)[0]
        now = prepare_frame(canon, self.compare, placeholders=self.placeholders, vocab=after)[0]
        differs = ((before["given_name"].fillna("\x00") != now["given_name"].fillna("\x00"))
                   | (before["family_name"].fillna("\x00") != now["family_name"].fillna("\x00"))).to_numpy()
        out = pos[differs]
        return np.setdiff1d(out, gone)

    def _region(self, seeds: set[int]) -> np.ndarray:
        """Live records connected to the seeds by possible-or-better edges, closed over the
        people they belong to now; in record-id order."""
        seen: set[int] = set()
        todo = list(seeds)
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            todo.extend(q for q in self.adj.get(p, ()) if q not in seen)
            person = self.pid[p]
            if person is not None:
                todo.extend(q for q in self.members.get(person, ()) if q not in seen)
        live = np.array([p for p in seen if self.alive[p]], dtype=np.int64)
        order = np.argsort(self.rid[live].astype(str), kind="stable") if len(live) else np.zeros(0, np.int64)
        return live[order]

    def _recluster(self, region: np.ndarray) -> dict[str, Any]:
        """Every candidate pair inside the region, scored and clustered as a resolve would."""
        within = np.zeros(len(self.alive), dtype=bool)
        within[region] = True
        frame = self.rows.take(region)
        entries = self.keys.entries(frame, region)
        pa, pb = self.keys.pairs(entries, self.alive, within=within)
        local = pd.Series(np.arange(len(region)), index=region)
        la = local[pa].to_numpy(dtype=np.int64) if len(pa) else np.zeros(0, np.int64)
        lb = local[pb].to_numpy(dtype=np.int64) if len(pb) else np.zeros(0, np.int64)
        a, b = np.minimum(la, lb), np.maximum(la, lb)
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        comps, levels, w = self._score(frame, a, b) if len(a) else (None, np.zeros((0, len(self.model.comparisons)), np.int8), np.zeros(0, np.float32))
        prob = probability(w).astype(np.float32)
        conflict = self.model.conflicts(levels) if len(a) else np.zeros(0, bool)
        outside = self._outside_holders(region, frame)
        cl = self._cluster(frame, a, b, prob, conflict, outside)
        rid = self.rid[region]
        return {"frame": frame, "a": a, "b": b, "levels": levels, "w": w, "prob": prob, "cl": cl,
                "split_keys": _cluster_keys(cl.split_labels, rid), "labels_keys": _cluster_keys(cl.labels, rid)}

    def _outside_holders(self, region: np.ndarray, frame: pd.DataFrame) -> dict[str, int] | None:
        if not self.settings.attach_unique_names:
            return None
        inside = set(region.tolist())
        out: dict[str, int] = {}
        for nm in set(full_name_key(frame).tolist()) - {None}:
            keys = {self.split_key[p] for p in self.name_pos.get(nm, ()) if self.alive[p] and p not in inside}
            if keys:
                out[nm] = len(keys)
        return out

    def _holder_changes(self, region: np.ndarray, split_keys: np.ndarray, alive_before: np.ndarray) -> set[int]:
        """Records outside the region holding a name whose number of holding clusters moved
        to or from two (the unique-name attach's test)."""
        if not self.settings.attach_unique_names:
            return set()
        inside = set(region.tolist())
        new_key = dict(zip(region.tolist(), split_keys.tolist(), strict=True))
        extra: set[int] = set()
        for nm in {self.name_key[p] for p in region.tolist()} - {None}:
            holders = self.name_pos.get(nm, set())
            before = {self.split_key[p] for p in holders if p < len(alive_before) and alive_before[p]}
            after = {new_key[p] if p in inside else self.split_key[p] for p in holders if self.alive[p]}
            if len(before) != len(after) and 2 in (len(before), len(after)):
                extra |= {p for p in holders if self.alive[p] and p not in inside}
        return extra

    def _delta(self, region: np.ndarray, r: dict[str, Any], gone: np.ndarray, dirty: np.ndarray,
               da: np.ndarray, db: np.ndarray, scored: tuple[np.ndarray, np.ndarray, np.ndarray], retired: list[str], reason: str,
               write: bool = True) -> tuple[ResolutionDelta, dict[str, Any]]:
        s = self.settings
        cl, a, b, prob, levels, w = r["cl"], r["a"], r["b"], r["prob"], r["levels"], r["w"]
        rid = self.rid[region]
        # edges inside the region, as a resolve keeps them
        addr = [c.name for c in self.model.comparisons]
        rel = np.zeros(len(a), dtype=bool)
        for name in ("address", "phone"):
            if name in addr:
                rel |= levels[:, addr.index(name)] == 1
        rel &= prob < s.possible_threshold
        keep = (prob >= s.possible_threshold) | rel
        distinct = (cl.comp[a] == cl.comp[b]) & ~keep
        if cl.support is not None:
            distinct |= cl.support & ~keep
        sel = keep | distinct
        tier = np.where(distinct, "distinct", np.where(rel, "related", np.where(prob >= s.match_threshold, "match", "possible")))
        frames = [_edge_frame(rid[a[sel]], rid[b[sel]], w[sel], prob[sel], tier[sel], levels[sel])]
        # the dirty records' household edges to records outside the region
        inside = np.zeros(len(self.alive), dtype=bool)
        inside[region] = True
        out = ~(inside[da] & inside[db])
        if out.any():
            oa, ob = da[out], db[out]
            p2, lv2, w2 = scored[0][out], scored[1][out], scored[2][out]  # scored with the dirty records
            rel2 = np.zeros(len(oa), dtype=bool)
            for name in ("address", "phone"):
                if name in addr:
                    rel2 |= lv2[:, addr.index(name)] == 1
            rel2 &= p2 < s.possible_threshold
            if rel2.any():
                frames.append(_edge_frame(self.rid[oa[rel2]], self.rid[ob[rel2]], w2[rel2], p2[rel2],
                                          np.full(int(rel2.sum()), "related", dtype=object), lv2[rel2]))
        edges = pd.concat(frames, ignore_index=True)
        # people, with the stable-id policy, over the region and the records that left it
        before_pos = np.union1d(region, gone)
        prev = pd.DataFrame({"record_id": self.rid[before_pos], "person_id": self.pid[before_pos]})
        prev = prev[prev["person_id"].notna()].drop_duplicates("record_id").sort_values("record_id", ignore_index=True)
        records = self.canon.take(region)
        label_codes = pd.factorize(r["labels_keys"])[0].astype(np.int64)
        before = sorted(set(prev["person_id"]))
        meta = pd.DataFrame({"person_id": before, "created_run": [self.created.get(p) for p in before],
                             "status": "active"})
        ids, persons, hist = build_people(records, label_codes, cl.review, prev, meta, taken=self.issued)
        assignment = ids.assignment.copy()
        hashes = self.store.records_hashes(assignment["record_id"].tolist()) if write else {}
        assignment["row_hash"] = assignment["record_id"].map(hashes)
        events = self._events(ids.events, prev, assignment, persons)
        old_people = set(prev["person_id"])
        new_people = set(persons["person_id"])
        delta = ResolutionDelta(
            settings_json=self.settings_json,
            model_json=self.model_json,
            report={"started": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"), "update": True,
                    "records": int(len(dirty)), "region": int(len(region)),
                    "events": events["event"].value_counts().to_dict() if len(events) else {}},
            retired_records=pd.DataFrame({"record_id": retired, "reason": [reason] * len(retired)}, dtype=object),
            region=sorted(set(rid.tolist()) | set(self.rid[gone].tolist())),
            assignment=assignment,
            persons=persons[["person_id", "created_run", "size", "review", "golden"]],
            retired=ids.retired,
            events=events,
            edges_touching=sorted(set(self.rid[dirty].tolist()) | set(self.rid[gone].tolist())),
            edges=edges,
            history_people=sorted(old_people | new_people),
            address_history=hist,
        )
        return delta, {"assignment": ids.assignment, "ids": ids, "touched": len(old_people | new_people)}

    def _events(self, base: pd.DataFrame, prev: pd.DataFrame, assignment: pd.DataFrame,
                persons: pd.DataFrame) -> pd.DataFrame:
        golden = dict(zip(persons["person_id"], persons["golden"], strict=True))
        return person_events(base, prev, assignment, golden,
                             old_goldens(self.store, sorted(set(golden) & set(prev["person_id"])), golden))

    def _commit(self, region: np.ndarray, r: dict[str, Any], gone: np.ndarray, res: dict[str, Any], run_id: int) -> None:
        for p in np.union1d(region, gone).tolist():
            person = self.pid[p]
            if person is not None:
                m = self.members.get(person)
                if m is not None:
                    m.discard(p)
                    if not m:
                        del self.members[person]
            if not self.alive[p]:
                self.pid[p] = None
        person_of = dict(zip(res["assignment"]["record_id"].tolist(), res["assignment"]["person_id"].tolist(), strict=True))
        for p in region.tolist():
            person = person_of[self.rid[p]]
            self.pid[p] = person
            self.members.setdefault(person, set()).add(p)
        self.split_key[region] = r["split_keys"]
        ids = res["ids"]
        for pid, c in ids.created_run.items():
            if c is None:  # issued by this run
                self.created[pid] = run_id
                self.issued.add(pid)


def _nameless(records: pd.DataFrame) -> np.ndarray:
    """Records with no name but an email: the name a glued email spells depends on the names
    the index holds (``pipeline._names_from_email``)."""
    return (records["given_name"].isna() & records["family_name"].isna() & records["emails"].notna()).to_numpy()


def _query_frames(
    queries: list[dict[str, str]], results: list[Any]
) -> tuple[pd.DataFrame, list[int]]:
    """The usable queries standardised as records (one row each, in order) and their places in
    ``queries``; an unusable query's place in ``results`` gets its error. Each query is
    standardised on its own (``standardise.fields``: what a load makes of a one-row export),
    so its answer never depends on the queries batched with it."""
    from .._search_fields import SEARCH_FIELDS
    from ..standardise.fields import records_frame, standardise_fields

    rows, keep = [], []
    for i, fields in enumerate(queries):
        given = {k: str(v) for k, v in fields.items() if v not in (None, "")}
        unknown = sorted(set(given) - set(SEARCH_FIELDS))
        if unknown:
            results[i] = IdentityGraphError(f"unknown field(s) {unknown}; use {list(SEARCH_FIELDS)}")
            continue
        if not given:
            results[i] = IdentityGraphError("give at least one field, e.g. family_name and dob")
            continue
        record, problems = standardise_fields(given)
        if record is None:
            reasons = "; ".join(problems) or "nothing usable"
            results[i] = IdentityGraphError(f"the query has no usable identifying field ({reasons})")
            continue
        record.update(trust=0, record_id=f"~query{i:09d}", source="~query", source_record_id=f"q{i}")
        rows.append(record)
        keep.append(i)
    if not rows:
        return pd.DataFrame(), []
    return records_frame(rows), keep


def _cluster_keys(labels: np.ndarray, rid: np.ndarray) -> np.ndarray:
    """Per record, its cluster named by the smallest record id in it (labels are positions in
    record-id order, so the label's own record)."""
    return np.asarray(rid, dtype=object)[np.asarray(labels, dtype=np.int64)]


def _edge_frame(ra: np.ndarray, rb: np.ndarray, w: np.ndarray, p: np.ndarray, tier: np.ndarray,
                levels: np.ndarray) -> pd.DataFrame:
    ra, rb = np.asarray(ra, dtype=object), np.asarray(rb, dtype=object)
    swap = ra > rb
    a = np.where(swap, rb, ra)
    b = np.where(swap, ra, rb)
    return pd.DataFrame({
        "record_a": pd.Series(a, dtype=object), "record_b": pd.Series(b, dtype=object),
        "weight": np.asarray(w, dtype=float), "probability": np.asarray(p, dtype=float),
        "tier": pd.Series(np.asarray(tier, dtype=object), dtype=object),
        "levels": pd.Series(levels_to_text(levels) if len(levels) else np.zeros(0, dtype=object), dtype=object),
    })
