"""Briefing entries of the ledger: recorded by ``brief -o``, read by ``brief --since-last``; the old state file.

A briefing entry is a ledger :class:`~plausible.tracking.ledger.Record` of kind ``briefing``: the inputs when the
briefing was written and, for each set it covered, the probabilities it showed (with its engine), the items they
rest on and how recent its evidence was. It is appended under the ledger's lock like an update, and ``plausible
update`` skips it (see :mod:`plausible.tracking.updating`).

Earlier versions kept the state of the last briefing of each set in ``.plausible/last-brief.json`` instead. That
file is never written. While it is there, :func:`read_history` reads its sets as briefing entries and says so;
the next :func:`record_briefing` (``brief -o``) appends them to the ledger with their original times, renames the
file ``last-brief.json.migrated`` (or ``last-brief.json.unreadable`` when it could not be read) and says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from plausible.core.errors import Problem
from plausible.tracking.ledger import LedgerRead, Record, SetState, ledger_path, locked_ledger, read_records

__all__ = ["OLD_STATE_FILE", "read_history", "record_briefing"]

OLD_STATE_FILE = ".plausible/last-brief.json"
"""Where earlier versions kept the state of the last briefing, relative to the workspace root."""


def read_history(root: str | os.PathLike[str]) -> LedgerRead:
    """The ledger of a workspace, with the briefings of an old state file that has not been moved in yet.

    Parameters
    ----------
    root : path
        The workspace root.

    Returns
    -------
    LedgerRead
        The ledger's records, then the old file's briefing entries; problems are the ledger's unreadable lines
        and, when the old file is there, a note that it was read (or why it could not be).

    Raises
    ------
    UsageError
        When the ledger exists but cannot be read.
    """
    read = read_records(ledger_path(root))
    found = _read_old_state(Path(root))
    if found is None:
        return read
    records, problem = found
    return LedgerRead(read.records + records, (*read.problems, problem))


def record_briefing(root: str | os.PathLike[str], entry: Record) -> tuple[Problem, ...]:
    """Append a briefing entry to the ledger, first moving in an old state file's briefings.

    Parameters
    ----------
    root : path
        The workspace root.
    entry : Record
        The briefing entry (``kind="briefing"``).

    Returns
    -------
    tuple of Problem
        What was done besides the append: an old state file moved in or set aside, an incomplete last line
        removed.

    Raises
    ------
    UsageError
        When the ledger cannot be written (nothing of this briefing is recorded).
    """
    if entry.kind != "briefing":
        raise ValueError(f"record_briefing records briefing entries, not {entry.kind!r} entries")
    notes: list[Problem] = []
    with locked_ledger(ledger_path(root)) as ledger:
        found = _read_old_state(Path(root))  # under the lock: one run moves the file in
        if found is not None:
            old, problem = found
            for record in old:
                notes.extend(ledger.append(record))
            notes.append(_set_aside(Path(root), old, problem))
        notes.extend(ledger.append(entry))
    return tuple(notes)


def _read_old_state(root: Path) -> tuple[tuple[Record, ...], Problem] | None:
    """The old state file's briefings and a note saying it was read, or why not; None when there is no file."""
    path = root / OLD_STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return (), Problem(OLD_STATE_FILE, None, f"the old briefing state file cannot be read "
                           f"({exc.strerror or exc}); --since-last ignores it")
    try:
        records = _old_records(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # pydantic's ValidationError is a ValueError
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return (), Problem(OLD_STATE_FILE, None, f"the old briefing state file could not be read ({reason}); "
                           "--since-last ignores it")
    n = sum(len(r.sets) for r in records)
    return records, Problem(OLD_STATE_FILE, None, f"read the previous briefings of {n} set{'s' if n != 1 else ''} from "
                            "the state file of earlier versions; the next `brief -o` moves them into the ledger "
                            "(.plausible/ledger.jsonl)")


def _old_records(data: Any) -> tuple[Record, ...]:
    """The sets of an old state file as briefing entries, one per briefing (sets written at the same time)."""
    groups: dict[tuple[str, str], dict[str, SetState]] = {}
    for set_id, state in data["sets"].items():
        key = (str(state.get("written") or data["written"]), str(state["inputs_hash"]))
        groups.setdefault(key, {})[str(set_id)] = SetState.model_validate(
            {"probabilities": state["probabilities"], "items": state["items"], "method": state["method"],
             "as_of": state.get("as_of")})
    records = (Record.model_validate({"kind": "briefing", "time": written, "version": str(data.get("plausible", "")),
                                      "inputs_hash": inputs_hash, "files": {}, "sets": sets})
               for (written, inputs_hash), sets in groups.items())
    return tuple(sorted(records, key=lambda r: r.time))


def _set_aside(root: Path, moved: tuple[Record, ...], problem: Problem) -> Problem:
    """Rename the old state file once its briefings are in the ledger (or it proved unreadable); say what was done."""
    path = root / OLD_STATE_FILE
    target = path.with_name(path.name + (".migrated" if moved else ".unreadable"))
    n = len(moved)
    done = (f"moved {n} briefing{'s' if n != 1 else ''} from the state file of earlier versions into the ledger"
            if moved else problem.message.removesuffix("; --since-last ignores it"))
    try:
        os.replace(path, target)
    except OSError as exc:
        return Problem(OLD_STATE_FILE, None, f"{done}, but the file could not be renamed ({exc.strerror or exc}): "
                       "delete it, or the next `brief -o` reads it again")
    return Problem(OLD_STATE_FILE, None, f"{done}; it is now {target.name} and no longer read (delete it when you "
                   "like)")
