r"""Proper scoring rules for probability forecasts, and Good Judgment time-averaging.

Every score here is negatively oriented: lower is better, 0 is a perfect forecast.

Conventions (they differ between communities, so each is named and stated):

* **Brier score, original** (Brier 1950; the Good Judgment Project's convention; ``brier`` in the JSON):
  :math:`\sum_{k=1}^{K} (p_k - o_k)^2` summed over all K options, in [0, 2]. For a binary question it is twice
  the half-Brier.
* **Half-Brier** (binary only; scikit-learn's ``brier_score_loss``): :math:`(p - o)^2` for the probability
  :math:`p` of the event, in [0, 1].
* **Log score** (``log`` in the JSON): :math:`-\ln p_{\text{outcome}}` (natural log, in nats), with the
  probability clipped to :data:`PROBABILITY_FLOOR` = 1e-15 first, so that a forecast of 0 for what happened costs
  :math:`-\ln 10^{-15} \approx 34.5` instead of infinity (scikit-learn clips at machine epsilon; we use a fixed
  floor so results do not depend on the float type).
* **Ranked probability score** (ordered questions): the *unnormalised* sum over the K − 1 cumulative
  categories, :math:`\sum_{k=1}^{K-1} (F_k - O_k)^2` with :math:`F_k = \sum_{j \le k} p_j` and
  :math:`O_k = [\text{outcome} \le k]`, in [0, K − 1] (as ``scoringrules.rps_score``); and the normalised
  variant divided by K − 1, in [0, 1], named :func:`normalised_ranked_probability_score`.
* **Time-averaging** (Good Judgment): a forecast stands every day from the day it is made until the day before
  the next update; each day from the forecaster's *first* forecast of the question to the last scored day
  (the resolution day or the close, whichever comes first), both included, counts once. Days before a
  forecaster's first forecast are not scored. See :func:`standing_days`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plausible.forecasting import kernels
from plausible.forecasting.kernels import PROBABILITY_FLOOR

__all__ = [
    "PROBABILITY_FLOOR",
    "brier_score",
    "half_brier_score",
    "log_score",
    "normalised_ranked_probability_score",
    "ranked_probability_score",
    "standing_days",
    "time_average",
]

# --- checked surface ----------------------------------------------------------------------------------------


def brier_score(probabilities: ArrayLike, outcome: ArrayLike) -> NDArray[np.float64]:
    r"""Brier's original multi-category score of each forecast: :math:`\sum_k (p_k - o_k)^2`, in [0, 2].

    Parameters
    ----------
    probabilities : array_like, shape (N, K)
        Each row a forecast over K options, summing to 1.
    outcome : array_like of int, shape (N,)
        The index of the option that happened (0-based).

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    scikit-learn's ``brier_score_loss([0, 1, 1, 0], [.1, .9, .8, .3])`` is 0.0375; unhalved, 0.075:

    >>> p = np.array([0.1, 0.9, 0.8, 0.3])
    >>> round(float(brier_score(np.column_stack([p, 1 - p]), [1, 0, 0, 1]).mean()), 6)
    0.075
    """
    p, o = _checked(probabilities, outcome)
    return kernels.brier(p, o)


def half_brier_score(probability: ArrayLike, happened: ArrayLike) -> NDArray[np.float64]:
    r"""The binary half-Brier score :math:`(p - o)^2` of each forecast, in [0, 1] (scikit-learn's convention).

    Parameters
    ----------
    probability : array_like, shape (N,)
        The forecast probability of the event.
    happened : array_like of bool or {0, 1}, shape (N,)

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> round(float(half_brier_score([0.1, 0.9, 0.8, 0.3], [0, 1, 1, 0]).mean()), 12)
    0.0375
    """
    p = np.asarray(probability, dtype=np.float64)
    o = np.asarray(happened, dtype=np.float64)
    if p.shape != o.shape or p.ndim != 1:
        raise ValueError(f"expected two vectors of one length, got shapes {p.shape} and {o.shape}")
    if np.any((p < 0) | (p > 1)) or not np.all((o == 0) | (o == 1)):
        raise ValueError("probabilities must lie in [0, 1] and outcomes be 0 or 1")
    out: NDArray[np.float64] = (p - o) ** 2
    return out


def log_score(probabilities: ArrayLike, outcome: ArrayLike) -> NDArray[np.float64]:
    r"""The log score :math:`-\ln \max(p_{\text{outcome}}, 10^{-15})` of each forecast (nats).

    Parameters
    ----------
    probabilities : array_like, shape (N, K)
    outcome : array_like of int, shape (N,)

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    scikit-learn's ``log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])``
    (columns ham, spam) is 0.21616:

    >>> p = [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]
    >>> round(float(log_score(p, [1, 0, 0, 1]).mean()), 5)
    0.21616
    """
    p, o = _checked(probabilities, outcome)
    return kernels.log(p, o)


def ranked_probability_score(probabilities: ArrayLike, outcome: ArrayLike) -> NDArray[np.float64]:
    r"""The unnormalised ranked probability score :math:`\sum_{k=1}^{K-1} (F_k - O_k)^2`, in [0, K − 1].

    Options must be listed in their order on the scale. Equals ``scoringrules.rps_score`` (which takes a
    1-based category).

    Parameters
    ----------
    probabilities : array_like, shape (N, K)
    outcome : array_like of int, shape (N,)
        0-based index of the option that happened.

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    ``scoringrules.rps_score(3, [.01, .32, .44, .23])`` = 0.1619 (category 3 is index 2):

    >>> round(float(ranked_probability_score([[.01, .32, .44, .23]], [2])[0]), 6)
    0.1619
    """
    p, o = _checked(probabilities, outcome)
    return kernels.rps(p, o)


def normalised_ranked_probability_score(probabilities: ArrayLike, outcome: ArrayLike) -> NDArray[np.float64]:
    """The ranked probability score divided by K − 1, in [0, 1] (comparable across numbers of options).

    Examples
    --------
    >>> round(float(normalised_ranked_probability_score([[.1, .2, .3, .4]], [2])[0]), 6)
    0.086667
    """
    p, o = _checked(probabilities, outcome)
    out: NDArray[np.float64] = kernels.rps(p, o) / (p.shape[1] - 1)
    return out


def standing_days(made: Sequence[dt.date], last_day: dt.date) -> NDArray[np.int64]:
    """For each forecast, the number of scored days it stands (Good Judgment time-averaging).

    Forecast i stands from its day ``made[i]`` until the day before ``made[i + 1]``; the last one until
    ``last_day`` inclusive. Days before the first forecast are not scored.

    Parameters
    ----------
    made : sequence of datetime.date
        The days the forecasts were made, strictly increasing.
    last_day : datetime.date
        The last scored day (the resolution day or the close, whichever is first).

    Returns
    -------
    ndarray of int, shape (len(made),)

    Examples
    --------
    Forecasts on 1 and 4 January, question resolved on 8 January: 3 days and 5 days.

    >>> standing_days([dt.date(2020, 1, 1), dt.date(2020, 1, 4)], dt.date(2020, 1, 8)).tolist()
    [3, 5]
    """
    days = np.array([d.toordinal() for d in made], dtype=np.int64)
    if days.size and np.any(np.diff(days) <= 0):
        raise ValueError("forecast days must be strictly increasing")
    return kernels.standing(days, last_day.toordinal())


def time_average(scores: ArrayLike, days: ArrayLike) -> float:
    """The average of per-forecast scores weighted by the days each forecast stands.

    Examples
    --------
    >>> round(time_average([0.32, 0.08], [3, 5]), 12)
    0.17
    """
    s = np.asarray(scores, dtype=np.float64)
    w = np.asarray(days, dtype=np.float64)
    if s.shape != w.shape or w.sum() <= 0:
        raise ValueError("need one positive weight per score, with a positive total")
    return float(np.dot(s, w) / w.sum())


def _checked(probabilities: ArrayLike, outcome: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    p = np.asarray(probabilities, dtype=np.float64)
    o = np.asarray(outcome)
    if p.ndim != 2 or p.shape[1] < 2 or o.shape != (p.shape[0],):
        raise ValueError(f"expected probabilities of shape (N, K >= 2) and N outcomes, got {p.shape} and {o.shape}")
    if not np.issubdtype(o.dtype, np.integer) or np.any((o < 0) | (o >= p.shape[1])):
        raise ValueError(f"outcomes must be option indices in 0..{p.shape[1] - 1}")
    if np.any((p < 0) | (p > 1)) or np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-6):
        raise ValueError("each forecast must be probabilities in [0, 1] summing to 1")
    return p, o.astype(np.intp)
