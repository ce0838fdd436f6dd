"""Find placeholder values: one phone, date or address shared by implausibly many people."""

from __future__ import annotations

import numpy as np
import pandas as pd

from identity_graph.types import MULTI_SEPARATOR

__all__ = ["KNOWN_PLACEHOLDERS", "find_placeholders"]

#: Obvious filler values per kind (normalised form), always treated as placeholders.
KNOWN_PLACEHOLDERS: dict[str, set[str]] = {
    "dob": {"1900-01-01", "1901-01-01", "1800-01-01", "1899-12-31", "1111-11-11"},
    "email": {
        "none@none.com", "test@test.com", "noemail@noemail.com", "noemail@email.com",
        "no@email.com", "none@email.com", "unknown@unknown.com", "na@na.com", "a@a.com",
        "x@x.com", "email@email.com", "noemail@gmail.com", "none@gmail.com", "test@example.com",
    },
    "phone": {
        "+447777777777", "+440000000000", "+441111111111", "+447000000000", "+447700000000",
        "+441234567890", "+447123456789", "+440123456789", "+442000000000",
    },
    "nhs_number": {"0000000000", "1111111111", "9999999999"},
    "ni_number": {"AA000000A", "AB123456C"},
}  # fmt: skip


def find_placeholders(
    values: pd.Series,
    owners: pd.Series,
    *,
    max_owners: int = 10,
    relative: float = 20.0,
    kind: str | None = None,
    multi: bool = True,
) -> set[str]:
    """Values shared by more distinct owners than is plausible.

    A value is a placeholder when its number of distinct owners exceeds
    ``max(max_owners, relative * median)``, the median taken over the distinct-owner counts of
    all values. "|"-joined cells are split first; ``None`` values and owners are ignored.

    Parameters
    ----------
    values : pandas.Series
        Normalised values (phones, dobs, address keys, emails), possibly "|"-joined.
    owners : pandas.Series
        An owner key per row (e.g. normalised name + dob), aligned with ``values``.
    max_owners : int
        Never flag a value with this many owners or fewer.
    relative : float
        Multiple of the median owner count above which a value is flagged.
    kind : str, optional
        A key of :data:`KNOWN_PLACEHOLDERS`; those of its fillers present in ``values`` are
        always included.
    multi : bool
        Whether a cell may hold several "|"-joined values (phones, emails) to count apart. An
        address key is one value with "|" between its parts: ``multi=False``.

    Returns
    -------
    set of str

    Examples
    --------
    >>> vals = pd.Series(["+447700900001"] * 12 + ["+447700900002"])
    >>> find_placeholders(vals, pd.Series([f"p{i}" for i in range(13)]), relative=1.0)
    {'+447700900001'}
    """
    # by number: each distinct value and owner a code, each cell's text shared (no str or
    # frame row per cell: at 655k records the per-cell version left ~180 MB of the heap behind)
    vcode, uniq = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    own, _ = pd.factorize(owners.to_numpy(), use_na_sentinel=True)
    text = np.array([str(u) for u in uniq], dtype=object)
    kept = vcode >= 0
    rows, own = text[vcode[kept]], own[kept]
    if multi:  # only the "|"-joined cells are split
        joined = np.array([MULTI_SEPARATOR in t for t in text], dtype=bool)[vcode[kept]]
        if joined.any():
            parts = [t.split(MULTI_SEPARATOR) for t in rows[joined].tolist()]
            flat = np.array([p for ps in parts for p in ps], dtype=object)
            rows = np.concatenate([rows[~joined], flat])
            own = np.concatenate([own[~joined], np.repeat(own[joined], [len(ps) for ps in parts])])
    code, names = pd.factorize(rows)
    names = np.asarray(names, dtype=object)
    nonempty = (names != "")[code]
    code, own = code[nonempty], own[nonempty]
    found: set[str] = set()
    if kind is not None:
        found |= KNOWN_PLACEHOLDERS.get(kind, set()) & set(names[np.unique(code)].tolist())
    with_owner = own >= 0
    code, own = code[with_owner].astype(np.int64), own[with_owner].astype(np.int64)
    if not len(code):
        return found
    width = int(own.max()) + 1
    pairs = np.unique(code * width + own)  # distinct (value, owner)
    owners_of = np.bincount(pairs // width, minlength=len(names))
    counted = owners_of > 0
    threshold = max(float(max_owners), relative * float(np.median(owners_of[counted])))
    found |= set(names[counted & (owners_of > threshold)].tolist())
    return found
    counts = with_owner.drop_duplicates(["value", "owner"])["value"].value_counts()
    threshold = max(float(max_owners), relative * float(counts.median()))
    found |= {str(v) for v in counts.index[counts.to_numpy() > threshold]}
    return found
