r"""Comparing forecasters fairly: ranking on common questions, skill against a reference, paired bootstrap.

Forecasters of one exercise rarely answer the same questions, and a mean score over two easy questions is not
better than one over forty hard ones. Everything here compares forecasters *on the questions both (or all)
answered*, from the per-question scores of :class:`~plausible.forecasting.results.QuestionScoreTable`, held as a
dense (forecasters × questions) matrix with NaN where a forecaster did not answer: O(forecasters · questions)
NumPy work.

* :func:`rank` — the leaderboard's conventions: ``common`` (default) averages every forecaster over the questions
  every scored forecaster answered, so all are ranked on one set; ``all`` averages each over their own questions
  (coverage differs; labelled as such).
* :func:`skill_scores` — :math:`1 - \bar S_f / \bar S_{\mathrm{ref}}` for the Brier and the log score, the means
  taken over the questions f and the reference both answered (positive: better than the reference).
* :func:`compare` — the mean paired difference :math:`\bar d = \overline{S_A - S_B}` over the questions both
  answered, with a seeded percentile bootstrap interval (questions resampled with replacement).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.forecasting.results import (
    RANK_CONVENTIONS,
    Comparison,
    QuestionScoreTable,
    Ranking,
    Skill,
)

__all__ = [
    "BOOTSTRAP_LEVEL",
    "BOOTSTRAP_RESAMPLES",
    "RANK_CONVENTIONS",
    "Comparison",
    "Ranking",
    "Skill",
    "bootstrap_mean_interval",
    "compare",
    "rank",
    "score_matrix",
    "skill_scores",
]

BOOTSTRAP_RESAMPLES = 10_000
"""Default number of bootstrap resamples of a paired comparison."""

BOOTSTRAP_LEVEL = 0.95
"""Level of the paired comparison's percentile interval."""

_CHUNK = 4_000_000
"""Resampled indices drawn at once (bounds the bootstrap's memory to ~32 MB whatever the questions)."""


def score_matrix(table: QuestionScoreTable, name: str) -> NDArray[np.float64]:
    """One score as a (forecasters × questions) matrix, NaN where the pair was not scored.

    Examples
    --------
    >>> t = QuestionScoreTable(("a", "b"), ("human", "human"), ("q1", "q2"), (("yes", "no"),) * 2,
    ...                        np.array([0, 0, 1]), np.array([0, 1, 1]), np.ones(3, np.intp), np.ones(3, np.int64),
    ...                        np.zeros((3, 2)), {"brier": np.array([.1, .2, .3])})
    >>> score_matrix(t, "brier").tolist()
    [[0.1, 0.2], [nan, 0.3]]
    """
    out = np.full((len(table.forecasters), len(table.questions)), np.nan)
    out[table.forecaster, table.question] = table.scores[name]
    return out


def rank(table: QuestionScoreTable, on: str = "common") -> Ranking:
    """Rank the forecasters of a scored exercise under one convention (see :data:`RANK_CONVENTIONS`).

    Parameters
    ----------
    table : QuestionScoreTable
    on : {"common", "all"}

    Returns
    -------
    Ranking
        Under ``common`` with no question answered by every forecaster, every row has no score (nothing to rank
        on); the caller says so.
    """
    if on not in RANK_CONVENTIONS:
        raise UsageError(f"--rank-on: unknown convention {on!r}; choose {' or '.join(RANK_CONVENTIONS)}")
    # each (forecaster, question) pair is one row of the table: counts need no dense matrix
    answered = np.bincount(table.forecaster, minlength=len(table.forecasters))
    per_question = np.bincount(table.question, minlength=len(table.questions))
    scored = int((answered > 0).sum())
    if on == "common":
        chosen = np.flatnonzero((per_question == scored) & (scored > 0))
        common = np.zeros(len(table.questions), bool)
        common[chosen] = True
        rows = table.summaries(common)
    else:
        rows = table.summaries()
        chosen = np.flatnonzero(per_question > 0)
    rows.sort(key=lambda f: (f.brier is None, f.brier if f.brier is not None else 0.0, f.id))
    return Ranking(on, tuple(table.questions[q] for q in chosen), int((per_question > 0).sum()), rows,
                   {who: int(n) for who, n in zip(table.forecasters, answered.tolist(), strict=True)})


