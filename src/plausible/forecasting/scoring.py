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

import os
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.forecasting import kernels
from plausible.forecasting.aggregation import fit_extremizing, fit_extremizing_loo
from plausible.forecasting.calibration import calibration_table, murphy_decomposition
from plausible.forecasting.comparison import rank, skill_scores
from plausible.forecasting.exercise import MODEL_FORECASTER, Exercise, ForecastTable
from plausible.forecasting.loading import load_exercise
from plausible.forecasting.pools import (
    PoolDays,
    final_rows,
    logit_pools,
    mean_logs,
    mean_pools,
    median_pools,
    pool_days,
)
from plausible.forecasting.results import (
    CONVENTIONS,
    ExerciseScores,
    ForecasterCalibration,
    ForecasterScore,
    QuestionScore,
    QuestionScoreTable,
    Scores,
)
from plausible.forecasting.schema import ForecasterKind, QuestionKind
from plausible.workspace import Workspace, load_workspace

__all__ = [
    "BAYES_POOL",
    "CONVENTIONS",
    "DEFAULT_SEED",
    "POOLED_KINDS",
    "POOLS",
    "POOL_CHOICES",
    "ExerciseScores",
    "ForecasterCalibration",
    "ForecasterScore",
    "QuestionScore",
    "QuestionScoreTable",
    "Scores",
    "parse_pool_kinds",
    "parse_pools",
    "score_exercise",
]

POOLS = ("mean", "median", "logit-mean")
"""The pooled forecasts scored by default."""

POOL_CHOICES = ("mean", "median", "logit-mean", "bayes")
"""The names ``plausible score --pools`` accepts (``bayes`` is the skill pool, scored as ``bayes-pool``)."""

POOLED_KINDS = frozenset({ForecasterKind.HUMAN, ForecasterKind.MODEL})
"""The kinds of forecaster (declared in the forecasts files) whose forecasts the pools combine: markets and
baselines are scored but not pooled. plausible's own model is never pooled (it is scored against the pools)."""

BAYES_POOL = "bayes-pool"
"""The Bayesian forecaster-skill pool (PyMC), scored on request."""

DEFAULT_SEED = 20150616
"""Seed of the skill model's sampler."""

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
    names = [name.strip().lower() for name in text.split(",")]
    if names == ["none"]:
        return ()
    choices = f"choose none or a comma list of {', '.join(POOL_CHOICES)}"
    unknown = [name for name in names if name not in POOL_CHOICES]
    if unknown:
        raise UsageError(f"--pools: unknown pool{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))}; {choices}")
    return tuple(name for name in POOL_CHOICES if name in names)


def parse_pool_kinds(kinds: str | Sequence[str] | None) -> frozenset[ForecasterKind]:
    """The kinds of forecaster named by ``--pool-kinds`` (a comma list or a sequence); default :data:`POOLED_KINDS`.

    Examples
    --------
    >>> sorted(k.value for k in parse_pool_kinds("human, market"))
    ['human', 'market']
    >>> parse_pool_kinds("robot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    plausible.core.errors.UsageError: --pool-kinds: unknown kind 'robot'; choose a comma list of human, model, ...
    """
    if kinds is None:
        return POOLED_KINDS
    names = [k.strip().lower() for k in kinds.split(",")] if isinstance(kinds, str) else [str(k) for k in kinds]
    valid = [k.value for k in ForecasterKind]
    unknown = [k for k in names if k not in valid]
    if unknown or not names:
        raise UsageError(f"--pool-kinds: unknown kind{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))}; choose a comma list of {', '.join(valid)}")
    return frozenset(ForecasterKind(k) for k in names)


