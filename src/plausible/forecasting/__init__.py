"""Structured forecasting exercises: questions, forecasts, resolutions, scores, pools and the model as forecaster.

Data flow: exercise files → :mod:`~plausible.forecasting.schema` (per file) → :func:`load_exercise`
(cross-checked :class:`Exercise`) → forecasts of the humans, of the model (:mod:`model_forecaster`) and of the
pools (:mod:`aggregation`, :mod:`skill`) → :mod:`scores` and :mod:`calibration` → :func:`score_exercise`.

>>> from plausible.forecasting import score_exercise
>>> score_exercise("dprk-2015", ".").to_frame()   # doctest: +SKIP
"""

from __future__ import annotations

# Pools
from plausible.forecasting.aggregation import (
    fit_extremizing,
    logit_pool,
    mean_log_probabilities,
    mean_pool,
    median_pool,
)

# Calibration
from plausible.forecasting.calibration import (
    CalibrationRow,
    MurphyDecomposition,
    calibration_table,
    murphy_decomposition,
)

# Exercises
from plausible.forecasting.exercise import Exercise, Forecast, Question, Resolution
from plausible.forecasting.loading import load_exercise

# The model as a forecaster
from plausible.forecasting.model_forecaster import MODEL_FORECASTER, model_forecast, model_forecasts

# Closing the loop
from plausible.forecasting.resolve import ResolveResult, resolve_question

# Scoring rules
from plausible.forecasting.scores import (
    PROBABILITY_FLOOR,
    brier_score,
    half_brier_score,
    log_score,
    normalised_ranked_probability_score,
    ranked_probability_score,
    standing_days,
    time_average,
)

# Scoring an exercise
from plausible.forecasting.scoring import ExerciseScores, ForecasterScore, QuestionScore, score_exercise

__all__ = [
    # exercises
    "Exercise",
    "Forecast",
    "Question",
    "Resolution",
    "load_exercise",
    # scoring rules
    "PROBABILITY_FLOOR",
    "brier_score",
    "half_brier_score",
    "log_score",
    "normalised_ranked_probability_score",
    "ranked_probability_score",
    "standing_days",
    "time_average",
    # calibration
    "CalibrationRow",
    "MurphyDecomposition",
    "calibration_table",
    "murphy_decomposition",
    # pools
    "fit_extremizing",
    "logit_pool",
    "mean_log_probabilities",
    "mean_pool",
    "median_pool",
    # the model as a forecaster
    "MODEL_FORECASTER",
    "model_forecast",
    "model_forecasts",
    # scoring an exercise
    "ExerciseScores",
    "ForecasterScore",
    "QuestionScore",
    "score_exercise",
    # closing the loop
    "ResolveResult",
    "resolve_question",
]
