"""The true population of the synthetic council: people, households, dwellings and their history.

Everything is built column-wise with numpy from one ``Generator``; dates are ``int64`` days since
1970-01-01. The rates below are what a matcher has to cope with; each is documented where it is
defined so a benchmark can quote them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from identity_graph.synth.vocab import Vocab

__all__ = ["AS_OF", "Population", "build_population", "HOSTEL"]

#: The generator's "today": record dates and ages are relative to this fixed day (keeps output
#: byte-identical whatever day it is run).
AS_OF = int(np.datetime64("2025-12-31", "D").astype(np.int64))
YEAR = 365.25
#: "very long ago": the day of a move that never happened, the arrival of a household that was
#: always here
NEVER = -(10**6)

# --- households ---------------------------------------------------------------------------------
#: P(household size = 1..6)
HOUSEHOLD_SIZE_P = (0.30, 0.34, 0.15, 0.13, 0.06, 0.02)
#: P(second member of a household is the head's partner)
PARTNER_RATE = 0.78
#: P(a partner shares the head's family name)
MARRIED_RATE = 0.70
#: P(the woman of a married couple married recently (last 10 years): older records hold her
#: birth (maiden) family name)
RECENT_MARRIAGE_RATE = 0.25
#: P(child takes the head's family name)
CHILD_HEAD_SURNAME_RATE = 0.88
#: P(a person has one middle name)
MIDDLE_NAME_RATE = 0.45
#: share of children born as one of a pair of twins
TWIN_RATE = 0.01
#: share of households where a father and adult son share the full name (Sr / Jr)
JR_SR_RATE = 0.004
#: share of people living in the hostel (one placeholder address for many unrelated people);
#: at least HOSTEL_MIN_RESIDENTS
HOSTEL_RATE = 0.004
HOSTEL_MIN_RESIDENTS = 15
# --- moves ----------------------------------------------------------------------------------------
#: share of households that moved within the last 5 years (older records hold the old address)
MOVER_RATE = 0.15
#: share of movers who also moved once before (three addresses in their history)
SECOND_MOVE_RATE = 0.30
#: share of previous addresses now occupied by another household of the population
PREVIOUS_ADDRESS_REOCCUPIED_RATE = 0.5
#: share of the households with three addresses that are rapid movers, new to the council and
#: through all three within a year (what the address-churn alert finds). Chosen, their dates set,
#: and their records spread over their three homes (a person's n-th system sees the n-th home,
#: in turn) by a hash of the household: no draw from the random stream, so every other
#: household's records stay exactly as they were
RAPID_MOVER_SHARE = 0.4
#: a rapid mover's days at its first address, at its second, and at its current one so far
RAPID_MOVER_DAYS = ((60, 100), (60, 120), (20, 100))
# --- dwellings ------------------------------------------------------------------------------------
DWELLINGS_PER_STREET = 45
#: share of streets that are blocks of flats ("Flat 3, 14 Oak Court")
FLAT_BLOCK_RATE = 0.08
DWELLINGS_PER_POSTCODE = 25
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters valid in the inward code
# --- contact details and identifiers ----------------------------------------------------------------
MOBILE_RATE_ADULT = 0.90
MOBILE_RATE_TEEN = 0.60  # ages 11-17
EMAIL_RATE_ADULT = 0.85
EMAIL_RATE_TEEN = 0.40  # ages 13-17
#: partners sharing the head's email address (a household inbox)
SHARED_EMAIL_RATE = 0.05
LANDLINE_RATE = 0.30  # plus LANDLINE_RATE_OLDER for heads aged 65+
LANDLINE_RATE_OLDER = 0.45
#: number ranges that are allocated (libphonenumber accepts them): 071-075 and 078 mobiles,
#: 0113 2/3/4/5/8 landlines
MOBILE_PREFIX_DIGITS = "123458"
LANDLINE_FIRST_DIGITS = "23458"
VEHICLE_RATE = 0.65  # adults with a vehicle registration
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "post.example")
#: the hostel: one dwelling, many unrelated residents
HOSTEL = {"building": "Riverside Hostel", "number": "1", "street": "Station Road"}


@dataclass
class Population:
    # people (length P)
    household: np.ndarray
    role: np.ndarray  # 0 head, 1 partner, 2 child, 3 other adult
    sex: np.ndarray  # "M" / "F" (object)
    dob: np.ndarray  # int days
    age: np.ndarray
    given: np.ndarray
    middle: np.ndarray  # "" when none
    family: np.ndarray
    maiden: np.ndarray  # "" unless recently married
    married_on: np.ndarray  # int days; only meaningful where maiden != ""
    suffix: np.ndarray  # "", "Jr", "Sr"
    twin_of: np.ndarray  # person index or -1
    nhs: np.ndarray
    ni: np.ndarray  # "" for under-16s
    mobile: np.ndarray  # "07xxxxxxxxx" or ""
    email: np.ndarray
    vehicle: np.ndarray
    # households (length H)
    head: np.ndarray  # person index of the head
    partner: np.ndarray  # person index or -1
    hostel: np.ndarray  # bool
    #: uniform [0, 1) per household: systems threshold it (e.g. council tenancy)
    tenant_u: np.ndarray
    landline: np.ndarray  # "0113xxxxxxx" or ""
    addr: np.ndarray  # (H, 3) dwelling index: current, previous, one before (-1 if none)
    moved: np.ndarray  # (H, 2) int days of the last and the previous move (very old if none)
    #: (H,) int day the household came to the council (very old except for rapid movers): no
    #: system holds a record of its people before it
    arrived: np.ndarray
    # dwellings (length D)
    uprn: np.ndarray
    flat: np.ndarray
    building: np.ndarray
    number: np.ndarray
    street: np.ndarray
    street_type: np.ndarray
    locality: np.ndarray
    town: np.ndarray
    postcode: np.ndarray

    @property
    def people(self) -> int:
        return len(self.household)

    def dwelling_at(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Dwelling index each person lived in on each day."""
        h = self.household[person]
        m1, m2 = self.moved[h, 0], self.moved[h, 1]
        col = np.where(day >= m1, 0, np.where(day >= m2, 1, 2))
        d = self.addr[h, col]
        return np.where(d < 0, self.addr[h, 0], d)

    def rapid_mover_days(self, person: np.ndarray, nth: np.ndarray, salt: int) -> np.ndarray:
        """Record days for people of rapid-mover households (``arrived`` set): the ``nth``
        system holding a person sees its home number ``(nth + person) % 3`` since arrival, on a
        hashed day of its time there. (Other people: their arrival day, never used.)"""
        h = self.household[person]
        m1, m2, start = self.moved[h, 0], self.moved[h, 1], self.arrived[h]
        home = (nth + person) % 3
        lo = np.where(home == 0, start, np.where(home == 1, m2, m1))
        hi = np.where(home == 0, m2, np.where(home == 1, m1, AS_OF))
        u = _hash_u(person * 31 + salt, 49979687)
        return lo + (u * np.maximum(hi - lo - 1, 0)).astype(np.int64)

    def family_at(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Family name each person used on each day (birth name before a recent marriage)."""
        maiden = self.maiden[person]
        before = (maiden != "") & (day < self.married_on[person])
        return np.where(before, maiden, self.family[person])


def _hash_u(h: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0, 1) per household index from a multiplicative hash (no random draw)."""
    return ((h.astype(np.int64) * 2654435761 + salt) % 4294967296) / 4294967296.0


def _rapid_movers(mover2: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Make a hashed share of the households with three addresses rapid movers (their move
    dates rewritten in place, within the last year); returns each household's arrival day."""
    h = np.arange(len(mover2))
    rapid = mover2 & (_hash_u(h, 7919) < RAPID_MOVER_SHARE)
    (a0, a1), (b0, b1), (c0, c1) = RAPID_MOVER_DAYS
    here = (c0 + _hash_u(h, 104729) * (c1 - c0)).astype(np.int64)
    second = (b0 + _hash_u(h, 1299709) * (b1 - b0)).astype(np.int64)
    first = (a0 + _hash_u(h, 15485863) * (a1 - a0)).astype(np.int64)
    moved[rapid, 0] = AS_OF - here[rapid]
    moved[rapid, 1] = moved[rapid, 0] - second[rapid]
    arrived = np.full(len(mover2), NEVER, dtype=np.int64)
    arrived[rapid] = moved[rapid, 1] - first[rapid]
    return arrived


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    lo = np.array([18, 30, 45, 65, 80])
    hi = np.array([30, 45, 65, 80, 96])
    b = rng.choice(5, size=n, p=[0.17, 0.27, 0.33, 0.17, 0.06])
    return rng.integers(lo[b], hi[b])


def _names(rng: np.random.Generator, v: Vocab, sex: np.ndarray) -> np.ndarray:
    out = np.empty(len(sex), dtype=object)
    m = sex == "M"
    out[m] = rng.choice(v.male, size=int(m.sum()), p=v.male_p)
    out[~m] = rng.choice(v.female, size=int((~m).sum()), p=v.female_p)
    return out


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    vals = rng.integers(0, 10**width, size=n)
    return np.char.zfill(vals.astype(str), width).astype(object)


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 10-digit NHS numbers with a valid modulus-11 check digit."""
    out = np.empty(0, dtype=np.int64)
    need = n
    while need > 0:
        cand = rng.integers(400_000_000, 999_999_999, size=int(need * 1.2) + 16)
        digits = (cand[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        total = (digits * np.arange(10, 1, -1)).sum(axis=1)
        check = 11 - total % 11
        check = np.where(check == 11, 0, check)
        ok = check != 10
        full = cand[ok] * 10 + check[ok]
        out = np.concatenate([out, full])
        _, first = np.unique(out, return_index=True)
        out = out[np.sort(first)]
        need = n - len(out)
    return out[:n].astype(str).astype(object)


def _ni_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    first = np.array(list("ABCEGHJKLMNOPRSTWXYZ"))
    second = np.array(list("ABCEGHJKLMNPRSTWXYZ"))
    a = rng.choice(first, n)
    b = rng.choice(second, n)
    bad = np.isin(np.char.add(a, b), ["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"])
    b[bad] = "A"
    num = np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6)
    suf = rng.choice(np.array(list("ABCD")), n)
    return np.char.add(np.char.add(np.char.add(a, b), num), suf).astype(object)


def _vehicle_regs(rng: np.random.Generator, n: int) -> np.ndarray:
    letters = np.array(list("ABCDEFGHJKLMNOPRSTUVWXY"))
    age = rng.choice(np.array([f"{y:02d}" for y in list(range(2, 26)) + list(range(52, 75))]), n)
    parts = [rng.choice(letters, n) for _ in range(5)]
    left = np.char.add(np.char.add(parts[0], parts[1]), age)
    right = np.char.add(np.char.add(parts[2], parts[3]), parts[4])
    return np.char.add(np.char.add(left, " "), right).astype(object)


def _dwellings(rng: np.random.Generator, v: Vocab, n: int) -> dict[str, np.ndarray]:
    """``n`` ordinary dwellings plus the hostel at index ``n``."""
    n_streets = max(12, n // DWELLINGS_PER_STREET)
    k_loc, k_name, k_type = len(v.localities), len(v.streets), len(v.street_types)
    # draw (locality, name, type) weighted, keep the first occurrence of each combination
    draws = n_streets * 3 + 64
    loc = rng.choice(k_loc, draws, p=v.localities_p)
    name = rng.integers(0, k_name, draws)
    typ = rng.choice(k_type, draws, p=v.street_types_p)
    key = (loc * k_name + name) * k_type + typ
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)[:n_streets]
    loc, name, typ = loc[first], name[first], typ[first]
    n_streets = len(first)
    sector = rng.integers(1, 10, n_streets)
    letter_base = rng.integers(0, 400, n_streets)
    block = rng.random(n_streets) < FLAT_BLOCK_RATE
    block_no = rng.integers(1, 60, n_streets)

    street_of = np.sort(rng.integers(0, n_streets, n))
    starts = np.searchsorted(street_of, np.arange(n_streets))
    rank = np.arange(n) - starts[street_of]
    is_flat = block[street_of]
    number = np.where(is_flat, block_no[street_of], rank + 1).astype(str).astype(object)
    flat = np.where(is_flat, (rank + 1).astype(str), "").astype(object)
    letters = (letter_base[street_of] + (rank // DWELLINGS_PER_POSTCODE) * 13) % 400
    inward = np.array([f"{a}{b}" for a in INWARD_LETTERS for b in INWARD_LETTERS])[letters]
    postcode = np.char.add(
        np.char.add(v.districts[loc][street_of].astype(str), " "),
        np.char.add(sector[street_of].astype(str), inward),
    ).astype(object)
    street = (v.streets[name] + " " + v.street_types[typ])[street_of]
    stype = v.street_types[typ][street_of]
    locality = v.localities[loc][street_of]
    town = v.post_towns[loc][street_of]
    building = np.full(n, "", dtype=object)
    # the hostel, appended at index n
    hostel_loc = 0
    return {
        "uprn": np.concatenate(
            [100_023_000_000 + rng.permutation(n).astype(np.int64), [100_022_999_999]]
        ),
        "flat": np.append(flat, ""),
        "building": np.append(building, HOSTEL["building"]),
        "number": np.append(number, HOSTEL["number"]),
        "street": np.append(street, HOSTEL["street"]),
        "street_type": np.append(stype, "Road"),
        "locality": np.append(locality, v.localities[hostel_loc]),
        "town": np.append(town, v.post_towns[hostel_loc]),
        "postcode": np.append(postcode, f"{v.districts[hostel_loc]} 1AA"),
    }


def build_population(people: int, rng: np.random.Generator, v: Vocab) -> Population:
    if people < 1:
        raise ValueError("people must be >= 1")
    # --- households and roles
    sizes = rng.choice(np.arange(1, 7), size=people // 2 + 8, p=HOUSEHOLD_SIZE_P)
    cum = np.cumsum(sizes)
    n_h = int(np.searchsorted(cum, people) + 1)
    sizes = sizes[:n_h]
    sizes[-1] -= int(cum[n_h - 1] - people)
    household = np.repeat(np.arange(n_h), sizes)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(people) - start[household]
    size = sizes[household]
    head = start
    second = rng.random(n_h) < PARTNER_RATE
    role = np.full(people, 2)
    role[pos == 0] = 0
    p1 = pos == 1
    role[p1 & second[household]] = 1
    role[p1 & ~second[household] & (size == 2) & (rng.random(people) < 0.5)] = 3
    partner = np.where((sizes >= 2) & second, start + 1, -1)

    # hostel: single-person households, unrelated adults
    singles = np.flatnonzero(sizes == 1)
    n_hostel = min(len(singles), max(HOSTEL_MIN_RESIDENTS, round(HOSTEL_RATE * people)))
    hostel = np.zeros(n_h, dtype=bool)
    hostel[rng.choice(singles, n_hostel, replace=False)] = True

    # --- ages, sex
    head_age = _ages(rng, n_h)
    age = head_age[household].copy()
    is_p = role == 1
    age[is_p] = np.clip(age[is_p] + np.round(rng.normal(0, 4, is_p.sum())).astype(int), 18, 99)
    is_c = role == 2
    gap = rng.integers(18, 43, is_c.sum())
    ca = age[is_c] - gap
    young = ca < 0
    ca[young] = rng.integers(0, np.maximum(age[is_c][young] - 17, 1))
    age[is_c] = ca
    is_o = role == 3
    age[is_o] = rng.integers(18, 66, is_o.sum())
    hostel_p = hostel[household]
    age[hostel_p] = rng.integers(18, 70, hostel_p.sum())
    dob = AS_OF - np.floor(age * YEAR).astype(np.int64) - rng.integers(1, 365, people)

    sex = np.where(rng.random(people) < 0.5, "M", "F").astype(object)
    hs = sex[household[is_p]]  # partner gets the head's sex as reference
    flip = rng.random(is_p.sum()) < 0.95
    sex[is_p] = np.where(flip, np.where(sex[head[household[is_p]]] == "M", "F", "M"), hs)

    # --- names
    given = _names(rng, v, sex)
    middle = np.where(rng.random(people) < MIDDLE_NAME_RATE, _names(rng, v, sex), "").astype(object)
    family = rng.choice(v.surnames, size=people, p=v.surnames_p)
    married = is_p & (rng.random(people) < MARRIED_RATE)
    family[married] = family[head[household[married]]]
    child_head = is_c & (rng.random(people) < CHILD_HEAD_SURNAME_RATE)
    family[child_head] = family[head[household[child_head]]]
    maiden = np.full(people, "", dtype=object)
    married_on = np.full(people, AS_OF, dtype=np.int64)
    mh = household[married]
    wife = np.where(sex[married] == "F", np.flatnonzero(married), head[mh])
    recent = (sex[wife] == "F") & (rng.random(len(wife)) < RECENT_MARRIAGE_RATE)
    wife = wife[recent]
    maiden[wife] = rng.choice(v.surnames, size=len(wife), p=v.surnames_p)
    maiden[wife[maiden[wife] == family[wife]]] = ""
    married_on[wife] = AS_OF - rng.integers(30, int(10 * YEAR), len(wife))

    # --- twins: the next child in the household becomes the twin of the previous one
    suffix = np.full(people, "", dtype=object)
    twin_of = np.full(people, -1)
    cand = np.flatnonzero(is_c[1:] & is_c[:-1] & (household[1:] == household[:-1])) + 1
    cand = cand[(age[cand] < 18) & (age[cand - 1] < 18)]
    n_children = int((is_c & (age < 18)).sum())
    n_twins = min(len(cand), max(1, round(TWIN_RATE * n_children / 2)))
    if n_twins:
        t = rng.choice(cand, n_twins, replace=False)
        t = t[~np.isin(t - 1, t)]
        twin_of[t] = t - 1
        dob[t], age[t], family[t] = dob[t - 1], age[t - 1], family[t - 1]
        for i in t:
            while given[i] == given[i - 1]:
                given[i] = _names(rng, v, sex[i : i + 1])[0]

    # --- Jr / Sr: an adult son shares his father's full name
    son = np.flatnonzero(is_c & (sex == "M") & (age >= 18) & (twin_of < 0))
    son = son[(sex[head[household[son]]] == "M") & (age[head[household[son]]] >= age[son] + 18)]
    _, first = np.unique(household[son], return_index=True)
    son = son[np.sort(first)]
    n_jr = min(len(son), max(1, round(JR_SR_RATE * n_h)))
    if n_jr:
        son = np.sort(rng.choice(son, n_jr, replace=False))
        dad = head[household[son]]
        given[son], middle[son], family[son] = given[dad], middle[dad], family[dad]
        suffix[son], suffix[dad] = "Jr", "Sr"

    # --- identifiers and contact details
    nhs = nhs_numbers(rng, people)
    ni = np.where(age >= 16, _ni_numbers(rng, people), "").astype(object)
    mob_p = np.where(age >= 18, MOBILE_RATE_ADULT, np.where(age >= 11, MOBILE_RATE_TEEN, 0.0))
    first_digit = rng.choice(np.array(list(MOBILE_PREFIX_DIGITS)), people)
    mob = np.char.add(np.char.add("07", first_digit), _digits(rng, people, 8).astype(str))
    mobile = np.where(rng.random(people) < mob_p, mob, "").astype(object)
    em_p = np.where(age >= 18, EMAIL_RATE_ADULT, np.where(age >= 13, EMAIL_RATE_TEEN, 0.0))
    email = _emails(rng, given, family, dob)
    email = np.where(rng.random(people) < em_p, email, "").astype(object)
    share = is_p & (rng.random(people) < SHARED_EMAIL_RATE) & (email[head[household]] != "")
    email[share] = email[head[household[share]]]
    vehicle = np.where(
        (age >= 18) & (rng.random(people) < VEHICLE_RATE), _vehicle_regs(rng, people), ""
    )
    vehicle = vehicle.astype(object)
    ll_p = np.where(head_age >= 65, LANDLINE_RATE_OLDER, LANDLINE_RATE)
    ll = np.char.add(
        np.char.add("0113", rng.choice(np.array(list(LANDLINE_FIRST_DIGITS)), n_h)),
        _digits(rng, n_h, 6).astype(str),
    )
    ll = np.char.replace(ll, "0113496", "0113497")  # keep clear of the switchboard's drama range
    landline = np.where((rng.random(n_h) < ll_p) & ~hostel, ll, "").astype(object)

    # --- dwellings and moves
    mover = (rng.random(n_h) < MOVER_RATE) & ~hostel
    mover2 = mover & (rng.random(n_h) < SECOND_MOVE_RATE)
    n_normal = int((~hostel).sum())
    n_prev = int(mover.sum() + mover2.sum())
    fresh = rng.random(n_prev) >= PREVIOUS_ADDRESS_REOCCUPIED_RATE
    n_dw = n_normal + int(fresh.sum())
    dw = _dwellings(rng, v, n_dw)
    order = rng.permutation(n_dw)
    addr = np.full((n_h, 3), -1, dtype=np.int64)
    addr[~hostel, 0] = order[:n_normal]
    addr[hostel, 0] = n_dw  # the hostel
    prev = np.zeros(n_prev, dtype=np.int64)
    prev[fresh] = order[n_normal:]
    # a re-occupied previous address: the current home of another (random, non-hostel) household
    others = np.flatnonzero(~hostel)
    prev[~fresh] = addr[rng.choice(others, int((~fresh).sum())), 0]
    addr[mover, 1] = prev[: mover.sum()]
    addr[mover2, 2] = prev[mover.sum() :]
    clash = (addr[:, 1] == addr[:, 0]) | (addr[:, 2] == addr[:, 1])
    addr[clash & mover2, 2] = -1
    addr[(addr[:, 1] == addr[:, 0]), 1] = -1
    mover = addr[:, 1] >= 0
    mover2 = mover & (addr[:, 2] >= 0)
    moved = np.full((n_h, 2), NEVER, dtype=np.int64)
    moved[mover, 0] = AS_OF - rng.integers(20, int(5 * YEAR), mover.sum())
    moved[mover2, 1] = moved[mover2, 0] - rng.integers(365, int(6 * YEAR), mover2.sum())
    arrived = _rapid_movers(mover2, moved)

    return Population(
        household=household,
        role=role,
        sex=sex,
        dob=dob,
        age=age,
        given=given,
        middle=middle,
        family=family,
        maiden=maiden,
        married_on=married_on,
        suffix=suffix,
        twin_of=twin_of,
        nhs=nhs,
        ni=ni,
        mobile=mobile,
        email=email,
        vehicle=vehicle,
        head=head,
        partner=partner,
        hostel=hostel,
        tenant_u=rng.random(n_h),
        landline=landline,
        addr=addr,
        moved=moved,
        arrived=arrived,
        **dw,
    )


def _emails(
    rng: np.random.Generator, given: np.ndarray, family: np.ndarray, dob: np.ndarray
) -> np.ndarray:
    n = len(given)
    g = np.char.lower(given.astype(str))
    f = np.char.lower(np.char.replace(np.char.replace(family.astype(str), "'", ""), " ", ""))
    yy = np.char.zfill(((1970 + dob // 365) % 100).astype(str), 2)
    num = rng.integers(1, 999, n).astype(str)
    style = rng.integers(0, 4, n)
    local = np.select(
        [style == 0, style == 1, style == 2],
        [
            np.char.add(np.char.add(g, "."), f),
            np.char.add(np.char.add(g, f), num),
            np.char.add(np.char.add(g.astype("U1"), f), yy),
        ],
        np.char.add(np.char.add(np.char.add(g, "_"), f), num),
    )
    local = np.array([_ascii(s) for s in local], dtype=object)
    dup = _duplicated(local)
    local[dup] = local[dup] + np.flatnonzero(dup).astype(str)
    domain = np.asarray(EMAIL_DOMAINS, dtype=object)[rng.integers(0, len(EMAIL_DOMAINS), n)]
    out = local + "@" + domain
    dup = _duplicated(out)
    out[dup] = local[dup] + "." + np.flatnonzero(dup).astype(str) + "@" + domain[dup]
    return out


def _duplicated(a: np.ndarray) -> np.ndarray:
    _, first = np.unique(a.astype(str), return_index=True)
    mask = np.ones(len(a), dtype=bool)
    mask[first] = False
    return mask


def _ascii(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
