r"""What the MCMC engine samples, and what it integrates out exactly (NumPy only, no PyMC).

Notation as in :mod:`plausible.engines.exact`. Posterior uncertainty comes from the Beta bands of the
likelihoods :math:`\lambda` and the Beta priors of the source reliabilities :math:`\rho`.

*Linear events* (reported by one distinct source) have
:math:`P(r_g \mid H_k) = \rho\lambda_{gk} + (1 - \rho) a_g`, linear in :math:`\lambda_g`. Since the bands of
different events are independent, :math:`\lambda_g` integrates out exactly: given :math:`\rho`, the
marginal likelihood is the same expression at the Beta means. The sampler therefore never sees them. Their
conditional posterior is a finite mixture of Betas (each component tilts one cell's Beta by one success),
which :func:`draw_linear_likelihoods` samples exactly, so credible intervals still carry their spread.

*Corroborated events* (two or more distinct sources) are not linear in :math:`\lambda_g`, but polynomial;
their bands integrate out exactly too, through Beta moments (:mod:`plausible.engines.corroboration`).
NUTS samples only the reliabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.model.compiled import CompiledSet

__all__ = [
    "SamplingStructure",
    "batched_log_likelihood",
    "draw_linear_likelihoods",
    "linear_log_likelihood",
    "sampling_structure",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

RHO_CEILING = 1.0 - 1e-9
"""Reliabilities are capped just below 1 in the sampler so that log(1 - rho) stays finite."""


@dataclass(frozen=True)
class SamplingStructure:
    """Index arrays for the MCMC engine.

    Attributes
    ----------
    pair_event, pair_source : ndarray of int, shape (P,)
        Distinct (event, source) pairs, sorted by event; a source repeating itself in an event counts once.
    pair_factor : ndarray, shape (P,)
        The highest credibility factor among that source's reports of that event.
    event_start : ndarray of int, shape (G,)
        Index of each event's first pair (for ``np.add.reduceat``).
    linear : ndarray of bool, shape (G,)
        Events with a single distinct source (their likelihoods integrate out exactly).
    free_rho : ndarray of int, shape (S_free,)
        Sources whose reliability has a Beta prior (sampled); the others are fixed numbers.
    free_cells : tuple of ndarray of int
        (rows, cols) of banded, applicable cells of corroborated events (integrated out given rho, see
        :mod:`plausible.engines.corroboration`).
    fill : ndarray, shape (G, K, K)
        ``fill[g] @ lam[g]`` replaces NA cells by the prior-weighted mean of the applicable ones.
    """

    pair_event: IntArray
    pair_source: IntArray
    pair_factor: FloatArray
    event_start: IntArray
    linear: NDArray[np.bool_]
    free_rho: IntArray
    free_cells: tuple[IntArray, IntArray]
    fill: FloatArray


def sampling_structure(compiled: CompiledSet) -> SamplingStructure:
    """Derive the sampling structure of a compiled set."""
    n_events = compiled.lam.shape[0]
    pairs: dict[tuple[int, int], float] = {}
    for e, s, f in zip(compiled.event_of.tolist(), compiled.source_of.tolist(), compiled.factor.tolist(), strict=True):
        pairs[(e, s)] = max(pairs.get((e, s), 0.0), f)
    ordered = sorted(pairs)
    pair_event = np.array([e for e, _ in ordered], dtype=np.int64)
    pair_source = np.array([s for _, s in ordered], dtype=np.int64)
    pair_factor = np.array([pairs[p] for p in ordered], dtype=np.float64)
    counts = np.bincount(pair_event, minlength=n_events)
    event_start = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    linear = counts == 1
    banded = ~np.isnan(compiled.lam_alpha) & ~compiled.lam_na
    rows, cols = np.nonzero(banded & ~linear[:, None])
    free_rho = np.nonzero(~np.isnan(compiled.rho_alpha))[0].astype(np.int64)
    return SamplingStructure(
        pair_event, pair_source, pair_factor, event_start, linear, free_rho,
        (rows.astype(np.int64), cols.astype(np.int64)), fill_matrices(compiled.lam_na, compiled.prior),
    )


def fill_matrices(na: NDArray[np.bool_], prior: FloatArray) -> FloatArray:
    """Per-event linear maps that fill NA cells with the prior-weighted mean of the other cells.

    Examples
    --------
    >>> fill_matrices(np.array([[False, True]]), np.array([0.5, 0.5]))[0].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    n_events, k = na.shape
    weights = np.where(na, 0.0, prior[None, :])
    total = weights.sum(axis=1, keepdims=True)
    rows = np.divide(weights, total, out=np.full_like(weights, 1.0 / k), where=total > 0)
    eye = np.broadcast_to(np.eye(k), (n_events, k, k))
    mapped = np.where(na[:, :, None], rows[:, None, :], eye)
    all_na = np.all(na, axis=1)
    mapped[all_na] = 0.0  # nothing applicable: every cell becomes 0.5 through the offset below
    return np.asarray(mapped, dtype=np.float64)


def _filled(lam: FloatArray, structure: SamplingStructure, na_rows: NDArray[np.bool_]) -> FloatArray:
    """Apply the NA fill to (..., G, K) likelihoods; rows without NA pass unchanged."""
    if not na_rows.any():
        return lam
    out = lam.copy()
    idx = np.nonzero(na_rows)[0]
    out[..., idx, :] = np.einsum("gkj,...gj->...gk", structure.fill[idx], lam[..., idx, :])
    all_na = np.nonzero(np.all(structure.fill == 0.0, axis=(1, 2)))[0]
    out[..., all_na, :] = 0.5
    return out


