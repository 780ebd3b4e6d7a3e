r"""Compute an update: what changed in a workspace since the last update entry of the ledger, and what drove it.

:func:`compute_update` is pure given a loaded workspace and the ledger's records; :func:`run_update` adds the
file system (load, lock, read, compare, append) and is what ``plausible update`` and ``plausible watch`` run.

The *drivers* of a set's move are the items that are new since the last record, ranked by their weight of
evidence toward the move (:func:`move_alignment`, :func:`rank_drivers`). The briefing's "what changed" ranks its
drivers with the same function.

Briefing entries of the ledger (``kind: briefing``) are not updates: an update compares with the last *update*
entry and skips them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import Problem
from plausible.core.version import tool_version
from plausible.engines.posterior import Posterior
from plausible.tracking.ledger import (
    EntryKind,
    LedgerRead,
    Record,
    SetChange,
    SetState,
    StateDiff,
    diff_states,
    iso_time,
    ledger_path,
    locked_ledger,
    read_records,
)
from plausible.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Driver",
    "EditedFile",
    "Update",
    "UpdateOutcome",
    "compute_update",
    "current_record",
    "edited_files",
    "ledger_entry",
    "move_alignment",
    "rank_drivers",
    "run_update",
]

FileKind = Literal["evidence", "registry", "hypotheses", "analyst", "model"]


@dataclass(frozen=True)
class Driver:
    """A new item and its weight of evidence toward a set's move.

    Attributes
    ----------
    item : str
    path : str
        The evidence file holding it.
    decibans : float
        Weight of evidence toward the move (:func:`move_alignment`): for the hypotheses that rose against
        those that fell; positive when the item pushed the way the probabilities moved, negative against.
    weights : dict
        The item's weight of evidence in decibans for each hypothesis that moved, largest move first.
    """

    item: str
    path: str
    decibans: float
    weights: dict[str, float]


@dataclass(frozen=True)
class EditedFile:
    """A recorded input file that was changed or removed since; ``message`` says why that matters."""

    path: str
    kind: FileKind
    message: str

    @property
    def loud(self) -> bool:
        """Evidence, hypotheses, analysts and models are reported as warnings; the source registry only as a note."""
        return self.kind != "registry"


@dataclass(frozen=True)
class Update:
    """What changed between the last record and the workspace now.

    Attributes
    ----------
    previous : Record or None
        The last update entry of the ledger (None when there is none; briefing entries are skipped).
    current : Record
        The state now; appended to the ledger if :attr:`changed`.
    diff : StateDiff
        Files and sets changed (:func:`plausible.tracking.ledger.diff_states`).
    drivers : dict
        For each changed set, its new items ranked by weight of evidence toward the move.
    """

    previous: Record | None
    current: Record
    diff: StateDiff
    drivers: dict[str, tuple[Driver, ...]]

    @property
    def changed(self) -> bool:
        """Whether there is anything to record."""
        return self.diff.changed

    @property
    def edited(self) -> tuple[EditedFile, ...]:
        """Recorded input files changed or removed since (evidence files are append-only)."""
        return edited_files(self.diff, self.previous)

    def moves_frame(self) -> pd.DataFrame:
        """One row per moved hypothesis: set, hypothesis, before, after, points (NaN for a missing side)."""
        import pandas as pd

        rows = [{"set": s.set_id, "hypothesis": m.hypothesis, "before": m.before, "after": m.after,
                 "points": m.points} for s in self.diff.sets for m in s.moves]
        return pd.DataFrame(rows, columns=["set", "hypothesis", "before", "after", "points"])

    def drivers_frame(self) -> pd.DataFrame:
        """One row per driver: set, item, path, decibans toward the move; ranked within each set."""
        import pandas as pd

        rows = [{"set": set_id, "item": d.item, "path": d.path, "decibans": d.decibans}
                for set_id, drivers in self.drivers.items() for d in drivers]
        return pd.DataFrame(rows, columns=["set", "item", "path", "decibans"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``plausible update --json`` (without the outcome's fields)."""
        previous = self.previous
        return {
            "first": self.diff.first,
            "changed": self.changed,
            "time": iso_time(self.current.time),
            "inputs_hash": self.current.inputs_hash,
            "previous": None if previous is None else {"time": iso_time(previous.time),
                                                        "inputs_hash": previous.inputs_hash},
            "files": {"added": list(self.diff.files.added), "removed": list(self.diff.files.removed),
                      "modified": list(self.diff.files.modified)},
            "edited": [{"path": e.path, "kind": e.kind, "message": e.message} for e in self.edited],
            "sets": [self._set_dict(change) for change in self.diff.sets],
        }

    def _set_dict(self, change: SetChange) -> dict[str, Any]:
        state = self.current.sets.get(change.set_id)
        return {
            "set": change.set_id,
            "status": change.status,
            "probabilities": None if state is None else dict(state.probabilities),
            "moves": [{"hypothesis": m.hypothesis, "before": m.before, "after": m.after, "points": m.points}
                      for m in change.moves],
            "new_items": list(change.new_items),
            "removed_items": list(change.removed_items),
            "drivers": [{"item": d.item, "path": d.path, "decibans": d.decibans, "weights": d.weights}
                        for d in self.drivers.get(change.set_id, ())],
        }


