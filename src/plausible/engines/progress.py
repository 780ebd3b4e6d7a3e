"""How an engine reports long work to its caller: a small protocol the caller implements.

The engine never writes to the terminal. The command line passes a
:class:`~plausible.cli.progress.ProgressLine`; a script may pass anything with these methods, or nothing.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress"]


class Progress(Protocol):
    """Receives the progress of one piece of long work."""

    def start(self, label: str, unit: str) -> None:
        """Long work begins: ``label`` says what is done (e.g. ``"sampling 4 chains"``), ``unit`` what is counted."""

    def status(self, text: str) -> None:
        """What happens before counting starts (e.g. compiling)."""

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` units are finished."""

    def close(self) -> None:
        """The work is over."""