def score_exercise(
    exercise: Exercise | str | os.PathLike[str],
    workspace: Workspace | str | os.PathLike[str] = ".",
    *,
    bayes: bool = False,
    seed: int = DEFAULT_SEED,
    bins: int = 10,
    pools: Sequence[str] | None = None,
    pool_kinds: Sequence[str] | None = None,
    rank_on: str = "common",
    reference: str | None = None,
) -> ExerciseScores:
    """Score every forecaster of an exercise, plausible's model and the pooled forecasts.

    Every step works on columns (:class:`ForecastTable`), in O(forecasts + pool cells) NumPy work: see
    :mod:`plausible.forecasting.pools` for the pools.

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
        ``bayes`` is true. Pools combine the forecasters of the kinds in :data:`POOLED_KINDS`; a pool with nothing
        to combine is left out.
    seed : int
        Seed of the skill model's sampler.
    bins : int
        Bins of the calibration table and binned Murphy decomposition.
    pool_kinds : sequence of str, optional
        The kinds of forecaster the pools combine (:class:`ForecasterKind` values); default
        :data:`POOLED_KINDS` (human and model). plausible's own model is never pooled.
    rank_on : {"common", "all"}
        The leaderboard's convention (:data:`~plausible.forecasting.comparison.RANK_CONVENTIONS`).
    reference : str, optional
        A forecaster to score the others against (skill scores on the questions both answered).

    Returns
    -------
    ExerciseScores

    Examples
    --------
    >>> scores = score_exercise("dprk-2015", ".")     # doctest: +SKIP
    >>> scores.to_frame()[["questions", "brier", "log"]]  # doctest: +SKIP
    """
    ex = exercise if isinstance(exercise, Exercise) else load_exercise(exercise, workspace)
    chosen = tuple(POOLS) if pools is None else tuple(pools)
    unknown = sorted(set(chosen) - set(POOL_CHOICES))
    if unknown:
        raise UsageError(f"unknown pool(s) {', '.join(unknown)}; the choices are {', '.join(POOL_CHOICES)}")
    files = ex.forecasts
    kinds = {who: ex.kind_of(who).value for who in files.forecasters}
    tables = [files]
    if any(q.model_forecastable for q in ex.questions.values()):
        from plausible.forecasting.model_forecaster import model_forecasts

        ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
        tables.append(ForecastTable.from_forecasts(model_forecasts(ex, ws), files.questions, files.widths))
        kinds[MODEL_FORECASTER] = "model"
    pooling = parse_pool_kinds(pool_kinds)
    pooled = files.of_forecasters([w for w in files.forecasters if ex.kind_of(w) in pooling])
    last_day = _last_days(ex)
    outcome = _outcomes(ex)
    a_full, a_held_out = _extremizing(pooled, last_day, outcome) if "logit-mean" in chosen else (None, {})
    if len(pooled):
        days = pool_days(pooled)
        a = np.array([a_held_out.get(q, a_full if a_full is not None else 1.0) for q in range(len(ex.questions))])
        tables += _pools(pooled, days, a, chosen)
        if bayes or "bayes" in chosen:
            tables.append(_bayes_pool(ex, pooled, days, last_day, outcome, seed))
    order = [*files.present(), *[w for t in tables[1:] for w in t.present()]]
    for t in tables[2 if MODEL_FORECASTER in kinds else 1:]:
        kinds.update({w: "pool" for w in t.forecasters})
    series = ForecastTable.concat(tables, order)
    table = _score(ex, series, tuple(kinds[w] for w in order), last_day, outcome)
    summaries = table.summaries()
    summaries.sort(key=lambda f: (f.brier is None, f.brier if f.brier is not None else 0.0, f.id))
    calibration = _calibration(series, table, outcome, bins)
    asked = tuple(name for name in (*POOLS, BAYES_POOL) if name in chosen or (name == BAYES_POOL and (
        bayes or "bayes" in chosen)))
    held_out = {series.questions[q]: a for q, a in a_held_out.items()}
    return ExerciseScores(ex, summaries, table, calibration, series, a_full, bins, asked,
                          pool_kinds=tuple(k.value for k in ForecasterKind if k in pooling),
                          extremizing_held_out=held_out, ranking=rank(table, rank_on),
                          reference=reference, skill=skill_scores(table, reference) if reference else None)


# --- the questions as arrays ---------------------------------------------------------------------------------

_UNRESOLVED = np.iinfo(np.int64).min


def _last_days(ex: Exercise) -> NDArray[np.int64]:
    """Each question's last scored day (ordinal), or a day before every day when it is unresolved."""
    return np.array([end.toordinal() if (end := ex.scoring_end(q)) is not None else _UNRESOLVED
                     for q in ex.questions], np.int64)


def _outcomes(ex: Exercise) -> NDArray[np.intp]:
    """Each question's outcome index, -1 when unresolved."""
    return np.array([q.options.index(ex.resolutions[q.id].outcome) if q.id in ex.resolutions else -1
                     for q in ex.questions.values()], np.intp)


