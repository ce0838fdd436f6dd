"""The council's service systems: who each one holds, and how it writes them down.

Each :class:`System` says which people it holds (``membership``: a probability per person), how
fresh its records are (``mean_age_days``), the mapping TOML that loads its export (in the format of
docs/MAPPING_SPEC.md) and ``build``, which turns (person, record day) rows into export columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from identity_graph.synth import noise
from identity_graph.synth.population import YEAR, Population
from identity_graph.synth.vocab import Vocab

__all__ = ["System", "SYSTEMS", "Rows"]

# --- error rates shared by every system (per value) ---------------------------------------------
NAME_TYPO_RATE = 0.015  # given and family names, each
STREET_TYPO_RATE = 0.01
STREET_ABBREVIATION_RATE = 0.15  # "Road" -> "Rd"
DOB_DIGIT_ERROR_RATE = 0.008
DOB_SWAP_RATE = 0.004  # day and month transposed (only possible when day <= 12)
#: in-system duplicates: the same person registered twice, with fresh noise on the copy
DUPLICATE_RATE = 0.02
DUPLICATE_TYPO_RATE = 0.25  # name typo rate on the duplicate copy
SUFFIX_SHOWN_RATE = 0.5  # systems with a place for "Jr"/"Sr" fill it this often
POSTCODE_NO_SPACE_RATE = 0.04
POSTCODE_LOWER_RATE = 0.02
POSTCODE_DOUBLE_SPACE_RATE = 0.01
#: the council's switchboard, typed in when a caller gives no number (placeholder phone)
SWITCHBOARD = "01134960000"
SWITCHBOARD_RATE = 0.25  # of records with no phone, in systems that insist on one
# --- system specific -----------------------------------------------------------------------------
CT_DOB_PLACEHOLDER = "01/01/1900"  # council tax: unknown date of birth
CT_DOB_PLACEHOLDER_RATE = 0.02
CT_DOB_MISSING_RATE = 0.03
CT_JOINT_LIABLE_RATE = 0.15  # partners with their own liable-party record
#: single-person discount (the "SPD" column, a typed flag in the mapping): claimed by most
#: households with one adult, and wrongly by some with more (what the adults-over-discount alert finds)
CT_SPD_SINGLE_RATE = 0.9
CT_SPD_MULTI_RATE = 0.08
HOUSING_TENANT_RATE = 0.17  # households renting from the council
HOUSING_JOINT_TENANT_RATE = 0.6
HOUSING_HOSTEL_RATE = 0.5  # hostel residents on the housing register
HOUSING_MIDDLE_IN_FORENAME_RATE = 0.3
ELECTORAL_RATE = 0.78  # adults registered to vote
ELECTORAL_MIDDLE_RATE = 0.6  # FORENAMES carries the middle name too
PARKING_RATE = 0.15  # adults with a vehicle holding a permit
PARKING_SWAPPED_RATE = 0.06  # "Surname Forename"
PARKING_NICKNAME_RATE = 0.15
LIBRARY_RATE_ADULT = 0.12
LIBRARY_RATE_CHILD = 0.30  # ages 4-15
LIBRARY_NICKNAME_RATE = 0.35  # of names that have a nickname
SCHOOL_RATE = 0.96  # ages 4-16
SCHOOL_RATE_SIXTH_FORM = 0.6  # ages 17-18
WEB_RATE = 0.22  # adults 18-80
WEB_NICKNAME_RATE = 0.25
WEB_SWAPPED_RATE = 0.08  # "Smith John"
WEB_COMMA_RATE = 0.08  # "Smith, John"
WEB_MISSING = {"mobile": 0.4, "postcode": 0.3, "display_name": 0.08}
SOCIAL_CARE_RATE = {"child": 0.03, "adult": 0.02, "65+": 0.06, "75+": 0.22}
SOCIAL_CARE_NHS_MISSING_RATE = 0.08

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Rows:
    """The true values behind each export row, as they were on the row's record day."""

    person: np.ndarray
    day: np.ndarray
    dup: np.ndarray  # bool: this row is the second registration of its person
    dwelling: np.ndarray
    given: np.ndarray
    middle: np.ndarray
    family: np.ndarray
    suffix: np.ndarray
    dob: np.ndarray
    street: np.ndarray

    @property
    def n(self) -> int:
        return len(self.person)


