"""The Beta distribution's CDF and the fit of a Beta to a probability band, in pure Python.

Verbal terms ("likely") and ACH ratings ("C") stand for bands of probability. We model each as the Beta
distribution that puts ``mass`` of its probability inside the band, split equally between the two tails
(a band touching 0 or 1 has a single tail). The exact engine uses the fitted means, so the fit sits on the
fast path: it is written here without SciPy, and tested against SciPy.
"""

from __future__ import annotations

import math

__all__ = ["beta_cdf", "fit_beta_to_band"]

_EPS = 1e-15
_TINY = 1e-300


def beta_cdf(x: float, alpha: float, beta: float) -> float:
    r"""Regularised incomplete beta function :math:`I_x(\alpha, \beta)`, the Beta CDF.

    Evaluated by Lentz's continued fraction, using the symmetry
    :math:`I_x(a, b) = 1 - I_{1-x}(b, a)` where the fraction converges faster.

    Parameters
    ----------
    x : float
        Point in [0, 1].
    alpha, beta : float
        Positive shape parameters.

    Returns
    -------
    float

    Examples
    --------
    >>> round(beta_cdf(0.5, 2.0, 2.0), 12)
    0.5
    >>> round(beta_cdf(0.3, 1.0, 1.0), 12)
    0.3
    """
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(alpha + beta) - math.lgamma(alpha) - math.lgamma(beta)
        + alpha * math.log(x) + beta * math.log1p(-x)
    )
    if x < (alpha + 1.0) / (alpha + beta + 2.0):
        return math.exp(log_front) * _continued_fraction(x, alpha, beta) / alpha
    return 1.0 - math.exp(log_front) * _continued_fraction(1.0 - x, beta, alpha) / beta


def _continued_fraction(x: float, a: float, b: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= c * d
        if abs(c * d - 1.0) < _EPS:
            break
    return result


def fit_beta_to_band(low: float, high: float, mass: float = 0.9) -> tuple[float, float]:
    """Find the Beta distribution that puts ``mass`` inside ``[low, high]``, equal tails outside.

    A band that starts at 0 (or ends at 1) has one tail: the fit is Beta(1, b) (or Beta(a, 1)) with
    ``mass`` below ``high`` (above ``low``), in closed form. Otherwise the two quantile conditions
    ``F(low) = (1 - mass)/2`` and ``F(high) = (1 + mass)/2`` are solved by damped Newton iterations in
    log-parameter space, started from moment matching.

    Parameters
    ----------
    low, high : float
        The band, with ``0 <= low < high <= 1`` and not both 0 and 1.
    mass : float
        Probability inside the band, in (0, 1).

    Returns
    -------
    tuple of float
        ``(alpha, beta)``.

    Raises
    ------
    ValueError
        For an invalid band or mass.

    Examples
    --------
    >>> a, b = fit_beta_to_band(0.55, 0.80)
    >>> round(beta_cdf(0.80, a, b) - beta_cdf(0.55, a, b), 9)
    0.9
    >>> fit_beta_to_band(0.0, 0.5, 0.75)
    (1.0, 2.0)
    """
    if not (0.0 <= low < high <= 1.0) or (low == 0.0 and high == 1.0):
        raise ValueError(f"band [{low}, {high}] must satisfy 0 <= low < high <= 1 and not be [0, 1]")
    if not 0.0 < mass < 1.0:
        raise ValueError(f"mass {mass} must be in (0, 1)")
    if low == 0.0:
        return 1.0, math.log1p(-mass) / math.log1p(-high)
    if high == 1.0:
        return math.log1p(-mass) / math.log(low), 1.0
    tail = (1.0 - mass) / 2.0
    targets = (tail, 1.0 - tail)

    def residual(u: tuple[float, float]) -> tuple[float, float]:
        a, b = math.exp(u[0]), math.exp(u[1])
        return beta_cdf(low, a, b) - targets[0], beta_cdf(high, a, b) - targets[1]

    mid = (low + high) / 2.0
    z = _normal_quantile(1.0 - tail)
    sd = (high - low) / (2.0 * z)
    concentration = max(mid * (1.0 - mid) / sd**2 - 1.0, 0.5)
    u = (math.log(mid * concentration), math.log((1.0 - mid) * concentration))
    r = residual(u)
    for _ in range(200):
        norm = math.hypot(*r)
        if norm < 1e-12:
            break
        h = 1e-6
        r_a, r_b = residual((u[0] + h, u[1])), residual((u[0], u[1] + h))
        j = ((r_a[0] - r[0]) / h, (r_b[0] - r[0]) / h, (r_a[1] - r[1]) / h, (r_b[1] - r[1]) / h)
        det = j[0] * j[3] - j[1] * j[2]
        if det == 0.0:
            break
        step = ((j[3] * r[0] - j[1] * r[1]) / det, (-j[2] * r[0] + j[0] * r[1]) / det)
        scale = 1.0
        while scale > 1e-4:  # halve the step until the residual shrinks
            candidate = (u[0] - scale * step[0], u[1] - scale * step[1])
            r_new = residual(candidate)
            if math.hypot(*r_new) < norm:
                u, r = candidate, r_new
                break
            scale /= 2.0
        else:
            break
    if math.hypot(*r) > 1e-8:
        raise ValueError(f"could not fit a Beta distribution to the band [{low}, {high}] with mass {mass}")
    return math.exp(u[0]), math.exp(u[1])


def _normal_quantile(p: float) -> float:
    """Standard normal quantile by bisection on ``erf`` (only a starting value needs it)."""
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0