def skill_scores(table: QuestionScoreTable, reference: str) -> dict[str, Skill]:
    """Brier and log skill scores of every forecaster against ``reference`` (see :class:`Skill`).

    Parameters
    ----------
    table : QuestionScoreTable
    reference : str
        A forecaster id of the table.

    Raises
    ------
    UsageError
        When ``reference`` is not a forecaster of the exercise.
    """
    ref = _code(table, reference, "--reference")
    out = {}
    brier, log = score_matrix(table, "brier"), score_matrix(table, "log")
    both = ~np.isnan(brier) & ~np.isnan(brier[ref])[None, :]
    n = both.sum(axis=1)
    values = {}
    for name, m in (("brier", brier), ("log", log)):
        mine = np.where(both, m, 0.0).sum(axis=1)
        theirs = np.where(both, m[ref][None, :], 0.0).sum(axis=1)
        values[name] = np.where((n > 0) & (theirs > 0), 1.0 - mine / np.where(theirs > 0, theirs, 1.0), np.nan)
    for i, who in enumerate(table.forecasters):
        b, lg = float(values["brier"][i]), float(values["log"][i])
        out[who] = Skill(who, int(n[i]), None if b != b else b, None if lg != lg else lg)
    return out


def compare(table: QuestionScoreTable, a: str, b: str, *, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
            level: float = BOOTSTRAP_LEVEL) -> list[Comparison]:
    """Paired comparison of two forecasters (Brier and log) with a seeded bootstrap over the shared questions.

    Parameters
    ----------
    table : QuestionScoreTable
    a, b : str
        Forecaster ids (different).
    seed : int
        Seed of the resampling (same seed, same interval).
    resamples : int
    level : float

    Returns
    -------
    list of Comparison
        One for ``brier``, one for ``log``; the same resampled questions serve both.

    Raises
    ------
    UsageError
        On an unknown forecaster, ``a == b``, or no question both answered.
    """
    if a == b:
        raise UsageError(f"--compare: give two different forecasters (got {a!r} twice)")
    i, j = _code(table, a, "--compare"), _code(table, b, "--compare")
    brier = score_matrix(table, "brier")
    both = ~np.isnan(brier[i]) & ~np.isnan(brier[j])
    if not both.any():
        raise UsageError(f"--compare: {a} and {b} answered no resolved question in common")
    matrices = [score_matrix(table, name) for name in ("brier", "log")]
    d = np.stack([m[i, both] - m[j, both] for m in matrices])
    # one resampling of the questions serves both scores (drawn once)
    means = _bootstrap_means(d, seed=seed, resamples=resamples)
    out = []
    for k, (name, m) in enumerate(zip(("brier", "log"), matrices, strict=True)):
        low, high, better = _summary(means[k], level)
        out.append(Comparison(a, b, name, int(d.shape[1]), float(m[i, both].mean()), float(m[j, both].mean()),
                              float(d[k].mean()), low, high, better, level, resamples, seed))
    return out


def bootstrap_mean_interval(d: NDArray[np.float64], *, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
                            level: float = BOOTSTRAP_LEVEL) -> tuple[float, float, float]:
    """Percentile bootstrap interval of the mean of ``d``, and the share of resampled means below 0.

    Resample i draws ``n`` indices with ``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))``
    row i (drawn in chunks of rows, which gives the same stream); the interval is the ``(1 ± level) / 2``
    quantiles of the resampled means (NumPy's default linear interpolation).

    Examples
    --------
    >>> low, high, below = bootstrap_mean_interval(np.array([-1.0, -1.0, -1.0]), seed=1, resamples=100)
    >>> low, high, below
    (-1.0, -1.0, 1.0)
    """
    return _summary(_bootstrap_means(d[None, :], seed=seed, resamples=resamples)[0], level)


def _bootstrap_means(d: NDArray[np.float64], *, seed: int, resamples: int) -> NDArray[np.float64]:
    """The means of ``resamples`` resamples of the columns of ``d`` (shape (k, n)), the same for every row."""
    if resamples < 1:
        raise UsageError(f"--resamples must be at least 1, got {resamples}")
    n = d.shape[1]
    rng = np.random.default_rng(seed)
    means = np.empty((d.shape[0], resamples))
    step = max(1, _CHUNK // max(n, 1))
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        index = rng.integers(0, n, size=(rows, n))
        for k in range(d.shape[0]):
            means[k, start:start + rows] = d[k][index].mean(axis=1)
    return means


def _summary(means: NDArray[np.float64], level: float) -> tuple[float, float, float]:
    """The percentile interval at ``level`` and the share of means below 0."""
    if not 0 < level < 1:
        raise UsageError(f"the interval's level must lie strictly between 0 and 1, got {level}")
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high), float((means < 0).mean())


def _code(table: QuestionScoreTable, who: str, option: str) -> int:
    if who not in table.forecasters:
        known = ", ".join(table.forecasters)
        raise UsageError(f"{option}: no forecaster {who!r} in this exercise; the forecasters are {known}")
    return table.forecasters.index(who)
