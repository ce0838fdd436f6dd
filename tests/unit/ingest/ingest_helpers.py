"""Helpers for the ingest tests: mappings built in code, exports written into tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from identity_graph.ingest.mapping import SourceMapping
from identity_graph.ingest.readers import RawChunk, read_export


def make_mapping(**overrides: Any) -> SourceMapping:
    data: dict[str, Any] = {"source": "council_tax", "id": "REF"}
    data.update(overrides)
    return SourceMapping.from_dict(data, "council_tax.toml")


def write_csv(path: Path, rows: Sequence[Sequence[Any]], **kwargs: Any) -> Path:
    encoding = kwargs.pop("encoding", "utf-8")
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, **kwargs).writerows(rows)
    return path


def read_all(
    path: Path, mapping: SourceMapping, **kwargs: Any
) -> tuple[pd.DataFrame, list[RawChunk]]:
    chunks = list(read_export(path, mapping, **kwargs))
    return pd.concat([c.frame for c in chunks], ignore_index=True), chunks
