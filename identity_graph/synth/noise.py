"""Data-entry noise: typos, nicknames, case, phone/postcode formats and date-of-birth errors.

Each function takes whole columns (numpy object arrays) and a ``Generator`` and touches only the
rows its rate selects, so the per-row Python work is proportional to the number of errors.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "typos",
    "nicknames",
    "case_variants",
    "format_phones",
    "format_postcodes",
    "dob_errors",
    "blank",
    "iso",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NEIGHBOURS = {  # qwerty neighbours, for substitutions a person would actually make
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip


def _typo(s: str, r: np.random.Generator) -> str:
    if len(s) < 3:
        return s
    op = int(r.integers(0, 4))
    i = int(r.integers(1, len(s) - 1))  # keep the first letter: people rarely get it wrong
    c = s[i]
    lower = c.lower()
    if op == 0:  # insertion (a doubled or neighbouring key)
        extra = c if r.random() < 0.5 else _NEIGHBOURS.get(lower, _LETTERS)[0]
        return s[:i] + extra + s[i:]
    if op == 1:  # deletion
        return s[:i] + s[i + 1 :]
    if op == 2 and lower in _NEIGHBOURS:  # substitution
        n = _NEIGHBOURS[lower]
        sub = n[int(r.integers(0, len(n)))]
        return s[:i] + (sub.upper() if c.isupper() else sub) + s[i + 1 :]
    # transposition
    j = i + 1 if i + 1 < len(s) else i - 1
    a, b = sorted((i, j))
    return s[:a] + s[b] + s[a] + s[b + 1 :]


def typos(values: np.ndarray, rate: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One insertion/deletion/substitution/transposition in each selected non-empty value."""
    out = values.copy()
    hit = np.flatnonzero((rng.random(len(values)) < rate) & (values != ""))
    for i in hit:
        out[i] = _typo(str(out[i]), rng)
    return out


def nicknames(
    given: np.ndarray, rate: float, rng: np.random.Generator, table: dict[str, tuple[str, ...]]
) -> np.ndarray:
    """Replace selected given names by one of their nicknames ("Robert" -> "Bob")."""
    out = given.copy()
    hit = np.flatnonzero(rng.random(len(given)) < rate)
    picks = rng.random(len(hit))
    for i, u in zip(hit, picks, strict=True):
        options = table.get(str(given[i]).lower())
        if options:
            out[i] = options[int(u * len(options))]
    return out


def case_variants(
    values: np.ndarray, upper: float, lower: float, rng: np.random.Generator
) -> np.ndarray:
    u = rng.random(len(values))
    out = values.copy()
    for i in np.flatnonzero(u < upper):
        out[i] = str(out[i]).upper()
    for i in np.flatnonzero((u >= upper) & (u < upper + lower)):
        out[i] = str(out[i]).lower()
    return out


_MOBILE_STYLES = ("{a} {b}", "+44 {a1} {b}", "{a}{b}", "+44{a1}{b}", "{a} {b1} {b2}")
_LAND_STYLES = ("{c} {d1} {d2}", "+44 {c1} {d1} {d2}", "{c}{d1}{d2}", "({c}) {d1} {d2}")


def format_phones(
    numbers: np.ndarray, rng: np.random.Generator, p: tuple[float, ...] | None = None
) -> np.ndarray:
    """Write raw 11-digit UK numbers in the styles people and systems use.

    Mobiles: "07700 900123", "+44 7700 900123", "07700900123", "+447700900123", "07700 900 123";
    landlines: "0113 496 0000", "+44 113 496 0000", "01134960000", "(0113) 496 0000".
    ``p`` weights the styles (defaults to uniform).
    """
    out = numbers.copy()
    style = rng.choice(len(_MOBILE_STYLES), size=len(numbers), p=p) if len(numbers) else []
    for i in np.flatnonzero(numbers != ""):
        n = str(numbers[i])
        s = int(style[i])
        if n.startswith("07"):
            out[i] = _MOBILE_STYLES[s].format(a=n[:5], a1=n[1:5], b=n[5:], b1=n[5:8], b2=n[8:])
        else:
            out[i] = _LAND_STYLES[s % 4].format(c=n[:4], c1=n[1:4], d1=n[4:7], d2=n[7:])
    return out


def format_postcodes(
    postcodes: np.ndarray, rng: np.random.Generator, no_space: float, lower: float, double: float
) -> np.ndarray:
    """Spacing and casing variants: "LS62AB", "ls6 2ab", "LS6  2AB"."""
    u = rng.random(len(postcodes))
    out = postcodes.copy()
    a = no_space
    b = a + lower
    c = b + double
    for i in np.flatnonzero(u < c):
        pc = str(out[i])
        if u[i] < a:
            out[i] = pc.replace(" ", "")
        elif u[i] < b:
            out[i] = pc.lower()
        else:
            out[i] = pc.replace(" ", "  ")
    return out


def dob_errors(
    dob: np.ndarray, digit_rate: float, swap_rate: float, rng: np.random.Generator
) -> np.ndarray:
    """A mistyped digit (day, month or year) or a day/month transposition; dates stay valid."""
    out = dob.copy()
    u = rng.random(len(dob))
    digit = np.flatnonzero(u < digit_rate)
    swap = np.flatnonzero((u >= digit_rate) & (u < digit_rate + swap_rate))
    d64 = dob.astype("datetime64[D]")
    years = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    for i in digit:
        y, m, d = int(years[i]), int(months[i]), int(days[i])
        k = int(rng.integers(0, 3))
        if k == 0:
            d = d + 1 if d < 28 else d - 1
        elif k == 1:
            y = y + (1 if rng.random() < 0.5 else -1) * (1 if rng.random() < 0.7 else 10)
            d = min(d, 28) if m == 2 else d
        else:
            m = m + 1 if m < 12 else m - 1
            d = min(d, 28)
        out[i] = min(_days(y, m, d), int(dob[i]) + 300)  # never far into the future
    for i in swap:
        y, m, d = int(years[i]), int(months[i]), int(days[i])
        if d <= 12 and d != m:
            out[i] = _days(y, d, m)
    return out


def _days(y: int, m: int, d: int) -> int:
    return int(np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D").astype(np.int64))


def blank(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Missing values: selected entries become ""."""
    out = values.copy()
    out[rng.random(len(values)) < rate] = ""
    return out


def iso(days: np.ndarray) -> np.ndarray:
    """int days -> "YYYY-MM-DD" (object array)."""
    return days.astype("datetime64[D]").astype(str).astype(object)
