"""The ledger, a workspace's one history: a JSON record per update or briefing, appended safely, read tolerantly.

The ledger is ``<workspace>/.plausible/ledger.jsonl`` (JSON Lines, sorted keys, one record per line; format in
``docs/ledger.md``). A record is an *entry* of one of two kinds: ``update`` (the state ``plausible update``
recorded) or ``briefing`` (the state a briefing written with ``brief -o`` showed, for ``brief --since-last``).

Appends hold an exclusive lock on the sibling ``ledger.lock`` (:mod:`filelock`: ``flock`` on POSIX, the native
file lock on Windows) and write, flush and fsync one whole line, so concurrent runs never interleave. A run
killed mid-write leaves at most an incomplete last line: readers skip it with a warning and the next append
removes it before writing.

Everything except :func:`read_records` and :class:`LockedLedger` is pure: parsing, formatting,
:func:`diff_states` and :func:`diff_set` take and return values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from plausible.core.errors import Problem, UsageError
from plausible.core.types import Method
from plausible.tracking.integrity import LEDGER_FILE

__all__ = [
    "LEDGER_FILE",
    "EntryKind",
    "MOVE_TOLERANCE",
    "FileChanges",
    "LedgerRead",
    "LockedLedger",
    "Move",
    "Record",
    "SetChange",
    "SetState",
    "StateDiff",
    "append_record",
    "diff_set",
    "diff_states",
    "format_record",
    "iso_time",
    "ledger_path",
    "locked_ledger",
    "parse_records",
    "read_records",
]


MOVE_TOLERANCE = 1e-9
"""Probability changes smaller than this are float noise, not moves."""

SetStatus = Literal["new", "removed", "changed", "unchanged"]
EntryKind = Literal["update", "briefing"]
"""What recorded an entry: ``plausible update`` (or ``watch``), or a briefing written with ``brief -o``."""
Probability = Annotated[float, Field(ge=0.0, le=1.0)]

# Records ignore unknown keys (rather than forbid them, as the workspace file schemas do) so that a ledger
# written by a newer version, with fields added, stays readable by this one.
_RECORD_CONFIG = ConfigDict(extra="ignore", frozen=True)


class SetState(BaseModel):
    """One hypothesis set as recorded: its posterior and the items it used.

    Update entries hold the exact engine's posterior and leave ``method`` and ``as_of`` out; briefing entries
    say which engine the briefing used and how recent its evidence was.
    """

    model_config = _RECORD_CONFIG

    probabilities: dict[str, Probability] = Field(description="Posterior, by hypothesis id (exact engine unless "
                                                  "`method` says otherwise).")
    items: tuple[str, ...] = Field(description="Ids of the evidence items used, in trajectory order.")
    method: Method | None = Field(None, description="Briefing entries: the engine of the probabilities.")
    as_of: dt.date | None = Field(None, description="Briefing entries: the latest `reported` date of the set's "
                                  "evidence.")


class Record(BaseModel):
    """One line of the ledger: the state of a workspace when an update or a briefing was recorded."""

    model_config = _RECORD_CONFIG

    kind: EntryKind = Field("update", description="What recorded the entry (lines without it are updates: "
                            "ledgers written before briefings were recorded).")
    time: AwareDatetime = Field(description="When the entry was recorded (UTC, ISO 8601).")
    version: str = Field(description="Version of plausible that computed the record.")
    inputs_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 over every input file's path "
                             "and content hash (`Workspace.inputs_hash`).")
    files: dict[str, str] = Field(description="SHA-256 of every input file's content, by path relative to the "
                                  "workspace.")
    sets: dict[str, SetState] = Field(description="Each hypothesis set's state, by set id (a briefing entry: the "
                                      "sets it covered).")

    @field_validator("time")
    @classmethod
    def _in_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)


@dataclass(frozen=True)
class LedgerRead:
    """The records of a ledger (entries of both kinds, in file order) and the lines that could not be read."""

    records: tuple[Record, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def updates(self) -> tuple[Record, ...]:
        """The update entries, in file order."""
        return tuple(r for r in self.records if r.kind == "update")

    @property
    def last_update(self) -> Record | None:
        """The most recent update entry (what ``plausible update`` compares with), or None."""
        updates = self.updates
        return updates[-1] if updates else None

    def last_briefing(self, set_id: str) -> Record | None:
        """The most recent briefing entry that covered ``set_id``, or None.

        Most recent by recorded time, then by file order: entries moved in from the old briefing state file
        keep their original times but are appended when moved.
        """
        covering = [(r.time, n, r) for n, r in enumerate(self.records) if r.kind == "briefing" and set_id in r.sets]
        return max(covering, key=lambda entry: entry[:2])[2] if covering else None


def iso_time(time: dt.datetime) -> str:
    """A time as the ledger writes it: UTC, ISO 8601, ``Z`` for UTC.

    Examples
    --------
    >>> iso_time(dt.datetime(2015, 6, 24, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    '2015-06-24T12:00:00Z'
    """
    return time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def ledger_path(root: str | os.PathLike[str]) -> Path:
    """The ledger file of the workspace at ``root``."""
    return Path(root) / LEDGER_FILE


def format_record(record: Record) -> str:
    """One record as its ledger line: compact JSON, sorted keys, newline-terminated.

    Examples
    --------
    >>> r = Record(time="2015-06-24T12:00:00Z", version="0.1.0", inputs_hash="0" * 64, files={},
    ...            sets={"q": SetState(probabilities={"b": 0.75, "a": 0.25}, items=("x",))})
    >>> format_record(r)[:40]
    '{"files": {}, "inputs_hash": "0000000000'
    >>> parse_records(format_record(r)).records == (r,)
    True
    """
    data = record.model_dump(mode="json", exclude_none=True)  # update entries have no method or as_of
    return json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def parse_records(text: str, shown: str = LEDGER_FILE) -> LedgerRead:
    """Parse ledger text; unreadable lines become warnings instead of errors.

    Parameters
    ----------
    text : str
        The ledger's content.
    shown : str
        The path used in the warnings.

    Returns
    -------
    LedgerRead
        The records in file order, and one problem per line that is not a record. An unterminated last line
        that does not parse is the trace of an interrupted write and is reported as such.

    Examples
    --------
    >>> read = parse_records('{"time": "2015-06')
    >>> read.records, str(read.problems[0])[:50]
    ((), '.plausible/ledger.jsonl:1: incomplete last record ')
    """
    records: list[Record] = []
    problems: list[Problem] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(Record.model_validate_json(line))
        except ValidationError as exc:
            if number == len(lines):  # no newline after it: the write was cut short
                problems.append(Problem(shown, number, "incomplete last record ignored (a run was interrupted "
                                        "while writing it); the next update removes it"))
            else:
                problems.append(Problem(shown, number, f"not a ledger record ({_first_error(exc)}); ignored"))
    return LedgerRead(tuple(records), tuple(problems))


def read_records(path: str | os.PathLike[str]) -> LedgerRead:
    """Read a ledger file without taking its lock; a missing file is an empty ledger.

    Raises
    ------
    UsageError
        When the file exists but cannot be read (permissions).
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return LedgerRead()
    except OSError as exc:
        raise UsageError(f"cannot read the ledger {target}: {exc.strerror or exc}") from None
    return parse_records(data.decode("utf-8", errors="replace"), str(target))


class LockedLedger:
    """A ledger file while this process holds its exclusive lock (see :func:`locked_ledger`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> LedgerRead:
        """All records; complete, since no writer can be mid-append while the lock is held."""
        return read_records(self.path)

    def append(self, record: Record) -> tuple[Problem, ...]:
        """Append one record: write the whole line, flush and fsync it.

        Returns
        -------
        tuple of Problem
            Notes on repairs made first (an incomplete last line left by an interrupted run is removed).

        Raises
        ------
        UsageError
            When the ledger cannot be written (permissions, full disk).
        """
        line = format_record(record).encode("utf-8")
        try:
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
            try:
                notes = _repair_tail(fd, str(self.path))
                _write_all(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_folder(self.path.parent)
        except OSError as exc:
            raise _write_error(self.path, exc) from None
        return notes


@contextlib.contextmanager
def locked_ledger(path: str | os.PathLike[str]) -> Iterator[LockedLedger]:
    """Hold the exclusive lock of a ledger (``ledger.lock`` beside it) for a read-compare-append.

    The folder is created if needed. While another process holds the lock, this one waits for it. The lock
    is released when the block ends, or by the operating system if the process dies.

    Raises
    ------
    UsageError
        When the folder or lock file cannot be created or opened (permissions).
    """
    from filelock import FileLock  # only the commands that record pay for it

    target = Path(path)
    lock = FileLock(target.with_name(target.stem + ".lock"), timeout=-1)  # no timeout: wait, as flock did
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        yield LockedLedger(target)
    finally:
        lock.release()


def append_record(path: str | os.PathLike[str], record: Record) -> tuple[Problem, ...]:
    """Append one record to a ledger under its lock (see :meth:`LockedLedger.append`)."""
    with locked_ledger(path) as ledger:
        return ledger.append(record)


def _write_error(path: Path, exc: OSError) -> UsageError:
    return UsageError(f"cannot write the ledger {path}: {exc.strerror or exc}; nothing was recorded (check that "
                      f"{path.parent} is writable)")


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _repair_tail(fd: int, shown: str) -> tuple[Problem, ...]:
    """Make the file end in a newline so the next line starts clean; drop an incomplete last record."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return ()
    start = _last_line_start(fd, size)
    tail = os.pread(fd, size - start, start).decode("utf-8", errors="replace")
    try:
        Record.model_validate_json(tail)
    except ValidationError:
        os.ftruncate(fd, start)
        return (Problem(shown, None, "removed an incomplete last record left by an interrupted run"),)
    _write_all(fd, b"\n")  # a complete record that merely lacks its newline: keep it
    return ()


def _last_line_start(fd: int, size: int, chunk: int = 65536) -> int:
    end = size
    while end > 0:
        begin = max(0, end - chunk)
        found = os.pread(fd, end - begin, begin).rfind(b"\n")
        if found >= 0:
            return begin + found + 1
        end = begin
    return 0


def _fsync_folder(folder: Path) -> None:
    # A new file's directory entry is durable only once its folder is synced.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- diffing two states -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileChanges:
    """Input files added, removed and modified (content hash changed) between two records."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        """Whether any input file changed."""
        return bool(self.added or self.removed or self.modified)


@dataclass(frozen=True)
class Move:
    """A hypothesis' probability before and after (None: the hypothesis did not exist then)."""

    hypothesis: str
    before: float | None
    after: float | None

    @property
    def points(self) -> float:
        """The change in percentage points (a missing side counts as 0)."""
        return 100.0 * ((self.after or 0.0) - (self.before or 0.0))


@dataclass(frozen=True)
class SetChange:
    """How one hypothesis set changed between two records.

    Attributes
    ----------
    set_id : str
    status : {"new", "removed", "changed", "unchanged"}
    moves : tuple of Move
        Every hypothesis whose probability changed, largest change first (empty for new or removed sets).
    new_items, removed_items : tuple of str
        Items used now but not before, and before but not now, in trajectory order.
    """

    set_id: str
    status: SetStatus
    moves: tuple[Move, ...] = ()
    new_items: tuple[str, ...] = ()
    removed_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class StateDiff:
    """What changed between two records; ``first`` when there was no earlier record."""

    first: bool
    files: FileChanges
    sets: tuple[SetChange, ...]

    @property
    def changed(self) -> bool:
        """Whether anything changed (a first record always counts as a change)."""
        return self.first or self.files.any or any(s.status != "unchanged" for s in self.sets)


def diff_states(before: Record | None, after: Record, tolerance: float = MOVE_TOLERANCE) -> StateDiff:
    """Compare two recorded states of a workspace.

    Parameters
    ----------
    before : Record or None
        The earlier record (None: ``after`` is the first).
    after : Record
        The later record.
    tolerance : float
        Probability changes up to this size are not moves.

    Returns
    -------
    StateDiff
        Files added, removed and modified; per set (sorted by id) its status, moves and item changes.

    Examples
    --------
    >>> def rec(p, items, files):
    ...     return Record(time="2015-06-24T12:00:00Z", version="0", inputs_hash="0" * 64, files=files,
    ...                   sets={"q": SetState(probabilities={"a": p, "b": 1 - p}, items=items)})
    >>> d = diff_states(rec(0.5, ("x",), {"e/1.yaml": "1"}), rec(0.8, ("x", "y"), {"e/1.yaml": "1", "e/2.yaml": "2"}))
    >>> d.files.added, d.sets[0].status, d.sets[0].new_items, round(d.sets[0].moves[0].points, 6)
    (('e/2.yaml',), 'changed', ('y',), 30.0)
    """
    old_files = before.files if before is not None else {}
    files = FileChanges(
        added=tuple(sorted(set(after.files) - set(old_files))),
        removed=tuple(sorted(set(old_files) - set(after.files))),
        modified=tuple(sorted(p for p in set(old_files) & set(after.files) if old_files[p] != after.files[p])),
    )
    old_sets = before.sets if before is not None else {}
    changes = []
    for set_id in sorted(set(old_sets) | set(after.sets)):
        if set_id not in old_sets:
            changes.append(SetChange(set_id, "new", new_items=after.sets[set_id].items))
        elif set_id not in after.sets:
            changes.append(SetChange(set_id, "removed", removed_items=old_sets[set_id].items))
        else:
            changes.append(diff_set(set_id, old_sets[set_id], after.sets[set_id], tolerance))
    return StateDiff(before is None, files, tuple(changes))


def diff_set(set_id: str, old: SetState, new: SetState, tolerance: float = MOVE_TOLERANCE) -> SetChange:
    """How one hypothesis set changed between two states: ``changed`` or ``unchanged``, moves and items.

    Used by :func:`diff_states` for each set in both records, and by the briefing for its "what changed".

    Examples
    --------
    >>> c = diff_set("q", SetState(probabilities={"a": 0.5, "b": 0.5}, items=("x",)),
    ...              SetState(probabilities={"a": 0.25, "b": 0.75}, items=("x", "y")))
    >>> c.status, [(m.hypothesis, m.points) for m in c.moves], c.new_items
    ('changed', [('a', -25.0), ('b', 25.0)], ('y',))
    """
    hypotheses = list(new.probabilities) + [h for h in old.probabilities if h not in new.probabilities]
    moves = [
        Move(h, old.probabilities.get(h), new.probabilities.get(h)) for h in hypotheses
        if h not in old.probabilities or h not in new.probabilities
        or abs(new.probabilities[h] - old.probabilities[h]) > tolerance
    ]
    moves.sort(key=lambda m: (-abs(m.points), m.hypothesis))
    old_items, new_items = set(old.items), set(new.items)
    added = tuple(i for i in new.items if i not in old_items)
    removed = tuple(i for i in old.items if i not in new_items)
    status: SetStatus = "changed" if moves or added or removed or old.items != new.items else "unchanged"
    return SetChange(set_id, status, tuple(moves), added, removed)
