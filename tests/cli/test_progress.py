"""Progress people can read (issue 14, ADR 0039), from the real command line.

On a terminal every stage of ``load``, ``resolve``, ``update`` and ``demo`` draws a bar with its
count, its total, an ETA and a rate, even on a pseudo-terminal that reports no size (tqdm drew
nothing there until a width was set). Anywhere else (a pipe, a log, CI) each stage is one line
when it ends, with no carriage returns; ``--quiet`` shows nothing but errors, and an error is read
on a clean line, never after a half-drawn bar. The commands run as processes, as a user runs
them; no figure of time is asserted, only that it is shown.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from identity_graph import api
from identity_graph.cli.progress import ProgressReporter, choose_mode
from identity_graph.ingest.mapping import load_mapping
from identity_graph.ingest.readers import read_export
from identity_graph.ingest.rowcount import LineBreaks, export_digest
from identity_graph.synth import SynthSummary, generate

#: (people, seed): a council of ~220 records in 8 exports, one of each format
COUNCIL = (120, 11)
RESOLVE_STAGES = ["read records", "prepare", "block", "train", "score", "cluster", "edges", "people", "write"]
UNITS = {"read records": "records", "prepare": "records", "block": "pairs", "train": "steps",
         "score": "pairs", "cluster": "records", "edges": "pairs", "people": "records", "write": "records"}
#: what a rate looks like: "7.5 rows/s", "950 pairs/s", "12.3k records/s", "1.2M pairs/s"
RATE = r"[\d,]+(?:\.\d)?[kM]? {unit}/s"
#: a finished bar: "<desc>: 100%|████| 120/120 rows [00:00<00:00, 1,234 rows/s]" (without the
#: bar itself where the terminal is too narrow for one)
BAR = r"{desc}: 100%(?:\|[^|]*\|)? {n}/{n} {unit} \[\d\d:\d\d<\d\d:\d\d, " + RATE + r"\]"
#: a stage's line in a log: "resolve score: 2,161 pairs in 0.3s (6,385 pairs/s)"
LINE = re.compile(r"^(?P<desc>.+?): (?P<n>[\d,]+)(?: of [\d,]+)? (?P<unit>[a-z]+) in [\d.hms]+(?: \([\d,.]+[kM]? [a-z]+/s\))?$")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "IDGRAPH_PROGRESS", "IDGRAPH_STORE", "IDGRAPH_WAIT")}
    return env | {"TERM": "xterm"} | extra


def _command(*args: object) -> list[str]:
    return [sys.executable, "-m", "identity_graph.cli.main", *map(str, args)]


def on_terminal(*args: object, columns: int = 0, cwd: Path | None = None) -> tuple[int, str]:
    """Run idgraph on a new pseudo-terminal (never sized unless ``columns``): (exit code, all it
    wrote, carriage returns kept)."""
    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    else:  # the case of the bug: a terminal that says it is 0 columns wide
        assert os.get_terminal_size(slave) == os.terminal_size((0, 0))
    proc = subprocess.Popen(_command(*args), stdin=slave, stdout=slave, stderr=slave, env=_env(), cwd=cwd,
                            close_fds=True)
    os.close(slave)
    out = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            proc.kill()
            raise AssertionError(f"idgraph {args} wrote nothing for 300 s:\n{out.decode(errors='replace')}")
        try:
            data = os.read(master, 65536)
        except OSError:  # the child has gone: the terminal is closed
            break
        if not data:
            break
        out += data
    os.close(master)
    return proc.wait(timeout=60), out.decode("utf-8").replace("\r\n", "\n")


def in_a_pipe(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), capture_output=True, text=True, env=_env(), timeout=600, cwd=cwd,
                          check=False)


def frames(text: str) -> list[str]:
    """Every line and every redraw of a bar, as the terminal was given them."""
    return [f for line in text.split("\n") for f in line.split("\r")]


def finished_bar(text: str, desc: str, n: int | str, unit: str) -> str:
    count = f"{n:,}" if isinstance(n, int) else n
    pattern = re.compile(BAR.format(desc=re.escape(desc), n=count, unit=unit))
    hits = [f for f in frames(text) if pattern.fullmatch(f.rstrip())]
    assert hits, f"no finished bar for {desc!r} ({count} {unit}) in:\n{text}"
    return hits[-1]


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    people, seed = COUNCIL
    return generate(people, seed, tmp_path_factory.mktemp("progress_council"))


@pytest.fixture(scope="module")
def resolved(council: SynthSummary, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the council loaded and resolved (by the library: the tests run the CLI)."""
    path = tmp_path_factory.mktemp("progress_store") / "s.idgraph.db"
    store = api.open_store(str(path), create=True)
    try:
        api.load_many(store, [(council.files[s], council.mappings[s]) for s in sorted(council.files)])
        api.resolve(store)
    finally:
        store.close()
    return path


