"""Scoring an exercise: every forecaster, the model and the pooled forecasts, per question and overall.

Which forecast is scored (conventions shared by every forecaster, human or not):

* ``brier``, ``log``, ``half_brier``, ``rps``: the forecaster's *final* forecast of each resolved question
  (the one standing on the last scored day), averaged over the forecaster's resolved questions.
* ``brier_time_averaged``: Good Judgment time-averaging of the original Brier score over the days from the
  forecaster's first forecast of the question to its last scored day (see :mod:`plausible.forecasting.scores`),
  then averaged over the forecaster's questions.
* The model (``plausible``) and the pools (``mean``, ``median``, ``logit-mean``, ``bayes-pool``) forecast on every
  day a human forecast the question; pools combine the human forecasts standing on that day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.forecasting import kernels
from plausible.forecasting.aggregation import (
    EXTREMIZING_BOUNDS,
    fit_extremizing,
    fit_extremizing_loo,
    logit_pool,
    mean_log_probabilities,
    mean_pool,
    median_pool,
)
from plausible.forecasting.calibration import (
    CalibrationRow,
    MurphyDecomposition,
    binary_events,
    calibration_table,
    murphy_decomposition,
)
from plausible.forecasting.exercise import Exercise, Forecast, Question, standing_at
from plausible.forecasting.loading import load_exercise
from plausible.forecasting.model_forecaster import MODEL_FORECASTER, model_forecasts
from plausible.forecasting.schema import QuestionKind
from plausible.forecasting.scores import standing_days, time_average
from plausible.workspace import Workspace, load_workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BAYES_POOL",
    "CONVENTIONS",
    "DEFAULT_SEED",
    "POOLS",
    "POOL_CHOICES",
    "ExerciseScores",
    "ForecasterCalibration",
    "ForecasterScore",
    "QuestionScore",
    "Scores",
    "parse_pools",
    "score_exercise",
]

POOLS = ("mean", "median", "logit-mean")
"""The pooled forecasts scored by default."""

POOL_CHOICES = ("mean", "median", "logit-mean", "bayes")
"""The names ``plausible score --pools`` accepts (``bayes`` is the skill pool, scored as ``bayes-pool``)."""

BAYES_POOL = "bayes-pool"
"""The Bayesian forecaster-skill pool (PyMC), scored on request."""

DEFAULT_SEED = 20150616
"""Seed of the skill model's sampler."""

CONVENTIONS = {
    "brier": "Brier's original score summed over all options (0-2), of the final forecast, averaged over questions",
    "half_brier": "binary questions only: (p - outcome)^2 (0-1, scikit-learn's brier_score_loss)",
    "log": "-ln p(outcome) (nats) of the final forecast, p clipped to [1e-15, 1]",
    "rps": "ordered questions only: unnormalised sum over the K-1 cumulative categories (scoringrules' rps_score)",
    "rps_normalised": "rps / (K-1), in [0, 1]",
    "brier_time_averaged": "Good Judgment: each day from the forecaster's first forecast to the resolution day or "
                           "close (whichever is first), inclusive, scored with the forecast standing that day",
}
"""What each score key means (also in the JSON)."""


@dataclass(frozen=True, kw_only=True)
class Scores:
    """The scores of one forecaster, on one question or averaged over several (``None``: does not apply).

    Attributes
    ----------
    brier, log : float or None
        Of the final forecast (Brier's original score, 0–2; the log score in nats).
    brier_time_averaged : float or None
        The Brier score of every forecast, weighted by the days each stood.
    half_brier : float or None
        Binary questions only: (p - outcome)^2.
    rps, rps_normalised : float or None
        Ordered questions only: the ranked probability score, and divided by K - 1.
    """

    brier: float | None
    log: float | None
    brier_time_averaged: float | None
    half_brier: float | None = None
    rps: float | None = None
    rps_normalised: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields by name: what is scored first (question, forecaster, ...), then the scores."""
        scores = [f.name for f in fields(Scores)]
        first = [f.name for f in fields(self) if f.name not in scores]
        return {name: getattr(self, name) for name in [*first, *scores]}


@dataclass(frozen=True, kw_only=True)
class QuestionScore(Scores):
    """One forecaster's scores on one resolved question."""

    question: str
    forecaster: str
    kind: str
    forecasts: int
    final: dict[str, float]
    days: int


@dataclass(frozen=True, kw_only=True)
class ForecasterScore(Scores):
    """One forecaster's scores averaged over their resolved questions (``None`` when there are none)."""

    id: str
    kind: str
    questions: int


