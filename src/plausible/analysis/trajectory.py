"""The trajectory: how the posterior moved as evidence arrived."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.engines.exact import exact_posterior, log_likelihood_increments, softmax
from plausible.model.compiled import compile_set

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
    probability: NDArray[np.float64]


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

    By item and by date the steps are running sums of the exact engine's per-item increments (each
    equals recomputing from scratch on the items so far). By file, files arrive in the order of their
    earliest report (then name), and each step recomputes the posterior on the files so far, since a
    file may hold reports of an event that earlier files reported too.

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
    items = ws.items_for(set_id)
    compiled = ws.compiled(set_id)
    prior = compiled.prior
    steps: list[Step] = []
    if by == "file":
        order: dict[str, dt.date] = {}
        for item in items:
            order[item.path] = min(order.get(item.path, item.reported), item.reported)
        files = sorted(order, key=lambda f: (order[f], f))
        for i, path in enumerate(files):
            chosen = set(files[: i + 1])
            subset = [item for item in items if item.path in chosen]
            post = exact_posterior(compile_set(hs, subset, ws.sources))
            steps.append(Step(path, max(it.reported for it in items if it.path == path),
                              tuple(it.id for it in items if it.path == path), post.probability))
    else:
        increments = log_likelihood_increments(prior, compiled.lam, compiled.rho_effective(), compiled.event_of,
                                               compiled.source_of)
        running = softmax(np.log(prior)[None, :] + np.cumsum(increments, axis=0))
        for j, item in enumerate(items):
            last_of_day = j + 1 == len(items) or items[j + 1].reported != item.reported
            if by == "item":
                steps.append(Step(item.id, item.reported, (item.id,), running[j]))
            elif last_of_day:
                day = tuple(it.id for it in items if it.reported == item.reported)
                steps.append(Step(item.reported.isoformat(), item.reported, day, running[j]))
    return Trajectory(set_id, by, hs.hypothesis_ids, prior, tuple(steps))
