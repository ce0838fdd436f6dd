"""Find placeholder values: one phone, date or address shared by implausibly many people."""

from __future__ import annotations

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
    frame = pd.DataFrame(
        {"value": values.astype(object).to_numpy(), "owner": owners.astype(object).to_numpy()}
    )
    frame = frame[frame["value"].notna()]
    frame["value"] = frame["value"].map(str)
    if multi:  # only the "|"-joined cells are split
        joined = frame["value"].str.contains(MULTI_SEPARATOR, regex=False).to_numpy(dtype=bool)
        if joined.any():
            parts = frame[joined].assign(value=frame.loc[joined, "value"].str.split(MULTI_SEPARATOR, regex=False))
            frame = pd.concat([frame[~joined], parts.explode("value")])
    frame = frame[frame["value"].notna() & (frame["value"] != "")]
    found: set[str] = set()
    if kind is not None:
        present = set(frame["value"].unique())
        found |= KNOWN_PLACEHOLDERS.get(kind, set()) & present
    with_owner = frame[frame["owner"].notna()]
    if with_owner.empty:
        return found
    counts = with_owner.drop_duplicates(["value", "owner"])["value"].value_counts()
    threshold = max(float(max_owners), relative * float(counts.median()))
    found |= {str(v) for v in counts.index[counts.to_numpy() > threshold]}
    return found