@dataclass(frozen=True)
class ForecasterCalibration:
    """Calibration of one forecaster's final forecasts, as binary events (one-vs-rest for K > 2 options)."""

    exact: MurphyDecomposition
    binned: MurphyDecomposition
    table: list[CalibrationRow]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**self.exact.to_dict(), "binned": self.binned.to_dict(), "table": [r.to_dict() for r in self.table]}


@dataclass(frozen=True)
class ExerciseScores:
    """The scores of an exercise. ``series`` holds every forecaster's dated forecasts (model and pools too)."""

    exercise: Exercise
    forecasters: list[ForecasterScore]
    questions: list[QuestionScore]
    calibration: dict[str, ForecasterCalibration]
    series: dict[str, list[Forecast]]
    extremizing: float | None
    bins: int

    def __repr__(self) -> str:
        ex = self.exercise
        best = next((f.id for f in self.forecasters if f.brier is not None), None)
        return (f"<ExerciseScores {ex.name}: {len(ex.questions)} questions, {len(ex.resolutions)} resolved, "
                f"{len(self.forecasters)} forecasters{'' if best is None else f', best Brier: {best}'}>")

    def _repr_html_(self) -> str:
        from plausible.core.notebook import html_block

        ex = self.exercise
        lines = [f"{len(ex.resolutions)} of {len(ex.questions)} questions resolved; mean scores over each "
                 "forecaster's resolved questions, lower is better (Brier 0–2, log in nats)"]
        return html_block(f"Scores of {ex.title} ({ex.name})", lines, self.to_frame())

    def to_frame(self) -> pd.DataFrame:
        """The leaderboard: one row per forecaster (best ``brier`` first), indexed by forecaster id."""
        import pandas as pd

        rows = [{k: v for k, v in f.to_dict().items() if k != "id"} for f in self.forecasters]
        return pd.DataFrame(rows, index=pd.Index([f.id for f in self.forecasters], name="forecaster"))

    def questions_frame(self) -> pd.DataFrame:
        """One row per (question, forecaster) scored, indexed by both."""
        import pandas as pd

        rows = [{k: v for k, v in s.to_dict().items() if k not in {"question", "forecaster", "final"}}
                for s in self.questions]
        index = pd.MultiIndex.from_tuples([(s.question, s.forecaster) for s in self.questions],
                                          names=["question", "forecaster"])
        return pd.DataFrame(rows, index=index)

    def forecasts_frame(self) -> pd.DataFrame:
        """Every dated forecast (humans, model, pools): one row per forecast and option."""
        import pandas as pd

        rows = [
            {"forecaster": who, "question": f.question, "made": f.made, "option": option, "probability": float(p)}
            for who, forecasts in self.series.items() for f in forecasts
            for option, p in zip(self.exercise.questions[f.question].options, f.probabilities, strict=True)
        ]
        return pd.DataFrame(rows, columns=["forecaster", "question", "made", "option", "probability"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``plausible score --json`` (one key per score, and more)."""
        ex = self.exercise
        by_question: dict[str, list[dict[str, Any]]] = {}
        for s in self.questions:
            by_question.setdefault(s.question, []).append(
                {k: v for k, v in s.to_dict().items() if k != "question"})
        questions = []
        for q in ex.questions.values():
            resolution = ex.resolutions.get(q.id)
            questions.append({
                "id": q.id, "kind": q.kind.value, "text": q.text, "options": list(q.options),
                "closes": q.closes.isoformat(), "set": q.set_id, "indicator": q.indicator_id,
                "outcome": resolution.outcome if resolution else None,
                "resolved": resolution.resolved.isoformat() if resolution else None,
                "scores": by_question.get(q.id, []),
            })
        return {
            "exercise": ex.name,
            "title": ex.title,
            "conventions": CONVENTIONS,
            "extremizing": {"a": self.extremizing, "bounds": list(EXTREMIZING_BOUNDS),
                            "fit": "maximum likelihood on the resolved questions' final pools; each question is "
                                   "scored with a fitted on the other questions (leave-one-question-out)"},
            "forecasters": [f.to_dict() for f in self.forecasters],
            "questions": questions,
            "calibration": {
                "events": "final forecasts of resolved questions; a binary question is one event, an option of a "
                          "categorical or ordered question is one event (one-vs-rest); brier here is the half-Brier "
                          "per event",
                "bins": self.bins,
                "forecasters": {who: c.to_dict() for who, c in self.calibration.items()},
            },
        }


def parse_pools(text: str) -> tuple[str, ...]:
    """The pools named by ``--pools``: a comma list of :data:`POOL_CHOICES`, or ``none``.

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple of str
        In the order of :data:`POOL_CHOICES`, without repeats.

    Raises
    ------
    UsageError
        On an unknown name (the message lists the choices) or an empty list.

    Examples
    --------
    >>> parse_pools("logit-mean, mean")
    ('mean', 'logit-mean')
    >>> parse_pools("none")
    ()
    >>> parse_pools("average")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    plausible.core.errors.UsageError: --pools: unknown pool 'average'; choose none or a comma list of mean, ...
    """
    names = [name.strip() for name in text.split(",")]
    if names == ["none"]:
        return ()
    choices = f"choose none or a comma list of {', '.join(POOL_CHOICES)}"
    unknown = [name for name in names if name not in POOL_CHOICES]
    if unknown:
        raise UsageError(f"--pools: unknown pool{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))}; {choices}")
    return tuple(name for name in POOL_CHOICES if name in names)


def score_exercise(
    exercise: Exercise | str | os.PathLike[str],
    workspace: Workspace | str | os.PathLike[str] = ".",
    *,
    bayes: bool = False,
    seed: int = DEFAULT_SEED,
    bins: int = 10,
    pools: Sequence[str] | None = None,
) -> ExerciseScores:
    """Score every forecaster of an exercise, plausible's model and the pooled forecasts.

    Parameters
    ----------
    exercise : Exercise or str or PathLike
        A loaded exercise, or its name under ``exercises/`` (or folder).
    workspace : Workspace or str or PathLike
        The workspace (its hypothesis sets and evidence feed the model's forecasts).
    bayes : bool
        Also fit the Bayesian forecaster-skill model (PyMC; a few seconds per resolved binary question).
    pools : sequence of str, optional
        The pools to score, from :data:`POOL_CHOICES` (empty: none); default :data:`POOLS`, plus ``bayes`` when
        ``bayes`` is true.
    seed : int
        Seed of the skill model's sampler.
    bins : int
        Bins of the calibration table and binned Murphy decomposition.

    Returns
    -------
    ExerciseScores

    Examples
    --------
    >>> scores = score_exercise("dprk-2015", ".")     # doctest: +SKIP
    >>> scores.to_frame()[["questions", "brier", "log"]]  # doctest: +SKIP
    """
    ex = exercise if isinstance(exercise, Exercise) else load_exercise(exercise, workspace)
    series: dict[str, list[Forecast]] = {}
    kinds: dict[str, str] = {}
    for forecast in ex.forecasts:
        series.setdefault(forecast.forecaster, []).append(forecast)
        kinds[forecast.forecaster] = "human"
    if any(q.model_forecastable for q in ex.questions.values()):
        ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
        series[MODEL_FORECASTER] = model_forecasts(ex, ws)
        kinds[MODEL_FORECASTER] = "model"
    chosen = tuple(POOLS) if pools is None else tuple(pools)
    unknown = sorted(set(chosen) - set(POOL_CHOICES))
    if unknown:
        raise UsageError(f"unknown pool(s) {', '.join(unknown)}; the choices are {', '.join(POOL_CHOICES)}")
    humans = _Index(ex.forecasts)
    a_full, a_held_out = _extremizing(ex, humans) if "logit-mean" in chosen else (None, {})
    for name, forecasts in _pools(ex, humans, a_held_out, a_full, chosen).items():
        series[name] = forecasts
        kinds[name] = "aggregate"
    if bayes or "bayes" in chosen:
        series[BAYES_POOL] = _bayes_pool(ex, humans, seed)
        kinds[BAYES_POOL] = "aggregate"
    by_forecaster = {who: _score_series(ex, who, kinds[who], forecasts) for who, forecasts in series.items()}
    scores = [s for who in series for s in by_forecaster[who]]
    summaries = [_summary(who, kinds[who], by_forecaster[who]) for who in series]
    summaries.sort(key=lambda f: (f.brier is None, f.brier if f.brier is not None else 0.0, f.id))
    calibration = {who: c for who in series if (c := _calibration(ex, series[who], bins)) is not None}
    return ExerciseScores(ex, summaries, scores, calibration, series, a_full, bins)


# --- indexes -------------------------------------------------------------------------------------------------


class _Index:
    """Forecasts grouped by question (and forecaster) once, so that scoring is linear in the forecasts."""

    def __init__(self, forecasts: list[Forecast]) -> None:
        self.by_question: dict[str, list[Forecast]] = {}
        self.by_pair: dict[tuple[str, str], list[Forecast]] = {}
        for f in forecasts:
            self.by_question.setdefault(f.question, []).append(f)
            self.by_pair.setdefault((f.question, f.forecaster), []).append(f)
        for group in self.by_pair.values():
            group.sort(key=lambda f: f.made)
        self.days = {(q, who): [f.made for f in group] for (q, who), group in self.by_pair.items()}
        self.forecasters: dict[str, list[str]] = {}
        for q, who in sorted(self.by_pair):
            self.forecasters.setdefault(q, []).append(who)

    def of(self, question: str) -> list[Forecast]:
        """A question's forecasts (any order)."""
        return self.by_question.get(question, [])

    def dates(self, question: str) -> list[dt.date]:
        """The days on which anyone forecast a question, oldest first."""
        return sorted({f.made for f in self.of(question)})

    def standing(self, question: str, who: str, day: dt.date) -> Forecast | None:
        """The forecast of ``who`` in force on ``day`` (the latest made on or before it)."""
        i = bisect.bisect_right(self.days[(question, who)], day)
        return self.by_pair[(question, who)][i - 1] if i else None


# --- scoring one forecaster ---------------------------------------------------------------------------------


def _score_series(ex: Exercise, who: str, kind: str, forecasts: list[Forecast]) -> list[QuestionScore]:
    out = []
    by_question: dict[str, list[Forecast]] = {}
    for f in forecasts:
        by_question.setdefault(f.question, []).append(f)
    for question in ex.questions.values():
        end = ex.scoring_end(question.id)
        mine = sorted((f for f in by_question.get(question.id, []) if end is not None and f.made <= end),
                      key=lambda f: f.made)
        if end is None or not mine:
            continue
        outcome = question.options.index(ex.resolutions[question.id].outcome)
        p = np.stack([f.probabilities for f in mine])
        o = np.full(len(mine), outcome, dtype=np.intp)
        brier = kernels.brier(p, o)
        days = standing_days([f.made for f in mine], end)
        final = p[-1:]
        half = float((final[0, 0] - (1.0 if outcome == 0 else 0.0)) ** 2) if question.is_binary else None
        ordered = question.kind is QuestionKind.ORDERED
        rps = float(kernels.rps(final, o[-1:])[0]) if ordered else None
        out.append(QuestionScore(
            question=question.id, forecaster=who, kind=kind, forecasts=len(mine),
            final=dict(zip(question.options, map(float, final[0]), strict=True)), days=int(days.sum()),
            brier=float(brier[-1]), log=float(kernels.log(final, o[-1:])[0]),
            brier_time_averaged=time_average(brier, days), half_brier=half,
            rps=rps, rps_normalised=rps / (len(question.options) - 1) if rps is not None else None,
        ))
    return out


def _summary(who: str, kind: str, scores: list[QuestionScore]) -> ForecasterScore:
    def mean(values: list[float | None]) -> float | None:
        given = [v for v in values if v is not None]
        return float(np.mean(given)) if given else None

    averaged = {name.name: mean([getattr(s, name.name) for s in scores]) for name in fields(Scores)}
    return ForecasterScore(id=who, kind=kind, questions=len(scores), **averaged)


def _calibration(ex: Exercise, forecasts: list[Forecast], bins: int) -> ForecasterCalibration | None:
    f_parts, o_parts = [], []
    by_question: dict[str, list[Forecast]] = {}
    for forecast in forecasts:
        by_question.setdefault(forecast.question, []).append(forecast)
    for question in ex.questions.values():
        end = ex.scoring_end(question.id)
        if end is None:
            continue
        final = standing_at(sorted(by_question.get(question.id, []), key=lambda f: f.made), end)
        if final is None:
            continue
        f, o = binary_events(final.probabilities, question.options.index(ex.resolutions[question.id].outcome))
        f_parts.append(f)
        o_parts.append(o)
    if not f_parts:
        return None
    f_all, o_all = np.concatenate(f_parts), np.concatenate(o_parts)
    return ForecasterCalibration(murphy_decomposition(f_all, o_all), murphy_decomposition(f_all, o_all, bins),
                                 calibration_table(f_all, o_all, bins))


# --- pools ---------------------------------------------------------------------------------------------------


def _standing_stack(humans: _Index, question: Question, day: dt.date) -> list[tuple[str, NDArray[np.float64]]]:
    """The human forecasts of a question standing on a day, by forecaster."""
    out = []
    for who in humans.forecasters.get(question.id, []):
        current = humans.standing(question.id, who, day)
        if current is not None:
            out.append((who, current.probabilities))
    return out


def _extremizing(ex: Exercise, humans: _Index) -> tuple[float | None, dict[str, float]]:
    """The extremizing factor fitted on all resolved questions, and per question with it left out.

    The leave-one-out factors come from :func:`fit_extremizing_loo` (vectorised, linear in the questions).
    """
    fitted: dict[str, tuple[NDArray[np.float64], int]] = {}
    for question in ex.questions.values():
        end = ex.scoring_end(question.id)
        stack = _standing_stack(humans, question, end) if end is not None else []
        if stack:
            outcome = question.options.index(ex.resolutions[question.id].outcome)
            fitted[question.id] = (mean_log_probabilities(np.stack([p for _, p in stack])), outcome)
    if not fitted:
        return None, {}
    mean_logs, outcomes = [m for m, _ in fitted.values()], [o for _, o in fitted.values()]
    a_full = fit_extremizing(mean_logs, outcomes)
    held_out = dict(zip(fitted, map(float, fit_extremizing_loo(mean_logs, outcomes)), strict=True))
    return a_full, held_out


def _pools(ex: Exercise, humans: _Index, a_held_out: dict[str, float], a_full: float | None,
           chosen: Sequence[str] = POOLS) -> dict[str, list[Forecast]]:
    pooling: dict[str, Callable[[NDArray[np.float64], float], NDArray[np.float64]]] = {
        "mean": lambda stack, a: mean_pool(stack), "median": lambda stack, a: median_pool(stack),
        "logit-mean": logit_pool,
    }
    wanted = [name for name in POOLS if name in chosen]
    out: dict[str, list[Forecast]] = {name: [] for name in wanted}
    if not wanted:
        return out
    for question in ex.questions.values():
        a = a_held_out.get(question.id, a_full if a_full is not None else 1.0)
        for day in humans.dates(question.id):
            stack = np.stack([p for _, p in _standing_stack(humans, question, day)])
            for name in wanted:
                out[name].append(Forecast(name, question.id, day, pooling[name](stack, a)))
    return out


def _bayes_pool(ex: Exercise, humans: _Index, seed: int) -> list[Forecast]:
    """The skill model's pooled forecasts of the resolved binary questions, each fitted without its outcome."""
    from plausible.forecasting.aggregation import LOGIT_FLOOR
    from plausible.forecasting.skill import fit_skill, skill_pool

    binary = [q for q in ex.questions.values() if q.is_binary and humans.of(q.id)]
    ids = tuple(ex.forecasters)
    rows = []
    for qi, question in enumerate(binary):
        last_day = ex.scoring_end(question.id) or question.closes
        for who, p in _standing_stack(humans, question, last_day):
            rows.append((ids.index(who), qi, _logit(float(p[0]), LOGIT_FLOOR)))
    if not rows:
        return []
    f_index = np.array([r[0] for r in rows], dtype=np.intp)
    q_index = np.array([r[1] for r in rows], dtype=np.intp)
    logits = np.array([r[2] for r in rows])
    resolved = np.array([q.id in ex.resolutions for q in binary])
    outcomes = np.array([float(ex.resolutions[q.id].outcome == "yes") if q.id in ex.resolutions else 0.0
                         for q in binary])
    held_out = [qi for qi in range(len(binary)) if resolved[qi]]
    masks = []
    for qi in held_out:
        mask = resolved.copy()
        mask[qi] = False
        masks.append(mask)
    fits = fit_skill(ids, logits, f_index, q_index, outcomes, masks, seed=seed) if masks else []
    out = []
    for qi, draws in zip(held_out, fits, strict=True):
        question = binary[qi]
        for day in humans.dates(question.id):
            standing = {who: _logit(float(p[0]), LOGIT_FLOOR) for who, p in _standing_stack(humans, question, day)}
            yes = skill_pool(draws, standing)
            out.append(Forecast(BAYES_POOL, question.id, day, np.array([yes, 1.0 - yes])))
    return out


def _logit(p: float, floor: float) -> float:
    q = min(max(p, floor), 1.0 - floor)
    return float(np.log(q / (1.0 - q)))
