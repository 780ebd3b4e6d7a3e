r"""Corroborated events with their likelihood bands integrated out exactly (NumPy only, no PyMC).

An event g reported by m distinct sources with reliabilities :math:`r_1..r_m` has, given :math:`H_k`,

.. math:: P(\text{reports}_g \mid H_k, \lambda_g) = \lambda_{gk} T(a) + (1 - \lambda_{gk}) N(a),\quad
          T(a) = \prod_j (r_j + (1 - r_j) a),\quad N(a) = a^m \prod_j (1 - r_j),

with :math:`a = \sum_i w_i \lambda_{gi}` (:math:`w = F^\top \pi`, :math:`F` the NA fill). It is a polynomial
of degree m in the cells, whose Beta bands are independent of each other and of every other event's.
So, given the reliabilities, the bands integrate out exactly: with :math:`T(a) = \sum_p t_p a^p`,

.. math:: E[P(\text{reports}_g \mid H_k)] = \sum_p t_p E[\lambda_{gk} a^p]
          + \prod_j (1 - r_j) E[(1 - \lambda_{gk}) a^m],

where the moments are closed-form (Beta raw moments combined by binomial convolution) and fixed before
sampling. The sampler then sees only the reliabilities.

For credible intervals, :func:`draw_corroborated_likelihoods` draws :math:`\lambda_g` from its exact
conditional posterior given :math:`H` and the reliabilities: expanding :math:`a^p` into products of cells
makes the posterior a mixture of products of Betas, indexed by how many factors each cell takes; those
counts are drawn cell by cell from their exact conditional probabilities (ratios of the same moments).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from numpy.typing import NDArray

from plausible.engines.structure import RHO_CEILING, FloatArray, IntArray, SamplingStructure
from plausible.model.compiled import CompiledSet

__all__ = [
    "Corroborated",
    "cell_moments",
    "corroborated_log_likelihood",
    "corroborated_terms",
    "draw_corroborated_likelihoods",
    "polynomial_coefficients",
    "slot_sources",
]


@dataclass(frozen=True)
class Corroborated:
    r"""The fixed quantities of the corroborated events of a compiled set.

    Attributes
    ----------
    events : ndarray of int, shape (E,)
        Indices of the corroborated events.
    slots : ndarray of int, shape (E, M)
        Each event's (event, source) pairs, as indices into the structure's pair arrays; -1 pads.
    reports : ndarray of int, shape (E,)
        Number of distinct sources m of each event.
    lam_moment : ndarray, shape (E, K, M + 1)
        :math:`E[\lambda_k a^p]` (NA cells filled).
    rest_moment : ndarray, shape (E, K)
        :math:`E[(1 - \lambda_k) a^m]` at each event's own m (NA cells filled).
    """

    events: IntArray
    slots: IntArray
    reports: IntArray
    lam_moment: FloatArray
    rest_moment: FloatArray


def cell_moments(compiled: CompiledSet, event: int, order: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Raw moments of each cell up to ``order + 1``, of ``1 - cell`` times them, and the weights ``w``.

    NA cells get weight 0 (the fill maps every hypothesis onto the applicable cells); a row that is NA
    throughout is every cell 0.5, as in the exact engine.
    """
    k = compiled.prior.size
    alpha, beta = compiled.lam_alpha[event], compiled.lam_beta[event]
    value = compiled.lam[event]
    na = compiled.lam_na[event]
    banded = ~np.isnan(alpha) & ~na
    q = np.arange(order + 2, dtype=np.float64)
    safe_a, safe_b = np.where(banded, alpha, 1.0), np.where(banded, beta, 1.0)
    # Beta raw moments: E[x^q] = prod_{t<q} (a + t) / (a + b + t)
    ratios = (safe_a[:, None] + q[None, :-1]) / (safe_a[:, None] + safe_b[:, None] + q[None, :-1])
    beta_moments = np.concatenate([np.ones((k, 1)), np.cumprod(ratios, axis=1)], axis=1)
    point_moments = np.where(na, 0.5, value)[:, None] ** q[None, :]
    moments = np.where(banded[:, None], beta_moments, point_moments)
    # E[(1 - x) x^q] = E[x^q] b / (a + b + q) for a Beta, (1 - v) v^q for a point
    beta_rest = beta_moments[:, :-1] * safe_b[:, None] / (safe_a[:, None] + safe_b[:, None] + q[None, :-1])
    point_rest = (1.0 - np.where(na, 0.5, value))[:, None] * point_moments[:, :-1]
    rest = np.where(banded[:, None], beta_rest, point_rest)
    return moments, rest, _fill(compiled, event).T @ compiled.prior


