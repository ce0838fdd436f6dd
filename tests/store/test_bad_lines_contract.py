"""A bad line of an export costs only itself, on every store (issue 12, items 6 and 7; ADR 0029).

The review's files: a quote never closed (it used to swallow 7 of 10 rows into one reject), a
quote closed on the next line (it used to merge R4 into R3 without a word), and ids no record
may have (10 MB long, a NUL byte, a control character).
"""

from __future__ import annotations

from pathlib import Path

from identity_graph import api
from identity_graph.ingest.rejects import read_rejects
from identity_graph.store.contract import Store

MAPPING = """\
source = "hr"
id = "id"

[fields]
given_name = "given"
family_name = "family"
dob = "dob"
"""


def rows(n: int, **override: str) -> str:
    lines = [f"R{i},Ann{'abcdefghijk'[i]},Lee,1980-01-{i:02d}\n" for i in range(1, n + 1)]
    for key, line in override.items():
        lines[int(key[1:]) - 1] = line
    return "id,given,family,dob\n" + "".join(lines)


def load(store: Store, tmp_path: Path, text: str) -> tuple[api.LoadReport, list]:  # type: ignore[name-defined]
    export, mapping, rejects = tmp_path / "hr.csv", tmp_path / "hr.toml", tmp_path / "rejects.csv"
    export.write_text(text, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    report = api.load(store, export, mapping, rejects_path=rejects)
    return report, read_rejects(rejects)


def test_an_unterminated_quote_loses_only_its_own_row(store: Store, tmp_path: Path) -> None:
    report, rejects = load(store, tmp_path, rows(10, R3='R3,"Annd,Lee,1980-01-03\n'))
    assert (report.rows, report.inserted, report.rejected) == (10, 9, 1)
    assert [(r.line, r.record_id) for r in rejects] == [(4, "R3")]
    ids = set(store.records_frame()["record_id"])
    assert ids == {f"hr:R{i}" for i in range(1, 11) if i != 3}


def test_a_quote_closed_on_the_next_line_merges_nothing(store: Store, tmp_path: Path) -> None:
    text = rows(5, R3='R3,"Cat,Lee,1980-01-03\n', R4='R4,Dan",Lee,1980-01-04\n')
    report, rejects = load(store, tmp_path, text)
    assert (report.rows, report.inserted, report.rejected) == (5, 4, 1)
    assert [(r.line, r.record_id) for r in rejects] == [(4, "R3")]
    records = store.records_frame().set_index("record_id")
    assert "hr:R3" not in records.index and records.loc["hr:R4", "dob"] == "1980-01-04"


def test_ids_past_the_limits_are_rejected(store: Store, tmp_path: Path) -> None:
    text = rows(
        4,
        R1=f"{'9' * 10_000_000},Ann,Lee,1980-01-01\n",
        R2="R\x002,Bo,Lee,1980-01-02\n",
        R3="R\x1b3,Cy,Lee,1980-01-03\n",
    )
    report, rejects = load(store, tmp_path, text)
    assert (report.rows, report.inserted, report.rejected) == (4, 1, 3)
    assert set(store.records_frame()["record_id"]) == {"hr:R4"}
    assert [r.row for r in rejects] == [1, 2, 3]
