"""Snapshot loads: an export that is the whole of its source; records it no longer holds retire.

A source whose mapping says ``snapshot = true`` (or a ``load --snapshot``) sends every record it
holds in each export. After such an export is loaded, the source's stored records whose id is
not in it (in any row, loaded or rejected) are retired through the live index's delete path,
exactly as ``idgraph delete`` retires them: kept in history (reason ``missing from snapshot
<file> (load <id>)``), their people shrink, split or dissolve, and the change feed says
``records_removed``.

A guard stops an accident (the wrong file, a truncated export): a snapshot that would retire
more than ``MASS_RETIRE_SHARE`` of the source's records is refused unless
``allow_mass_retire``. Refused means nothing is retired; on the embedded store the load itself
is rolled back too (one transaction); on Neo4j, whose loads commit per batch, the rows loaded
stay and a rerun with the flag retires what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..errors import IdentityGraphError
from ..store.contract import Store

__all__ = ["MASS_RETIRE_SHARE", "SnapshotOptions", "raw_ids", "missing_records", "check_guard"]

#: the share of a source's records one snapshot may retire without ``--allow-mass-retire``
MASS_RETIRE_SHARE = 0.10


@dataclass(frozen=True)
class SnapshotOptions:
    """How a load treats its export: ``snapshot`` None follows the mapping."""

    snapshot: bool | None = None
    allow_mass_retire: bool = False
    allow_erased: bool = False


def raw_ids(frame: pd.DataFrame, id_column: str) -> Iterable[str]:
    """The record ids a raw chunk holds (as the standardiser reads them: stripped, non-empty)."""
    if id_column not in frame.columns:
        return []
    return {s for v in frame[id_column].tolist() if v is not None and v == v and (s := str(v).strip())}


def missing_records(store: Store, source: str, present: set[str]) -> tuple[list[str], int]:
    """(record ids of ``source`` in the store whose source id is not in ``present``, how many
    records of ``source`` the store holds)."""
    missing: list[str] = []
    total = 0
    for chunk in store.links():
        mine = chunk[chunk["source"] == source]
        total += len(mine)
        missing.extend(f"{source}:{s}" for s in mine["source_record_id"].tolist() if s not in present)
    return sorted(missing), total


def check_guard(store: Store, source: str, file: str, missing: list[str], total: int, allow_mass_retire: bool) -> None:
    """Raise (before the load commits) when the snapshot would retire too much, or cannot."""
    if not missing:
        return
    share = len(missing) / max(total, 1)
    rolled = "nothing was loaded" if store.atomic_loads else "the rows were loaded, nothing was retired"
    if share > MASS_RETIRE_SHARE and not allow_mass_retire:
        raise IdentityGraphError(
            f"snapshot {file} would retire {len(missing):,} of the {total:,} {source} records "
            f"({share:.0%}), more than the {MASS_RETIRE_SHARE:.0%} guard; {rolled}. If the export really is "
            "the whole of the source, load it again with --allow-mass-retire"
        )
    if store.latest_model() is None:
        raise IdentityGraphError(
            f"snapshot {file} would retire {len(missing):,} {source} records, and retiring needs a resolved "
            f"store; {rolled}. Run `idgraph resolve` first, then load the snapshot again"
        )
