"""The trajectory: how the posterior moved as evidence arrived."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.engines.exact import exact_posterior, log_likelihood_increments, softmax
from plausible.model.compiled import CompiledSet, compile_set
from plausible.model.entities import Item, items_as_of

if TYPE_CHECKING:
    import pandas as pd

    from plausible.workspace import Workspace

__all__ = ["Step", "Trajectory", "trajectory"]

Grouping = Literal["item", "file", "date"]


@dataclass(frozen=True)
class Step:
    """The posterior after one step (an item, a file, or a day of reports)."""

    label: str
    reported: dt.date
    items: tuple[str, ...]
    """The items the step adds, superseded ones included (they counted until their correction)."""
    probability: NDArray[np.float64]
    superseded: tuple[str, ...] = ()
    """Items that counted before this step and that a correction the step adds takes out."""


@dataclass(frozen=True)
class Trajectory:
    """The posterior of a set after each step, in arrival order; the last step is the posterior."""

    set_id: str
    by: Grouping
    hypothesis_ids: tuple[str, ...]
    prior: NDArray[np.float64]
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON of ``plausible history``."""
        key = {"item": "item", "file": "file", "date": "date"}[self.by]
        return {
            "set": self.set_id,
            "by": self.by,
            "prior": dict(zip(self.hypothesis_ids, map(float, self.prior), strict=True)),
            "steps": [
                {key: s.label, "reported": s.reported.isoformat(), "items": list(s.items),
                 "superseded": list(s.superseded),
                 "probabilities": dict(zip(self.hypothesis_ids, map(float, s.probability), strict=True))}
                for s in self.steps
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per step: label, reported date, and a column per hypothesis."""
        import pandas as pd

        rows = [{"step": s.label, "reported": s.reported, **dict(zip(self.hypothesis_ids, s.probability, strict=True))}
                for s in self.steps]
        return pd.DataFrame(rows, columns=["step", "reported", *self.hypothesis_ids])


def trajectory(ws: Workspace, set_id: str, by: Grouping = "item") -> Trajectory:
    """The posterior of ``set_id`` after each item, each file, or each reporting date.

    Each step stands on the items an analyst had then, as :meth:`Workspace.on` does: an item that a later
    correction supersedes counts until the correction's step, which takes it out (``Step.superseded``). So the
    step of a day (by date, or the last item of a day by item) equals ``ws.posterior(set_id, as_of=day)``, and
    history never rewrites the past.

    By item and by date the steps are running sums of the exact engine's per-item increments (each equals
    recomputing from scratch on the items counted then), restarted where a correction takes an item out. By
    file, files arrive in the order of their earliest report (then name), and each step recomputes the
    posterior on the files so far less the items their corrections supersede, since a file may hold reports
    of an event that earlier files reported too; where files hold one reporting day each, a file's step equals
    the posterior as of that day too.

    Parameters
    ----------
    ws : Workspace
    set_id : str
    by : {"item", "file", "date"}

    Returns
    -------
    Trajectory
    """
    if by not in ("item", "file", "date"):
        raise UsageError(f"unknown grouping {by!r}; expected item, file or date")
    hs = ws.hypothesis_set(set_id)
    arrived = ws.arrivals_for(set_id)
    whole = ws.compiled(set_id)
    prior = whole.prior
    # Compiled once, over every arrival: a step's items are a selection of its rows (an event's likelihoods and
    # a source's reliability do not depend on which of their reports count).
    every = whole if tuple(i.id for i in arrived) == whole.item_ids else compile_set(hs, arrived, ws.sources)
    row = {item_id: j for j, item_id in enumerate(every.item_ids)}

    def selected(counted: list[Item]) -> CompiledSet:
        rows = np.fromiter((row[i.id] for i in counted), np.int64, len(counted))
        return replace(every, item_ids=tuple(i.id for i in counted), event_of=every.event_of[rows],
                       source_of=every.source_of[rows], factor=every.factor[rows])

    def posterior_on(counted: list[Item]) -> NDArray[np.float64]:
        return exact_posterior(selected(counted)).probability if counted else prior

    steps: list[Step] = []
    if by == "file":
        order: dict[str, dt.date] = {}
        for item in arrived:
            order[item.path] = min(order.get(item.path, item.reported), item.reported)
        files = sorted(order, key=lambda f: (order[f], f))
        before: list[Item] = []
        for i, path in enumerate(files):
            chosen = set(files[: i + 1])
            counted = items_as_of([item for item in arrived if item.path in chosen])
            now = {item.id for item in counted}
            mine = [it for it in arrived if it.path == path]
            steps.append(Step(path, max(it.reported for it in mine), tuple(it.id for it in mine),
                              posterior_on(counted), tuple(it.id for it in before if it.id not in now)))
            before = counted
        return Trajectory(set_id, by, hs.hypothesis_ids, prior, tuple(steps))
    runs, marks = _counted_runs(arrived)
    running = [_running_posteriors(selected(run)) if run else prior[None, :] for run in runs]

    def after(j: int) -> NDArray[np.float64]:
        run, n_counted, _ = marks[j]
        return prior if n_counted == 0 else running[run][n_counted - 1]

    first_of_day = 0
    for j, item in enumerate(arrived):
        if by == "item":
            steps.append(Step(item.id, item.reported, (item.id,), after(j), marks[j][2]))
        elif j + 1 == len(arrived) or arrived[j + 1].reported != item.reported:
            day = tuple(it.id for it in arrived[first_of_day: j + 1])
            taken = tuple(t for _, _, out in marks[first_of_day: j + 1] for t in out if t not in day)
            steps.append(Step(item.reported.isoformat(), item.reported, day, after(j), taken))
            first_of_day = j + 1
    return Trajectory(set_id, by, hs.hypothesis_ids, prior, tuple(steps))


def _running_posteriors(compiled: CompiledSet) -> NDArray[np.float64]:
    """The posterior after each report of ``compiled`` in order: running sums of the exact increments."""
    increments = log_likelihood_increments(compiled.prior, compiled.lam, compiled.rho_effective(),
                                           compiled.event_of, compiled.source_of)
    return softmax(np.log(compiled.prior)[None, :] + np.cumsum(increments, axis=0))


def _counted_runs(arrived: list[Item]) -> tuple[list[list[Item]], list[tuple[int, int, tuple[str, ...]]]]:
    """What counts after each arrival, as runs of growing lists that a correction restarts.

    The items counted after arrival j are those of ``arrived[: j + 1]`` less any that one of them supersedes
    (:func:`~plausible.model.entities.items_as_of` on the prefix). Until a correction takes a counted item out,
    each arrival only appends to what counted before; so the counted items are, after each arrival, a prefix
    of its run's final list, and one running sum per run gives every step.

    Returns
    -------
    runs : list of list of Item
        Each run's final list of counted items, in trajectory order.
    marks : list of (int, int, tuple of str)
        For each arrival: its run, how many items of the run count after it, and the counted items it took out.
    """
    runs: list[list[Item]] = [[]]
    marks: list[tuple[int, int, tuple[str, ...]]] = []
    gone: set[str] = set()
    for item in arrived:
        taken: tuple[str, ...] = ()
        if item.supersedes:
            gone.update(item.supersedes)
            taken = tuple(i.id for i in runs[-1] if i.id in gone)
            if taken:
                runs.append([i for i in runs[-1] if i.id not in gone])
        if item.id not in gone:
            runs[-1].append(item)
        marks.append((len(runs) - 1, len(runs[-1]), taken))
    return runs, marks
