"""Response shapes shared by several routes (each route module defines its own too).

The golden record and the source record shapes are built from the pipeline's own field lists
(``GOLDEN_FIELDS``, ``RECORD_COLUMNS``), so the OpenAPI schema follows the code.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from ..people.golden import ADDRESS_FIELDS, GOLDEN_FIELDS
from ..types import RECORD_COLUMNS

__all__ = ["Golden", "SourceRecord", "AddressSpell", "PersonEvent", "plain"]

_golden_fields: dict[str, Any] = {f: (str | None, None) for f in (*GOLDEN_FIELDS, *ADDRESS_FIELDS)}
_golden_fields["sources"] = (list[str] | None, None)
#: a person's best current record (survivorship, ADR 0004); phones and emails are "|"-joined
Golden = create_model("Golden", __config__=ConfigDict(extra="allow"), **_golden_fields)

_record_fields: dict[str, Any] = {c: (str | None, None) for c in RECORD_COLUMNS}
_record_fields["record_id"] = (str, ...)
_record_fields["dob_ambiguous"] = (bool, False)
_record_fields["trust"] = (int | None, None)
#: a source record as standardised (the canonical record frame's columns)
SourceRecord = create_model("SourceRecord", __config__=ConfigDict(extra="ignore"), **_record_fields)


class AddressSpell(BaseModel):
    """One address in a person's history, with the dates and sources that hold it."""

    address_key: str | None = None
    address: str | None = None
    postcode: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    sources: str | list[str] | None = None
    records: int | None = None
    is_current: bool = False


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A frame row as JSON-ready values: None for missing, Python scalars."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v is None or (isinstance(v, float) and v != v):
            out[k] = None
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


class PersonEvent(BaseModel):
    """One person event (created, merged, split, dissolved, records added or removed, details
    changed) with the sources it touches; ``seq``/``run_id``/``at`` once it is in the feed."""

    seq: int | None = None
    run_id: int | None = None
    at: str | None = None
    event: str
    person_id: str | None = None
    other_person_id: str | None = None
    records: int | None = None
    detail: Any = None
    sources: list[str] = []

    @classmethod
    def rows(cls, frame: Any) -> list[PersonEvent]:
        """From an event frame (``EVENT_COLUMNS``, or ``Store.changes``): detail JSON parsed."""
        import json

        out = []
        for e in frame.to_dict(orient="records"):
            e = plain(e)
            d, n = e.get("detail"), e.get("records")
            out.append(cls(
                seq=e.get("seq"), run_id=e.get("run_id"), at=e.get("at"), event=e["event"],
                person_id=e.get("person_id"), other_person_id=e.get("other_person_id"),
                records=None if n is None else int(n), detail=json.loads(d) if isinstance(d, str) else d,
                sources=list(e.get("sources") or []),
            ))
        return out