@dataclass(frozen=True)
class UpdateOutcome:
    """An update as run against the ledger: whether it was recorded, where, and what to warn about."""

    update: Update
    recorded: bool
    ledger: Path
    warnings: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``plausible update --json``."""
        return {**self.update.to_dict(), "recorded": self.recorded, "ledger": str(self.ledger),
                "warnings": [str(w) for w in self.warnings]}


def move_alignment(weights: NDArray[np.float64], delta: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Weight of evidence of items for the hypotheses that rose against those that fell.

    .. math:: s_j = \frac{2 \sum_k \Delta_k w_{jk}}{\sum_k |\Delta_k|}
                  = \bar w_j^{\,\uparrow} - \bar w_j^{\,\downarrow}

    where :math:`w_{jk}` is item j's weight of evidence for hypothesis k in decibans, :math:`\Delta_k` the
    change of hypothesis k's probability, and :math:`\bar w^{\uparrow}`, :math:`\bar w^{\downarrow}` the
    means of the item's weights over the hypotheses that rose and fell, each weighted by how far they moved
    (since :math:`\sum_k \Delta_k = 0`, both groups moved by :math:`\sum_k |\Delta_k| / 2`). With two
    hypotheses this is the item's log likelihood ratio in decibans, the classic weight of evidence; adding a
    constant to an item's weights (centring) does not change it. Positive: the item pushed the way the
    probabilities moved; negative: against. Zero when nothing moved.

    Parameters
    ----------
    weights : ndarray, shape (N, K)
    delta : ndarray, shape (K,)

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> move_alignment(np.array([[5.0, -5.0], [-3.0, 3.0]]), np.array([0.25, -0.25])).tolist()
    [10.0, -6.0]
    """
    scale = float(np.abs(delta).sum())
    if scale == 0.0:
        return np.zeros(weights.shape[0])
    out: NDArray[np.float64] = 2.0 * (weights @ delta) / scale
    return out


def rank_drivers(post: Posterior, change: SetChange, paths: dict[str, str]) -> tuple[Driver, ...]:
    """A set's new items ranked by the size of their weight of evidence toward its move.

    Parameters
    ----------
    post : Posterior
        The set's posterior now (its ``weights`` are per-item decibans).
    change : SetChange
        The set's moves and new items since the last record.
    paths : dict
        Evidence file of each item id.

    Returns
    -------
    tuple of Driver
        Largest :math:`|s_j|` first (ties: trajectory order).
    """
    new = set(change.new_items)
    rows = [j for j, item in enumerate(post.item_ids) if item in new]
    if not rows:
        return ()
    index = {h: k for k, h in enumerate(post.hypothesis_ids)}
    moved = [m for m in change.moves if m.before is not None and m.after is not None and m.hypothesis in index]
    delta = np.zeros(len(post.hypothesis_ids))
    for m in moved:
        delta[index[m.hypothesis]] = m.points / 100.0
    weights = post.weights[rows]
    scores = move_alignment(weights, delta)
    drivers = [
        Driver(post.item_ids[j], paths.get(post.item_ids[j], ""), float(score),
               {m.hypothesis: float(w[index[m.hypothesis]]) for m in moved})
        for j, score, w in zip(rows, scores, weights, strict=True)
    ]
    order = sorted(range(len(drivers)), key=lambda n: (-abs(drivers[n].decibans), n))
    return tuple(drivers[n] for n in order)


def current_record(ws: Workspace, posteriors: dict[str, Posterior] | None = None,
                   time: dt.datetime | None = None) -> Record:
    """The state of a workspace as a ledger record (exact posteriors of every set).

    Parameters
    ----------
    ws : Workspace
    posteriors : dict, optional
        Exact posteriors by set id, if already computed.
    time : datetime, optional
        The record's time (default: now, UTC, to the second).
    """
    if posteriors is None:
        posteriors = {set_id: ws.posterior(set_id) for set_id in ws.sets}
    return ledger_entry(ws, {set_id: SetState(probabilities=post.probabilities, items=post.item_ids)
                      for set_id, post in posteriors.items()}, "update", time)


