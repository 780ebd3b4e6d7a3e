"""Watch mode: follow a workspace's input folders and run an update whenever their files change.

:func:`watch` is the loop (``plausible watch`` wraps it); it reports each update to a callback and stops on a
stop event, after a number of updates, or on Ctrl-C (``KeyboardInterrupt`` propagates to the caller). A broken
file does not stop it: the update's problems are reported and the next change is tried afresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import watchfiles

from plausible.core.errors import InputError, PlausibleError, Problem, UsageError
from plausible.tracking.updating import UpdateOutcome, run_update
from plausible.workspace import INPUT_FOLDERS

__all__ = ["WATCHED_FOLDERS", "FileEvent", "WatchEvent", "run_watched_update", "watch"]

WATCHED_FOLDERS = INPUT_FOLDERS
"""The input folders of a workspace, relative to its root: hypotheses, evidence, analysts and models."""

_READY_MS = 100  # how soon the loop first hears back from the watcher (it then knows the watches are in place)
_YAML_SUFFIXES = (".yaml", ".yml")

ChangeKind = Literal["added", "modified", "deleted"]


@dataclass(frozen=True)
class FileEvent:
    """An input file that changed: ``added``, ``modified`` or ``deleted``; path relative to the workspace."""

    kind: ChangeKind
    path: str


@dataclass(frozen=True)
class WatchEvent:
    """One update run by the watcher.

    Attributes
    ----------
    changes : tuple of FileEvent
        The changes that triggered it (empty for the update run when watching starts).
    outcome : UpdateOutcome or None
        The update, when the workspace loaded.
    problems : tuple of Problem
        Why the workspace did not load (``path:line: message``); nothing was recorded.
    error : str or None
        Any other failure (e.g. the ledger cannot be written); nothing was recorded.
    """

    changes: tuple[FileEvent, ...]
    outcome: UpdateOutcome | None = None
    problems: tuple[Problem, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the update ran."""
        return self.outcome is not None


def run_watched_update(root: str | os.PathLike[str], changes: tuple[FileEvent, ...] = ()) -> WatchEvent:
    """Run one update and capture its failure instead of raising it (a watcher must survive broken files)."""
    try:
        return WatchEvent(changes, run_update(root))
    except InputError as exc:
        return WatchEvent(changes, problems=tuple(exc.problems))
    except PlausibleError as exc:
        return WatchEvent(changes, error=str(exc))


def watch(
    workspace: str | os.PathLike[str],
    on_update: Callable[[WatchEvent], None],
    stop_event: threading.Event | None = None,
    debounce_ms: int = 300,
    *,
    max_updates: int | None = None,
    initial: bool = True,
    force_polling: bool | None = None,
    poll_delay_ms: int = 100,
) -> int:
    """Run an update each time files change in a workspace's input folders (:data:`WATCHED_FOLDERS`).

    Parameters
    ----------
    workspace : str or PathLike
        The workspace folder. The input folders that exist when watching starts are followed, recursively.
    on_update : callable
        Called with a :class:`WatchEvent` after each update (in this thread).
    stop_event : threading.Event, optional
        Set it (from another thread) to stop watching within about ``debounce_ms``.
    debounce_ms : int
        Changes are collected until the folders have been quiet this long, then one update runs.
    max_updates : int, optional
        Stop after this many updates (counting the initial one).
    initial : bool
        Run an update as soon as the watches are in place, to catch up with changes made while not watching.
    force_polling : bool, optional
        Poll the file system instead of using OS notifications (None: watchfiles decides, honouring
        ``WATCHFILES_FORCE_POLLING``); for network and container file systems.
    poll_delay_ms : int
        Interval between polls when polling.

    Returns
    -------
    int
        The number of updates run.

    Raises
    ------
    UsageError
        When the folder does not exist or has no input folder to watch.
    KeyboardInterrupt
        On Ctrl-C (when run in the main thread).
    """
    root = Path(workspace)
    if not root.is_dir():
        raise UsageError(f"workspace folder {root} not found; create one with `plausible init {root}`")
    base = root.resolve()
    folders = [base / name for name in WATCHED_FOLDERS if (base / name).is_dir()]
    if not folders:
        names = [f"{name}/" for name in WATCHED_FOLDERS]
        raise UsageError(f"nothing to watch in {root}: it has none of the folders {', '.join(names[:-1])} or "
                         f"{names[-1]} (is it a workspace? `plausible init DIR` creates one)")
    step = max(1, debounce_ms)
    updates = 0
    ready = False
    for raw in watchfiles.watch(
        *folders,
        watch_filter=_InputFilter(base),
        debounce=max(4 * step, 1600),
        step=step,
        stop_event=stop_event,
        rust_timeout=_READY_MS,
        yield_on_timeout=True,  # the first (empty) yield says the watches are in place
        force_polling=force_polling,
        poll_delay_ms=poll_delay_ms,
    ):
        changes = _file_events(raw, base)
        if not changes and (ready or not initial):
            ready = True
            continue
        ready = True
        if stop_event is not None and stop_event.is_set():
            break
        on_update(run_watched_update(root, changes))
        updates += 1
        if max_updates is not None and updates >= max_updates:
            break
    return updates


class _InputFilter:
    """Keep changes to workspace input files: YAML under the input folders, not hidden, not editor backups."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.default = watchfiles.DefaultFilter()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        relative = _relative(path, self.base)
        if relative is None or not self.default(change, path):
            return False
        parts = relative.parts
        return (len(parts) > 1 and parts[0] in WATCHED_FOLDERS and not any(p.startswith(".") for p in parts)
                and parts[-1].lower().endswith(_YAML_SUFFIXES))


def _relative(path: str, base: Path) -> Path | None:
    try:
        return Path(path).relative_to(base)
    except ValueError:
        return None


def _file_events(raw: Iterable[tuple[watchfiles.Change, str]], base: Path) -> tuple[FileEvent, ...]:
    """One event per file: a batch may see a file created then written, or written then replaced."""
    kinds: dict[str, set[watchfiles.Change]] = {}
    for change, path in raw:
        kinds.setdefault(path, set()).add(change)
    events = []
    for path, seen in kinds.items():
        relative = _relative(path, base)
        shown = relative.as_posix() if relative is not None else path
        kind: ChangeKind
        if not Path(path).exists():
            kind = "deleted"
        elif watchfiles.Change.added in seen:
            kind = "added"
        else:
            kind = "modified"
        events.append(FileEvent(kind, shown))
    return tuple(sorted(events, key=lambda e: e.path))