def batched_log_likelihood(
    compiled: CompiledSet, structure: SamplingStructure, rho: FloatArray, lam: FloatArray
) -> FloatArray:
    """Log-likelihood ln P(reports | H_k) for a batch of draws.

    Parameters
    ----------
    compiled : CompiledSet
    structure : SamplingStructure
    rho : ndarray, shape (D, S)
        Source reliabilities per draw.
    lam : ndarray, shape (D, G, K)
        Likelihoods per draw (NA cells are filled here).

    Returns
    -------
    ndarray, shape (D, K)
    """
    lam = _filled(lam, structure, compiled.lam_na.any(axis=1))
    a = np.einsum("dgk,k->dg", lam, compiled.prior)
    r = np.minimum(rho[:, structure.pair_source] * structure.pair_factor, RHO_CEILING)
    a_p = a[:, structure.pair_event]
    log_truthful = np.add.reduceat(np.log(r + (1.0 - r) * a_p), structure.event_start, axis=1)
    log_noise = np.add.reduceat(np.log1p(-r) + np.log(a_p), structure.event_start, axis=1)
    per_event = np.logaddexp(np.log(lam) + log_truthful[:, :, None], np.log1p(-lam) + log_noise[:, :, None])
    out: FloatArray = per_event.sum(axis=1)
    return out


def linear_log_likelihood(
    compiled: CompiledSet, structure: SamplingStructure, rho: FloatArray, sources: NDArray[np.bool_] | None = None,
    skip: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """The log-likelihood ln P(reports | H_k, rho) of the linear events, bands at their means, per draw; shape (D, K).

    A linear event's likelihood is (1 - r) a + r lam_k = a + r (lam_k - a), linear in the band. With
    ``sources`` (a mask over sources), only the events of those sources count; the events ``skip`` marks
    (a mask over events) do not.
    """
    linear = structure.linear[structure.pair_event]
    if skip is not None:
        linear = linear & ~skip[structure.pair_event]
    pairs = np.nonzero(linear if sources is None else linear & sources[structure.pair_source])[0]
    lam = compiled.lam[structure.pair_event[pairs]]
    a = lam @ compiled.prior
    r = np.minimum(rho[:, structure.pair_source[pairs]] * structure.pair_factor[pairs], RHO_CEILING)
    out: FloatArray = np.log(a[None, :, None] + r[:, :, None] * (lam - a[:, None])[None]).sum(axis=1)
    return out


def draw_linear_likelihoods(
    compiled: CompiledSet,
    structure: SamplingStructure,
    rho: FloatArray,
    hypothesis: IntArray,
    lam: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    r"""Draw the banded likelihoods of linear events from their exact conditional posterior.

    Given the hypothesis :math:`H` and the reliabilities, the report of linear event g has likelihood
    :math:`\sum_j c_{gj} \lambda_{gj}` with :math:`c_g = \rho F_g[H] + (1 - \rho) F_g^\top \pi`
    (:math:`F_g` the NA fill). Its posterior is the mixture over j, with weights
    :math:`c_{gj} E[\lambda_{gj}]`, of the prior with cell j's Beta tilted to :math:`(\alpha + 1, \beta)`
    (a point cell j leaves the prior as it is).

    Parameters
    ----------
    rho : ndarray, shape (D, S)
    hypothesis : ndarray of int, shape (D,)
        A hypothesis drawn from P(H | reports, draw) for each draw.
    lam : ndarray, shape (D, G, K)
        Likelihoods of the draws; linear events' banded cells are overwritten.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (D, G, K)
    """
    linear = np.nonzero(structure.linear)[0]
    banded = ~np.isnan(compiled.lam_alpha[linear]) & ~compiled.lam_na[linear]
    if linear.size == 0 or not banded.any():
        return lam
    n_draws = rho.shape[0]
    pair_of_event = structure.event_start[linear]  # a linear event has exactly one pair
    r = np.minimum(rho[:, structure.pair_source[pair_of_event]] * structure.pair_factor[pair_of_event], RHO_CEILING)
    fill = structure.fill[linear]  # (G1, K, K)
    prior_mapped = np.einsum("gkj,k->gj", fill, compiled.prior)  # (G1, K)
    chosen_rows = fill[:, hypothesis, :].transpose(1, 0, 2)  # (D, G1, K)
    coeff = r[:, :, None] * chosen_rows + (1.0 - r[:, :, None]) * prior_mapped[None]
    weights = coeff * compiled.lam[linear][None]
    cumulative = np.cumsum(weights, axis=2)
    u = rng.uniform(size=(n_draws, linear.size, 1)) * cumulative[:, :, -1:]
    tilted = np.minimum((u > cumulative).sum(axis=2), compiled.lam.shape[1] - 1)  # (D, G1)
    alpha = np.where(banded, compiled.lam_alpha[linear], 1.0)
    beta = np.where(banded, compiled.lam_beta[linear], 1.0)
    bump = np.arange(compiled.lam.shape[1])[None, None, :] == tilted[:, :, None]
    draws = rng.beta(alpha[None] + bump, np.broadcast_to(beta[None], bump.shape))
    out = lam.copy()
    out[:, linear, :] = np.where(banded[None], draws, lam[:, linear, :])
    return out
