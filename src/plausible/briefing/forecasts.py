"""Forecast scores for the briefing: the leaderboard of each forecasting exercise on the briefed sets.

The section is optional twice over: a workspace without ``exercises/`` has none, and an installation
without :mod:`plausible.forecasting` says so instead of failing. A broken exercise is an error (``brief``
exits 2 with its ``path:line`` problems): a briefing does not go out with a section it could not compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = ["Board", "ForecastRow", "Forecasts", "forecast_scores"]


@dataclass(frozen=True)
class ForecastRow:
    """One forecaster's mean scores over the resolved questions (lower is better)."""

    rank: int | None
    id: str
    kind: str
    questions: int
    brier: float | None
    log: float | None


@dataclass(frozen=True)
class Board:
    """An exercise's leaderboard."""

    name: str
    title: str
    questions: int
    resolved: int
    rows: tuple[ForecastRow, ...]


@dataclass(frozen=True)
class Forecasts:
    """The boards of the exercises bearing on the briefed sets; ``unavailable`` says why there are none."""

    boards: tuple[Board, ...]
    unavailable: str | None

    @property
    def shown(self) -> bool:
        """Whether the briefing has a forecast section at all."""
        return bool(self.boards) or self.unavailable is not None


def forecast_scores(ws: Workspace, set_ids: Sequence[str]) -> Forecasts:
    """Score every exercise under ``exercises/`` that asks about one of ``set_ids``.

    Parameters
    ----------
    ws : Workspace
    set_ids : sequence of str

    Returns
    -------
    Forecasts
        No boards and no reason when the workspace has no exercise.

    Raises
    ------
    InputError
        When an exercise's files are invalid (every problem, as ``path:line: message``).
    """
    folder = ws.root / "exercises"
    names = sorted(p.name for p in folder.iterdir() if (p / "exercise.yaml").is_file()) if folder.is_dir() else []
    if not names:
        return Forecasts((), None)
    try:
        from plausible.forecasting import score_exercise
    except ImportError as exc:
        return Forecasts((), f"This installation cannot score forecasting exercises ({exc}).")
    boards = []
    wanted = set(set_ids)
    for name in names:
        scores = score_exercise(name, ws)
        ex = scores.exercise
        if not any(q.set_id in wanted for q in ex.questions.values()):
            continue
        rows = []
        rank = 0
        for f in scores.forecasters:
            if f.brier is not None:
                rank += 1
            rows.append(ForecastRow(rank if f.brier is not None else None, f.id, f.kind, f.questions, f.brier, f.log))
        boards.append(Board(ex.name, ex.title, len(ex.questions), len(ex.resolutions), tuple(rows)))
    return Forecasts(tuple(boards), None)