# --- scoring every series at once ----------------------------------------------------------------------------


def _score(ex: Exercise, series: ForecastTable, kinds: tuple[str, ...], last_day: NDArray[np.int64],
           outcome: NDArray[np.intp]) -> QuestionScoreTable:
    """Every (forecaster, resolved question) pair's scores, from the forecasts made up to its last scored day."""
    scored = series.take(series.made <= last_day[series.question])
    q, o = scored.question, outcome[scored.question]
    p = scored.probabilities
    n = len(scored)
    brier = kernels.brier(p, o) if n else np.empty(0)
    new_group = np.ones(n, bool)
    new_group[1:] = (scored.forecaster[1:] != scored.forecaster[:-1]) | (q[1:] != q[:-1])
    group = np.cumsum(new_group) - 1
    groups = int(group[-1]) + 1 if n else 0
    last = np.flatnonzero(np.append(new_group[1:], True)) if n else np.empty(0, np.intp)
    # Good Judgment standing days: until the next forecast of the pair, or the day after the last scored day.
    until = np.append(scored.made[1:], 0)
    until = np.where(np.append(~new_group[1:], False), until, last_day[q] + 1)
    days = np.clip(np.minimum(until, last_day[q] + 1) - scored.made, 0, None)
    total_days = np.bincount(group, weights=days, minlength=groups)
    averaged = np.bincount(group, weights=brier * days, minlength=groups) / np.where(total_days > 0, total_days, 1)
    g_question, g_outcome, final = q[last], o[last], p[last]
    binary = np.array([x.is_binary for x in ex.questions.values()], bool)[g_question]
    ordered = np.array([x.kind is QuestionKind.ORDERED for x in ex.questions.values()], bool)[g_question]
    half = np.where(binary, (final[:, 0] - (g_outcome == 0)) ** 2 if groups else 0.0, np.nan)
    rps = np.full(groups, np.nan)
    widths = series.widths[g_question]
    for width in np.unique(widths[ordered]):
        rows = np.flatnonzero(ordered & (widths == width))
        rps[rows] = kernels.rps(final[rows, :width], g_outcome[rows])
    scores = {
        "brier": brier[last], "log": kernels.log(final, g_outcome) if groups else np.empty(0),
        "brier_time_averaged": averaged, "half_brier": half, "rps": rps,
        "rps_normalised": rps / np.maximum(widths - 1, 1),
    }
    return QuestionScoreTable(series.forecasters, kinds, series.questions,
                              tuple(x.options for x in ex.questions.values()), scored.forecaster[last], g_question,
                              np.bincount(group, minlength=groups).astype(np.intp), total_days.astype(np.int64),
                              final, scores)


def _calibration(series: ForecastTable, table: QuestionScoreTable, outcome: NDArray[np.intp],
                 bins: int) -> dict[str, ForecasterCalibration]:
    """Calibration of each forecaster's final forecasts, as binary events.

    One event per binary question, one per option of a question with more options (one-vs-rest).
    """
    k = table.final.shape[1]
    widths = series.widths[table.question]
    column = np.arange(k)[None, :]
    events = np.where((widths == 2)[:, None], column == 0, column < widths[:, None])
    happened = (column == outcome[table.question][:, None]).astype(np.float64)
    out = {}
    bounds = np.flatnonzero(np.diff(table.forecaster)) + 1  # rows are sorted by forecaster
    for start, stop in zip([0, *bounds.tolist()], [*bounds.tolist(), len(table)], strict=True):
        if start == stop:
            continue
        code = table.forecaster[start]
        mine = slice(start, stop)
        f, o = table.final[mine][events[mine]], happened[mine][events[mine]]
        out[table.forecasters[int(code)]] = ForecasterCalibration(
            murphy_decomposition(f, o), murphy_decomposition(f, o, bins), calibration_table(f, o, bins))
    return out


# --- pools ---------------------------------------------------------------------------------------------------