@dataclass(frozen=True)
class System:
    name: str
    ext: str
    id_column: str
    mapping: dict[str, Any]
    membership: Callable[[Population], np.ndarray]
    build: Callable[[Population, Vocab, Rows, np.random.Generator], dict[str, np.ndarray]]
    mean_age_days: float  # mean time since the system last confirmed a record
    max_age_days: float
    ids: Callable[[np.ndarray], np.ndarray] = field(repr=False, default=lambda k: k)
    dates: tuple[str, ...] = ()  # columns written as typed dates (xlsx, parquet)
    missing: str = "null"  # json/ndjson: "null" writes null, "omit" leaves the key out
    min_age_years: float = 0.0  # no record is dated before the person was this old


def rows_for(
    pop: Population, v: Vocab, person: np.ndarray, day: np.ndarray, dup: np.ndarray,
    rng: np.random.Generator,
) -> Rows:  # fmt: skip
    """Resolve each (person, day) to the address and names in use that day, with noise applied."""
    dwelling = pop.dwelling_at(person, day)
    typo = np.where(dup, DUPLICATE_TYPO_RATE, NAME_TYPO_RATE)
    street = pop.street[dwelling]
    abbreviate = np.flatnonzero(rng.random(len(person)) < STREET_ABBREVIATION_RATE)
    if len(abbreviate):
        stype = pop.street_type[dwelling[abbreviate]]
        short = np.array([v.street_type_abbrev.get(t, t) for t in stype], dtype=object)
        base = np.array(
            [s[: len(s) - len(t)] for s, t in zip(street[abbreviate], stype, strict=True)],
            dtype=object,
        )
        street[abbreviate] = base + short
    return Rows(
        person=person,
        day=day,
        dup=dup,
        dwelling=dwelling,
        given=noise.typos(pop.given[person], typo, rng),
        middle=pop.middle[person],
        family=noise.typos(pop.family_at(person, day), typo, rng),
        suffix=np.where(rng.random(len(person)) < SUFFIX_SHOWN_RATE, pop.suffix[person], "").astype(
            object
        ),
        dob=noise.dob_errors(pop.dob[person], DOB_DIGIT_ERROR_RATE, DOB_SWAP_RATE, rng),
        street=noise.typos(street, STREET_TYPO_RATE, rng),
    )


# --- helpers -------------------------------------------------------------------------------------


def _join(*parts: np.ndarray, sep: str = " ") -> np.ndarray:
    """Join string columns, skipping empty parts."""
    out = np.empty(len(parts[0]), dtype=object)
    for i, vals in enumerate(zip(*parts, strict=True)):
        out[i] = sep.join(p for p in vals if p)
    return out


def _house(pop: Population, r: Rows) -> np.ndarray:
    """ "Flat 3, 14 Oak Court" / "Riverside Hostel, 1 Station Road" / "12 Oak Road"."""
    d = r.dwelling
    base = pop.number[d] + " " + r.street
    flat = pop.flat[d]
    out = np.where(flat != "", "Flat " + flat + ", " + base, base)
    building = pop.building[d]
    return np.where(building != "", building + ", " + base, out).astype(object)


def _postcode(pop: Population, r: Rows, rng: np.random.Generator) -> np.ndarray:
    return noise.format_postcodes(
        pop.postcode[r.dwelling], rng, POSTCODE_NO_SPACE_RATE, POSTCODE_LOWER_RATE,
        POSTCODE_DOUBLE_SPACE_RATE,
    )  # fmt: skip


def _dmy(days: np.ndarray, sep: str = "/") -> np.ndarray:
    s = noise.iso(days)
    return np.array([f"{x[8:10]}{sep}{x[5:7]}{sep}{x[:4]}" for x in s], dtype=object)


