r"""plausible's own model as a forecaster, held to account beside the humans.

For a question on a hypothesis set the model forecasts the set's posterior; for a question on an indicator
it forecasts :math:`\sum_k P(H_k) P(I \mid H_k)`. Each forecast dated D uses only the evidence reported
strictly before D (``Workspace.posterior(set, as_of=D - 1 day)``): no look-ahead. The model forecasts on every day
on which any human forecast the question, so it is time-averaged over the same days as the first of them.
The exact engine is used (instant and deterministic).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from plausible.analysis.indicators import indicator_likelihoods, indicator_probability
from plausible.core.errors import UsageError
from plausible.engines.posterior import Posterior
from plausible.forecasting.exercise import MODEL_FORECASTER, Exercise, Forecast, Question
from plausible.workspace import Workspace

__all__ = ["MODEL_FORECASTER", "model_forecast", "model_forecasts"]



def model_forecast(ws: Workspace, question: Question, day: dt.date,
                   cache: dict[tuple[str, dt.date], Posterior] | None = None) -> NDArray[np.float64]:
    """The model's forecast of a question as of ``day`` (evidence reported strictly before it).

    Parameters
    ----------
    ws : Workspace
    question : Question
        A question on a hypothesis set or an indicator.
    day : datetime.date
    cache : dict, optional
        Posteriors already computed, by (set id, day).

    Returns
    -------
    ndarray
        Probabilities over the question's options, in option order (binary: [yes, no]).

    Raises
    ------
    UsageError
        When the question is on neither a set nor an indicator.
    """
    if question.set_id is None:
        raise UsageError(f"question {question.id!r} is on no hypothesis set or indicator: the model cannot forecast it")
    key = (question.set_id, day)
    post = cache.get(key) if cache is not None else None
    if post is None:
        post = ws.posterior(question.set_id, as_of=day - dt.timedelta(days=1))
        if cache is not None:
            cache[key] = post
    if question.indicator_id is None:
        probabilities = post.probabilities
        return np.array([probabilities[option] for option in question.options], dtype=np.float64)
    hs = ws.hypothesis_set(question.set_id)
    indicator = next(ind for ind in hs.indicators if ind.id == question.indicator_id)
    p = min(max(indicator_probability(post.probability, indicator_likelihoods(hs, indicator)), 0.0), 1.0)
    return np.array([p, 1.0 - p])


def model_forecasts(exercise: Exercise, ws: Workspace) -> list[Forecast]:
    """The model's forecasts of every question it can forecast, on every day a human forecast it.

    Examples
    --------
    >>> model_forecasts(exercise, ws)[0].forecaster  # doctest: +SKIP
    'plausible'
    """
    cache: dict[tuple[str, dt.date], Posterior] = {}
    out = []
    for question in exercise.questions.values():
        if not question.model_forecastable:
            continue
        for day in exercise.forecast_dates(question.id):
            out.append(Forecast(MODEL_FORECASTER, question.id, day, model_forecast(ws, question, day, cache)))
    return out
