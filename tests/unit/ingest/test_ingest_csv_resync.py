"""A bad CSV line costs only itself (issue 12, item 6; ADR 0029).

A quote error rejects the line its record starts on, naming that line as an editor numbers it
(header included) and the record id when it can be read, and reading resumes on the next line.
A quoted value may span lines (an address), but only if the record then has the header's field
count, no continuation line looks like a record of its own, and it spans at most
``max_record_lines`` lines. Nothing merges silently.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest_helpers import make_mapping, read_all

from identity_graph.types import Reject

HEADER = "id,given,family,dob\n"


def rows(n: int, **override: str) -> list[str]:
    lines = [f"R{i},Ann{i},Lee,1980-01-{i:02d}\n" for i in range(1, n + 1)]
    for key, line in override.items():
        lines[int(key[1:]) - 1] = line
    return lines


def load(path: Path, **mapping: object) -> tuple[list[str], list[Reject]]:
    frame, chunks = read_all(path, make_mapping(id="id", **mapping), chunk_rows=3)
    return frame["id"].tolist(), [r for c in chunks for r in c.rejects]


def test_an_unterminated_quote_costs_only_its_own_line(tmp_path: Path) -> None:
    # the review's file: the quote opened in R3 used to swallow R3..R10 into one empty reject
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "".join(rows(10, R3='R3,"Ann3,Lee,1980-01-03\n')))
    ids, rejects = load(path)
    assert ids == ["R1", "R2", "R4", "R5", "R6", "R7", "R8", "R9", "R10"]
    (reject,) = rejects
    assert (reject.line, reject.row, reject.record_id) == (4, 3, "R3")
    assert "never closed" in reject.reason and reject.value == 'R3,"Ann3,Lee,1980-01-03'


def test_a_quote_closed_on_the_next_line_does_not_merge_the_two_rows(tmp_path: Path) -> None:
    # the review's file: R4 used to be read into R3's given name, with no reject and no warning
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER + "".join(rows(5, R3='R3,"Cat,Lee,1980-01-03\n', R4='R4,Dan",Lee,1980-01-04\n'))
    )
    frame, chunks = read_all(path, make_mapping(id="id"))
    assert frame["id"].tolist() == ["R1", "R2", "R4", "R5"]
    assert not frame["given"].str.contains("\n").any()
    (reject,) = [r for c in chunks for r in c.rejects]
    assert (reject.line, reject.record_id) == (4, "R3")
    assert "line 5, which looks like a record of its own" in reject.reason


def test_a_stray_quote_that_closes_at_a_field_start_on_the_next_line_is_caught(
    tmp_path: Path,
) -> None:
    # R3's quote closes at the start of R4's second field: the merged record has the header's
    # field count, but R4's line has a delimiter before the quote that closed it
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "".join(rows(4, R3='R3,"Cat,Lee\n', R4='R4,",Lee,1980-01-04\n')))
    ids, rejects = load(path)
    assert ids[:2] == ["R1", "R2"] and "R3" not in ids
    assert [r.line for r in rejects][0] == 4 and rejects[0].record_id == "R3"


def test_quoted_values_spanning_lines_still_load_and_later_lines_keep_editor_numbers(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "given", "address", "postcode"])
    writer.writerow(["R1", "Ann", "Flat 2\n12 High Street\nLeeds", "LS1 1AA"])
    writer.writerow(["R2", 'Bo "Bob"', "3 Low Lane, Otley", "LS21 1AB"])
    writer.writerow(["R3", "Cy", "1 Mill Row\r\nBingley", "BD16 1AA"])
    path = tmp_path / "addresses.csv"
    path.write_bytes(out.getvalue().encode() + b'R4,"Di,x,y\r\nR5,Ed,5 Hill Top,LS2 2BB\r\n')
    frame, chunks = read_all(path, make_mapping(id="id"))
    assert frame["id"].tolist() == ["R1", "R2", "R3", "R5"]
    assert frame["address"].tolist()[:3] == [
        "Flat 2\n12 High Street\nLeeds",
        "3 Low Lane, Otley",
        "1 Mill Row\r\nBingley",
    ]
    assert frame["__row__"].tolist() == [1, 2, 3, 5]
    (reject,) = [r for c in chunks for r in c.rejects]
    assert (reject.line, reject.row, reject.record_id) == (8, 4, "R4")  # lines 2-4 hold R1


def test_a_value_spanning_more_than_max_record_lines_is_rejected_line_by_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + 'R1,"a\nb\nc",Lee,1980-01-01\nR2,Bo,Lee,1980-01-02\n')
    assert load(path)[0] == ["R1", "R2"]
    ids, rejects = load(path, max_record_lines=2)
    assert ids == ["R2"]
    # line 2 opens the value; lines 3 and 4 are not records either: each costs itself
    assert [r.line for r in rejects] == [2, 3, 4]
    assert "max_record_lines = 2" in rejects[0].reason and rejects[0].record_id == "R1"


def test_a_runaway_quote_in_a_file_larger_than_a_read_block_costs_one_line(tmp_path: Path) -> None:
    lines = rows(40_000, R5='R5,"Ann5,Lee,1980-01-05\n')  # about 1.2 MB: several 1 MiB blocks
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(lines))
    frame, chunks = read_all(path, make_mapping(id="id"), chunk_rows=10_000)
    assert len(frame) == 39_999 and "R5" not in set(frame["id"])
    assert [(r.line, r.record_id) for c in chunks for r in c.rejects] == [(6, "R5")]
    assert frame["__row__"].tolist() == [n for n in range(1, 40_001) if n != 5]


def test_a_runaway_that_closes_far_away_costs_only_its_first_line(tmp_path: Path) -> None:
    lines = rows(400, R2='R2,"Ann2,Lee,1980-01-02\n', R300='R300,Ann300",Lee,1980-01-09\n')
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "".join(lines))
    ids, rejects = load(path)
    assert len(ids) == 399 and "R2" not in ids and "R300" in ids
    assert [(r.line, r.record_id) for r in rejects] == [(3, "R2")]
    assert "max_record_lines" in rejects[0].reason


def test_ragged_rows_name_their_line_and_record_id(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "\n" + "".join(rows(3, R2="R2,Bo,Lee\n")))
    ids, rejects = load(path)
    assert ids == ["R1", "R3"]
    assert [(r.row, r.line, r.record_id) for r in rejects] == [(3, 4, "R2")]  # blank line 2 counts