def copy_of(store: Path, tmp_path: Path) -> Path:
    out = tmp_path / store.name
    shutil.copy(store, out)
    return out


def loaded_rows(stdout: str) -> dict[str, int]:
    """file name -> rows, from load's report lines ("parking: 19 rows from parking.csv: ...")."""
    return {m[2]: int(m[1].replace(",", "")) for m in re.finditer(r"^\w+: ([\d,]+) rows from (\S+):", stdout, re.M)}


# -- on a terminal ----------------------------------------------------------------------------------
def test_load_on_an_unsized_terminal_draws_a_bar_per_export_with_its_total_rate_and_eta(
    council: SynthSummary, tmp_path: Path
) -> None:
    code, out = on_terminal("--store", tmp_path / "s.idgraph.db", "load", "--create", "--manifest",
                            council.load_manifest)
    assert code == 0, out
    rows = loaded_rows(out)
    assert sorted(rows) == sorted(p.name for p in council.files.values())  # one of each format
    for name, n in rows.items():
        finished_bar(out, f"load {name}", n, "rows")
        # every bar it drew had the total, once the total was known: no "0.00 rows [00:00, ? rows/s]"
        drawn = [f for f in frames(out) if f.startswith(f"load {name}: ")]
        assert all(re.search(rf"[|%] [\d,]+/{n:,} rows \[", f) for f in drawn), drawn


def test_resolve_on_a_terminal_draws_a_bar_for_every_stage(resolved: Path, tmp_path: Path) -> None:
    code, out = on_terminal("--store", copy_of(resolved, tmp_path), "resolve")
    assert code == 0, out
    records = int(re.search(r"run \d+: ([\d,]+) records", out)[1].replace(",", ""))  # type: ignore[index]
    pairs = re.search(r"\(([\d,]+) pairs compared", out)[1]  # type: ignore[index]
    for stage in RESOLVE_STAGES:
        n: int | str = records if UNITS[stage] == "records" else pairs if UNITS[stage] == "pairs" else r"\d+"
        finished_bar(out, f"resolve {stage}", n, UNITS[stage])
    drawn = [f.split(":")[0] for f in frames(out) if f.startswith("resolve ")]
    assert list(dict.fromkeys(drawn)) == [f"resolve {s}" for s in RESOLVE_STAGES]  # in order


def test_bars_fit_the_terminal_when_it_has_a_width(resolved: Path, tmp_path: Path) -> None:
    code, out = on_terminal("--store", copy_of(resolved, tmp_path), "resolve", columns=60)
    assert code == 0, out
    bars = [f for f in frames(out) if f.startswith("resolve ")]
    assert len(bars) >= len(RESOLVE_STAGES) and all(len(f.rstrip()) <= 60 for f in bars), bars
    wide = on_terminal("--store", copy_of(resolved, tmp_path), "resolve", columns=200)[1]
    assert max(len(f.rstrip()) for f in frames(wide) if f.startswith("resolve ")) > 60  # the room is used


