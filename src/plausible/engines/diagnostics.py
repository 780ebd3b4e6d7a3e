"""MCMC convergence diagnostics: rank-normalised split R-hat and bulk/tail ESS (Vehtari et al., 2021).

Written here, vectorised over parameters, because importing ArviZ's statistics costs ~1.7 s on every MCMC
run; the tests check these functions against ArviZ. Reference: A. Vehtari, A. Gelman, D. Simpson,
B. Carpenter, P.-C. Bürkner, "Rank-normalization, folding, and localization: an improved R-hat for
assessing convergence of MCMC", Bayesian Analysis 16(2), 2021.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

__all__ = ["ess_bulk", "ess_tail", "rhat"]

FloatArray = NDArray[np.float64]


def _split(draws: FloatArray) -> FloatArray:
    """(chain, draw, P) -> (2 chain, draw // 2, P): each chain's first and last halves as two chains."""
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, draws.shape[1] - half :]], axis=0)


def _average_ranks(values: FloatArray) -> FloatArray:
    """Ranks 1..n of a flat array, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.concatenate((first[1:], [values.size])) - 1
    ranks = np.empty(values.size)
    ranks[order] = (first[group] + last[group]) / 2.0 + 1.0
    return ranks


def _z_scale(draws: FloatArray) -> FloatArray:
    """Rank-normalise each parameter over all its draws (Blom's offset 3/8)."""
    chains, n, params = draws.shape
    out = np.empty_like(draws, dtype=np.float64)
    size = chains * n
    for p in range(params):
        ranks = _average_ranks(draws[:, :, p].ravel())
        out[:, :, p] = ndtri((ranks - 0.375) / (size + 0.25)).reshape(chains, n)
    return out


def _basic_rhat(draws: FloatArray) -> FloatArray:
    n = draws.shape[1]
    between = n * np.var(draws.mean(axis=1), axis=0, ddof=1)
    within = np.mean(np.var(draws, axis=1, ddof=1), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.sqrt((between / within + n - 1) / n)
    return out


def rhat(draws: FloatArray) -> FloatArray:
    """Rank-normalised split R-hat of each parameter: the larger of the bulk and folded (tail) values.

    Parameters
    ----------
    draws : ndarray, shape (chain, draw, P)

    Returns
    -------
    ndarray, shape (P,)
        NaN where it cannot be computed (fewer than 2 chains or 4 draws).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bool(rhat(rng.normal(size=(4, 500, 1)))[0] < 1.01)
    True
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[0] < 2 or draws.shape[1] < 4:
        return np.full(draws.shape[2], np.nan)
    split = _split(draws)
    folded = np.abs(split - np.median(split.reshape(-1, split.shape[2]), axis=0))
    return np.maximum(_basic_rhat(_z_scale(split)), _basic_rhat(_z_scale(folded)))


def _autocovariance(x: FloatArray) -> FloatArray:
    """Biased autocovariance of each chain and parameter along axis 1, by FFT."""
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    size = 2 ** int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov: FloatArray = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n] / n
    return acov


def _ess(draws: FloatArray) -> FloatArray:
    """ESS of each parameter by Geyer's initial monotone sequence over the chains' autocorrelations."""
    chains, n, params = draws.shape
    out = np.full(params, float(chains * n))
    acov = _autocovariance(draws)  # (chain, lag, P)
    mean_var = acov[:, 0, :].mean(axis=0) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus = var_plus + np.var(draws.mean(axis=1), axis=0, ddof=1)
    for p in range(params):
        if np.ptp(draws[:, :, p]) < np.finfo(float).resolution:
            continue  # a constant: every draw counts
        rho = 1.0 - (mean_var[p] - acov[:, :, p].mean(axis=0)) / var_plus[p]
        rho[0] = 1.0
        kept = np.zeros(n)
        kept[:2] = rho[:2]
        even, odd = 1.0, rho[1]
        t = 1
        while t < n - 3 and even + odd > 0.0:  # Geyer's initial positive sequence
            even, odd = rho[t + 1], rho[t + 2]
            if even + odd >= 0.0:
                kept[t + 1], kept[t + 2] = even, odd
            t += 2
        max_t = t - 2
        if even > 0.0:
            kept[max_t + 1] = even
        t = 1
        while t <= max_t - 2:  # ... made monotone
            if kept[t + 1] + kept[t + 2] > kept[t - 1] + kept[t]:
                kept[t + 1] = kept[t + 2] = (kept[t - 1] + kept[t]) / 2.0
            t += 2
        tau = -1.0 + 2.0 * kept[: max_t + 1].sum() + kept[max_t + 1 : max_t + 2].sum()
        out[p] = chains * n / max(tau, 1.0 / np.log10(chains * n))
    return out


def ess_bulk(draws: FloatArray) -> FloatArray:
    """Bulk effective sample size of each parameter (rank-normalised split chains).

    Parameters
    ----------
    draws : ndarray, shape (chain, draw, P)

    Returns
    -------
    ndarray, shape (P,)
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[1] < 4:
        return np.full(draws.shape[2], np.nan)
    return _ess(_z_scale(_split(draws)))


def ess_tail(draws: FloatArray, prob: float = 0.05) -> FloatArray:
    """Tail effective sample size: the smaller ESS of the indicators of the ``prob`` and ``1 - prob`` quantiles.

    Parameters
    ----------
    draws : ndarray, shape (chain, draw, P)
    prob : float

    Returns
    -------
    ndarray, shape (P,)
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.shape[1] < 4:
        return np.full(draws.shape[2], np.nan)
    flat = draws.reshape(-1, draws.shape[2])
    results = []
    for q in (prob, 1.0 - prob):
        indicator = (draws <= np.quantile(flat, q, axis=0)).astype(np.float64)
        results.append(_ess(_split(indicator)))
    out: FloatArray = np.minimum(results[0], results[1])
    return out
