"""The exception tree: one base, a few kinds, each mapped to an exit code by the CLI.

``InputError`` carries every problem found in a workspace at once, each located as ``path:line``,
so an analyst can fix them all in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["InputError", "PlausibleError", "Problem", "UsageError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located in a file.

    Parameters
    ----------
    path : str
        The file, relative to the workspace where possible.
    line : int or None
        The 1-based line, or None when the problem concerns the whole file.
    message : str
        What was received, what was expected, and a hint to fix it.

    Examples
    --------
    >>> str(Problem("evidence/a.yaml", 3, "unknown source 'kcan'; did you mean 'kcna'?"))
    "evidence/a.yaml:3: unknown source 'kcan'; did you mean 'kcna'?"
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class PlausibleError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: int = 1


class InputError(PlausibleError):
    """The input (workspace files, arguments) is invalid; lists every problem found.

    Parameters
    ----------
    problems : iterable of Problem or str
        The problems, reported sorted by file and line.
    notes : iterable of str, optional
        What the problems kept from being checked, shown after them as ``note: …`` (not problems themselves).
    """

    exit_code = 2

    def __init__(self, problems: Iterable[Problem | str], notes: Iterable[str] = ()) -> None:
        self.problems: Sequence[Problem] = sorted(
            p if isinstance(p, Problem) else Problem("<input>", None, p) for p in problems
        )
        self.notes: Sequence[str] = tuple(notes)
        super().__init__("\n".join([*(str(p) for p in self.problems), *(f"note: {n}" for n in self.notes)]))


class UsageError(PlausibleError):
    """A request that cannot be served as asked (unknown set, engine, option value)."""

    exit_code = 2
