"""The embedded store's workbench reads (issue 13): address lookup by part of its key, every
address history row, and one source's records with their person. A mixin of ``EmbeddedStore``;
``identity_graph/investigate/`` composes them. Same answers as ``cypher/investigate/*.cypher``.
"""

from __future__ import annotations

import sqlite3

import pandas as pd

__all__ = ["EmbeddedInvestigateMixin", "HISTORY_COLUMNS", "SOURCE_RECORD_COLUMNS"]

#: columns of ``residents_matching`` and ``address_history_all``
HISTORY_COLUMNS = ["person_id", "address_key", "address", "postcode", "first_seen", "last_seen", "sources", "is_current"]
#: columns of ``source_records``
SOURCE_RECORD_COLUMNS = ["record_id", "person_id", "address_key", "address", "postcode", "record_date", "dob", "attributes"]


def _history(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns, None for missing (as the Neo4j store answers), is_current a bool."""
    current = df["is_current"].astype(bool)
    df = df.astype(object).where(df.notna(), None)
    df["is_current"] = current
    return df


class EmbeddedInvestigateMixin:
    """``Store.residents_matching``, ``address_history_all``, ``source_records``."""

    con: sqlite3.Connection

    def residents_matching(self, needle: str) -> pd.DataFrame:
        """Address history rows whose address key contains ``needle`` (a plain substring)."""
        return _history(pd.read_sql_query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM address_history WHERE instr(address_key, ?) > 0 "
            "ORDER BY address_key, coalesce(first_seen, ''), person_id",
            self.con, params=(needle,), dtype=object,
        ))

    def address_history_all(self) -> pd.DataFrame:
        """Every address history row of every person, by person and first seen."""
        return _history(pd.read_sql_query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM address_history "
            "ORDER BY person_id, coalesce(first_seen, ''), coalesce(address_key, ''), coalesce(address, ''), "
            "coalesce(last_seen, '')",
            self.con, dtype=object,
        ))

    def source_records(self, source: str) -> pd.DataFrame:
        """One source's records with their person (None: not yet resolved), by record id."""
        cols = ", ".join(f"r.{c}" for c in SOURCE_RECORD_COLUMNS if c != "person_id")
        df = pd.read_sql_query(
            f"SELECT {cols}, pr.person_id FROM records r LEFT JOIN person_records pr USING (record_id) "
            "WHERE r.source = ? ORDER BY r.record_id",
            self.con, params=(source,), dtype=object,
        )
        df = df[SOURCE_RECORD_COLUMNS]
        return df.astype(object).where(df.notna(), None)