def _phone(pop: Population, r: Rows, *, prefer_landline: bool) -> np.ndarray:
    """The person's raw number: mobile or the household landline, whichever the system asks first."""
    mob = pop.mobile[r.person]
    land = pop.landline[pop.household[r.person]]
    first, second = (land, mob) if prefer_landline else (mob, land)
    return np.where(first != "", first, second).astype(object)


def _with_switchboard(raw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    fill = (raw == "") & (rng.random(len(raw)) < SWITCHBOARD_RATE)
    return np.where(fill, SWITCHBOARD, raw).astype(object)


def _seq(prefix: str, width: int) -> Callable[[np.ndarray], np.ndarray]:
    def ids(k: np.ndarray) -> np.ndarray:
        w = max(width, len(str(len(k))))
        return np.char.add(prefix, np.char.zfill((k + 1).astype(str), w)).astype(object)

    return ids


def _adult(pop: Population) -> np.ndarray:
    return pop.age >= 18


# --- 1. council tax ----------------------------------------------------------------------------


def _ct_members(pop: Population) -> np.ndarray:
    hh = pop.household
    p = np.zeros(pop.people)
    p[pop.role == 0] = 0.97
    p[pop.role == 1] = CT_JOINT_LIABLE_RATE
    p[pop.hostel[hh]] = 0.0  # hostel residents are exempt
    return p


def _ct_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    forename = np.where(rng.random(r.n) < 0.3, _join(r.given, r.middle), r.given)
    forename = _join(
        forename, np.where(r.suffix == "Jr", "Jnr", np.where(r.suffix == "Sr", "Snr", ""))
    )
    name = np.char.upper(r.family.astype(str)).astype(object) + ", " + forename
    dob = _dmy(r.dob)
    u = rng.random(r.n)
    dob = np.where(u < CT_DOB_PLACEHOLDER_RATE, CT_DOB_PLACEHOLDER, dob)
    dob = np.where(
        (u >= CT_DOB_PLACEHOLDER_RATE) & (u < CT_DOB_PLACEHOLDER_RATE + CT_DOB_MISSING_RATE),
        "",
        dob,
    )
    tel = _with_switchboard(_phone(pop, r, prefer_landline=True), rng)
    return {
        "ACCOUNT_REF": np.empty(0),  # filled in by the generator
        "LIABLE_NAME": noise.case_variants(name.astype(object), 0.05, 0.0, rng),
        "ADDR1": _house(pop, r),
        "ADDR2": pop.locality[r.dwelling],
        "ADDR3": pop.town[r.dwelling],
        "POSTCODE": _postcode(pop, r, rng),
        "DOB": dob.astype(object),
        "HOME_TEL": noise.format_phones(tel, rng, p=(0.6, 0.05, 0.3, 0.0, 0.05)),
        "RECORD_DATE": _dmy(r.day),
        "SPD": _single_person_discount(pop, r),
    }


def _single_person_discount(pop: Population, r: Rows) -> np.ndarray:
    """"Y" / "N" per council-tax row: by its household's adults, from a hash of the household
    (no draw from the system's random stream, so every other column stays as it was)."""
    hh = pop.household[r.person].astype(np.int64)
    adults = np.bincount(pop.household[_adult(pop)], minlength=int(pop.household.max()) + 1)[hh]
    u = ((hh * 2654435761 + 40503) % 4294967296) / 4294967296.0
    claim = np.where(adults <= 1, u < CT_SPD_SINGLE_RATE, u < CT_SPD_MULTI_RATE)
    return np.where(claim, "Y", "N").astype(object)


# --- 2. housing ----------------------------------------------------------------------------------


def _housing_members(pop: Population) -> np.ndarray:
    hh = pop.household
    is_tenant = pop.tenant_u < HOUSING_TENANT_RATE  # a tenancy is per household
    p = np.zeros(pop.people)
    p[(pop.role == 0) & is_tenant[hh]] = 1.0
    p[(pop.role == 1) & is_tenant[hh]] = HOUSING_JOINT_TENANT_RATE
    p[pop.hostel[hh]] = HOUSING_HOSTEL_RATE
    return p


def _title(pop: Population, r: Rows, rng: np.random.Generator) -> np.ndarray:
    sex = pop.sex[r.person]
    married = pop.family[r.person] == pop.family[pop.head[pop.household[r.person]]]
    u = rng.random(r.n)
    female = np.where(married & (pop.role[r.person] <= 1), "Mrs", np.where(u < 0.5, "Ms", "Miss"))
    title = np.where(sex == "M", "Mr", female)
    title = np.where(u > 0.99, "Dr", title)
    return np.where(rng.random(r.n) < 0.05, "", title).astype(object)


def _housing_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    d = r.dwelling
    forename = np.where(
        rng.random(r.n) < HOUSING_MIDDLE_IN_FORENAME_RATE, _join(r.given, r.middle), r.given
    )
    flat = pop.flat[d]
    building = pop.building[d]
    street_line = pop.number[d] + " " + r.street
    line1 = np.where(flat != "", "Flat " + flat, np.where(building != "", building, street_line))
    line2 = np.where((flat != "") | (building != ""), street_line, pop.locality[d])
    line3 = np.where((flat != "") | (building != ""), pop.locality[d], "")
    ni = pop.ni[r.person]
    spaced = np.array(
        [f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:8]} {s[8:]}" if s else "" for s in ni], dtype=object
    )
    ni = np.where(rng.random(r.n) < 0.3, spaced, ni)
    mobile = _with_switchboard(noise.blank(pop.mobile[r.person], 0.1, rng), rng)
    return {
        "Tenant Ref": np.empty(0),
        "Title": _title(pop, r, rng),
        "Forenames": forename,
        "Surname": r.family,
        "Date of Birth": noise.iso(r.dob),  # written as real Excel dates
        "NI Number": noise.blank(ni.astype(object), 0.1, rng),
        "Address 1": line1.astype(object),
        "Address 2": line2.astype(object),
        "Address 3": line3.astype(object),
        "Town": pop.town[d],
        "Postcode": _postcode(pop, r, rng),
        "Mobile": noise.format_phones(mobile, rng),
        "Email": noise.blank(pop.email[r.person], 0.3, rng),
        "Last Verified": noise.iso(r.day),
    }