def ledger_entry(ws: Workspace, sets: dict[str, SetState], kind: EntryKind, time: dt.datetime | None = None) -> Record:
    """A ledger entry of the workspace's inputs now and the given set states.

    Parameters
    ----------
    ws : Workspace
    sets : dict
        The states to record, by set id.
    kind : {"update", "briefing"}
    time : datetime, optional
        The entry's time (default: now, UTC, to the second).
    """
    return Record(
        kind=kind,
        time=time or dt.datetime.now(dt.UTC).replace(microsecond=0),
        version=tool_version(),
        inputs_hash=ws.inputs_hash,
        files=dict(sorted(ws.files.items())),
        sets=sets,
    )


def compute_update(ws: Workspace, records: Sequence[Record] | LedgerRead,
                   time: dt.datetime | None = None) -> Update:
    """What changed in a workspace since the last update entry of ``records``, and which new items drove each move.

    Parameters
    ----------
    ws : Workspace
        The workspace now.
    records : sequence of Record, or LedgerRead
        The ledger so far (only the last update entry is compared; briefing entries are skipped).
    time : datetime, optional
        Time of the new record (default: now).

    Returns
    -------
    Update
    """
    read = records if isinstance(records, LedgerRead) else LedgerRead(tuple(records))
    previous = read.last_update
    posteriors = {set_id: ws.posterior(set_id) for set_id in ws.sets}
    current = current_record(ws, posteriors, time)
    diff = diff_states(previous, current)
    paths = {item.id: item.path for item in ws.items}
    drivers = {c.set_id: rank_drivers(posteriors[c.set_id], c, paths)
               for c in diff.sets if c.status == "changed"}
    return Update(previous, current, diff, drivers)


def run_update(workspace: str | os.PathLike[str] | Workspace, *, record: bool = True,
               time: dt.datetime | None = None) -> UpdateOutcome:
    """Load a workspace, compare it with the ledger's last update entry, and append one if anything changed.

    The comparison and the append happen under the ledger's lock, so concurrent runs each compare with the
    true last update entry. Nothing is appended when nothing changed, or when ``record`` is False.

    Parameters
    ----------
    workspace : path or Workspace
    record : bool
        Append the new record (False: report only; the ledger is not created).
    time : datetime, optional
        Time of the new record (default: now).

    Returns
    -------
    UpdateOutcome

    Raises
    ------
    InputError
        When the workspace is invalid (nothing is appended).
    UsageError
        When the ledger cannot be read or written.
    """
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    path = ledger_path(ws.root)
    if not record:
        read = read_records(path)
        return UpdateOutcome(compute_update(ws, read, time), False, path, tuple(ws.warnings) + read.problems)
    with locked_ledger(path) as ledger:
        read = ledger.read()
        update = compute_update(ws, read, time)
        notes = ledger.append(update.current) if update.changed else ()
    return UpdateOutcome(update, update.changed, path, tuple(ws.warnings) + read.problems + notes)


def edited_files(diff: StateDiff, previous: Record | None = None) -> tuple[EditedFile, ...]:
    """The recorded input files that changed or disappeared, each with what the analyst should know.

    Evidence files are append-only: an edit or removal rewrites history that was already reported, so it is
    flagged for the analyst (plausible never edits or restores evidence itself). The hypothesis, analyst and
    model files may legitimately change, but then the probabilities move for reasons other than new evidence. The
    source registry grows as sources are added, so its change is only noted.
    """
    when = f" on {iso_time(previous.time)}" if previous is not None else ""
    out = []
    for path in diff.files.modified + diff.files.removed:
        kind = _kind(path)
        did = "was changed" if path in diff.files.modified else "was removed"
        if kind == "evidence":
            message = (f"{path} {did} after it was recorded{when}: evidence files are append-only. Restore the "
                       "recorded version and put corrections in a new evidence file whose items name the old ones "
                       "in `supersedes` (plausible never edits evidence)")
        elif kind == "registry":
            message = (f"{path} {did} since the last record: new sources are expected, but a changed grade moves "
                       "every item of that source")
        else:
            what = {"hypotheses": "the question, hypotheses or priors", "analyst": "an analyst's judgments or priors",
                    "model": "the model specification"}[kind]
            message = (f"{path} {did} since the last record: probabilities now also move because {what} changed, "
                       "not only because of new evidence")
        out.append(EditedFile(path, kind, message))
    return tuple(out)


def _kind(path: str) -> FileKind:
    if path == "evidence/sources.yaml":
        return "registry"
    if path.startswith("hypotheses/"):
        return "hypotheses"
    if path.startswith("models/"):
        return "model"
    if path.startswith("analysts/"):
        return "analyst"
    return "evidence"