def test_an_error_on_a_terminal_is_read_on_a_clean_line(council: SynthSummary, tmp_path: Path) -> None:
    parking = council.files["parking"]
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,NAME\n1,Ann Lee\n2,Bob Roe\n", encoding="utf-8")  # not the columns the mapping names
    code, out = on_terminal("--store", tmp_path / "s.idgraph.db", "load", "--create", parking, bad,
                            "-m", council.mappings["parking"])
    assert code != 0
    finished_bar(out, f"load {parking.name}", loaded_rows(out)[parking.name], "rows")  # the export before it
    before, _, after = out.partition("error: ")
    assert after, out
    # the line the error starts on: the bad export's bar, drawn, then wiped by blanks as wide as it
    *drawn, wiped, start = before.split("\n")[-1].split("\r")
    assert any(f.startswith("load bad.csv: ") for f in drawn), out
    assert start == "" and wiped.strip() == "" and len(wiped) >= max(len(f) for f in drawn)
    assert "load bad.csv" not in after  # and nothing drawn after the error


# -- logs and CI ------------------------------------------------------------------------------------
def test_in_a_pipe_each_stage_is_one_line_when_it_ends(council: SynthSummary, tmp_path: Path) -> None:
    store = tmp_path / "s.idgraph.db"
    load = in_a_pipe("--store", store, "load", "--create", "--manifest", council.load_manifest)
    assert load.returncode == 0, load.stderr
    resolve = in_a_pipe("--store", store, "resolve")
    assert resolve.returncode == 0, resolve.stderr

    for run in (load, resolve):
        assert "\r" not in run.stderr and "%|" not in run.stderr
        assert all(LINE.match(line) for line in run.stderr.splitlines()), run.stderr
    rows = loaded_rows(load.stdout)
    assert {LINE.match(x)["desc"]: int(LINE.match(x)["n"].replace(",", ""))  # type: ignore[index]
            for x in load.stderr.splitlines()} == {f"load {name}": n for name, n in rows.items()}
    descs = [LINE.match(x)["desc"] for x in resolve.stderr.splitlines()]  # type: ignore[index]
    assert descs == [f"resolve {s}" for s in RESOLVE_STAGES]  # each once, in order
    for line in resolve.stderr.splitlines():
        m = LINE.match(line)
        assert m and m["unit"] == UNITS[m["desc"].removeprefix("resolve ")]


def test_update_and_delete_report_their_stages_too(resolved: Path, council: SynthSummary, tmp_path: Path) -> None:
    store = copy_of(resolved, tmp_path)
    changed = tmp_path / council.files["parking"].name
    text = council.files["parking"].read_text(encoding="utf-8").splitlines()
    new = "PX-999999," + text[-1].split(",", 1)[1]  # a new permit for the last row's holder
    changed.write_text("\n".join([*text, new]) + "\n", encoding="utf-8")
    assert in_a_pipe("--quiet", "--store", store, "load", changed, "-m", council.mappings["parking"]).returncode == 0
    update = in_a_pipe("--store", store, "update")
    assert update.returncode == 0, update.stderr
    assert "\r" not in update.stderr
    stages = ["read records", "prepare", "index", "read graph", "prepare", "score", "cluster", "people", "write"]
    descs = [LINE.match(x)["desc"] for x in update.stderr.splitlines()]  # type: ignore[index]
    assert descs == [f"update {s}" for s in stages], update.stderr
    delete = in_a_pipe("--store", store, "delete", "parking:PX-999999", "--reason", "a test permit")
    assert delete.returncode == 0, delete.stderr
    descs = [LINE.match(x)["desc"] for x in delete.stderr.splitlines()]  # type: ignore[index]
    assert descs == [f"delete {s}" for s in stages], delete.stderr


def test_demo_shows_synth_load_and_resolve_stages(tmp_path: Path) -> None:
    code, out = on_terminal("demo", "--people", 60, "--out", tmp_path / "demo", cwd=tmp_path)
    assert code == 0, out
    finished_bar(out, "synth exports", 8, "files")
    assert len([f for f in frames(out) if re.match(r"load \S+: 100%\|", f)]) >= 8
    finished_bar(out, "resolve score", r"[\d,]+", "pairs")