def _fill(compiled: CompiledSet, event: int) -> FloatArray:
    """The (K, K) map from cells to filled likelihoods (identity without NA; identity on all-0.5 rows)."""
    na = compiled.lam_na[event]
    k = na.size
    if not na.any() or na.all():
        return np.eye(k)
    weights = np.where(na, 0.0, compiled.prior)
    row = weights / weights.sum()
    return np.where(na[:, None], row[None, :], np.eye(k))


def _binomial(order: int) -> FloatArray:
    """C(p, c) for p, c = 0..order (0 for c > p)."""
    return np.array([[comb(p, c) if c <= p else 0 for c in range(order + 1)] for p in range(order + 1)], dtype=float)


def _convolve(x: FloatArray, y: FloatArray, binom: FloatArray) -> FloatArray:
    """Moments of X + Y from those of independent X and Y: sum_c C(p, c) E[X^c] E[Y^(p-c)] (last axis)."""
    order = binom.shape[0] - 1
    out = np.zeros((*np.broadcast_shapes(x.shape, y.shape)[:-1], order + 1))
    for p in range(order + 1):
        out[..., p] = (binom[p, : p + 1] * x[..., : p + 1] * y[..., p::-1]).sum(axis=-1)
    return out


def _scaled(moments: FloatArray, weights: FloatArray, order: int) -> FloatArray:
    """Moments of w_i x_i up to ``order``: w_i^q E[x_i^q]."""
    return moments[:, : order + 1] * weights[:, None] ** np.arange(order + 1)[None, :]


def _moments_without(scaled: FloatArray, binom: FloatArray) -> FloatArray:
    """For each cell i, the moments of a_{-i} (the sum of the other cells), by prefix and suffix convolution."""
    k, width = scaled.shape
    unit = np.zeros(width)
    unit[0] = 1.0
    prefix = np.empty((k + 1, width))
    suffix = np.empty((k + 1, width))
    prefix[0], suffix[k] = unit, unit
    for i in range(k):
        prefix[i + 1] = _convolve(prefix[i], scaled[i], binom)
        suffix[k - 1 - i] = _convolve(suffix[k - i], scaled[k - 1 - i], binom)
    return _convolve(prefix[:-1], suffix[1:], binom)


