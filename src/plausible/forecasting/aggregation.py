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
    "fit_extremizing_loo",
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

    m, chosen = _padded(mean_logs, outcomes)

    def loglik(a: float) -> float:
        # Rows shifted to a maximum of 0, so log-sum-exp needs no further guard.
        return float((a * chosen - np.log(np.exp(a * m).sum(axis=1))).sum())

    return _golden_max(loglik, *bounds)


def fit_extremizing_loo(mean_logs: Sequence[NDArray[np.float64]], outcomes: Sequence[int],
                        bounds: tuple[float, float] = EXTREMIZING_BOUNDS) -> NDArray[np.float64]:
    r"""The leave-one-question-out extremizing factors: for each question, :func:`fit_extremizing` on the others.

    Vectorised, in O(questions × degree) NumPy work instead of O(questions²) Python calls. The log-likelihood
    :math:`L(a) = \sum_q \ell_q(a)` is concave, so question q's factor is where the derivative
    :math:`L'(a) - \ell_q'(a)` changes sign on ``bounds`` (or the bound it never crosses). :math:`L'` is
    evaluated exactly at Chebyshev nodes once and interpolated (it is analytic in a: the interpolation error is
    far below rounding), each :math:`\ell_q'` is evaluated exactly, and all the sign changes are found together by
    bisection to machine precision. A question whose others carry no information about a (every other pool at
    1/K, so the likelihood is flat) gets the lower bound, as the golden-section search of :func:`fit_extremizing`
    does; with a single question the other set is empty and the factor is 1.0.

    Parameters
    ----------
    mean_logs : sequence of ndarray
        One vector per question (questions may have different numbers of options).
    outcomes : sequence of int
    bounds : (float, float)

    Returns
    -------
    ndarray, shape (questions,)

    Examples
    --------
    >>> right = [np.log([0.7, 0.3])] * 3 + [np.log([0.3, 0.7])]
    >>> fit_extremizing_loo(right, [0, 0, 0, 1]).round(6).tolist()
    [4.0, 4.0, 4.0, 4.0]
    >>> [round(fit_extremizing([m for j, m in enumerate(right) if j != q], [0, 0, 1]), 6) for q in range(3)]
    [4.0, 4.0, 4.0]
    """
    n = len(mean_logs)
    if n != len(outcomes):
        raise ValueError("need one outcome per question")
    if n == 0:
        return np.empty(0)
    if n == 1:
        return np.ones(1)
    low, high = bounds
    m, chosen = _padded(mean_logs, outcomes)
    informative = (np.where(np.isfinite(m), m, 0.0).min(axis=1) < 0.0)

    def slopes(a: NDArray[np.float64], rows: NDArray[np.intp] | slice) -> NDArray[np.float64]:
        """ell_q'(a) = m_q[o_q] - E_softmax(a m_q)[m_q], for each (a, row) pair (broadcast)."""
        mm = m[rows]
        z = np.exp(a[..., None] * mm)
        finite = np.where(np.isfinite(mm), mm, 0.0)
        out: NDArray[np.float64] = chosen[rows] - (z * finite).sum(axis=-1) / z.sum(axis=-1)
        return out

    degree = 256
    k = np.arange(degree + 1)
    nodes_x = np.cos(np.pi * (k + 0.5) / (degree + 1))
    nodes = (high + low) / 2.0 + (high - low) / 2.0 * nodes_x
    total = np.array([slopes(np.full(n, a), slice(None)).sum() for a in nodes])
    coefficients = np.polynomial.chebyshev.chebfit(nodes_x, total, degree)

    def derivative(a: NDArray[np.float64]) -> NDArray[np.float64]:
        x = (2.0 * a - (high + low)) / (high - low)
        out: NDArray[np.float64] = np.polynomial.chebyshev.chebval(x, coefficients) - slopes(a, rows)
        return out

    rows = np.arange(n)
    lo, hi = np.full(n, low), np.full(n, high)
    at_low, at_high = derivative(lo) <= 0.0, derivative(hi) >= 0.0
    for _ in range(64):
        mid = (lo + hi) / 2.0
        up = derivative(mid) > 0.0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    a_hat = np.where(at_low, low, np.where(at_high, high, (lo + hi) / 2.0))
    # The others carry no information when none of them is informative: a flat likelihood.
    others_informative = informative.sum() - informative > 0
    out: NDArray[np.float64] = np.where(others_informative, a_hat, low)
    return out


# --- kernels -------------------------------------------------------------------------------------------------


def _padded(mean_logs: Sequence[NDArray[np.float64]],
            outcomes: Sequence[int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The questions' mean log probabilities as one (questions, options) array, and each outcome's entry.

    Options are padded with -inf (exp(a * -inf) = 0 adds nothing to the softmax) and each row is shifted to a
    maximum of 0 (the softmax is unchanged and a * m never overflows).
    """
    width = max(len(row) for row in mean_logs)
    m = np.full((len(mean_logs), width), -np.inf)
    for i, row in enumerate(mean_logs):
        m[i, :len(row)] = row
    m -= m.max(axis=1, keepdims=True)
    chosen: NDArray[np.float64] = m[np.arange(len(mean_logs)), np.asarray(outcomes, dtype=np.intp)]
    return m, chosen


def _softmax(x: NDArray[np.float64]) -> NDArray[np.float64]:
    z = np.exp(x - x.max())
    out: NDArray[np.float64] = z / z.sum()
    return out


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
