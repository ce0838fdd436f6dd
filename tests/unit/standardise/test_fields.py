"""A record given in canonical fields (a match query) is standardised value by value exactly as
``standardise_chunk`` standardises a one-row chunk mapped field to field."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from identity_graph.ingest.mapping import SourceMapping, load_mapping
from identity_graph.ingest.readers import read_export
from identity_graph.standardise.fields import FIELDS, standardise_fields
from identity_graph.standardise.record import standardise_chunk
from identity_graph.types import MULTI_SEPARATOR, RECORD_COLUMNS

#: the columns the caller sets (ids, source, trust): not the standardiser's
_IDS = {"record_id", "source", "source_record_id"}


def _by_chunk(fields: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    cols = sorted(fields)
    raw = pd.DataFrame([fields | {"__id": "q", "__row__": 1}], columns=[*cols, "__id", "__row__"], dtype=object)
    mapping = SourceMapping.from_dict({"source": "q", "id": "__id", "fields": {c: c for c in cols}}, "<q>")
    std = standardise_chunk(raw, mapping, "<q>")
    reasons = [r.reason for r in std.rejects]
    if std.frame.empty:
        return None, reasons
    row = std.frame.iloc[0]
    return {c: (None if row[c] is None or row[c] != row[c] else row[c]) for c in RECORD_COLUMNS}, reasons


def _same(fields: dict[str, Any]) -> None:
    want, want_reasons = _by_chunk(fields)
    got, reasons = standardise_fields(fields)
    assert reasons == want_reasons, fields
    if want is None:
        assert got is None, fields
        return
    assert got is not None, fields
    for c in RECORD_COLUMNS:
        if c in _IDS:
            continue
        w, g = want[c], got[c]
        if c == "dob_ambiguous":
            w, g = bool(w), bool(g)
        assert g == w, (c, fields, g, w)


def _queries(council: Any) -> list[dict[str, Any]]:
    """Every record of the synthetic council's exports as the canonical fields its mapping
    gives (several columns joined as the load joins them)."""
    out = []
    for source, path in sorted(council.files.items()):
        mapping = load_mapping(council.mappings[source])
        for chunk in read_export(path, mapping):
            for row in chunk.frame.to_dict(orient="records"):
                fields = {}
                for name, columns in mapping.fields.items():
                    if name not in FIELDS:
                        continue
                    sep = ", " if name == "address" else MULTI_SEPARATOR if name in ("phone", "email") else " "
                    parts = [str(row[c]) for c in columns if row.get(c) is not None and str(row[c]).strip()]
                    if parts:
                        fields[name] = sep.join(parts)
                out.append(fields)
    return out


def test_every_record_of_a_synthetic_council_standardises_as_a_chunk_of_one_would(small_council):
    queries = _queries(small_council)
    assert len(queries) > 500
    for fields in queries:
        _same(fields)


@pytest.mark.parametrize("fields", [
    {"full_name": "SMITH, John Paul", "given_name": "Jon"},
    {"full_name": "Dr Jane Smith Jr", "dob": "3/4/1980"},
    {"given_name": "Mr John Paul", "family_name": "Smith Jr", "middle_names": "George"},
    {"given_name": "unknown", "family_name": "n/a", "email": "jane.smith@example.org"},
    {"family_name": "O'Brien", "dob": "31/02/1980", "postcode": "SW1A1AA"},
    {"family_name": "Jones", "dob": "1853-15-20"},
    {"given_name": "Ann", "postcode": "NOT A POSTCODE", "address": "12 High St, Leeds LS1 4AB"},
    {"given_name": "Ann", "address": "Flat 3, 12 High St, London SW1A 1AA"},
    {"given_name": "Al", "address": "1600 Pennsylvania Ave NW, Washington, DC 20500"},
    {"given_name": "Bob", "phone": "07700 900123 / +44 (0)20 7946 0018", "email": "not-an-email"},
    {"nhs_number": "943 476 5919", "ni_number": "QQ123456C", "uprn": "100023336956"},
    {"nhs_number": "1234567890", "gender": "Female"},
    {"dob": "yesterday"},
    {"postcode": "LS1 4AB"},
    {"given_name": "x" * 1200, "family_name": "Smith"},
    {"given_name": "12345", "family_name": "Smith", "full_name": "0777 123"},
    {"given_name": "Émile", "family_name": "Zola", "dob": "1840-04-02 00:00:00"},
], ids=lambda f: ",".join(sorted(f)))
def test_hard_cases_standardise_as_a_chunk_of_one_would(fields):
    _same(fields)


def test_an_unknown_field_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown field"):
        standardise_fields({"surname": "Smith"})