# --- 3. social care --------------------------------------------------------------------------------


def _sc_members(pop: Population) -> np.ndarray:
    a = pop.age
    rates = SOCIAL_CARE_RATE
    return np.select(
        [a < 18, a < 65, a < 75], [rates["child"], rates["adult"], rates["65+"]], rates["75+"]
    )


def _sc_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    d = r.dwelling
    nhs = pop.nhs[r.person]
    spaced = np.array([f"{s[:3]} {s[3:6]} {s[6:]}" for s in nhs], dtype=object)
    nhs = np.where(rng.random(r.n) < 0.5, spaced, nhs).astype(object)
    address = _join(_house(pop, r), pop.locality[d], pop.town[d], _postcode(pop, r, rng), sep=", ")
    phone = _with_switchboard(_phone(pop, r, prefer_landline=False), rng)
    return {
        "personId": np.empty(0),
        "nhsNumber": noise.blank(nhs, SOCIAL_CARE_NHS_MISSING_RATE, rng),
        "givenName": r.given,
        "familyName": r.family,
        "dateOfBirth": noise.iso(r.dob),
        "gender": pop.sex[r.person],
        "address": address,
        "phone": noise.format_phones(phone, rng),
        "lastReviewed": noise.iso(r.day),
    }


# --- 4. parking ------------------------------------------------------------------------------------


def _parking_members(pop: Population) -> np.ndarray:
    return np.where((pop.vehicle != "") & ~pop.hostel[pop.household], PARKING_RATE, 0.0)


