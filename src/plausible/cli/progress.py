"""A progress line for long work, on standard error: redrawn in place on a terminal, one summary line otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressLine"]


class ProgressLine:
    """Report ``done`` of ``total`` units of work.

    On a terminal the line is redrawn at most every ``every`` seconds; in a log (not a terminal) only the
    final line is written, so logs do not fill with redraws.

    Parameters
    ----------
    label : str
        What is being done, e.g. ``"sampling 4 chains"`` (an engine may rename it with :meth:`start`).
    unit : str
        What is counted, e.g. ``"iterations"``.
    stream : text file, optional
        Standard error by default.
    every : float
        Smallest interval between two redraws, in seconds.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> line = ProgressLine("sampling 2 chains", "iterations", stream=log)
    >>> line(500, 1000); line(1000, 1000); line.close()
    >>> log.getvalue().startswith("sampling 2 chains: 1,000/1,000 iterations (100%)")
    True
    """

    def __init__(self, label: str = "working", unit: str = "steps", *, stream: TextIO | None = None,
                 every: float = 0.2) -> None:
        self.label, self.unit, self.every = label, unit, every
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started: float | None = None  # the clock starts with the first count, after any preparation
        self.shown = -float("inf")
        self.done, self.total = 0, 0

    def start(self, label: str, unit: str) -> None:
        """Name the work and what is counted (an engine calls this when it begins)."""
        self.label, self.unit = label, unit

    def status(self, text: str) -> None:
        """Say what happens before counting starts (e.g. compiling), on a terminal only."""
        if self.live:
            self.stream.write(f"\r{self.label}: {text}\x1b[K")
            self.stream.flush()

    def __call__(self, done: int, total: int) -> None:
        """Record progress; redraw the line on a terminal if it was last drawn long enough ago."""
        self.done, self.total = done, total
        now = time.perf_counter()
        if self.started is None:
            self.started = now
        if self.live and (now - self.shown >= self.every or done >= total):
            self.shown = now
            self.stream.write("\r" + self._text() + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        """End the line (on a terminal) or write the one summary line (in a log)."""
        self.stream.write(("\r" if self.live else "") + self._text() + ("\x1b[K\n" if self.live else "\n"))
        self.stream.flush()

    def _text(self) -> str:
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        elapsed = 0.0 if self.started is None else time.perf_counter() - self.started
        return f"{self.label}: {self.done:,}/{self.total:,} {self.unit}{share}, {elapsed:.1f} s"
