"""The typed, cross-checked contents of a forecasting exercise: questions, forecasts, resolutions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from plausible.forecasting.schema import ForecasterKind, QuestionKind
from plausible.forecasting.table import Forecast, ForecastTable

__all__ = ["BINARY_OPTIONS", "MODEL_FORECASTER", "RESERVED_FORECASTERS", "Exercise", "Forecast", "ForecastTable",
           "Question", "Resolution", "standing_at"]

MODEL_FORECASTER = "plausible"
"""The id under which plausible's own model appears in leaderboards."""

RESERVED_FORECASTERS = frozenset({MODEL_FORECASTER, "mean", "median", "logit-mean", "bayes-pool"})
"""Forecaster ids that name the model and the pooled forecasts in a leaderboard."""

BINARY_OPTIONS: tuple[str, str] = ("yes", "no")
"""The options of a binary question, in the order its probability vectors use."""


@dataclass(frozen=True)
class Question:
    """One question; a binary question's options are ``("yes", "no")``.

    ``set_id`` names the hypothesis set the question asks about (or the set of its indicator), and
    ``indicator_id`` the indicator whose occurrence a binary question asks about.
    """

    id: str
    text: str
    kind: QuestionKind
    options: tuple[str, ...]
    closes: dt.date
    set_id: str | None = None
    indicator_id: str | None = None
    source: str | None = None
    source_id: str | None = None

    @property
    def is_binary(self) -> bool:
        """True for a yes/no question."""
        return self.kind is QuestionKind.BINARY

    @property
    def model_forecastable(self) -> bool:
        """True when plausible's own model can forecast it (a hypothesis set or an indicator)."""
        return self.set_id is not None


@dataclass(frozen=True)
class Resolution:
    """The outcome of a question and the day it became known."""

    question: str
    outcome: str
    resolved: dt.date
    note: str | None = None


@dataclass(frozen=True)
class Exercise:
    """A loaded, cross-checked exercise.

    Attributes
    ----------
    name : str
        The exercise folder's name.
    root : Path
        The exercise folder.
    title, description : str
    questions : dict
        Questions by id, in file order.
    forecasts : ForecastTable
        Every forecast of the exercise's files, as columns sorted by forecaster, question and date (forecaster
        codes in sorted id order, question codes in the order of ``questions``). Iterating it yields
        :class:`Forecast` rows.
    resolutions : dict
        Resolutions by question id.
    description : str or None
    files : dict
        SHA-256 of every file read, by path as shown in messages.
    kinds : dict
        Each forecaster's declared kind (``human`` unless its file says otherwise).
    forecaster_files : dict
        The file holding each forecaster's forecasts.
    """

    name: str
    root: Path
    title: str
    questions: dict[str, Question]
    forecasts: ForecastTable
    resolutions: dict[str, Resolution]
    description: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, ForecasterKind] = field(default_factory=dict)
    forecaster_files: dict[str, Path] = field(default_factory=dict)

    @property
    def forecasters(self) -> list[str]:
        """The forecasters' ids, sorted."""
        return sorted(self.forecasts.present())

    def kind_of(self, forecaster: str) -> ForecasterKind:
        """A forecaster's declared kind (``human`` by default)."""
        return self.kinds.get(forecaster, ForecasterKind.HUMAN)

    def forecasts_for(self, question_id: str, forecaster: str | None = None) -> list[Forecast]:
        """The forecasts of a question (of one forecaster if given), oldest first."""
        t = self.forecasts
        mask = t.question == list(self.questions).index(question_id)
        if forecaster is not None:
            mask &= t.forecaster == (t.forecasters.index(forecaster) if forecaster in t.forecasters else -1)
        rows = np.flatnonzero(mask)
        return sorted((t.row(int(i)) for i in rows), key=lambda f: (f.made, f.forecaster))

    def forecast_dates(self, question_id: str) -> list[dt.date]:
        """The days on which anyone forecast a question, oldest first."""
        t = self.forecasts
        days = np.unique(t.made[t.question == list(self.questions).index(question_id)])
        return [dt.date.fromordinal(int(d)) for d in days]

    def scoring_end(self, question_id: str) -> dt.date | None:
        """The last scored day of a resolved question: its resolution day or its close, whichever is first."""
        resolution = self.resolutions.get(question_id)
        if resolution is None:
            return None
        return min(resolution.resolved, self.questions[question_id].closes)


def standing_at(forecasts: list[Forecast], day: dt.date) -> Forecast | None:
    """The forecast in force on ``day``: the latest made on or before it, or None.

    Parameters
    ----------
    forecasts : list of Forecast
        One forecaster's forecasts of one question, oldest first.
    day : datetime.date
    """
    current = None
    for forecast in forecasts:
        if forecast.made > day:
            break
        current = forecast
    return current