def _tilted(moments: FloatArray, rest: FloatArray, weights: FloatArray, without: FloatArray, order: int,
            binom: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per cell i, E[x_i a^p] and E[(1 - x_i) a^p] for p = 0..order."""
    powers = weights[:, None] ** np.arange(order + 1)[None, :]
    lam = _convolve(moments[:, 1 : order + 2] * powers, without, binom)
    one_minus = _convolve(rest[:, : order + 1] * powers, without, binom)
    return lam, one_minus


def corroborated_terms(compiled: CompiledSet, structure: SamplingStructure) -> Corroborated:
    """Work out the fixed moments of the corroborated events of a compiled set."""
    events = np.nonzero(~structure.linear)[0].astype(np.int64)
    counts = np.bincount(structure.pair_event, minlength=compiled.lam.shape[0])[events]
    order = int(counts.max()) if events.size else 0
    k = compiled.prior.size
    slots = np.full((events.size, order), -1, dtype=np.int64)
    lam_moment = np.zeros((events.size, k, order + 1))
    rest_moment = np.zeros((events.size, k))
    binom = _binomial(order)
    for row, event in enumerate(events.tolist()):
        start = int(structure.event_start[event])
        m = int(counts[row])
        slots[row, :m] = np.arange(start, start + m)
        moments, rest, weights = cell_moments(compiled, event, order)
        without = _moments_without(_scaled(moments, weights, order), binom)
        cell_lam, cell_rest = _tilted(moments, rest, weights, without, order, binom)
        fill = _fill(compiled, event)
        lam_moment[row] = fill @ cell_lam
        rest_moment[row] = fill @ cell_rest[:, m]
    return Corroborated(events, slots, counts.astype(np.int64), lam_moment, rest_moment)


def polynomial_coefficients(r: FloatArray, real: NDArray[np.bool_]) -> FloatArray:
    """Coefficients t_p of T(a) = prod_j (r_j + (1 - r_j) a) over the real slots; shape (..., M + 1)."""
    order = r.shape[-1]
    t = np.zeros((*r.shape[:-1], order + 1))
    t[..., 0] = 1.0
    for j in range(order):
        keep = np.where(real[..., j], r[..., j], 1.0)[..., None]
        lift = np.where(real[..., j], 1.0 - r[..., j], 0.0)[..., None]
        shifted = np.concatenate([np.zeros_like(t[..., :1]), t[..., :-1]], axis=-1)
        t = t * keep + shifted * lift
    return t


def slot_sources(terms: Corroborated, structure: SamplingStructure) -> tuple[IntArray, FloatArray]:
    """Each slot's source and credibility factor, shape (E, M); a pad has source 0 and factor 0 (so r = 0)."""
    real = terms.slots >= 0
    pairs = np.where(real, terms.slots, 0)
    return structure.pair_source[pairs], np.where(real, structure.pair_factor[pairs], 0.0)


def _slot_reliabilities(terms: Corroborated, structure: SamplingStructure, rho: FloatArray) -> FloatArray:
    """Capped reliabilities r per draw and slot, shape (D, E, M); pads are 0."""
    source, factor = slot_sources(terms, structure)
    out: FloatArray = np.minimum(rho[:, source] * factor, RHO_CEILING)
    return out


def corroborated_log_likelihood(terms: Corroborated, structure: SamplingStructure, rho: FloatArray) -> FloatArray:
    """The log of E_lambda[P(reports_g | H_k, rho)] summed over corroborated events, per draw; shape (D, K).

    Parameters
    ----------
    terms : Corroborated
    structure : SamplingStructure
    rho : ndarray, shape (D, S)
    """
    if terms.events.size == 0:
        return np.zeros((rho.shape[0], terms.lam_moment.shape[1]))
    r = _slot_reliabilities(terms, structure, rho)
    real = terms.slots >= 0
    t = polynomial_coefficients(r, np.broadcast_to(real, r.shape))
    noise = np.exp(np.log1p(-r).sum(axis=2))  # prod_j (1 - r_j); pads contribute log1p(0) = 0
    likelihood = np.einsum("dep,ekp->dek", t, terms.lam_moment) + noise[:, :, None] * terms.rest_moment[None]
    out: FloatArray = np.log(likelihood).sum(axis=1)
    return out


def draw_corroborated_likelihoods(
    compiled: CompiledSet,
    structure: SamplingStructure,
    terms: Corroborated,
    rho: FloatArray,
    hypothesis: IntArray,
    rng: np.random.Generator,
) -> FloatArray:
    r"""Draw the banded likelihoods of corroborated events from their exact conditional posterior.

    Given :math:`H_k` and the reliabilities, the density of :math:`\lambda_g` is proportional to
    :math:`p(\lambda_g) (\sum_p t_p \lambda_k a^p + n (1 - \lambda_k) a^m)`. A draw picks one term (by its
    closed-form mass), then the cell i that carries the factor :math:`\lambda_k` or :math:`1 - \lambda_k`
    (through the NA fill), then how many of the p factors of :math:`a` each cell takes, cell by cell, from
    the exact conditional probabilities (binomial weights times moment ratios); given those counts the
    cells are independent Betas with their first parameter raised by the count (the marked cell also by
    one in :math:`\alpha` or :math:`\beta`).

    Parameters
    ----------
    rho : ndarray, shape (D, S)
    hypothesis : ndarray of int, shape (D,)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (D, E, K)
        The likelihoods of the corroborated events ``terms.events`` in each draw (NA cells filled).
    """
    n_draws = rho.shape[0]
    out = np.broadcast_to(compiled.lam[terms.events], (n_draws, *compiled.lam[terms.events].shape)).copy()
    if terms.events.size == 0:
        return out
    order = terms.slots.shape[1]
    binom = _binomial(order)
    r = _slot_reliabilities(terms, structure, rho)
    t = polynomial_coefficients(r, np.broadcast_to(terms.slots >= 0, r.shape))  # (D, E, M+1)
    noise = np.exp(np.log1p(-r).sum(axis=2))  # (D, E)
    draws = np.arange(n_draws)
    for row, event in enumerate(terms.events.tolist()):
        banded = ~np.isnan(compiled.lam_alpha[event]) & ~compiled.lam_na[event]
        if not banded.any():
            continue
        m = int(terms.reports[row])
        moments, rest, weights = cell_moments(compiled, event, order)
        scaled = _scaled(moments, weights, order)
        without = _moments_without(scaled, binom)
        cell_lam, cell_rest = _tilted(moments, rest, weights, without, order, binom)
        fill = _fill(compiled, event)
        # 1. The term: lambda_k a^p (p = 0..M) or (1 - lambda_k) a^m, by mass.
        mass = np.concatenate([t[:, row, :] * terms.lam_moment[row, hypothesis, :],
                               (noise[:, row] * terms.rest_moment[row, hypothesis])[:, None]], axis=1)
        term = _categorical(mass, rng)
        tilt_rest = term == order + 1
        power = np.where(tilt_rest, m, term)
        # 2. The marked cell i, through the fill row of the hypothesis.
        cell_mass = np.where(tilt_rest[:, None], fill[hypothesis] * cell_rest[:, power].T,
                             fill[hypothesis] * cell_lam[:, power].T)
        marked = _categorical(cell_mass, rng)
        # 3. How many of the p factors of a each cell takes, cell by cell (the marked cell tilted).
        counts = _draw_counts(scaled, moments, rest, weights, marked, tilt_rest, power, binom, rng)
        # 4. The cells, given the counts.
        alpha = np.where(banded, compiled.lam_alpha[event], 1.0)[None, :] + counts
        beta = np.broadcast_to(np.where(banded, compiled.lam_beta[event], 1.0), alpha.shape).copy()
        alpha[draws, marked] += ~tilt_rest
        beta[draws, marked] += tilt_rest
        values = np.where(banded[None, :], rng.beta(alpha, beta), compiled.lam[event][None, :])
        filled = values @ fill.T if compiled.lam_na[event].any() and not compiled.lam_na[event].all() else values
        out[:, row, :] = filled
    return out


def _reversed_take(table: FloatArray, power: IntArray) -> FloatArray:
    """Row d of the result is table[d, power[d] - c] for c = 0..order (0 where negative)."""
    order = table.shape[1] - 1
    index = power[:, None] - np.arange(order + 1)[None, :]
    return np.where(index >= 0, np.take_along_axis(table, np.maximum(index, 0), axis=1), 0.0)


def _draw_counts(scaled: FloatArray, moments: FloatArray, rest: FloatArray, weights: FloatArray, marked: IntArray,
                 tilt_rest: NDArray[np.bool_], power: IntArray, binom: FloatArray,
                 rng: np.random.Generator) -> IntArray:
    """Split ``power`` factors of a among the cells exactly, cell by cell.

    The joint mass of counts n is multinomial(p; n) prod_i (w_i^n_i E[x_i^n_i]) with the marked cell's
    moment tilted (E[x^(n+1)] or E[(1-x) x^n]); the count of cell j given the earlier ones is proportional
    to C(R, c) (w_j^c E_j[x^c]) S_{j+1}(R - c), with S_{j+1} the moments of the sum of the later cells.
    """
    k, width = scaled.shape
    order = width - 1
    powers = weights[:, None] ** np.arange(width)[None, :]
    tilted = np.stack([moments[:, 1 : order + 2] * powers, rest[:, :width] * powers])  # (2, K, width)
    rows = np.broadcast_to(scaled, (2, k, k, width)).copy()  # (kind, marked i, cell l, width)
    idx = np.arange(k)
    rows[:, idx, idx, :] = tilted
    suffix = np.zeros((2, k, k + 1, width))
    suffix[..., k, 0] = 1.0
    for cell in range(k - 1, -1, -1):
        suffix[:, :, cell] = _convolve(suffix[:, :, cell + 1], rows[:, :, cell], binom)
    kind = tilt_rest.astype(np.int64)
    counts = np.zeros((marked.size, k), dtype=np.int64)
    remaining = power.copy()
    c = np.arange(width)
    for cell in range(k):
        own = rows[kind, marked, cell]  # (D, width)
        later = suffix[kind, marked, cell + 1]
        options = binom[remaining] * own * _reversed_take(later, remaining)
        options = np.where(c[None, :] <= remaining[:, None], options, 0.0)
        chosen = _categorical(options, rng)
        counts[:, cell] = chosen
        remaining = remaining - chosen
    return counts


def _categorical(mass: FloatArray, rng: np.random.Generator) -> IntArray:
    """One index per row, with probability proportional to the row's (non-negative) mass."""
    cumulative = np.cumsum(mass, axis=1)
    u = rng.uniform(size=(mass.shape[0], 1)) * cumulative[:, -1:]
    chosen: IntArray = np.minimum((u > cumulative).sum(axis=1), mass.shape[1] - 1).astype(np.int64)
    return chosen
