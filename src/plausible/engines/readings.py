r"""Several analysts in the MCMC engine: each stated judgment a noisy reading of a latent likelihood (NumPy only).

When more than one analyst judged a set, every cell :math:`\lambda_c` (event x hypothesis) that some analyst
judged is latent, on the probit scale: :math:`x_c = \Phi^{-1}(\lambda_c) \sim N(0, 1)`, which makes
:math:`\lambda_c` uniform on (0, 1) a priori. Analyst a's judgment of the cell is a reading

.. math:: y_{ac} \sim N(x_c,\; d_{ac}),\qquad d_{ac} = (\sigma_a^2 + v_{ac} + \epsilon^2) / w_a,

where :math:`y_{ac}, v_{ac}` are the probit-scale mean and variance of the analyst's judgment (a number:
its probit, variance 0; a band: those of the Beta the scales define), :math:`\sigma_a` the analyst's noise
scale, learned across every cell they judged, :math:`w_a` the analyst's weight, and
:math:`\epsilon = 0.02` the resolution of a written number. The noise scales share a hierarchical prior,
:math:`\ln\sigma_a = \ln s + \omega\,\eta_a` with :math:`\ln s \sim N(\ln 0.3, 1)`, :math:`\eta_a \sim N(0, 1)`,
:math:`\omega = 0.5`: with two analysts only :math:`\sigma_A^2 + \sigma_B^2` is identified by the data, and
the prior shares it out evenly.

Given the noise scales the readings are conjugate: :math:`x_c` has a normal posterior with precision
:math:`P_c = 1 + \sum_a 1/d_{ac}` and mean :math:`\mu_c = \sum_a (y_{ac}/d_{ac}) / P_c`, and the readings'
marginal likelihood is closed-form. Given the noise scales, every cell then integrates out of the evidence
(:mod:`plausible.engines.readings_op`, the model's operation). This module lays out the readings and draws
the cells for credible intervals: a *linear* event's cells from their exact tilted conditional, a
corroborated event's by rejection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.engines.structure import RHO_CEILING, FloatArray, IntArray, SamplingStructure
from plausible.model.compiled import CompiledSet

__all__ = [
    "NOISE_PRIOR",
    "Readings",
    "draw_read_likelihoods",
    "level_of",
    "noise_prior_covariance",
    "read_posterior",
    "readings",
]

NOISE_PRIOR = {"log_scale_mean": math.log(0.3), "log_scale_sd": 1.0, "spread": 0.5, "resolution": 0.02}
"""The noise scales' hierarchical prior (probit scale) and the resolution of a written number."""

_POINT_CLIP = 1e-15
_QUANTILES = 256


@dataclass(frozen=True)
class _Table:
    """How to build a (draws, events, K) likelihood table from constants and a vector of cell values.

    Cell (g, k) is ``concat(const, values)[index[g, k]]``, plus, for an NA cell, the weighted mean
    ``na_weight @ row`` of its row's applicable cells (``na_pos`` numbers it, 0 for none).
    """

    const: FloatArray
    index: IntArray
    na_pos: IntArray
    na_flat: IntArray
    """(Cn, K): the flat positions of each NA cell's row."""
    na_weight: FloatArray
    has_na: bool


@dataclass(frozen=True)
class Readings:
    """The analysts' readings of a set's cells, and how the read events are put together.

    Attributes
    ----------
    analyst_ids : tuple of str
    weight : ndarray, shape (A,)
    value, spread : ndarray, shape (C, A)
        Probit-scale mean and variance of each analyst's judgment of each read cell (0 where not judged).
    judged : ndarray, shape (C, A)
        1.0 where the analyst judged the cell.
    read_event : ndarray of bool, shape (G,)
        Events with a read cell (their evidence is computed here, not in the evidence kernel).
    linear_events, corroborated_events : ndarray of int
        The read events that are linear (one source) and corroborated.
    linear_cells : ndarray of int
        Read cells of linear read events (indices into the C cells), the values of ``linear_table``.
    linear_source, linear_factor : ndarray, shape (Gl,)
    slot_source, slot_factor, slot_real : ndarray, shape (Gc, M)
    reports : ndarray, shape (Gc,)
        Distinct sources of each corroborated read event.
    """

    analyst_ids: tuple[str, ...]
    hypothesis_ids: tuple[str, ...]
    weight: FloatArray
    value: FloatArray
    spread: FloatArray
    judged: FloatArray
    read_event: NDArray[np.bool_]
    linear_events: IntArray
    corroborated_events: IntArray
    linear_cells: IntArray
    linear_table: _Table
    linear_source: IntArray
    linear_factor: FloatArray
    slot_source: IntArray
    slot_factor: FloatArray
    slot_real: FloatArray
    reports: FloatArray
    prior: FloatArray
    cell_of: IntArray
    """(G, K): each cell's index among the C read cells, -1 for cells not read."""
    constant: FloatArray
    """(G, K): the cells not read (their pooled value; NA cells 0.5, which the NA fill gives no weight)."""
    spread_levels: FloatArray
    """(A, V): the distinct band variances of each analyst's readings (padded with 0)."""
    level_count: FloatArray
    """(A, V): how many of the analyst's readings have each of them."""
    has_linear: bool
    has_corroborated: bool


