r"""Pooling several forecasters' forecasts into one: mean, median and extremized logit-mean.

The extremized logit-mean (Satopää et al. 2014, *International Journal of Forecasting* 30, 344–356) of
binary forecasts :math:`p_1..p_n` is :math:`\sigma(a \cdot \overline{\mathrm{logit}\, p})`; for K options we use
its natural generalisation :math:`\mathrm{softmax}(a \cdot \overline{\ln p})` (the normalised geometric mean raised
to the power a), which reduces to the binary formula for K = 2. :math:`a > 1` pushes the pool away from 1/K,
compensating for each forecaster holding only part of the evidence; :math:`a` is fitted by maximum likelihood
on resolved questions (:func:`fit_extremizing`), and a question's own pooled forecast is scored with the
:math:`a` fitted on the *other* questions (leave-one-question-out), so its outcome never tunes its forecast.

Probabilities are clipped to [:data:`LOGIT_FLOOR`, 1 − :data:`LOGIT_FLOOR`] before taking logs: a forecaster's
0 or 1 would otherwise be an infinite logit that decides the pool alone.

The Bayesian forecaster-skill pool lives in :mod:`plausible.forecasting.skill` (it imports PyMC, so only when
asked for).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EXTREMIZING_BOUNDS",
    "LOGIT_FLOOR",
    "fit_extremizing",
    "logit_pool",
    "mean_log_probabilities",
    "mean_pool",
    "median_pool",
]

LOGIT_FLOOR = 1e-3
"""Pools clip probabilities to [LOGIT_FLOOR, 1 - LOGIT_FLOOR] before taking logs."""

EXTREMIZING_BOUNDS = (0.25, 4.0)
"""The interval searched for the extremizing factor a (with few questions the maximum may sit on a bound)."""


def mean_pool(forecasts: ArrayLike) -> NDArray[np.float64]:
    """The linear pool: the mean forecast over forecasters.

    Parameters
    ----------
    forecasts : array_like, shape (F, K)
        One row per forecaster, each a probability vector over K options.

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> mean_pool([[0.6, 0.4], [0.8, 0.2]]).round(6).tolist()
    [0.7, 0.3]
    """
    p = _checked(forecasts)
    out: NDArray[np.float64] = p.mean(axis=0)
    return out


def median_pool(forecasts: ArrayLike) -> NDArray[np.float64]:
    """The median forecast of each option, renormalised to sum to 1 (for K = 2 the median of p).

    Examples
    --------
    >>> median_pool([[0.6, 0.4], [0.7, 0.3], [0.9, 0.1]]).round(6).tolist()
    [0.7, 0.3]
    """
    p = _checked(forecasts)
    median = np.median(p, axis=0)
    total = median.sum()
    out: NDArray[np.float64] = median / total if total > 0 else np.full(p.shape[1], 1.0 / p.shape[1])
    return out


def mean_log_probabilities(forecasts: ArrayLike) -> NDArray[np.float64]:
    """The mean over forecasters of the clipped log probabilities: the input of :func:`logit_pool`.

    Examples
    --------
    >>> m = mean_log_probabilities([[0.6, 0.4], [0.8, 0.2]])
    >>> round(float(m[0] - m[1]), 6)  # the mean logit of the first option
    0.89588
    """
    p = _checked(forecasts)
    out: NDArray[np.float64] = np.log(np.clip(p, LOGIT_FLOOR, 1.0 - LOGIT_FLOOR)).mean(axis=0)
    return out


def logit_pool(forecasts: ArrayLike, a: float = 1.0) -> NDArray[np.float64]:
    r"""The extremized logit-mean pool :math:`\mathrm{softmax}(a \cdot \overline{\ln p})`.

    For binary forecasts this is :math:`\sigma(a \cdot \overline{\mathrm{logit}\, p})`.

    Parameters
    ----------
    forecasts : array_like, shape (F, K)
    a : float
        The extremizing factor (1: the normalised geometric mean).

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> p = np.array([0.6, 0.7, 0.75, 0.8])
    >>> round(float(logit_pool(np.column_stack([p, 1 - p]), a=2.0)[0]), 4)
    0.8663
    """
    if not math.isfinite(a) or a < 0:
        raise ValueError(f"the extremizing factor must be a non-negative number, got {a}")
    return _softmax(a * mean_log_probabilities(forecasts))


def fit_extremizing(mean_logs: Sequence[NDArray[np.float64]], outcomes: Sequence[int],
                    bounds: tuple[float, float] = EXTREMIZING_BOUNDS) -> float:
    r"""The maximum-likelihood extremizing factor over resolved questions.

    Maximises :math:`\sum_q \ln \mathrm{softmax}(a\, m_q)_{o_q}` over ``bounds``, with :math:`m_q` the mean log
    probabilities of question q's pool (:func:`mean_log_probabilities`) and :math:`o_q` the index of its
    outcome. The log-likelihood is concave in a, so a golden-section search finds its maximum.

    Parameters
    ----------
    mean_logs : sequence of ndarray
        One vector per question (questions may have different numbers of options).
    outcomes : sequence of int
    bounds : (float, float)

    Returns
    -------
    float
        1.0 (no extremizing) when there are no questions.

    Examples
    --------
    Confident pools that were right call for more extremizing, wrong ones for less:

    >>> right = [np.log([0.7, 0.3])] * 3 + [np.log([0.3, 0.7])]
    >>> round(fit_extremizing(right, [0, 0, 0, 1]), 2), round(fit_extremizing(right, [0, 1, 0, 0]), 2)
    (4.0, 0.25)
    """
    if len(mean_logs) != len(outcomes):
        raise ValueError("need one outcome per question")
    if not mean_logs:
        return 1.0

    def loglik(a: float) -> float:
        return float(sum(a * m[o] - _logsumexp(a * m) for m, o in zip(mean_logs, outcomes, strict=True)))

    return _golden_max(loglik, *bounds)


# --- kernels -------------------------------------------------------------------------------------------------


def _softmax(x: NDArray[np.float64]) -> NDArray[np.float64]:
    z = np.exp(x - x.max())
    out: NDArray[np.float64] = z / z.sum()
    return out


def _logsumexp(x: NDArray[np.float64]) -> float:
    top = float(x.max())
    return top + math.log(float(np.exp(x - top).sum()))


def _golden_max(f: Callable[[float], float], low: float, high: float, tol: float = 1e-9) -> float:
    """Maximum of a unimodal function on [low, high] by golden-section search."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    best = (a + b) / 2.0
    # The search never evaluates the ends themselves; a maximum on a bound is returned exactly.
    candidates = [(f(low), low), (f(best), best), (f(high), high)]
    return float(max(candidates, key=lambda pair: pair[0])[1])


def _checked(forecasts: ArrayLike) -> NDArray[np.float64]:
    p = np.asarray(forecasts, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 2:
        raise ValueError(f"expected forecasts of shape (F >= 1, K >= 2), got {p.shape}")
    if np.any((p < 0) | (p > 1)) or np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-6):
        raise ValueError("each forecast must be probabilities in [0, 1] summing to 1")
    return p
