"""Score a store against a user's own labels (``idgraph evaluate --truth FILE``).

The labels are a CSV with a header and one row per labelled record:

* the record: ``source`` and ``source_record_id`` (the source's own record id, as in the
  export), or one ``record_id`` column holding ``source:source_record_id``;
* its true person: a label column, ``person_id`` by default (``cluster_id``, ``cluster``,
  ``label``, ``entity_id`` and ``truth`` are also found by themselves; ``label=`` names another).
  Records with one label are one person; the labels are any text.

Only labelled records are scored: the store's other records are left out (a sample of labelled
records scores that sample), and a labelled record the store does not hold is reported, not
scored. A record loaded but not yet resolved counts as a person of its own. Metrics are those of
:func:`~identity_graph.evaluate.metrics.evaluate_clusters`; the worst merges (one person holding
records of several true people) and splits (one true person spread over several) are listed,
ranked by the record pairs they get wrong.

>>> import tempfile, pathlib
>>> from identity_graph import api
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "truth.csv").write_text("source,source_record_id,person_id\\nhr,R1,a\\nhr,R2,b\\n")
>>> truth = read_truth(d / "truth.csv")
>>> truth.to_dict()
{'hr:R1': 'a', 'hr:R2': 'b'}
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from identity_graph.errors import IdentityGraphError, IngestError
from identity_graph.evaluate.metrics import ClusterMetrics, evaluate_clusters

if TYPE_CHECKING:
    from identity_graph.store.contract import Store

__all__ = ["LABEL_COLUMNS", "Evaluation", "read_truth", "evaluate_store"]

#: label columns found without ``label=``, in this order
LABEL_COLUMNS: tuple[str, ...] = ("person_id", "cluster_id", "cluster", "label", "entity_id", "truth")
_FORMAT = ("a CSV with a header: source,source_record_id,person_id (or record_id = \"source:id\", and "
           "a label column named with --label); one row per labelled record")


def read_truth(path: str | os.PathLike[str], label: str | None = None) -> pd.Series:
    """The true label per record id (``source:source_record_id``), from a labels CSV.

    Raises :class:`IngestError` naming the file, and the row and column of a bad row (a missing
    value, a record labelled twice).
    """
    p, where = Path(path), str(path)
    if not p.is_file():
        raise IngestError(where, "file not found" if not p.exists() else "is not a file",
                          fix=f"give the labels file: {_FORMAT}")
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise IngestError(where, f"is not UTF-8 text (byte {exc.start})", fix="save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise IngestError(where, f"cannot be read as CSV ({exc})", fix=_FORMAT) from None
    if not rows:
        raise IngestError(where, "is empty", fix=_FORMAT)
    header = [h.strip() for h in rows[0]]
    if label is None:
        label = next((c for c in LABEL_COLUMNS if c in header), None)
        if label is None:
            raise IngestError(where, f"has no label column ({', '.join(LABEL_COLUMNS)}); its columns are "
                              f"{', '.join(header)}", fix="name the column holding each record's person with --label")
    elif label not in header:
        raise IngestError(where, f"has no column {label!r}; its columns are {', '.join(header)}",
                          fix="give --label one of them")
    if "source" in header and "source_record_id" in header:
        key_cols = [header.index("source"), header.index("source_record_id")]
    elif "record_id" in header:
        key_cols = [header.index("record_id")]
    else:
        raise IngestError(where, f"has no record columns: needs source and source_record_id, or record_id; "
                          f"its columns are {', '.join(header)}", fix=_FORMAT)
    li = header.index(label)
    keys: list[str] = []
    labels: list[str] = []
    first: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        cells = [row[i].strip() if i < len(row) else "" for i in (*key_cols, li)]
        names = [header[i] for i in (*key_cols, li)]
        for name, value in zip(names, cells, strict=True):
            if not value:
                raise IngestError(where, f"line {line}, column {name}: no value", fix="fill it in, or remove the row")
        key = cells[0] if len(key_cols) == 1 else f"{cells[0]}:{cells[1]}"
        if len(key_cols) == 1 and ":" not in key:
            raise IngestError(where, f"line {line}, column record_id: {key!r} is not source:source_record_id",
                              fix='write record ids as "source:id", e.g. housing:HSG-000123')
        if key in first:
            raise IngestError(where, f"line {line}: record {key} is labelled again (first at line {first[key]})",
                              fix="label each record once")
        first[key] = line
        keys.append(key)
        labels.append(cells[-1])
    if not keys:
        raise IngestError(where, "has a header but no labelled records", fix=_FORMAT)
    return pd.Series(labels, index=pd.Index(keys, name="record_id"), name=label, dtype=object)


@dataclass
class Evaluation:
    """A store scored against labels: the metrics, coverage, and the worst merges and splits."""

    metrics: ClusterMetrics
    labelled: int  # records in the labels
    scored: int  # of those, held by the store
    missing: list[str] = field(default_factory=list)  # labelled record ids the store lacks (first 20)
    missing_count: int = 0
    unresolved: int = 0  # scored records with no person yet (each its own person)
    worst_merges: list[dict[str, Any]] = field(default_factory=list)
    worst_splits: list[dict[str, Any]] = field(default_factory=list)
    merges: int = 0  # people holding records of more than one true person
    splits: int = 0  # true people spread over more than one person

    @property
    def exact_people(self) -> int:
        return round(self.metrics.exact_share * self.metrics.true_clusters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics.to_dict(), "exact_people": self.exact_people, "labelled": self.labelled,
            "scored": self.scored, "missing_count": self.missing_count, "missing": self.missing,
            "unresolved": self.unresolved, "merges": self.merges, "splits": self.splits,
            "worst_merges": self.worst_merges, "worst_splits": self.worst_splits,
        }


def _pairs(n: pd.Series) -> pd.Series:
    return n * (n - 1) // 2


def evaluate_store(store: Store, truth: pd.Series, *, worst: int = 10) -> Evaluation:
    """Score the store's people against ``truth`` (label per ``source:source_record_id``, e.g.
    from :func:`read_truth`), listing the ``worst`` biggest false merges and splits."""
    if truth.empty:
        raise IdentityGraphError("the labels hold no records")
    chunks = [c for c in store.links() if len(c)]
    if chunks:
        links = pd.concat(chunks, ignore_index=True)
        pred = pd.Series(links["person_id"].to_numpy(dtype=object),
                         index=links["source"].astype(str) + ":" + links["source_record_id"].astype(str))
    else:
        pred = pd.Series([], dtype=object)
    held = truth.index.isin(pred.index)
    missing = truth.index[~held]
    scored_truth = truth[held]
    if scored_truth.empty:
        raise IdentityGraphError(
            f"none of the {len(truth):,} labelled records is in this store: check the store, and that the "
            "labels use the source names and record ids of the loaded exports (e.g. housing,HSG-000123)"
        )
    predicted = pred.reindex(scored_truth.index)
    unresolved = int(predicted.isna().sum())
    metrics = evaluate_clusters(scored_truth, predicted)
    frame = pd.DataFrame({"t": scored_truth.astype(str).to_numpy(), "p": predicted.to_numpy(dtype=object)},
                         index=scored_truth.index)
    frame["p"] = frame["p"].where(frame["p"].notna(), "unresolved:" + frame.index.to_series())
    cells = frame.groupby(["t", "p"], sort=False).size().rename("n").reset_index()
    # merges: a person with records of several true people, ranked by the pairs wrongly joined
    by_p = cells.groupby("p", sort=False)
    merge = pd.DataFrame({"records": by_p["n"].sum(), "true_people": by_p.size(),
                          "right_pairs": by_p["n"].apply(lambda n: int(_pairs(n).sum()))})
    merge = merge[merge["true_people"] > 1]
    merge["wrong_pairs"] = _pairs(merge["records"]) - merge["right_pairs"]
    merge = merge.sort_values(["wrong_pairs", "records"], ascending=False, kind="stable")
    labels_of = cells.sort_values("n", ascending=False, kind="stable").groupby("p", sort=False)
    worst_merges = [
        {"person_id": str(p), "records": int(r.records), "true_people": int(r.true_people),
         "wrong_pairs": int(r.wrong_pairs),
         "labels": [{"label": str(t), "records": int(n)} for t, n in
                    labels_of.get_group(p)[["t", "n"]].head(5).itertuples(index=False)]}
        for p, r in merge.head(worst).iterrows()
    ]
    by_t = cells.groupby("t", sort=False)
    split = pd.DataFrame({"records": by_t["n"].sum(), "people": by_t.size(),
                          "kept_pairs": by_t["n"].apply(lambda n: int(_pairs(n).sum()))})
    split = split[split["people"] > 1]
    split["missed_pairs"] = _pairs(split["records"]) - split["kept_pairs"]
    split = split.sort_values(["missed_pairs", "records"], ascending=False, kind="stable")
    people_of = cells.sort_values("n", ascending=False, kind="stable").groupby("t", sort=False)
    worst_splits = [
        {"label": str(t), "records": int(r.records), "people": int(r.people), "missed_pairs": int(r.missed_pairs),
         "person_ids": [{"person_id": str(p) if not str(p).startswith("unresolved:") else None, "records": int(n)}
                        for p, n in people_of.get_group(t)[["p", "n"]].head(5).itertuples(index=False)]}
        for t, r in split.head(worst).iterrows()
    ]
    return Evaluation(
        metrics=metrics, labelled=len(truth), scored=len(scored_truth), missing=missing[:20].tolist(),
        missing_count=len(missing), unresolved=unresolved, worst_merges=worst_merges, worst_splits=worst_splits,
        merges=len(merge), splits=len(split),
    )