def _parking_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    d = r.dwelling
    given = noise.nicknames(r.given, PARKING_NICKNAME_RATE, rng, v.nicknames)
    swapped = rng.random(r.n) < PARKING_SWAPPED_RATE
    name = np.where(swapped, _join(r.family, given), _join(given, r.family))
    reg = pop.vehicle[r.person]
    reg = np.where(rng.random(r.n) < 0.3, np.char.replace(reg.astype(str), " ", ""), reg).astype(
        object
    )
    return {
        "permit_no": np.empty(0),
        "name": noise.case_variants(name.astype(object), 0.1, 0.03, rng),
        "address": _join(_house(pop, r), pop.locality[d], sep=", "),
        "postcode": _postcode(pop, r, rng),
        "vehicle_reg": noise.typos(reg, 0.01, rng),
        "valid_from": noise.iso(r.day),
    }


# --- 5. libraries ----------------------------------------------------------------------------------


def _library_members(pop: Population) -> np.ndarray:
    a = pop.age
    return np.select([a < 4, a < 16], [0.0, LIBRARY_RATE_CHILD], LIBRARY_RATE_ADULT)


def _library_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    return {
        "card_number": np.empty(0),
        "first_name": noise.nicknames(r.given, LIBRARY_NICKNAME_RATE, rng, v.nicknames),
        "last_name": r.family,
        "dob": np.array([s.replace("-", "") for s in noise.iso(r.dob)], dtype=object),
        "email": noise.blank(pop.email[r.person], 0.15, rng),
        "postcode": _postcode(pop, r, rng),
        "last_active": noise.iso(r.day),
    }


# --- 6. schools ------------------------------------------------------------------------------------


def _school_members(pop: Population) -> np.ndarray:
    a = pop.age
    return np.select([a < 4, a <= 16, a <= 18], [0.0, SCHOOL_RATE, SCHOOL_RATE_SIXTH_FORM], 0.0)


def _school_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    d = r.dwelling
    hh = pop.household[r.person]
    parent = pop.head[hh]
    partner = pop.partner[hh]
    use_partner = (partner >= 0) & (rng.random(r.n) < 0.4)
    parent = np.where(use_partner & (partner >= 0), partner, parent)
    phone = pop.mobile[parent]
    phone = np.where(phone == "", pop.landline[hh], phone).astype(object)
    return {
        "upn": np.empty(0),
        "forename": r.given,
        "surname": r.family,
        "dob": noise.iso(r.dob),  # written as a date column
        "sex": pop.sex[r.person],
        "address_line_1": _house(pop, r),
        "address_line_2": pop.locality[d],
        "town": pop.town[d],
        "postcode": _postcode(pop, r, rng),
        "uprn": pop.uprn[d],
        "parent_phone": noise.format_phones(phone, rng),
        "census_date": noise.iso(r.day),
    }


# --- 7. electoral register ---------------------------------------------------------------------------


def _electoral_members(pop: Population) -> np.ndarray:
    p = np.where(pop.age >= 18, ELECTORAL_RATE, 0.0)
    return np.where(pop.hostel[pop.household], 0.5, p)


def _upper_ascii(values: np.ndarray) -> np.ndarray:
    import unicodedata

    return np.array(
        [
            unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().upper()
            for s in values
        ],
        dtype=object,
    )


def _electoral_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    d = r.dwelling
    forenames = np.where(rng.random(r.n) < ELECTORAL_MIDDLE_RATE, _join(r.given, r.middle), r.given)
    iso = noise.iso(r.day)
    registered = np.array(
        [f"{s[8:10]}-{_MONTHS[int(s[5:7]) - 1]}-{s[:4]}" for s in iso], dtype=object
    )
    return {
        "ELECTOR_NO": np.empty(0),
        "SURNAME": _upper_ascii(r.family),
        "FORENAMES": _upper_ascii(forenames),
        "SUFFIX": _upper_ascii(r.suffix),
        "ADDRESS_1": _upper_ascii(_house(pop, r)),
        "ADDRESS_2": _upper_ascii(pop.locality[d]),
        "ADDRESS_3": pop.town[d],
        "POSTCODE": pop.postcode[d],
        "REGISTERED": registered,
    }


