"""Structured forecasting exercises: questions, forecasts, resolutions, scores, pools and the model as forecaster.

Data flow: exercise files → :mod:`~plausible.forecasting.schema` (per file) → :func:`load_exercise`
(cross-checked :class:`Exercise`) → forecasts of the humans, of the model (:mod:`model_forecaster`) and of the
pools (:mod:`aggregation`, :mod:`skill`) → :mod:`scores` and :mod:`calibration` → :func:`score_exercise`.

>>> from plausible.forecasting import score_exercise
>>> score_exercise("dprk-2015", ".").to_frame()   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plausible.forecasting.aggregation import (
        fit_extremizing,
        logit_pool,
        mean_log_probabilities,
        mean_pool,
        median_pool,
    )
    from plausible.forecasting.calibration import (
        CalibrationRow,
        MurphyDecomposition,
        calibration_table,
        murphy_decomposition,
    )
    from plausible.forecasting.comparison import compare, rank, skill_scores
    from plausible.forecasting.exercise import Exercise, Forecast, Question, Resolution
    from plausible.forecasting.forecastbench import import_forecastbench
    from plausible.forecasting.importing import import_forecasts
    from plausible.forecasting.loading import load_exercise
    from plausible.forecasting.model_forecaster import MODEL_FORECASTER, model_forecast, model_forecasts
    from plausible.forecasting.resolve import ResolveResult, resolve_question
    from plausible.forecasting.schema import ForecasterKind
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
    from plausible.forecasting.scoring import ExerciseScores, ForecasterScore, QuestionScore, score_exercise
    from plausible.forecasting.table import ForecastTable

# The names are imported on first use (PEP 562), as in `plausible`: scoring an exercise without hypothesis
# sets never loads the model forecaster (and with it the analysis layer), nor resolving, nor the importers.
_HOMES = {
    'fit_extremizing': 'plausible.forecasting.aggregation',
    'logit_pool': 'plausible.forecasting.aggregation',
    'mean_log_probabilities': 'plausible.forecasting.aggregation',
    'mean_pool': 'plausible.forecasting.aggregation',
    'median_pool': 'plausible.forecasting.aggregation',
    'CalibrationRow': 'plausible.forecasting.calibration',
    'MurphyDecomposition': 'plausible.forecasting.calibration',
    'calibration_table': 'plausible.forecasting.calibration',
    'murphy_decomposition': 'plausible.forecasting.calibration',
    'compare': 'plausible.forecasting.comparison',
    'rank': 'plausible.forecasting.comparison',
    'skill_scores': 'plausible.forecasting.comparison',
    'Exercise': 'plausible.forecasting.exercise',
    'Forecast': 'plausible.forecasting.exercise',
    'Question': 'plausible.forecasting.exercise',
    'Resolution': 'plausible.forecasting.exercise',
    'load_exercise': 'plausible.forecasting.loading',
    'MODEL_FORECASTER': 'plausible.forecasting.model_forecaster',
    'model_forecast': 'plausible.forecasting.model_forecaster',
    'model_forecasts': 'plausible.forecasting.model_forecaster',
    'ResolveResult': 'plausible.forecasting.resolve',
    'resolve_question': 'plausible.forecasting.resolve',
    'PROBABILITY_FLOOR': 'plausible.forecasting.scores',
    'brier_score': 'plausible.forecasting.scores',
    'half_brier_score': 'plausible.forecasting.scores',
    'log_score': 'plausible.forecasting.scores',
    'normalised_ranked_probability_score': 'plausible.forecasting.scores',
    'ranked_probability_score': 'plausible.forecasting.scores',
    'standing_days': 'plausible.forecasting.scores',
    'time_average': 'plausible.forecasting.scores',
    'ExerciseScores': 'plausible.forecasting.scoring',
    'ForecasterScore': 'plausible.forecasting.scoring',
    'QuestionScore': 'plausible.forecasting.scoring',
    'score_exercise': 'plausible.forecasting.scoring',
    'ForecastTable': 'plausible.forecasting.table',
    'ForecasterKind': 'plausible.forecasting.schema',
    'import_forecasts': 'plausible.forecasting.importing',
    'import_forecastbench': 'plausible.forecasting.forecastbench',
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'plausible.forecasting' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

__all__ = [
    # exercises
    "Exercise",
    "Forecast",
    "ForecastTable",
    "ForecasterKind",
    "Question",
    "Resolution",
    "load_exercise",
    # importing
    "import_forecastbench",
    "import_forecasts",
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
    # comparing forecasters
    "compare",
    "rank",
    "skill_scores",
    # closing the loop
    "ResolveResult",
    "resolve_question",
]
