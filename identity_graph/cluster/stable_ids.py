"""Stable person ids across recomputes (ADR 0003).

Policy:
* **split**: a previous person's id goes to the new cluster holding most of its records (ties:
  the cluster whose smallest record id sorts first); the other parts get new ids.
* **merge**: when one new cluster inherits several previous ids, the *oldest* survives (lowest
  ``created_run``, then the smallest id); the others are retired with ``merged_into``.
* **new**: a cluster inheriting nothing gets ``P`` + the first 12 hex digits of SHA-1 of its
  smallest record id (re-hashed with a counter if that id was ever issued). Ids therefore never
  depend on input order or on the number of runs.
* a previous person none of whose records exist any more is retired (``merged_into`` None).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["StableIds", "assign_stable_ids", "new_person_id"]


class _Taken:
    """Ids taken: those issued before (a set not copied) and those issued by this run."""

    def __init__(self, before: set[str]):
        self.before, self.now = before, set()

    def __contains__(self, pid: object) -> bool:
        return pid in self.now or pid in self.before

    def add(self, pid: str) -> None:
        self.now.add(pid)


def new_person_id(min_record_id: str, taken: set[str] | _Taken) -> str:
    k = 0
    while True:
        seed = min_record_id if k == 0 else f"{min_record_id}#{k}"
        pid = "P" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:12]
        if pid not in taken:
            return pid
        k += 1


@dataclass
class StableIds:
    assignment: pd.DataFrame  # record_id, person_id
    created_run: dict[str, int | None]  # person_id -> created run (None: new this run)
    retired: pd.DataFrame  # person_id, merged_into
    events: pd.DataFrame  # event, person_id, other_person_id, records
    #: each record's cluster number, and each cluster's person id (``assignment``'s person_id
    #: is ``people[codes]``): the people stage groups records by number, not by id text
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    people: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))


def assign_stable_ids(
    record_ids: pd.Series,
    cluster: pd.Series,
    previous: pd.DataFrame,
    persons_meta: pd.DataFrame,
    *,
    taken: set[str] | None = None,
) -> StableIds:
    """Map new clusters (``cluster`` label per record, aligned with ``record_ids``) to person ids.

    ``previous``: record_id, person_id of the last run; ``persons_meta``: person_id,
    created_run, status of every id ever issued (or, with ``taken``, at least of the people in
    ``previous``; ``taken`` then holds every id ever issued, for new ids never to reuse one).
    """
    # clusters by number and record ids as the caller's objects (no per-record string copies,
    # no grouping of 655k strings): a cluster's smallest record id is the first in id order
    rid = np.asarray(record_ids.to_numpy(), dtype=object)
    labels = cluster.to_numpy()
    codes, uniq = pd.factorize(labels)
    order = None if record_ids.is_monotonic_increasing else np.argsort(rid, kind="stable")
    present, first = np.unique(codes if order is None else codes[order], return_index=True)
    cmin = pd.Series(rid[first if order is None else order[first]], index=uniq[present], dtype=object).sort_index()
    created = dict(zip(persons_meta["person_id"].to_numpy(dtype=object).tolist(), persons_meta["created_run"], strict=True))
    # the caller's set is read, never changed: ids issued here go to a set of their own
    issued_before: set[str] = taken if taken is not None else set(persons_meta["person_id"].to_numpy(dtype=object).tolist())
    taken = _Taken(issued_before)
    events: list[tuple[str, str, str | None, int]] = []

    # each previous record's new cluster (NaN: the record is gone), as a left merge gives it
    prev_ids = previous["record_id"].to_numpy(dtype=object)
    # person ids as Python strings (an Arrow-backed column is read a boxed cell at a time
    # by every loop and set below)
    prev_pids = previous["person_id"].to_numpy(dtype=object)
    pos = pd.Index(rid).get_indexer(prev_ids) if len(prev_ids) else np.zeros(0, dtype=np.intp)
    prev_cluster = np.full(len(pos), np.nan)
    prev_cluster[pos >= 0] = labels[pos[pos >= 0]]
    prev = pd.DataFrame({"person_id": pd.Series(prev_pids, dtype=object), "cluster": prev_cluster})
    # overlap of each previous person with each new cluster
    # (unsorted groups: the sort below orders every row, a person's clusters never tie)
    ov = prev.dropna(subset=["cluster"]).groupby(["person_id", "cluster"], sort=False).size().rename("n").reset_index()
    ov["cluster_min"] = ov["cluster"].map(cmin)
    ov = ov.sort_values(["person_id", "n", "cluster_min"], ascending=[True, False, True])
    heir = ov.drop_duplicates("person_id")  # the cluster each previous person's id goes to
    # clusters inheriting several ids: the oldest survives
    heir = heir.assign(created=heir["person_id"].map(lambda p: created.get(p, 10**9)))
    heir = heir.sort_values(["cluster", "created", "person_id"])
    survivor = heir.drop_duplicates("cluster").set_index("cluster")["person_id"]
    label_to_pid: dict[object, str] = dict(zip(survivor.index.tolist(), survivor.to_numpy(dtype=object).tolist(), strict=True))
    retired_rows: list[tuple[str, str | None]] = []
    counts = pd.Series(prev_pids, dtype=object).value_counts(sort=False)  # (hashed, not sorted)
    prev_sizes = dict(zip(counts.index.to_numpy(dtype=object).tolist(), counts.tolist(), strict=True))
    heir_pids = heir["person_id"].to_numpy(dtype=object).tolist()
    for pid, cl in zip(heir_pids, heir["cluster"].tolist(), strict=True):
        keep = label_to_pid[cl]
        if pid != keep:
            retired_rows.append((pid, keep))
            events.append(("merged", keep, pid, int(prev_sizes.get(pid, 0))))
    gone = set(prev_pids.tolist()) - set(heir_pids)
    for pid in sorted(gone):
        retired_rows.append((pid, None))
        events.append(("dissolved", pid, None, 0))
    # new clusters
    created_run: dict[str, int | None] = {}
    fresh = cmin[~cmin.index.isin(list(label_to_pid))].sort_values(kind="stable")
    firsts = [str(r) for r in fresh.to_numpy(dtype=object).tolist()]
    fresh_labels = fresh.index.tolist()
    # each new id's first candidate hashed in one pass (no call per cluster)
    candidates = ["P" + hashlib.sha1(r.encode("utf-8")).hexdigest()[:12] for r in firsts]
    if issued_before.isdisjoint(candidates) and len(set(candidates)) == len(candidates):
        # the usual case: no candidate was ever issued, none repeats: each is what the loop
        # below would issue, and all go in at once
        taken.now.update(candidates)
        label_to_pid.update(zip(fresh_labels, candidates, strict=True))
        created_run = dict.fromkeys(candidates)
    else:  # a candidate taken: re-hashed with a counter, one cluster at a time, in order
        for cl, first_record, pid in zip(fresh_labels, firsts, candidates, strict=True):
            if pid in taken:
                pid = new_person_id(first_record, taken)
            taken.add(pid)
            label_to_pid[cl] = pid
            created_run[pid] = None
    # splits: a previous person whose records now sit in several clusters
    # (``ov`` is sorted by person, largest part first: every row after a person's first is a part
    # that split away)
    parts = ov[ov.duplicated("person_id")]
    for pid, cl, n in zip(parts["person_id"].to_numpy(dtype=object).tolist(), parts["cluster"].tolist(),
                          parts["n"].tolist(), strict=True):
        events.append(("split", pid, label_to_pid[cl], int(n)))
    # the ids that survive from before (the new ones are in ``created_run`` already)
    for pid in survivor.to_numpy(dtype=object).tolist():
        if pid not in created_run:
            c = created.get(pid)
            created_run[pid] = c if type(c) is int else None if c is None or pd.isna(c) else int(c)
    sizes = np.bincount(codes, minlength=len(uniq))
    pid_of_code = np.array([label_to_pid[cl] for cl in uniq.tolist()], dtype=object)
    new_ids = sorted({pid for pid, c in created_run.items() if c is None})
    pid_size = dict(zip(pid_of_code.tolist(), sizes.tolist(), strict=True))
    # events by column: a frame from one tuple per new person is slow at 400k people
    columns = [list(c) for c in zip(*events, strict=True)] if events else [[], [], [], []]
    columns[0] += ["created"] * len(new_ids)
    columns[1] += new_ids
    columns[2] += [None] * len(new_ids)
    columns[3] += [pid_size.get(pid, 0) for pid in new_ids]
    # one shared id string per person, not one per record
    assignment = pd.DataFrame(
        {"record_id": pd.Series(rid, dtype=object), "person_id": pd.Series(pid_of_code[codes], dtype=object)}
    )
    return StableIds(
        codes=codes,
        people=pid_of_code,
        assignment=assignment,
        created_run=created_run,
        retired=pd.DataFrame(retired_rows, columns=["person_id", "merged_into"], dtype=object),
        events=pd.DataFrame(dict(zip(["event", "person_id", "other_person_id", "records"], columns, strict=True)), dtype=object),
    )