def test_quiet_shows_nothing_but_the_output(council: SynthSummary, tmp_path: Path) -> None:
    store = tmp_path / "s.idgraph.db"
    load = in_a_pipe("--quiet", "--store", store, "load", "--create", "--manifest", council.load_manifest)
    resolve = in_a_pipe("--quiet", "--store", store, "resolve")
    assert (load.returncode, resolve.returncode) == (0, 0)
    assert (load.stderr, resolve.stderr) == ("", "")
    code, out = on_terminal("--quiet", "--store", store, "resolve")
    assert code == 0 and re.fullmatch(r"run 2: [^\n]*\n", out), out


def test_quiet_still_shows_errors(council: SynthSummary, tmp_path: Path) -> None:
    run = in_a_pipe("--quiet", "--store", tmp_path / "s.idgraph.db", "load", "--create",
                    tmp_path / "missing.csv", "-m", council.mappings["parking"])
    assert run.returncode != 0
    assert run.stderr.startswith("error: ") and "missing.csv" in run.stderr


# -- the totals a load shows ------------------------------------------------------------------------
def test_the_total_counted_before_parsing_is_the_rows_loaded_for_every_format(council: SynthSummary) -> None:
    for source, path in council.files.items():
        mapping = load_mapping(council.mappings[source])
        chunks = list(read_export(path, mapping))
        rows = sum(len(c.frame) + len(c.rejects) for c in chunks)
        _, estimate = export_digest(path, mapping)
        if path.suffix == ".json":  # a JSON document is counted once parsed: its reader says so
            assert estimate is None and chunks[0].rows_total == rows, source
        else:
            assert estimate == rows, source


def test_quoted_line_breaks_are_inside_a_record_not_between_records() -> None:
    data = b'ID,NOTE\n1,"two\nlines"\n2,"a ""quoted\n"" word"\n3,plain'
    for size in (1, 3, 7, len(data)):  # however the blocks fall
        counter = LineBreaks(quoted=True)
        for i in range(0, len(data), size):
            counter.feed(data[i : i + size])
        assert counter.records(header=1) == 3


def test_a_stray_quote_falls_back_to_counting_lines() -> None:
    counter = LineBreaks(quoted=True)
    counter.feed(b'ID,HEIGHT\n1,5\'10"\n2,6ft\n')
    assert counter.records(header=1) == 2


# -- the reporter on its own ------------------------------------------------------------------------
def test_a_long_stage_in_a_log_says_how_far_it_has_got_while_it_runs() -> None:
    out = io.StringIO()
    reporter = ProgressReporter("resolve", mode="lines", stream=out)
    reporter.interval = 0  # (30 s in use)
    reporter.callback("score", 0, 4_000)
    reporter.callback("score", 1_000, 4_000)
    reporter.callback("cluster", 0, 50)
    reporter.abort()  # an error: the stage running leaves no line
    lines = out.getvalue().splitlines()
    assert [re.sub(r"[\d.]+s\b.*", "", x) for x in lines] == [
        "resolve score: 0 of 4,000 pairs (0%) after ",
        "resolve score: 1,000 of 4,000 pairs (25%) after ",
        "resolve score: 1,000 of 4,000 pairs in ",  # ended by the next stage, short of its total
        "resolve cluster: 0 of 50 records (0%) after ",
    ]


def test_the_mode_follows_quiet_the_environment_and_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("IDGRAPH_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert (choose_mode(False, Tty()), choose_mode(False, io.StringIO()), choose_mode(True, Tty())) == (
        "bars", "lines", "off")
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode(False, Tty()) == "lines"
    monkeypatch.setenv("IDGRAPH_PROGRESS", "off")
    assert choose_mode(False, Tty()) == "off"
    monkeypatch.setenv("IDGRAPH_PROGRESS", "bars")
    assert choose_mode(False, io.StringIO()) == "bars" and choose_mode(True, io.StringIO()) == "off"
