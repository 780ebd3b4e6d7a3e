"""The typed, cross-checked contents of a forecasting exercise: questions, forecasts, resolutions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from plausible.forecasting.schema import QuestionKind

__all__ = ["BINARY_OPTIONS", "Exercise", "Forecast", "Question", "Resolution", "standing_at"]

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

    @property
    def is_binary(self) -> bool:
        """True for a yes/no question."""
        return self.kind is QuestionKind.BINARY

    @property
    def model_forecastable(self) -> bool:
        """True when plausible's own model can forecast it (a hypothesis set or an indicator)."""
        return self.set_id is not None


@dataclass(frozen=True, eq=False)
class Forecast:
    """One dated forecast: a probability for each of the question's options, in option order.

    Compared by identity (it holds an array); compare ``probabilities`` with NumPy.
    """

    forecaster: str
    question: str
    made: dt.date
    probabilities: NDArray[np.float64]

    def probability_of(self, option_index: int) -> float:
        """The probability given to one option."""
        return float(self.probabilities[option_index])


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
    forecasts : list of Forecast
        Every human forecast, sorted by forecaster, question and date.
    resolutions : dict
        Resolutions by question id.
    files : dict
        SHA-256 of every file read, by path as shown in messages.
    """

    name: str
    root: Path
    title: str
    questions: dict[str, Question]
    forecasts: list[Forecast]
    resolutions: dict[str, Resolution]
    description: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def forecasters(self) -> list[str]:
        """The forecasters' ids, sorted."""
        return sorted({f.forecaster for f in self.forecasts})

    def forecasts_for(self, question_id: str, forecaster: str | None = None) -> list[Forecast]:
        """The forecasts of a question (of one forecaster if given), oldest first."""
        return sorted(
            (f for f in self.forecasts
             if f.question == question_id and (forecaster is None or f.forecaster == forecaster)),
            key=lambda f: (f.made, f.forecaster),
        )

    def forecast_dates(self, question_id: str) -> list[dt.date]:
        """The days on which anyone forecast a question, oldest first."""
        return sorted({f.made for f in self.forecasts if f.question == question_id})

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
