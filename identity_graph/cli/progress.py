"""Progress people can read, on stderr (ADR 0039).

The library reports ``progress(stage, done, total)`` (``identity_graph.progress``); a
:class:`ProgressReporter` shows it in one of three ways:

* ``bars`` (stderr is a terminal): a bar per stage with its count, total, elapsed time, ETA and
  rate, redrawn every second even while the stage reports nothing; a finished stage's bar stays
  as a line with its count, time and average rate;
* ``lines`` (logs, CI, pipes): one line per stage when it ends (stage, count, seconds, rate), and
  a line every ``interval`` seconds while a long stage runs; no carriage returns;
* ``off`` (``--quiet``): nothing.

``IDGRAPH_PROGRESS=bars|lines|off`` chooses one whatever stderr is. The width is the terminal's,
else ``COLUMNS``, else 80: a terminal that reports no size (a pseudo-terminal never sized) still
gets its bars. An error ends the stage running without its bar (:func:`abort_all`), so the error
is read on a clean line. Only stage names (a file name at most), counts and times are shown:
never a value from a record.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import IO, Any

from tqdm import tqdm

from ..progress import unit_of

__all__ = ["ProgressReporter", "abort_all", "choose_mode", "terminal_size"]

MODES = ("bars", "lines", "off")

_WITH_TOTAL = "{desc}: {percentage:3.0f}%|{bar}| {count}/{of} {unit} [{elapsed}<{remaining}, {speed}]"
#: the same where a bar would leave too little room (a long file name on a narrow terminal)
_NARROW = "{desc}: {percentage:3.0f}% {count}/{of} {unit} [{elapsed}<{remaining}, {speed}]"
_NO_TOTAL = "{desc}: {count} {unit} [{elapsed}, {speed}]"
#: columns a bar needs to say anything
_MIN_BAR = 6

#: reporters with a stage running: an error ends them before its message is shown
_running: set[ProgressReporter] = set()
_running_lock = threading.Lock()


def choose_mode(quiet: bool, stream: IO[str]) -> str:
    """``off`` with ``--quiet``; else ``IDGRAPH_PROGRESS`` if set; else ``bars`` on a terminal
    (not ``TERM=dumb``) and ``lines`` anywhere else."""
    if quiet:
        return "off"
    forced = os.environ.get("IDGRAPH_PROGRESS", "").strip().lower()
    if forced in ("bars", "1"):
        return "bars"
    if forced in ("lines", "off"):
        return forced
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):
        tty = False
    return "bars" if tty and os.environ.get("TERM") != "dumb" else "lines"


def _env_int(name: str) -> int:
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return 0


def terminal_size(stream: IO[str]) -> tuple[int, int]:
    """(columns, lines) of the terminal ``stream`` writes to; ``COLUMNS``/``LINES`` or 80x24
    where it reports none (a pseudo-terminal nobody sized says 0x0: tqdm then drew nothing)."""
    cols = lines = 0
    with contextlib.suppress(AttributeError, OSError, ValueError):
        cols, lines = os.get_terminal_size(stream.fileno())
    cols = cols if cols > 0 else _env_int("COLUMNS") or 80
    lines = lines if lines > 0 else _env_int("LINES") or 24
    return max(cols, 20), max(lines, 2)


def per_second(rate: float) -> str:
    """A rate in few characters: 7.5, 950, 12.3k, 4.1M."""
    if rate >= 1e6:
        return f"{rate / 1e6:.1f}M"
    if rate >= 1e4:
        return f"{rate / 1e3:.1f}k"
    if rate >= 10:
        return f"{rate:,.0f}"
    return f"{rate:.1f}"


def seconds(s: float) -> str:
    """A duration: 0.4s, 12.3s, 2m05s, 1h02m."""
    if s < 60:
        return f"{s:.1f}s"
    if s < 3600:
        return f"{int(s // 60)}m{int(s % 60):02d}s"
    return f"{int(s // 3600)}h{int(s % 3600 // 60):02d}m"


class _Bar(tqdm):  # type: ignore[misc]
    """tqdm with counts written in full (12,000/48,000, not 12.0k/48.0k) and a rate from the
    start of the stage until tqdm has measured one."""

    @property
    def format_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = super().format_dict
        n, total, elapsed = d["n"], d["total"], d["elapsed"]
        rate = d["rate"]
        if rate is None and elapsed > 0 and n > self.initial:
            rate = d["rate"] = (n - self.initial) / elapsed
        d["count"] = f"{n:,}"
        d["of"] = f"{total:,}" if total else "?"
        d["speed"] = f"{per_second(rate) if rate else '?'} {self.unit}/s"
        if not total:
            d["bar_format"] = _NO_TOTAL
        else:  # the text around the bar at its widest, so a bar does not come and go as it moves
            around = len(self.desc) + 2 * len(d["of"]) + len(self.unit) + len(f"999.9k {self.unit}/s") + 27
            d["bar_format"] = _WITH_TOTAL if (d["ncols"] or 80) - around >= _MIN_BAR else _NARROW
        return d


class _Stage:
    """One stage being shown."""

    def __init__(self, name: str, desc: str, done: int, total: int):
        self.name, self.desc, self.unit = name, desc, unit_of(name)
        self.start = self.last_line = time.perf_counter()
        self.initial = self.done = done
        self.total = total if total > 0 else None
        self.bar: _Bar | None = None
        self.stop = threading.Event()


class ProgressReporter:
    """Adapts the library's ``progress(stage, done, total)`` callback to bars or lines on stderr.

    ``callback`` is what the library is given; ``close()`` ends the stage running (its bar stays,
    or its line is written); ``abort()`` ends it without a trace (an error follows). Usable as a
    context manager: an exception aborts, a normal exit closes."""

    #: seconds between the lines a long stage writes while it runs (``lines`` mode)
    interval: float = 30.0
    #: seconds between redraws of a bar that reports nothing (``bars`` mode); a stage that has
    #: no total yet gets its bar (a count and a rate) after the first
    tick: float = 0.5

    def __init__(self, label: str, *, disabled: bool = False, mode: str | None = None,
                 stream: IO[str] | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.mode = "off" if disabled else mode or choose_mode(False, self.stream)
        if self.mode not in MODES:
            raise ValueError(f"progress mode {self.mode!r}: one of {', '.join(MODES)}")
        self.disabled = self.mode == "off"
        self._stage: _Stage | None = None
        self._lock = threading.RLock()

    # -- the callback -----------------------------------------------------------------------
    def callback(self, stage: str, done: int, total: int) -> None:
        if self.disabled:
            return
        with self._lock:
            s = self._stage
            if s is None or s.name != stage:
                self._end(keep=True)
                s = self._begin(stage, done, total)
            if total > 0 and total != s.total:
                s.total = total
            if s.total is not None and done > s.total:  # an estimate passed: the count is the total
                s.total = done
            if self.mode == "bars":
                if s.bar is not None:
                    self._draw(s, done)
                else:
                    s.done = done
                    if s.total is not None:
                        self._make_bar(s)
            else:
                s.done = done
                now = time.perf_counter()
                if now - s.last_line >= self.interval:
                    s.last_line = now
                    self._line(s, now, running=True)

    def close(self) -> None:
        """End the stage running: its bar stays as it finished, or its line is written."""
        with self._lock:
            self._end(keep=True)

    def abort(self) -> None:
        """End the stage running without a trace: its bar is cleared, no line is written."""
        with self._lock:
            self._end(keep=False)

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- stages -----------------------------------------------------------------------------
    def _desc(self, stage: str) -> str:
        return stage if stage == self.label or stage.startswith(self.label + " ") else f"{self.label} {stage}"

    def _begin(self, stage: str, done: int, total: int) -> _Stage:
        s = self._stage = _Stage(stage, self._desc(stage), done, total)
        with _running_lock:
            _running.add(self)
        if self.mode == "bars":
            threading.Thread(target=self._ticker, args=(s,), name="idgraph-progress", daemon=True).start()
        return s

    def _make_bar(self, s: _Stage) -> None:
        """The stage's bar, drawn once its total is known (or a ``tick`` has passed without one),
        timed from the stage's start and showing its count so far."""
        cols, rows = terminal_size(self.stream)
        bar = _Bar(
            total=s.total, initial=s.done, desc=s.desc, unit=s.unit, file=self.stream, ncols=cols,
            nrows=rows, dynamic_ncols=False, leave=True, mininterval=0.1, ascii=None, delay=0,
        )
        bar.initial = s.initial  # the rate counts what the stage did, not what it started with
        # timed from the stage's start, not from now: the first rate tqdm measures is what was
        # done over the time it took (from now, a stage's whole count over microseconds: the
        # "1.20G rows/s" of issue 14)
        late = time.perf_counter() - s.start
        bar.start_t -= late
        bar.last_print_t -= late
        bar.refresh()
        s.bar = bar

    def _draw(self, s: _Stage, done: int) -> None:
        bar = s.bar
        assert bar is not None
        redraw = False
        if done < bar.n:  # a count made smaller (raw pairs, then each pair once)
            bar.n = bar.last_print_n = done
            redraw = True
        if s.total != bar.total:
            bar.total, redraw = s.total, True
        if redraw:
            bar.refresh()
        if done > bar.n:
            bar.update(done - bar.n)  # (not ``bar.n = done``: tqdm's rate is measured in update)
        s.done = done

    def _ticker(self, s: _Stage) -> None:
        """Redraw a stage's bar every ``tick`` seconds, so its elapsed time moves while the stage
        reports nothing, and follow the terminal's width."""
        while not s.stop.wait(self.tick):
            with self._lock:
                if s.stop.is_set():
                    return
                if s.bar is None:
                    self._make_bar(s)
                    continue
                s.bar.ncols, s.bar.nrows = terminal_size(self.stream)
                s.bar.refresh()

    def _end(self, *, keep: bool) -> None:
        s, self._stage = self._stage, None
        with _running_lock:
            _running.discard(self)
        if s is None:
            return
        s.stop.set()
        if keep and s.bar is None and self.mode == "bars":  # a short stage, ended before its bar came
            self._make_bar(s)
        if s.bar is not None:
            if not keep:
                s.bar.leave = False  # tqdm clears the line
            elif s.total is None or s.done > s.total:  # a stage that never knew its total: its count is it
                s.bar.total = s.done
            s.bar.close()
            s.bar = None
        elif keep and self.mode == "lines":
            self._line(s, time.perf_counter(), running=False)

    def _line(self, s: _Stage, now: float, *, running: bool) -> None:
        took = now - s.start
        if running:
            of = f" of {s.total:,}" if s.total else ""
            pct = f" ({100 * s.done / s.total:.0f}%)" if s.total else ""
            text = f"{s.desc}: {s.done:,}{of} {s.unit}{pct} after {seconds(took)}"
        else:
            of = f" of {s.total:,}" if s.total and s.total != s.done else ""
            text = f"{s.desc}: {s.done:,}{of} {s.unit} in {seconds(took)}"
        moved = s.done - s.initial
        if took >= 0.05 and moved > 0:
            text += f" ({per_second(moved / took)} {s.unit}/s)"
        print(text, file=self.stream, flush=True)


def abort_all() -> None:
    """End every stage running, without a trace: an error message comes next."""
    with _running_lock:
        running = list(_running)
    for reporter in running:
        reporter.abort()
