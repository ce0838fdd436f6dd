"""Blocking keys never reach DuckDB as text: a key name is looked up in a fixed list, and the SQL
sees only aliases the code makes (issue 12, defect 1; ADR 0027)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from identity_graph.block.key_names import BLOCKING_KEY_NAMES
from identity_graph.block.pairs import Blocker
from identity_graph.errors import ModelError
from identity_graph.settings import BlockingRule


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "given_name": ["ann", "ann", "bob", "bob"],
            "family_name": ["lee", "lee", "ray", "ray"],
            "postcode": ["AB1 2CD", "AB1 2CD", "EF3 4GH", None],
            "phones": ["+447700900001", "+447700900001", None, None],
            "emails": [None, None, None, None],
            "x_birthplace": ["leeds", "leeds", "york", "york"],
        }
    )


def copy_to(path: Path) -> str:
    """A key name that, pasted into the key SQL, ends the statement, runs COPY ... TO ``path``
    and comments out the rest (the attack the security review ran)."""
    return f"idx\") AS h FROM base_df b; COPY (SELECT 42 AS pwned) TO '{path}' (HEADER); --"


def test_a_key_that_would_run_copy_to_is_refused_and_writes_no_file(tmp_path: Path) -> None:
    target = tmp_path / "pwned.csv"
    blocker = None
    with pytest.raises(ModelError, match="unknown blocking key"):
        blocker = Blocker(_frame(), [BlockingRule("evil", (copy_to(target),))])
        blocker.prepare()
    if blocker is not None:
        blocker.close()
    assert not target.exists()


def test_an_unknown_key_name_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(ModelError, match="nosuchcol.*known: .*postcode"):
        Blocker(_frame(), [BlockingRule("r", ("nosuchcol",))])


def test_an_extra_field_with_quotes_in_its_name_is_only_a_column_name_never_sql(tmp_path: Path) -> None:
    """``x_<field>`` names come from a mapping's [compare] table, which allows any text: the key
    is read from the frame by name and joined under an alias, so its text never reaches SQL."""
    target = tmp_path / "pwned.csv"
    name = "x_" + copy_to(target)
    frame = _frame().rename(columns={"x_birthplace": name})
    blocker = Blocker(frame, [BlockingRule("extra", (name,))])
    try:
        blocker.prepare()
        a, b = blocker.sorted_pairs()
    finally:
        blocker.close()
    assert not target.exists()
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (2, 3)]


def test_every_key_of_the_fixed_list_blocks_without_error() -> None:
    rules = [BlockingRule(k, (k,)) for k in BLOCKING_KEY_NAMES]
    blocker = Blocker(_frame(), rules)
    try:
        diagnostics = blocker.prepare()
    finally:
        blocker.close()
    assert [d.rule for d in diagnostics] == list(BLOCKING_KEY_NAMES)
    by_rule = {d.rule: d.pairs_possible for d in diagnostics}
    assert by_rule["family_name"] == 2 and by_rule["phone"] == 1 and by_rule["postcode"] == 1