def _probit_moments(mean: FloatArray, alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Probit-scale mean and variance of judgments: a number's probit (variance 0), a Beta band's moments.

    A band's moments are taken over quantile midpoints of its Beta (256 of them), which is exact enough
    for judgments written to a word's precision.
    """
    from scipy.special import betaincinv, ndtri

    point = np.isnan(alpha)
    value = ndtri(np.clip(mean, _POINT_CLIP, 1.0 - _POINT_CLIP))
    spread = np.zeros_like(value)
    if (~point).any():
        u = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
        pairs, inverse = np.unique(np.stack([alpha[~point], beta[~point]], axis=1), axis=0, return_inverse=True)
        x = ndtri(np.clip(betaincinv(pairs[:, :1], pairs[:, 1:], u[None, :]), _POINT_CLIP, 1.0 - _POINT_CLIP))
        value[~point] = x.mean(axis=1)[inverse.ravel()]
        spread[~point] = x.var(axis=1)[inverse.ravel()]
    return value, spread


def readings(compiled: CompiledSet, structure: SamplingStructure) -> Readings | None:
    """The readings of a set several analysts judged; None when one analyst did (the model is then as before)."""
    if len(compiled.analyst_ids) < 2:
        return None
    given = ~np.isnan(compiled.judged_mean)  # (A, G, K)
    read = given.any(axis=0) & ~compiled.lam_na
    rows, cols = np.nonzero(read)
    cell_of = np.full(read.shape, -1, dtype=np.int64)
    cell_of[rows, cols] = np.arange(rows.size)
    mean = compiled.judged_mean[:, rows, cols].T  # (C, A)
    judged = ~np.isnan(mean)
    value, spread = _probit_moments(np.where(judged, mean, 0.5), compiled.judged_alpha[:, rows, cols].T,
                                    compiled.judged_beta[:, rows, cols].T)
    read_event = read.any(axis=1)
    linear_events = np.nonzero(read_event & structure.linear)[0].astype(np.int64)
    corroborated = np.nonzero(read_event & ~structure.linear)[0].astype(np.int64)
    linear_cells = cell_of[linear_events][read[linear_events]]
    pair = structure.event_start[linear_events]
    counts = np.bincount(structure.pair_event, minlength=read.shape[0])[corroborated]
    order = int(counts.max()) if counts.size else 0
    slots = structure.event_start[corroborated][:, None] + np.arange(order)[None, :]
    real = np.arange(order)[None, :] < counts[:, None]
    slots = np.where(real, slots, 0)
    return Readings(
        compiled.analyst_ids, compiled.hypothesis_ids, np.asarray(compiled.analyst_weight, dtype=np.float64),
        np.where(judged, value, 0.0), np.where(judged, spread, 0.0), judged.astype(np.float64), read_event,
        linear_events, corroborated, linear_cells.astype(np.int64),
        _table(compiled, structure, linear_events, cell_of, linear_cells),
        structure.pair_source[pair], structure.pair_factor[pair],
        structure.pair_source[slots], np.where(real, structure.pair_factor[slots], 0.0), real.astype(np.float64),
        counts.astype(np.float64), compiled.prior, cell_of, np.where(compiled.lam_na, 0.5, compiled.lam),
        *_levels(np.where(judged, spread, 0.0), judged),
        bool(linear_events.size), bool(corroborated.size),
    )


def _levels(spread: FloatArray, judged: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Each analyst's distinct band variances and their counts over the cells the analyst judged."""
    per_analyst = [np.unique(spread[judged[:, a], a], return_counts=True) for a in range(spread.shape[1])]
    width = max((values.size for values, _ in per_analyst), default=0)
    levels, counts = np.zeros((spread.shape[1], width)), np.zeros((spread.shape[1], width))
    for a, (values, n) in enumerate(per_analyst):
        levels[a, : values.size], counts[a, : values.size] = values, n
    return levels, counts


def _table(compiled: CompiledSet, structure: SamplingStructure, events: IntArray, cell_of: IntArray,
           cells: IntArray) -> _Table:
    """The gather that builds the events' table from constants and the values of ``cells`` (in that order)."""
    k = compiled.prior.size
    lam = compiled.lam[events]
    na = compiled.lam_na[events]
    all_na = na.all(axis=1)
    const = np.concatenate([np.where(na, 0.0, lam).ravel(), [0.5]])
    index = np.arange(events.size * k, dtype=np.int64).reshape(events.size, k)
    index[all_na] = const.size - 1
    position = {int(c): n for n, c in enumerate(cells.tolist())}
    own = cell_of[events]
    for g, kk in zip(*np.nonzero(own >= 0), strict=True):
        index[g, kk] = const.size + position[int(own[g, kk])]
    partial = na & ~all_na[:, None]
    na_row, na_col = np.nonzero(partial)
    na_pos = np.zeros((events.size, k), dtype=np.int64)
    na_pos[na_row, na_col] = np.arange(1, na_row.size + 1)
    na_weight = structure.fill[events[na_row], na_col, :] if na_row.size else np.zeros((0, k))
    na_flat = (na_row[:, None] * k + np.arange(k)[None, :]).astype(np.int64)
    return _Table(const, index, na_pos, na_flat, np.asarray(na_weight, dtype=np.float64), bool(na_row.size))


def _build(table: _Table, values: FloatArray, draws: int) -> FloatArray:
    """The (draws, events, K) table from ``values`` (draws, cells); NA cells filled."""
    direct: FloatArray = np.empty((draws, *table.index.shape))
    constant = table.index < table.const.size
    direct[:, constant] = table.const[table.index[constant]]
    direct[:, ~constant] = values[:, table.index[~constant] - table.const.size]
    if not table.has_na:
        return direct
    flat = direct.reshape((draws, table.index.size))
    na_values = (flat[:, table.na_flat] * table.na_weight[None]).sum(axis=-1)
    out: FloatArray = direct + np.concatenate([np.zeros((draws, 1)), na_values], axis=1)[:, table.na_pos]
    return out


def noise_prior_covariance(analysts: int) -> FloatArray:
    r"""The prior covariance of the analysts' log noise scales.

    :math:`\ln\sigma_a = \ln s + \omega\eta_a` with :math:`\ln s \sim N(m, \tau^2)` integrated out:
    :math:`\tau^2 1 1^\top + \omega^2 I`.

    Examples
    --------
    >>> noise_prior_covariance(2).tolist()
    [[1.25, 1.0], [1.0, 1.25]]
    """
    out: FloatArray = (NOISE_PRIOR["log_scale_sd"] ** 2 * np.ones((analysts, analysts))
                       + NOISE_PRIOR["spread"] ** 2 * np.eye(analysts))
    return out


def level_of(r: Readings) -> NDArray[np.int16]:
    """Each reading's index among its analyst's distinct band variances; -1 where the analyst did not judge.

    A cell's row of levels is its pattern: its precision depends on nothing else.
    """
    out = np.zeros(r.spread.shape, dtype=np.int16)
    for a in range(r.spread.shape[1]):
        known = int((r.level_count[a] > 0).sum())
        out[:, a] = np.clip(np.searchsorted(r.spread_levels[a, :known], r.spread[:, a]), 0, max(known - 1, 0))
    out[r.judged == 0] = -1
    return out


def read_posterior(r: Readings, sigma: FloatArray, cells: IntArray | None = None) -> tuple[FloatArray, FloatArray]:
    r"""The cells' probit posterior given the readings and noise scales ``sigma`` (draws, A).

    A reading's precision :math:`1/d_{ac}` depends on the cell only through the level of its band variance, so
    both sums over analysts are products of the (draws, analyst x level) precisions with two fixed
    (analyst x level, cells) matrices: which level each reading has, and its value there.

    Parameters
    ----------
    r : Readings
    sigma : ndarray, shape (D, A)
    cells : ndarray of int, optional
        The cells wanted (indices among the C read cells); all by default.

    Returns
    -------
    mean, precision : ndarray, shape (D, C) or (D, cells.size)
        :math:`\mu_c` and :math:`P_c`.
    """
    analysts, width = r.spread_levels.shape
    inverse = r.weight[None, :, None] / (sigma[:, :, None] ** 2 + r.spread_levels[None]
                                         + NOISE_PRIOR["resolution"] ** 2)  # (D, A, V)
    levels = level_of(r) if cells is None else level_of(r)[cells]
    value = r.value if cells is None else r.value[cells]
    cell, analyst = np.nonzero(levels >= 0)
    row = analyst * width + levels[cell, analyst]
    has = np.zeros((analysts * width, levels.shape[0]))
    has[row, cell] = 1.0
    values = np.zeros_like(has)
    values[row, cell] = value[cell, analyst]
    flat = inverse.reshape(sigma.shape[0], analysts * width)
    precision: FloatArray = 1.0 + flat @ has
    mean: FloatArray = (flat @ values) / precision
    return mean, precision


def draw_read_likelihoods(r: Readings, rho: FloatArray, sigma: FloatArray, hypothesis: IntArray, lam: FloatArray,
                          fill: FloatArray, rng: np.random.Generator) -> FloatArray:
    r"""Complete draws of the linear read events' likelihoods given (H, rho, sigma): their exact conditional.

    A linear read event's report has likelihood :math:`\sum_j c_j \lambda_j` given H (as in
    :func:`plausible.engines.structure.draw_linear_likelihoods`), so one cell j, picked with weight
    :math:`c_j E[\lambda_j]`, is drawn from its probit-normal posterior tilted by :math:`\lambda_j`, the others
    untilted. The tilted draw is exact: with :math:`x = \mu + s u` and :math:`W \sim N(0, 1)`,
    :math:`\Phi(x) = P(W - s u \le \mu)`, so :math:`V = W - s u` is drawn from :math:`N(0, 1 + s^2)` truncated
    to :math:`V \le \mu`, then :math:`u \mid V`. Corroborated read events' cells are drawn by
    :func:`plausible.engines.readings_op.draw_corroborated_reads`.

    Parameters
    ----------
    lam : ndarray, shape (D, G, K)
        Likelihood tables of the draws; the read events' rows are overwritten.
    fill : ndarray, shape (G, K, K)
        The structure's NA fill.
    """
    from scipy.special import ndtr, ndtri

    draws = rho.shape[0]
    out = lam.copy()
    if r.linear_events.size:
        m, precision = read_posterior(r, sigma, r.linear_cells)
        s = 1.0 / np.sqrt(precision)
        expected = ndtr(m / np.sqrt(1.0 + s ** 2))
        rel = np.minimum(rho[:, r.linear_source] * r.linear_factor, RHO_CEILING)
        f = fill[r.linear_events]
        chosen_rows = f[:, hypothesis, :].transpose(1, 0, 2)
        coeff = rel[:, :, None] * chosen_rows + (1.0 - rel[:, :, None]) * np.einsum("gkj,k->gj", f, r.prior)[None]
        unfilled = np.concatenate([np.broadcast_to(r.linear_table.const, (draws, r.linear_table.const.size)),
                                   expected], axis=1)[:, r.linear_table.index]
        weights = coeff * unfilled
        cumulative = np.cumsum(weights, axis=2)
        u = rng.uniform(size=(draws, r.linear_events.size, 1)) * cumulative[:, :, -1:]
        tilted = np.minimum((u > cumulative).sum(axis=2), r.prior.size - 1)  # (D, Gl)
        x = m + s * rng.standard_normal(m.shape)
        position = r.linear_table.index[np.arange(r.linear_events.size)[None, :], tilted] - r.linear_table.const.size
        d_idx, g_idx = np.nonzero(position >= 0)
        c_idx = position[d_idx, g_idx]
        mu, sd = m[d_idx, c_idx], s[d_idx, c_idx]
        scale = np.sqrt(1.0 + sd ** 2)
        v = scale * ndtri(rng.uniform(size=mu.size) * ndtr(mu / scale))
        unit = -sd * v / scale ** 2 + np.sqrt(1.0 - sd ** 2 / scale ** 2) * rng.standard_normal(mu.size)
        x[d_idx, c_idx] = mu + sd * unit
        out[:, r.linear_events, :] = _build(r.linear_table, ndtr(x), draws)
    return out


