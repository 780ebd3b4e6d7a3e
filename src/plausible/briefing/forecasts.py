"""Forecast scores for the briefing: the leaderboard of each forecasting exercise on the briefed sets.

Each board is ranked on the questions every forecaster answered (coverage shown), carries the extremizing
factor's small-sample warning, and the calibration of the plotted forecasters (counts per bin; the HTML page
draws it as a reliability diagram, :mod:`plausible.forecasting.reliability_plot`).

The section is optional twice over: a workspace without ``exercises/`` has none, and an installation
without :mod:`plausible.forecasting` says so instead of failing. A broken exercise is an error (``brief``
exits 2 with its ``path:line`` problems): a briefing does not go out with a section it could not compute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from plausible.forecasting.calibration import CalibrationRow
    from plausible.forecasting.results import ExerciseScores
    from plausible.workspace import Workspace

__all__ = ["Board", "CalibrationBin", "ForecastRow", "Forecasts", "forecast_scores"]


@dataclass(frozen=True)
class ForecastRow:
    """One forecaster's mean scores over the resolved questions (lower is better)."""

    rank: int | None
    id: str
    kind: str
    questions: int
    brier: float | None
    log: float | None
    answered: int = 0
    """Resolved questions the forecaster answered (coverage: ``answered`` of the board's ``scored``)."""


@dataclass(frozen=True)
class CalibrationBin:
    """One probability bin of the calibration table: each plotted forecaster's row in it (None: no forecast)."""

    lower: float
    upper: float
    rows: tuple[CalibrationRow | None, ...]


@dataclass(frozen=True)
class Board:
    """An exercise's leaderboard."""

    name: str
    title: str
    questions: int
    resolved: int
    rows: tuple[ForecastRow, ...]
    ranked_on: int = 0
    """The resolved questions every forecaster answered: the means of ``rows`` are over them."""
    scored: int = 0
    """Resolved questions answered by at least one forecaster."""
    warnings: tuple[str, ...] = ()
    plotted: tuple[str, ...] = ()
    """The forecasters of the calibration table and diagram."""
    calibration: tuple[CalibrationBin, ...] = ()
    scores: ExerciseScores | None = field(default=None, repr=False, compare=False)

    def reliability_svg(self) -> Markup:
        """The reliability diagram as an inline, accessible SVG (matplotlib, imported only here).

        Empty when there is no calibration to draw.
        """
        if self.scores is None or not self.plotted:
            return Markup("")
        from plausible.forecasting.reliability_plot import reliability_image

        element = "fig-forecasts-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)
        svg = reliability_image(self.scores, "svg", list(self.plotted), salt=element).decode()
        svg = re.sub(r"<!--.*?-->", "", re.sub(r"\A.*?(?=<svg\b)", "", svg, flags=re.S), flags=re.S)
        svg = re.sub(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"',
                     lambda m: f'<svg{m.group(1)} role="img" aria-labelledby="{element}-title {element}-desc" '
                               f'width="100%" style="max-width:{float(m.group(2)) * 4 / 3:.0f}px;height:auto"',
                     svg, count=1)
        counts = "; ".join(f"{who}: {sum(r.count for r in self.scores.calibration[who].table)} forecasts"
                           for who in self.plotted)
        head = (f'<title id="{element}-title">Reliability of the final forecasts: {escape(self.title)}</title>'
                f'<desc id="{element}-desc">Observed frequency against mean forecast in each probability bin, '
                f"the diagonal being perfect calibration, with the forecasts per bin below ({escape(counts)}).</desc>")
        svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, svg, count=1)
        return Markup(svg.strip())  # matplotlib escapes its text (ids, titles); ours is escaped above


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
        boards.append(_board(scores))
    return Forecasts(tuple(boards), None)


def _board(scores: ExerciseScores) -> Board:
    from plausible.forecasting.reliability_plot import plotted_forecasters

    ex, ranking = scores.exercise, scores.ranking
    assert ranking is not None
    rows = []
    rank = 0
    for f in ranking.rows:
        if f.brier is not None:
            rank += 1
        rows.append(ForecastRow(rank if f.brier is not None else None, f.id, f.kind, f.questions, f.brier, f.log,
                                ranking.answered.get(f.id, 0)))
    plotted = tuple(plotted_forecasters(scores))
    tables = [{(r.lower, r.upper): r for r in scores.calibration[w].table} for w in plotted]
    bounds = sorted({key for table in tables for key in table})
    calibration = tuple(CalibrationBin(low, high, tuple(t.get((low, high)) for t in tables)) for low, high in bounds)
    warning = scores.extremizing_warning
    warnings = (f"The logit-mean pool's extremizing factor is {warning} (a = {scores.extremizing:.2f} on all "
                "questions).",) if warning else ()
    return Board(ex.name, ex.title, len(ex.questions), len(ex.resolutions), tuple(rows),
                 len(ranking.questions), ranking.resolved, warnings, plotted, calibration, scores)
