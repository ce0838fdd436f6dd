"""Tombstones: what an erasure leaves behind, and the load-time gate that honours them.

A tombstone holds the SHA-256 of the store's secret salt and the record id (``source:id``),
when, why and who: enough to refuse the record if an old export brings it back, nothing that
says who it was. The salt is per store (``Store.tombstone_salt``), so a hash cannot be checked
against a list of ids without the store itself.

>>> record_hash("00" * 32, "housing:H1") == record_hash("00" * 32, "housing:H1")
True
>>> pseudonym("ab" * 32)
'erased:abababababababab'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..store.contract import Store

__all__ = ["record_hash", "pseudonym", "ErasedGate"]


def record_hash(salt: str, record_id: str) -> str:
    """The tombstone hash of a record id (``source:source_record_id``) in a store with ``salt``."""
    return hashlib.sha256(f"{salt}\x00{record_id}".encode()).hexdigest()


def pseudonym(hash_hex: str) -> str:
    """How the audit log names an erased record from then on (the hash's first 16 digits)."""
    return f"erased:{hash_hex[:16]}"


class ErasedGate:
    """Which record ids of a load were erased (and when). Built before the load's transaction
    (the salt may have to be written); asked once per chunk."""

    def __init__(self, store: Store, allow_erased: bool = False):
        self.store = store
        self.allow_erased = allow_erased
        self.salt = store.tombstone_salt()
        #: hashes of erased records let back in (their tombstones go once the load commits)
        self.readmitted: list[str] = []

    def erased(self, record_ids: Iterable[str]) -> dict[str, str]:
        """record_id -> erased_at (ISO) of those ids that have a tombstone."""
        by_hash = {record_hash(self.salt, r): r for r in record_ids}
        if not by_hash:
            return {}
        found = self.store.tombstones(list(by_hash))
        return {by_hash[h]: at for h, at in found.items()}
