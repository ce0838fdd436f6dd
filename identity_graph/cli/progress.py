"""Progress bars on stderr (rows/s and ETA), silenced by --quiet or when stderr is not a TTY
unless IDGRAPH_PROGRESS=1."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm

__all__ = ["ProgressReporter"]


class ProgressReporter:
    """Adapts the library's ``progress(stage, done, total)`` callback to tqdm bars."""

    def __init__(self, label: str, *, disabled: bool = False):
        self.label = label
        self.disabled = disabled or (not sys.stderr.isatty() and os.environ.get("IDGRAPH_PROGRESS") != "1")
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def callback(self, stage: str, done: int, total: int) -> None:
        if self.disabled:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(
                total=total if total and total > 0 else None,
                desc=f"{self.label}: {stage}" if not stage.startswith(self.label) else stage,
                unit=" rows" if stage.split(" ")[0] in ("load", "synth")
                else " pairs" if stage in ("block", "score") else "",
                unit_scale=True,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        assert self._bar is not None
        if total and total > 0 and self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
