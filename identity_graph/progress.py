"""How long work tells its caller how far it has got (ADR 0039).

A library function that can take a while takes ``progress``, a callable
``progress(stage, done, total)``:

* ``stage``: a short name of the step running ("load council_tax.csv", "block", "score"); never
  personal data (a file name at most);
* ``done``: the units of that stage finished so far, never going down within the stage;
* ``total``: the units the stage will do, or ``UNKNOWN`` (-1) while it is not known. A total may
  be an estimate (the rows of a CSV counted before it is parsed); the stage's last call then
  gives the real count as both ``done`` and ``total``.

A stage starts with its first call, ``done`` 0 (so a reporter times it from its start), and ends
with the first call of the next stage or when the caller is told the work is over. What the units
of a stage are is :func:`unit_of` (the stage names below); the command line's reporter
(``identity_graph.cli.progress``) draws them as bars on a terminal and as one line per stage in
logs.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "UNKNOWN", "noop", "unit_of", "STAGE_UNITS"]

Progress = Callable[[str, int, int], None]

#: ``total`` while a stage's size is not known yet
UNKNOWN = -1

#: the unit each stage counts in (a ``load <file>`` stage counts rows)
STAGE_UNITS: dict[str, str] = {
    # resolve and update
    "read records": "records",
    "read graph": "edges",
    "prepare": "records",
    "index": "records",
    "block": "pairs",
    "train": "steps",
    "score": "pairs",
    "cluster": "records",
    "edges": "pairs",
    "people": "records",
    "write": "records",
    # synth
    "population": "people",
    "exports": "files",
    "truth": "records",
}


def noop(stage: str, done: int, total: int) -> None:
    """A progress callback that shows nothing."""
    return None


def unit_of(stage: str) -> str:
    """The unit ``stage`` counts in ("rows", "pairs", ...); "items" for a stage not listed."""
    if stage == "load" or stage.startswith("load "):
        return "rows"
    return STAGE_UNITS.get(stage, "items")