def _elector_numbers(k: np.ndarray) -> np.ndarray:
    districts = np.array(["AA", "AB", "BA", "BB", "CA", "CB", "DA", "DB"], dtype=object)
    return (districts[k % 8] + (k // 8 % 9 + 1).astype(str) + "-" + (k + 1).astype(str)).astype(
        object
    )


# --- 8. web accounts ---------------------------------------------------------------------------------


def _web_members(pop: Population) -> np.ndarray:
    return np.where((pop.age >= 18) & (pop.age <= 80), WEB_RATE, 0.0)


def _web_build(
    pop: Population, v: Vocab, r: Rows, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    given = noise.nicknames(r.given, WEB_NICKNAME_RATE, rng, v.nicknames)
    u = rng.random(r.n)
    name = np.select(
        [u < WEB_SWAPPED_RATE, u < WEB_SWAPPED_RATE + WEB_COMMA_RATE],
        [_join(r.family, given), r.family + ", " + given],
        _join(given, r.family, r.suffix),
    ).astype(object)
    email = pop.email[r.person]
    # an online account always has an email: invent one for people who have none elsewhere
    none = email == ""
    email[none] = np.char.lower((given[none] + "." + r.family[none]).astype(str)).astype(object) + (
        r.person[none].astype(str) + "@example.com"
    )
    email = np.array([e.replace(" ", "").replace("'", "") for e in email], dtype=object)
    email = noise.case_variants(email, 0.03, 0.0, rng)
    secs = rng.integers(0, 86400, r.n)
    stamp = noise.iso(r.day) + np.array(
        [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in secs], dtype=object
    )
    return {
        "user_id": np.empty(0),
        "display_name": noise.blank(
            noise.case_variants(name, 0.02, 0.15, rng), WEB_MISSING["display_name"], rng
        ),
        "email": email,
        "mobile": noise.blank(
            noise.format_phones(pop.mobile[r.person], rng), WEB_MISSING["mobile"], rng
        ),
        "postcode": noise.blank(_postcode(pop, r, rng), WEB_MISSING["postcode"], rng),
        "last_login": stamp,
    }


def _web_ids(k: np.ndarray) -> np.ndarray:
    # a bijection of the row number onto 40 bits: looks random, never collides
    h = (k.astype(np.uint64) * np.uint64(0x9E3779B1) + np.uint64(0x5BD1E995)) % np.uint64(1 << 40)
    return np.array([f"u{x:010x}" for x in h], dtype=object)


# --- the catalogue -----------------------------------------------------------------------------------

SYSTEMS: tuple[System, ...] = (
    System(
        name="council_tax", ext="csv", id_column="ACCOUNT_REF",
        mapping={
            "source": "council_tax", "id": "ACCOUNT_REF", "trust": 6, "format": "csv", "delimiter": ",",
            "fields": {
                "full_name": "LIABLE_NAME", "dob": "DOB", "address": ["ADDR1", "ADDR2", "ADDR3"],
                "postcode": "POSTCODE", "phone": "HOME_TEL", "record_date": "RECORD_DATE",
            },
            "formats": {"dob": "%d/%m/%Y", "record_date": "%d/%m/%Y"},
            "flags": {"single_person_discount": {"column": "SPD", "type": "bool"}},
        },
        membership=_ct_members, build=_ct_build, mean_age_days=150, max_age_days=6 * YEAR,
        ids=_seq("CT", 6), min_age_years=18,
    ),
    System(
        name="housing", ext="xlsx", id_column="Tenant Ref",
        mapping={
            "source": "housing", "id": "Tenant Ref", "trust": 5, "format": "xlsx", "sheet": "Tenants",
            "fields": {
                "title": "Title", "given_name": "Forenames", "family_name": "Surname",
                "dob": "Date of Birth", "ni_number": "NI Number",
                "address": ["Address 1", "Address 2", "Address 3", "Town"], "postcode": "Postcode",
                "phone": "Mobile", "email": "Email", "record_date": "Last Verified",
            },
        },
        membership=_housing_members, build=_housing_build, mean_age_days=365, max_age_days=8 * YEAR,
        ids=_seq("HSG-", 6), dates=("Date of Birth", "Last Verified"), min_age_years=16,
    ),
    System(
        name="social_care", ext="json", id_column="personId",
        mapping={
            "source": "social_care", "id": "personId", "trust": 7, "format": "json",
            "record_path": "records",
            "fields": {
                "nhs_number": "nhsNumber", "given_name": "givenName", "family_name": "familyName",
                "dob": "dateOfBirth", "gender": "gender", "address": "address", "phone": "phone",
                "record_date": "lastReviewed",
            },
            "formats": {"dob": "%Y-%m-%d", "record_date": "%Y-%m-%d"},
        },
        membership=_sc_members, build=_sc_build, mean_age_days=400, max_age_days=8 * YEAR,
        ids=lambda k: (k + 100_001).astype(object),  # an integer id in the JSON
    ),
    System(
        name="parking", ext="csv", id_column="permit_no",
        mapping={
            "source": "parking", "id": "permit_no", "trust": 2, "format": "csv", "delimiter": ",",
            "fields": {
                "full_name": "name", "address": "address", "postcode": "postcode",
                "record_date": "valid_from",
            },
            "formats": {"record_date": "%Y-%m-%d"},
            "compare": {"vehicle_reg": "fuzzy"},
        },
        membership=_parking_members, build=_parking_build, mean_age_days=300, max_age_days=4 * YEAR,
        ids=_seq("PP-", 6), min_age_years=17,
    ),
    System(
        name="libraries", ext="ndjson", id_column="card_number",
        mapping={
            "source": "libraries", "id": "card_number", "trust": 2, "format": "ndjson",
            "fields": {
                "given_name": "first_name", "family_name": "last_name", "dob": "dob",
                "email": "email", "postcode": "postcode", "record_date": "last_active",
            },
            "formats": {"dob": "%Y%m%d", "record_date": "%Y-%m-%d"},
        },
        membership=_library_members, build=_library_build, mean_age_days=700, max_age_days=8 * YEAR,
        ids=_seq("2900", 10),
    ),
    System(
        name="schools", ext="parquet", id_column="upn",
        mapping={
            "source": "schools", "id": "upn", "trust": 6, "format": "parquet",
            "fields": {
                "given_name": "forename", "family_name": "surname", "dob": "dob", "gender": "sex",
                "address": ["address_line_1", "address_line_2", "town"], "postcode": "postcode",
                "uprn": "uprn", "phone": "parent_phone", "record_date": "census_date",
            },
        },
        membership=_school_members, build=_school_build, mean_age_days=120, max_age_days=1 * YEAR,
        dates=("dob", "census_date"), min_age_years=4,
        ids=lambda k: np.char.add("K390", np.char.zfill((k + 1).astype(str), 9)).astype(object),
    ),
    System(
        name="electoral_register", ext="csv", id_column="ELECTOR_NO",
        mapping={
            "source": "electoral_register", "id": "ELECTOR_NO", "trust": 4, "format": "csv",
            "delimiter": ";",
            "fields": {
                "family_name": "SURNAME", "given_name": "FORENAMES", "suffix": "SUFFIX",
                "address": ["ADDRESS_1", "ADDRESS_2", "ADDRESS_3"], "postcode": "POSTCODE",
                "record_date": "REGISTERED",
            },
            "formats": {"record_date": "%d-%b-%Y"},
        },
        membership=_electoral_members, build=_electoral_build, mean_age_days=800, max_age_days=8 * YEAR,
        ids=_elector_numbers, min_age_years=17,
    ),
    System(
        name="web_accounts", ext="json", id_column="user_id",
        mapping={
            "source": "web_accounts", "id": "user_id", "trust": 1, "format": "json",
            "fields": {
                "full_name": "display_name", "email": "email", "phone": "mobile",
                "postcode": "postcode", "record_date": "last_login",
            },
            "formats": {"record_date": "%Y-%m-%dT%H:%M:%SZ"},
        },
        membership=_web_members, build=_web_build, mean_age_days=600, max_age_days=6 * YEAR,
        ids=_web_ids, missing="omit", min_age_years=16,
    ),
)  # fmt: skip

#: systems used to place a person who would otherwise be in none (by age band)
FALLBACK = {"adult": "electoral_register", "school": "schools", "infant": "libraries"}
