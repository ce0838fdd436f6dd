"""The names a blocking rule may join on: the fixed list (ADR 0027).

A blocking rule's keys come from a settings file, so they are text a user wrote. They are
checked against this list when the settings are read (``settings_schema``) and looked up in
``block.keys`` by name; the SQL that joins on them only ever sees aliases the code makes
(``k0``, ``k1``, ...), never a key's name. No heavy imports here: the CLI validates settings
before it loads pandas.
"""

from __future__ import annotations

__all__ = ["COLUMN_KEYS", "DERIVED_KEYS", "EXTRA_PREFIX", "MULTI_KEYS", "BLOCKING_KEY_NAMES", "is_blocking_key"]

#: keys that hold several "|"-joined values per record (a record has several phones):
#: key -> the canonical column holding them
MULTI_KEYS: dict[str, str] = {"phone": "phones", "email": "emails"}

#: keys computed from the canonical columns (see ``block.keys.blocking_keys``)
DERIVED_KEYS: tuple[str, ...] = (
    "given_initial",
    "family_initial",
    "dob_year",
    "dob_md",
    "family_or_given",
    "names_unordered",
    "initials_unordered",
)

#: single-valued columns of the canonical record frame a rule may join on as they are
COLUMN_KEYS: tuple[str, ...] = (
    "source",
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "suffix",
    "given_canonical",
    "given_phonetic",
    "family_phonetic",
    "dob",
    "gender",
    "address",
    "flat",
    "house_number",
    "street",
    "town",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "postcode_area",
    "address_key",
    "uprn",
    "nhs_number",
    "ni_number",
    "record_date",
)

#: a mapping's ``[compare]`` field ``name`` is the key ``x_<name>``
EXTRA_PREFIX = "x_"

#: every key name a rule may use, besides ``x_<field>``
BLOCKING_KEY_NAMES: tuple[str, ...] = tuple(sorted({*MULTI_KEYS, *DERIVED_KEYS, *COLUMN_KEYS}))


def is_blocking_key(name: object) -> bool:
    """Whether ``name`` is a key a blocking rule may join on: one of ``BLOCKING_KEY_NAMES``, or
    ``x_<field>`` (a mapping's ``[compare]`` field; one no mapping has gives no values)."""
    if not isinstance(name, str):
        return False
    return name in BLOCKING_KEY_NAMES or (name.startswith(EXTRA_PREFIX) and len(name) > len(EXTRA_PREFIX))
