"""What scoring an exercise returns: scores per forecaster and per question, calibration, and the series scored.

Computed by :func:`plausible.forecasting.scoring.score_exercise`. Per-question scores are columns
(:class:`QuestionScoreTable`), so an exercise of 500,000 forecasts builds no object per (forecaster, question)
unless asked (:attr:`ExerciseScores.questions`, the JSON).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.forecasting.aggregation import EXTREMIZING_BOUNDS
from plausible.forecasting.calibration import CalibrationRow, MurphyDecomposition
from plausible.forecasting.exercise import Exercise, ForecastTable

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONVENTIONS",
    "RANK_CONVENTIONS",
    "Comparison",
    "Ranking",
    "Skill",
    "EXTREMIZING_MIN_QUESTIONS",
    "SCORE_COLUMNS",
    "ExerciseScores",
    "ForecasterCalibration",
    "ForecasterScore",
    "QuestionScore",
    "QuestionScoreTable",
    "Scores",
]

EXTREMIZING_MIN_QUESTIONS = 20
"""Below this many resolved questions the logit-mean pool's extremizing factor carries a small-sample warning."""

RANK_CONVENTIONS: dict[str, str] = {
    "common": "every forecaster's mean over the resolved questions every scored forecaster answered",
    "all": "each forecaster's mean over their own resolved questions (coverage differs between forecasters)",
}
"""The ranking conventions of ``plausible score --rank-on``."""

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


SCORE_COLUMNS = ("brier", "log", "brier_time_averaged", "half_brier", "rps", "rps_normalised")
"""The score columns of a :class:`QuestionScoreTable` (the fields of :class:`Scores`)."""


@dataclass(frozen=True, eq=False)
class QuestionScoreTable:
    """Every (forecaster, resolved question) pair scored, as columns (NaN where a score does not apply).

    Rows are sorted by forecaster code (the leaderboard's series order) and question code (the exercise's
    order). ``final`` holds the final forecast of each pair, padded like a :class:`ForecastTable`.
    """

    forecasters: tuple[str, ...]
    kinds: tuple[str, ...]
    questions: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    forecaster: NDArray[np.intp]
    question: NDArray[np.intp]
    forecasts: NDArray[np.intp]
    days: NDArray[np.int64]
    final: NDArray[np.float64]
    scores: dict[str, NDArray[np.float64]]

    def __len__(self) -> int:
        return int(self.forecaster.size)

    def rows(self) -> list[QuestionScore]:
        """One :class:`QuestionScore` per row (for small exercises and the JSON)."""
        out = []
        columns = {name: self.scores[name].tolist() for name in SCORE_COLUMNS}
        for i in range(len(self)):
            q, f = int(self.question[i]), int(self.forecaster[i])
            options = self.options[q]
            values = {name: (None if v != v else v) for name in SCORE_COLUMNS for v in (columns[name][i],)}
            out.append(QuestionScore(question=self.questions[q], forecaster=self.forecasters[f], kind=self.kinds[f],
                                     forecasts=int(self.forecasts[i]), days=int(self.days[i]),
                                     final=dict(zip(options, map(float, self.final[i, :len(options)]), strict=True)),
                                     **values))
        return out

    def summaries(self, among: NDArray[np.bool_] | None = None) -> list[ForecasterScore]:
        """Each forecaster's scores averaged over their resolved questions, in code order.

        ``among``, a mask over the questions, keeps only those questions (the common questions of a ranking).
        """
        n = len(self.forecasters)
        kept = np.ones(len(self), bool) if among is None else among[self.question]
        forecaster = self.forecaster[kept]
        questions = np.bincount(forecaster, minlength=n)
        means: dict[str, list[float | None]] = {}
        for name in SCORE_COLUMNS:
            values = self.scores[name][kept]
            given = ~np.isnan(values)
            count = np.bincount(forecaster[given], minlength=n)
            total = np.bincount(forecaster[given], weights=values[given], minlength=n)
            means[name] = [float(t / c) if c else None for t, c in zip(total, count, strict=True)]
        return [ForecasterScore(id=who, kind=self.kinds[i], questions=int(questions[i]),
                                **{name: means[name][i] for name in SCORE_COLUMNS})
                for i, who in enumerate(self.forecasters)]


@dataclass(frozen=True)
class Ranking:
    """The leaderboard under one convention.

    Attributes
    ----------
    on : {"common", "all"}
    questions : tuple of str
        ``common``: the questions every scored forecaster answered (their mean is each row's score);
        ``all``: every resolved question some forecaster answered.
    resolved : int
        Resolved questions scored by at least one forecaster (the denominator of coverage).
    rows : list of ForecasterScore
        Best (lowest Brier) first; forecasters with nothing to rank on last. ``questions`` of a row is the number
        its means are over.
    answered : dict of str to int
        Resolved questions each forecaster answered (coverage: answered / resolved).
    """

    on: str
    questions: tuple[str, ...]
    resolved: int
    rows: list[ForecasterScore]
    answered: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"on": self.on, "convention": RANK_CONVENTIONS[self.on], "questions": list(self.questions),
                "resolved": self.resolved, "answered": self.answered,
                "forecasters": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True)
