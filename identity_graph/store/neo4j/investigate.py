"""The Neo4j store's workbench reads (issue 13), a mixin of ``Neo4jStore``: the same answers as
``store/embedded_investigate.py``, from ``cypher/investigate/*.cypher``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..embedded_investigate import HISTORY_COLUMNS, SOURCE_RECORD_COLUMNS

__all__ = ["Neo4jInvestigateMixin"]


def _history(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns, None for missing, is_current a bool (as the embedded store answers)."""
    current = df["is_current"].map(bool).astype(bool)
    df = df.astype(object).where(df.notna(), None)
    df["is_current"] = current
    return df


class Neo4jInvestigateMixin:
    """``Store.residents_matching``, ``address_history_all``, ``source_records``."""

    def residents_matching(self, needle: str) -> pd.DataFrame:
        rows = self._read("investigate/residents_matching", needle=needle)
        return _history(pd.DataFrame(rows, columns=HISTORY_COLUMNS, dtype=object))

    def address_history_all(self) -> pd.DataFrame:
        cols = self._read_columns("investigate/address_history_all")
        df = pd.DataFrame({c: cols.get(c, []) for c in HISTORY_COLUMNS}, columns=HISTORY_COLUMNS, dtype=object)
        return _history(df)

    def source_records(self, source: str) -> pd.DataFrame:
        rows = self._read("investigate/source_records", source=source)
        df = pd.DataFrame(rows, columns=SOURCE_RECORD_COLUMNS, dtype=object)
        return df.astype(object).where(df.notna(), None)

    if TYPE_CHECKING:  # supplied by Neo4jStore

        def _read(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

        def _read_columns(self, name: str, **params: Any) -> dict[str, Any]: ...
