r"""The exact engine: the model of ``docs/model.md`` at point values, in closed form, vectorised in log space.

Notation (defined once, used in the kernels below):

* :math:`\pi_k` prior of hypothesis k; :math:`\lambda_{gk}` = P(event g | H_k);
  :math:`a_g = \sum_k \pi_k \lambda_{gk}`, the chance that a report of g arises when it is noise.
* :math:`\rho_j` reliability of report j: its source's reliability times its credibility factor.
* An event's reports from distinct sources i are independent given the event (Bovens–Hartmann):

  .. math::
     P(\text{reports}_g \mid H_k) = \lambda_{gk} \prod_i (\rho_i + (1 - \rho_i) a_g)
                                   + (1 - \lambda_{gk}) \prod_i (1 - \rho_i) a_g .

  With one report this is :math:`\rho\lambda_{gk} + (1 - \rho) a_g`. A source repeating itself within
  one event counts once, at its highest reliability among those reports.

The posterior is :math:`\mathrm{softmax}(\ln\pi + \sum_g \ln P(\text{reports}_g \mid H))`. Reports are
attributed their *increment*: the change in their event's log-likelihood when they are added in
trajectory order, so increments sum to the total and give the trajectory and the weights of evidence.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from plausible.core.types import Method
from plausible.engines.posterior import Posterior
from plausible.model.compiled import CompiledSet, fill_not_applicable

__all__ = ["exact_posterior", "log_likelihood", "log_likelihood_increments", "softmax"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def softmax(logits: FloatArray, axis: int = -1) -> FloatArray:
    """Numerically stable softmax along ``axis``.

    Examples
    --------
    >>> softmax(np.log(np.array([1.0, 3.0]))).tolist()
    [0.25, 0.75]
    """
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    e = np.exp(shifted)
    out: FloatArray = e / e.sum(axis=axis, keepdims=True)
    return out


def _segment_starts(keys_sorted: IntArray) -> NDArray[np.bool_]:
    starts = np.ones(keys_sorted.shape, dtype=bool)
    starts[1:] = keys_sorted[1:] != keys_sorted[:-1]
    return starts


def _segmented_cumsum(values: FloatArray, keys: IntArray) -> FloatArray:
    """Cumulative sums of ``values`` within runs of equal ``keys``, in the original order of positions."""
    order = np.lexsort((np.arange(len(keys)), keys))
    v = values[order]
    total = np.cumsum(v)
    starts = _segment_starts(keys[order])
    before = np.where(starts, total - v, 0.0)
    offset = np.maximum.accumulate(np.where(starts, np.arange(len(v)), 0))
    out = np.empty_like(values)
    out[order] = total - before[offset]
    return out


def log_likelihood_increments(
    prior: FloatArray, lam: FloatArray, rho: FloatArray, event_of: IntArray, source_of: IntArray
) -> FloatArray:
    """Increment of ln P(reports | H_k) contributed by each report, in trajectory order.

    Parameters
    ----------
    prior : ndarray, shape (K,)
    lam : ndarray, shape (G, K)
        P(event | hypothesis), strictly inside (0, 1).
    rho : ndarray, shape (N,)
        Reliability of each report (source reliability times credibility factor), in [0, 1].
    event_of, source_of : ndarray of int, shape (N,)
        Event and source of each report.

    Returns
    -------
    ndarray, shape (N, K)
        Summing rows over the reports of an event gives that event's ln P(reports_g | H_k).

    Examples
    --------
    Heuer's fighter identification: a fully reliable witness, P(report | A) = 0.8, P(report | B) = 0.2.

    >>> inc = log_likelihood_increments(np.array([0.15, 0.85]), np.array([[0.8, 0.2]]), np.array([1.0]),
    ...                                  np.array([0]), np.array([0]))
    >>> softmax(np.log([0.15, 0.85]) + inc.sum(axis=0)).round(4).tolist()
    [0.4138, 0.5862]
    """
    n = len(rho)
    if n == 0:
        return np.zeros((0, len(prior)))
    a = lam @ prior  # (G,)
    # Within an event, a source counts once at its highest reliability so far: segmented running maximum.
    n_sources = int(source_of.max()) + 1
    key = event_of * n_sources + source_of
    order = np.lexsort((np.arange(n), key))
    key_sorted = key[order]
    running_max = np.maximum.accumulate(key_sorted * 2.0 + rho[order]) - key_sorted * 2.0
    starts = _segment_starts(key_sorted)
    previous = np.where(starts, np.nan, np.concatenate(([np.nan], running_max[:-1])))
    rho_now, rho_before = np.empty(n), np.empty(n)
    rho_now[order], rho_before[order] = running_max, previous
    has_before = ~np.isnan(rho_before)
    unchanged = has_before & (rho_before == rho_now)

    a_r = a[event_of]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_truthful = np.log(rho_now + (1.0 - rho_now) * a_r)
        log_noise = np.log1p(-rho_now) + np.log(a_r)
        d_truthful = log_truthful - np.where(has_before, np.log(rho_before + (1.0 - rho_before) * a_r), 0.0)
        d_noise = log_noise - np.where(has_before, np.log1p(-rho_before) + np.log(a_r), 0.0)
    d_truthful = np.where(unchanged, 0.0, d_truthful)
    d_noise = np.where(unchanged, 0.0, d_noise)
    # A fully reliable report makes the "all noise" branch impossible: track that apart from the sums.
    certain = np.isneginf(d_noise)
    cum_truthful = _segmented_cumsum(d_truthful, event_of)
    cum_noise = np.where(_segmented_cumsum(certain.astype(np.float64), event_of) > 0, -np.inf,
                         _segmented_cumsum(np.where(certain, 0.0, d_noise), event_of))
    lam_r = lam[event_of]
    with np.errstate(divide="ignore"):
        event_ll = np.logaddexp(np.log(lam_r) + cum_truthful[:, None], np.log1p(-lam_r) + cum_noise[:, None])
    # Increment: this report's event log-likelihood minus the same event's after its previous report.
    order = np.lexsort((np.arange(n), event_of))
    sorted_ll = event_ll[order]
    first = _segment_starts(event_of[order])
    before_ll = np.where(first[:, None], 0.0, np.vstack([np.zeros((1, lam.shape[1])), sorted_ll[:-1]]))
    increments: FloatArray = np.empty_like(event_ll)
    increments[order] = sorted_ll - before_ll
    return increments


def log_likelihood(compiled: CompiledSet, rho: FloatArray | None = None, lam: FloatArray | None = None) -> FloatArray:
    """Ln P(all reports | H_k) for each hypothesis, at given source reliabilities and likelihoods.

    Parameters
    ----------
    compiled : CompiledSet
    rho : ndarray, shape (S,), optional
        Source reliabilities (default: prior means).
    lam : ndarray, shape (G, K), optional
        Event likelihoods (default: point values); cells rated NA are refilled from the others.

    Returns
    -------
    ndarray, shape (K,)
    """
    if lam is not None:
        lam = fill_not_applicable(lam, compiled.lam_na, compiled.prior)
    increments = log_likelihood_increments(
        compiled.prior, compiled.lam if lam is None else lam, compiled.rho_effective(rho),
        compiled.event_of, compiled.source_of,
    )
    out: FloatArray = increments.sum(axis=0)
    return out


def exact_posterior(compiled: CompiledSet, inputs_hash: str = "") -> Posterior:
    """The exact engine's posterior for a compiled set (point values, prior-mean reliabilities).

    Parameters
    ----------
    compiled : CompiledSet
    inputs_hash : str
        Hash of the input files, recorded in the result.

    Returns
    -------
    Posterior
    """
    increments = log_likelihood_increments(
        compiled.prior, compiled.lam, compiled.rho_effective(), compiled.event_of, compiled.source_of
    )
    with_prior = increments.sum(axis=0) + np.log(compiled.prior)
    return Posterior(
        set_id=compiled.set_id, method=Method.EXACT, hypothesis_ids=compiled.hypothesis_ids, prior=compiled.prior,
        probability=softmax(with_prior), item_ids=compiled.item_ids, increments=increments, inputs_hash=inputs_hash,
    )
