"""The state a briefing recorded, for ``brief --since-last``: ``.plausible/last-brief.json`` in the workspace.

The loader skips hidden folders, so the record is never read as a workspace file and does not change the
inputs hash.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plausible.io.atomic import write_atomic

__all__ = ["RECORD_PATH", "Record", "RecordedSet", "read_record", "write_record"]

RECORD_PATH = Path(".plausible") / "last-brief.json"
"""Where the record lives, relative to the workspace root."""

RECORD_VERSION = 1


@dataclass(frozen=True)
class RecordedSet:
    """What the previous briefing said about one set."""

    set_id: str
    method: str
    as_of: dt.date | None
    written: str
    inputs_hash: str
    items: tuple[str, ...]
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Record:
    """The whole record: the sets, or why it could not be read."""

    sets: dict[str, RecordedSet]
    problem: str | None = None
    exists: bool = True


def read_record(root: Path) -> Record:
    """Read the record of the previous ``brief -o`` run in a workspace.

    A missing record gives ``exists=False``; an unreadable one gives the reason in ``problem`` (the
    briefing says so rather than failing: the next successful briefing rewrites it).
    """
    path = root / RECORD_PATH
    if not path.is_file():
        return Record({}, exists=False)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sets = {}
        for set_id, entry in data["sets"].items():
            as_of = entry.get("as_of")
            sets[set_id] = RecordedSet(
                set_id, str(entry["method"]), dt.date.fromisoformat(as_of) if as_of else None,
                str(entry.get("written", "")), str(entry.get("inputs_hash", "")),
                tuple(str(i) for i in entry["items"]),
                {str(h): float(p) for h, p in entry["probabilities"].items()},
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return Record({}, problem=f"{type(exc).__name__}: {exc}")
    return Record(sets)


def write_record(root: Path, entries: dict[str, dict[str, Any]], version: str) -> Path:
    """Merge ``entries`` (by set id) into the record and write it atomically.

    Parameters
    ----------
    root : Path
        The workspace root.
    entries : dict
        ``{set_id: {"method", "as_of", "inputs_hash", "items", "probabilities"}}``.
    version : str
        The plausible version that wrote it.

    Returns
    -------
    Path
        The record's path.
    """
    path = root / RECORD_PATH
    previous: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("sets"), dict):
                previous = loaded["sets"]
        except (OSError, ValueError):
            previous = {}  # unreadable: replaced by this briefing's record
    path.parent.mkdir(parents=True, exist_ok=True)
    written = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    body = {"version": RECORD_VERSION, "plausible": version, "written": written,
            "sets": {**previous, **{k: {**v, "written": written} for k, v in entries.items()}}}
    return write_atomic(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
