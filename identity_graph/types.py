"""Named shapes shared by every stage of the pipeline.

The *canonical record frame* is the contract between ingest/standardise and the matcher and stores:
a pandas DataFrame with one row per source record and exactly the columns in ``RECORD_COLUMNS``
(missing values are ``None``/NaN, never empty strings). Multi-valued identifiers (phones, emails)
are stored as a ``|``-joined string of normalised values, sorted and de-duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CANONICAL_FIELDS",
    "RECORD_COLUMNS",
    "MULTI_SEPARATOR",
    "DOB_UNPARSED",
    "Tier",
    "LoadReport",
    "FieldFill",
    "MappingWarning",
    "ResolveReport",
    "Reject",
]

#: Fields a source mapping may map source columns onto (``[fields]`` in a mapping TOML).
CANONICAL_FIELDS: tuple[str, ...] = (
    "full_name",  # either order: "SMITH, John" or "John Smith"; split into the name parts below
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "suffix",
    "dob",
    "gender",
    "address",
    "postcode",
    "uprn",
    "phone",
    "email",
    "nhs_number",
    "ni_number",
    "record_date",
)

#: identifier kinds that link people in the investigator graph (names, dobs and postcodes are
#: shared by too many unrelated people to be a link on their own)
LINK_KINDS: tuple[str, ...] = ("phone", "email", "address", "uprn", "nhs", "ni")

MULTI_SEPARATOR = "|"

#: Columns of the canonical (standardised) record frame, in order.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",  # "{source}:{source_record_id}", unique across the store
    "source",
    "source_record_id",
    # names: lower-case ASCII, punctuation folded (see standardise.names)
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "suffix",  # "jr" / "sr" / "ii" / ...
    "given_canonical",  # nickname-canonical given name ("bob" -> "robert")
    "given_phonetic",
    "family_phonetic",
    # date of birth
    "dob",  # ISO "YYYY-MM-DD"
    "dob_ambiguous",  # bool: day and month could be swapped (no format given, both <= 12)
    "gender",  # "m" / "f" / None
    # address
    "address",  # normalised single line, without postcode
    "flat",
    "house_number",
    "street",
    "town",
    "postcode",  # "SW1A 1AA"
    "postcode_sector",  # "SW1A 1"
    "postcode_district",  # "SW1A"
    "postcode_area",  # "SW"
    "address_key",  # house/flat + street + postcode: one key per dwelling
    "uprn",
    # contact and strong identifiers
    "phones",  # "|"-joined E.164 numbers
    "emails",  # "|"-joined lower-case addresses
    "nhs_number",
    "ni_number",
    # provenance
    "record_date",  # ISO date the source last confirmed the record
    "extra",  # JSON object: mapped [compare] columns, normalised; DOB_UNPARSED
    "attributes",  # JSON object: unmapped source columns, as given
)

Tier = Literal["match", "possible", "related"]


@dataclass(frozen=True)
class Reject:
    """One row (or one value) that could not be used, with where and why."""

    file: str
    row: int  # 1-based data row number as a person would count it in the file (header excluded)
    column: str | None
    reason: str
    action: Literal["row rejected", "value dropped"] = "row rejected"
    value: str | None = None
    #: line of a text export the row starts on, as an editor numbers it (header included)
    line: int | None = None
    #: the row's record id, when it could be read (a rejected line may hold a readable id)
    record_id: str | None = None


@dataclass
class FieldFill:
    """How one mapped field fared in an export (``ingest.mapping_check``, ADR 0030): ``filled``
    rows held a value in its column(s), and ``valid`` of those kept a value after validation
    (a valid UK postcode, a real date, an NHS number with its check digit, ...)."""

    field: str
    columns: tuple[str, ...]
    rows: int = 0
    filled: int = 0
    valid: int = 0

    @property
    def lost(self) -> int:
        """Values present in the export that validation dropped."""
        return self.filled - self.valid

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def valid_rate(self) -> float:
        """Share of the filled values that survived validation (1.0 when none were filled)."""
        return self.valid / self.filled if self.filled else 1.0

    @property
    def lost_share(self) -> float:
        return self.lost / self.filled if self.filled else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field, "columns": list(self.columns), "rows": self.rows, "filled": self.filled,
            "valid": self.valid, "lost": self.lost, "fill_rate": round(self.fill_rate, 4),
            "valid_rate": round(self.valid_rate, 4),
        }


@dataclass(frozen=True)
class MappingWarning:
    """A mapped field that lost more than its share of values to validation: the column is
    probably mapped to the wrong field. ``looks_like`` and ``suggestion`` describe the lost
    values' shape (never the values themselves: they are personal data)."""

    field: str
    columns: tuple[str, ...]
    filled: int
    lost: int
    looks_like: str | None
    expected: str  # what the field's valid values are ("UK postcodes")
    suggestion: str

    @property
    def lost_share(self) -> float:
        return self.lost / self.filled if self.filled else 0.0

    def message(self) -> str:
        """One line for people: field, column, share lost, what the values look like, the fix."""
        cols = " + ".join(self.columns)
        seen = f"they look like {self.looks_like}, not {self.expected}" if self.looks_like else (
            f"they are not {self.expected}")
        return (f"fields.{self.field} (column {cols}) lost {self.lost_share:.0%} of its values to validation "
                f"({self.lost:,} of {self.filled:,}): {seen}. Fix: {self.suggestion}")

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "columns": list(self.columns), "filled": self.filled, "lost": self.lost,
                "lost_share": round(self.lost_share, 4), "looks_like": self.looks_like,
                "expected": self.expected, "suggestion": self.suggestion, "message": self.message()}


@dataclass
class LoadReport:
    source: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    values_dropped: int = 0
    rejects_file: str | None = None
    seconds: float = 0.0
    #: record ids inserted or changed, when the caller asked for them (``api.load_records``)
    written: list[str] | None = None
    #: per mapped field: rows that held a value and how many of those survived validation
    fields: dict[str, FieldFill] = field(default_factory=dict)
    #: mapped fields that lost more than 20% of their values: probably mapped wrong (ADR 0030)
    warnings: list[MappingWarning] = field(default_factory=list)
    #: a snapshot load: records of the source missing from the export, retired (ADR 0032), and
    #: the update run that retired them
    retired: int = 0
    retired_run: int | None = None

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the counts, each field's fill and validity, and the mapping warnings."""
        out = dict(self.__dict__)
        out["fields"] = {k: v.to_dict() for k, v in self.fields.items()}
        out["warnings"] = [w.to_dict() for w in self.warnings]
        return out


@dataclass
class ResolveReport:
    run_id: int
    records: int = 0
    candidate_pairs: int = 0
    match_edges: int = 0
    possible_edges: int = 0
    related_edges: int = 0
    people: int = 0
    new_people: int = 0
    merges: int = 0
    splits: int = 0
    unchanged_people: int = 0
    flagged_for_review: int = 0
    seconds: float = 0.0
    pairs_per_rule: dict[str, int] = field(default_factory=dict)
    #: reviewers' decisions applied: counts, and contradictions (same-person refused by a keep-apart)
    decisions: dict[str, Any] = field(default_factory=dict)
    #: ``resolve(dry_run=True)``: nothing was written; ``changes`` is what a resolve would change
    #: (``cluster.run_diff``) and ``run_id`` the id the run would have had
    dry_run: bool = False
    changes: dict[str, Any] | None = None

#: key in a record's ``extra`` JSON: its dob when well-formed but impossible ("1853-15-20"), in
#: ISO field order. Not a date anywhere else; the dob comparison reads it (one digit away is
#: still one digit away).
DOB_UNPARSED = "dob_unparsed"