def _extremizing(pooled: ForecastTable, last_day: NDArray[np.int64], outcome: NDArray[np.intp]
                 ) -> tuple[float | None, dict[int, float]]:
    """The extremizing factor fitted on all resolved questions, and per question (code) with it left out.

    The inputs are the mean log probabilities of the pooled forecasts standing on each resolved question's last
    scored day; the leave-one-out factors come from :func:`fit_extremizing_loo` (vectorised, linear).
    """
    rows = final_rows(pooled, last_day)
    if rows.size == 0:
        return None, {}
    questions, group = np.unique(pooled.question[rows], return_inverse=True)
    m = mean_logs(pooled, group, rows, questions.size, pooled.widths[questions])
    widths = pooled.widths[questions]
    logs = [m[i, :widths[i]] for i in range(questions.size)]
    outcomes = outcome[questions].tolist()
    a_full = fit_extremizing(logs, outcomes)
    held_out = dict(zip(questions.tolist(), map(float, fit_extremizing_loo(logs, outcomes)), strict=True))
    return a_full, held_out


def _pools(pooled: ForecastTable, days: PoolDays, a: NDArray[np.float64], chosen: Sequence[str]
           ) -> list[ForecastTable]:
    compute = {"mean": lambda: mean_pools(pooled, days), "median": lambda: median_pools(pooled, days),
               "logit-mean": lambda: logit_pools(pooled, days, a)}
    out = []
    for name in POOLS:
        if name in chosen:
            out.append(ForecastTable((name,), pooled.questions, pooled.widths, np.zeros(len(days), np.intp),
                                     days.question, days.made, compute[name]()))
    return out


def _bayes_pool(ex: Exercise, pooled: ForecastTable, days: PoolDays, last_day: NDArray[np.int64],
                outcome: NDArray[np.intp], seed: int) -> ForecastTable:
    """The skill model's pooled forecasts of the resolved binary questions, each fitted without its outcome."""
    from plausible.forecasting.aggregation import LOGIT_FLOOR
    from plausible.forecasting.skill import fit_skill, skill_pool

    questions = list(ex.questions.values())
    binary = [i for i, q in enumerate(questions) if q.is_binary and np.any(pooled.question == i)]
    ids = tuple(pooled.present())
    code = {w: i for i, w in enumerate(ids)}
    yes = np.clip(pooled.probabilities[:, 0], LOGIT_FLOOR, 1.0 - LOGIT_FLOOR)
    logit = np.log(yes / (1.0 - yes))
    # the skill model reads each forecaster's forecast standing on the last day (the close when unresolved)
    last = np.array([last_day[i] if outcome[i] >= 0 else questions[i].closes.toordinal()
                     for i in range(len(questions))], np.int64)
    standing = final_rows(pooled, last)
    rows = [(code[pooled.forecasters[pooled.forecaster[r]]], binary.index(int(pooled.question[r])), logit[r])
            for r in standing if int(pooled.question[r]) in binary]
    empty = ForecastTable((BAYES_POOL,), pooled.questions, pooled.widths, np.empty(0, np.intp), np.empty(0, np.intp),
                          np.empty(0, np.int64), np.empty((0, pooled.probabilities.shape[1])))
    if not rows:
        return empty
    resolved = np.array([outcome[i] >= 0 for i in binary])
    outcomes = np.array([float(outcome[i] == 0) if outcome[i] >= 0 else 0.0 for i in binary])
    held_out = [qi for qi in range(len(binary)) if resolved[qi]]
    masks = []
    for qi in held_out:
        mask = resolved.copy()
        mask[qi] = False
        masks.append(mask)
    fits = fit_skill(ids, np.array([r[2] for r in rows]), np.array([r[0] for r in rows], np.intp),
                     np.array([r[1] for r in rows], np.intp), outcomes, masks, seed=seed) if masks else []
    out_q, out_day, out_p = [], [], []
    for qi, draws in zip(held_out, fits, strict=True):
        for d in np.flatnonzero(days.question == binary[qi]):
            cells = days.cell_row[days.cell_day == d]
            pooled_yes = skill_pool(draws, {pooled.forecasters[pooled.forecaster[r]]: float(logit[r]) for r in cells})
            out_q.append(binary[qi])
            out_day.append(int(days.made[d]))
            out_p.append([pooled_yes, 1.0 - pooled_yes])
    p = np.zeros((len(out_q), pooled.probabilities.shape[1]))
    p[:, :2] = np.array(out_p).reshape(-1, 2)
    return ForecastTable((BAYES_POOL,), pooled.questions, pooled.widths, np.zeros(len(out_q), np.intp),
                         np.array(out_q, np.intp), np.array(out_day, np.int64), p)