class Skill:
    r"""One forecaster's skill against the reference, on the questions both answered.

    ``brier``, ``log``: :math:`1 - \bar S / \bar S_{\mathrm{ref}}` (1 perfect, 0 as good as the reference,
    negative worse); None when they share no question or the reference's mean score is 0.
    """

    forecaster: str
    questions: int
    brier: float | None
    log: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"forecaster": self.forecaster, "questions": self.questions, "brier_skill": self.brier,
                "log_skill": self.log}


@dataclass(frozen=True)
class Comparison:
    """Forecaster ``a`` against ``b`` on the questions both answered, for one score (lower is better).

    Attributes
    ----------
    score : str
        ``brier`` or ``log``.
    questions : int
    mean_a, mean_b, difference : float
        The means over the shared questions and ``mean_a - mean_b`` (negative: ``a`` better).
    low, high : float
        The percentile bootstrap interval of the difference, at ``level``.
    a_better : float
        Share of the resamples in which ``a``'s mean is lower.
    """

    a: str
    b: str
    score: str
    questions: int
    mean_a: float
    mean_b: float
    difference: float
    low: float
    high: float
    a_better: float
    level: float
    resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ExerciseScores:
    """The scores of an exercise.

    ``series`` holds every forecaster's dated forecasts (model and pools too) as one :class:`ForecastTable`;
    ``table`` every (forecaster, question) score as columns; ``questions`` the same as objects.
    """

    exercise: Exercise
    forecasters: list[ForecasterScore]
    table: QuestionScoreTable
    calibration: dict[str, ForecasterCalibration]
    series: ForecastTable
    extremizing: float | None
    bins: int
    pools: tuple[str, ...] = ()
    pool_kinds: tuple[str, ...] = ("human", "model")
    extremizing_held_out: dict[str, float] = field(default_factory=dict)
    ranking: Ranking | None = None
    reference: str | None = None
    skill: dict[str, Skill] | None = None

    @property
    def extremizing_warning(self) -> str | None:
        """Why the extremizing factor is not to be trusted, or None: few questions, or a factor on its bound."""
        n = len(self.extremizing_held_out)
        if self.extremizing is None or n == 0:
            return None
        problems = []
        if n < EXTREMIZING_MIN_QUESTIONS:
            problems.append(f"fitted on only {n} resolved question{'s' if n != 1 else ''} (fewer than "
                            f"{EXTREMIZING_MIN_QUESTIONS}): the factor is poorly determined")
        factors = [self.extremizing, *self.extremizing_held_out.values()]
        on_bound = sum(1 for a in factors if min(abs(a - b) for b in EXTREMIZING_BOUNDS) < 1e-6)
        if on_bound:
            problems.append(f"{on_bound} of the {len(factors)} fits sit on a bound of "
                            f"[{EXTREMIZING_BOUNDS[0]:g}, {EXTREMIZING_BOUNDS[1]:g}]")
        return "; ".join(problems) or None

    @functools.cached_property
    def questions(self) -> list[QuestionScore]:
        """One :class:`QuestionScore` per (forecaster, resolved question) scored."""
        return self.table.rows()

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

        t = self.table
        index = pd.MultiIndex.from_arrays([np.array(t.questions, dtype=object)[t.question],
                                           np.array(t.forecasters, dtype=object)[t.forecaster]],
                                          names=["question", "forecaster"])
        columns = {"kind": np.array(t.kinds, dtype=object)[t.forecaster], "forecasts": t.forecasts, "days": t.days}
        columns.update({name: t.scores[name] for name in SCORE_COLUMNS})
        return pd.DataFrame(columns, index=index)

    def forecasts_frame(self) -> pd.DataFrame:
        """Every dated forecast (humans, model, pools): one row per forecast and option."""
        import pandas as pd

        s = self.series
        long = s.long()
        options = [o for q in self.exercise.questions.values() for o in q.options]
        offsets = np.cumsum([0] + [len(q.options) for q in self.exercise.questions.values()])[:-1]
        question = np.asarray(long["question"], dtype=np.intp)
        return pd.DataFrame({
            "forecaster": np.array(s.forecasters, dtype=object)[np.asarray(long["forecaster"], dtype=np.intp)],
            "question": np.array(s.questions, dtype=object)[question],
            "made": [dt.date.fromordinal(int(d)) for d in long["made"]],
            "option": np.array(options, dtype=object)[offsets[question] + np.asarray(long["option"], np.intp)],
            "probability": long["probability"],
        }, columns=["forecaster", "question", "made", "option", "probability"])

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
                                   "scored with a fitted on the other questions (leave-one-question-out)",
                            "questions": len(self.extremizing_held_out), "used": self.extremizing_held_out,
                            "warning": self.extremizing_warning},
            "pool_kinds": list(self.pool_kinds),
            "ranking": self.ranking.to_dict() if self.ranking is not None else None,
            "reference": self.reference,
            "skill": None if self.skill is None else [s.to_dict() for s in self.skill.values()],
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
