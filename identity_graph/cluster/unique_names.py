"""Attach records to the one person who holds their full name (ADR 0009).

A pair of records that agree only on the full name (no dob, a different or no address) scores
as a *possible* match: the Fellegi-Sunter model counts name frequency over records, and a name
held by a handful of records may still be several people. After clustering, though, the graph
knows more: if every record holding this full name (nickname-canonical given name and family
name) sits in exactly two clusters, and a possible-match edge without conflicting evidence joins
them, those two clusters are one person seen by two systems; no other person in the index has
that name to be confused with.

The rule never fires where a third cluster holds the name (two "John Smith"s, a father and son
with one name), where the pair disagrees on a strong identifier, or below the possible-match
threshold (a dob or given-name disagreement has already pushed the pair under it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .components import ScoredPairs, open_possible_edges
from .decisions import Decisions, guarded_union

__all__ = ["attach_unique_names", "full_name_key"]


def full_name_key(frame: pd.DataFrame) -> np.ndarray:
    """Per record, ``given_canonical|family_name`` (or None when either is missing)."""
    name = frame["given_name"].to_numpy(dtype=object)
    given = frame["given_canonical"].to_numpy(dtype=object) if "given_canonical" in frame else name
    given = np.where(pd.isna(given), name, given)
    family = frame["family_name"].to_numpy(dtype=object)
    bad = (pd.isna(given) | pd.isna(family)).tolist()
    key = np.empty(len(frame), dtype=object)
    key[:] = [None if b or g == "" or f == "" else f"{g}|{f}"
              for g, f, b in zip(given.tolist(), family.tolist(), bad, strict=True)]
    return key


def attach_unique_names(
    labels: np.ndarray,
    name_key: np.ndarray,
    pairs: ScoredPairs,
    *,
    possible_threshold: float,
    match_threshold: float,
    dob: np.ndarray | None = None,
    outside_holders: dict[str, int] | None = None,
    decisions: Decisions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Merge cluster pairs that are the only two holders of a full name and are joined by a
    non-conflicting possible-match edge with that name on both sides.

    ``dob`` (per record, None if missing): two clusters that both know dates of birth and share
    none are two people, whatever their names. ``decisions``: a join that would put a
    keep-apart pair into one person is refused (edges taken by descending probability).

    ``outside_holders``: name -> clusters holding it among records not given here (an
    incremental update re-clusters part of the index; the rest still holds names).

    Returns (new labels, bool per record: its cluster was changed by this step).
    """
    n = len(labels)
    changed = np.zeros(n, dtype=bool)
    a, b = pairs.a, pairs.b
    if n == 0 or len(a) == 0:
        return labels, changed
    codes, names = pd.factorize(pd.Series(name_key, dtype=object), use_na_sentinel=True)
    # clusters per name: distinct (name, cluster) pairs, counted per name
    has = codes >= 0
    name_clusters = pd.DataFrame({"name": codes[has], "cluster": labels[has]}).drop_duplicates()
    holders = np.bincount(name_clusters["name"].to_numpy(), minlength=int(codes.max()) + 1 if has.any() else 0)
    if outside_holders:
        holders = holders + np.array([outside_holders.get(str(v), 0) for v in names.tolist()], dtype=np.int64)
    idx = open_possible_edges(labels, pairs, possible_threshold=possible_threshold, match_threshold=match_threshold)
    ca, cb = codes[a[idx]], codes[b[idx]]
    same_name = (ca >= 0) & (ca == cb)
    idx, ca = idx[same_name], ca[same_name]
    idx = idx[holders[ca] == 2]
    if dob is not None and len(idx):
        idx = idx[~_dob_conflict(labels, dob, labels[a[idx]], labels[b[idx]])]
    if not len(idx):
        return labels, changed
    # union the two clusters of every qualifying edge; labels are the smallest record position
    # of each cluster, so the merged label (the smallest label joined) is again the smallest
    # record position of the merged cluster
    idx = idx[np.argsort(-pairs.prob[idx], kind="stable")]
    new, _ = guarded_union(labels, labels[a[idx]], labels[b[idx]], decisions)
    return new, new != labels


def _dob_conflict(labels: np.ndarray, dob: np.ndarray, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """Per cluster pair (la[i], lb[i]): both clusters hold a dob and they share none."""
    codes, _ = pd.factorize(pd.Series(dob, dtype=object), use_na_sentinel=True)
    has = codes >= 0
    held = pd.DataFrame({"cluster": labels[has], "dob": codes[has]}).drop_duplicates()
    dated = set(held["cluster"].tolist())
    wanted = set(la.tolist()) | set(lb.tolist())
    held = held[held["cluster"].isin(wanted)]
    sets = held.groupby("cluster")["dob"].agg(frozenset).to_dict()
    out = np.zeros(len(la), dtype=bool)
    for i, (x, y) in enumerate(zip(la.tolist(), lb.tolist(), strict=True)):
        if x in dated and y in dated:
            out[i] = not (sets[x] & sets[y])
    return out
