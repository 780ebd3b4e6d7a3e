r"""Several analysts' readings and the evidence as one PyTensor operation, every judged cell integrated out.

The model is that of :mod:`plausible.engines.readings`: each judged cell is latent on the probit scale,
:math:`x_c \sim N(0, 1)`, and each analyst's judgment a reading :math:`y_{ac} \sim N(x_c, d_{ac})`. Given the
noise scales :math:`\sigma`, cell c's posterior is :math:`N(\mu_c, 1/P_c)`, and the cells of different
events are independent. So, given :math:`(\rho, \sigma)`, every cell integrates out of the evidence:

- a *linear* event's report is linear in its cells: at their means
  :math:`E[\Phi(x_c)] = \Phi(\mu_c / \sqrt{1 + 1/P_c})` (closed form);
- a *corroborated* event's report is a polynomial in its cells: it needs the raw moments
  :math:`E[\Phi(x_c)^q]`, taken by Gauss-Hermite quadrature (:data:`QUADRATURE_NODES`: more nodes the wider
  the cell's posterior), then combined as for Beta bands
  (:mod:`plausible.engines.corroboration`).

The sampler then sees the reliabilities and the noise parameters only. The kernel computes the readings'
log marginal plus ln P(reports | rho, sigma) and its gradient: reverse mode from the evidence to each cell's
:math:`(\mu_c, P_c)` (through the moment combination for corroborated events), then to :math:`\sigma`.
The tests compare it with grid integrals over the cells, and its gradient with finite differences.

For speed (docs/performance.md itemises the cost by stage): Phi and its density at every
linear cell and quadrature node come from one vectorised pass (:mod:`plausible.engines.normal`); P_c, which
depends only on which levels of which analysts read the cell, is worked out once per such pattern; the moment
combination runs in exponential generating form and keeps its forward pass for the reverse one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
import pytensor.tensor as pt
from numpy.typing import NDArray
from pytensor.gradient import DisconnectedType, grad_not_implemented
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.op import Op

from plausible.engines._pymc_private import register_numba_kernel
from plausible.engines.corroboration import Corroborated, cell_moments
from plausible.engines.evidence_op import evidence_core, evidence_inputs
from plausible.engines.normal import cdf_and_pdf, fill_cdf_and_pdf
from plausible.engines.readings import NOISE_PRIOR, Readings, level_of, read_posterior
from plausible.engines.structure import RHO_CEILING, SamplingStructure
from plausible.model.compiled import CompiledSet

__all__ = ["QUADRATURE_ERROR", "QUADRATURE_NODES", "REJECTION_TRIES", "ReadingsLogLikelihood", "draw_by_rejection",
           "draw_corroborated_reads", "noisy_cells", "noisy_inputs", "noisy_kernel", "noisy_log_likelihood_op",
           "quadrature_rules"]

QUADRATURE_NODES = ((0.125, 5), (0.25, 8), (0.5, 12), (0.75, 20), (1.0, 32))
"""Gauss-Hermite rules for the raw moments of a cell's probit-normal posterior N(mu, s^2), s = 1/sqrt(P) <= 1:
(largest s, nodes). The error of E[Phi(x)^q] falls fast as s shrinks; :data:`QUADRATURE_ERROR` bounds it."""

QUADRATURE_ERROR = (3e-9, 3e-9, 3e-7, 1e-6, 3e-6)
"""Bounds of the absolute error of each rule's E[Phi(x)^q] at its largest s, mu in [-5, 5], q <= 8 (tested
against adaptive integration)."""


def quadrature_rules() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """The rules of :data:`QUADRATURE_NODES` as the kernel reads them.

    Nodes and weights (R, Q), padded with zero weights, the weights summing to 1 (a standard normal); each
    rule's largest s (R,); its number of nodes (R,).
    """
    widest = max(count for _, count in QUADRATURE_NODES)
    nodes, weights = np.zeros((len(QUADRATURE_NODES), widest)), np.zeros((len(QUADRATURE_NODES), widest))
    for rule, (_, count) in enumerate(QUADRATURE_NODES):
        z, w = np.polynomial.hermite_e.hermegauss(count)
        nodes[rule, :count], weights[rule, :count] = z, w / w.sum()
    return (nodes, weights, np.array([limit for limit, _ in QUADRATURE_NODES]),
            np.array([count for _, count in QUADRATURE_NODES], dtype=np.int64))

_INPUTS = (
    ("rho_free", "float64"), ("log_noise", "float64"),
    ("rho_fixed", "float64"), ("free_source", "int64"), ("log_base", "float64"), ("prior", "float64"),
    ("linear_source", "int64"), ("linear_factor", "float64"), ("linear_a", "float64"), ("linear_spread", "float64"),
    ("slot_source", "int64"), ("slot_factor", "float64"), ("pad", "float64"), ("lam_moment", "float64"),
    ("rest_moment", "float64"),
    ("weight", "float64"), ("value", "float64"), ("spread_levels", "float64"), ("level_count", "float64"),
    ("level_square", "float64"), ("pattern_of", "int32"), ("pattern_level", "int16"), ("pattern_count", "float64"),
    ("pattern_start", "int64"), ("lin_cell", "int64"), ("lin_const", "float64"), ("lin_weight", "float64"),
    ("lin_fill_row", "int64"), ("lin_fill", "float64"),
    ("cor_cell", "int64"), ("cor_const", "float64"), ("cor_weight", "float64"), ("cor_fill_row", "int64"),
    ("cor_fill", "float64"), ("cor_reports", "int64"), ("factorial", "float64"), ("nodes", "float64"),
    ("node_weight", "float64"), ("node_limit", "float64"), ("node_count", "int64"), ("gradient", "int64"),
)
"""The operation's inputs, in order, and their dtypes: the two sampled ones, then data."""

NOISE_PRIOR_RESOLUTION = float(NOISE_PRIOR["resolution"])


def noisy_inputs(compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated, read: Readings,
                 free: NDArray[np.bool_]) -> dict[str, NDArray[Any]]:
    """The kernel's data inputs (after the two sampled ones), by name and in its order.

    The evidence arrays are those of :func:`plausible.engines.evidence_op.evidence_inputs` for the events
    no analyst's reading touches (``terms`` without the read events), followed by the read events as
    placeholder rows the kernel fills: linear read events after the linear pairs, corroborated ones after
    the corroborated events.
    """
    base = evidence_inputs(compiled, structure, terms, free, read.read_event)
    k = compiled.prior.size
    lin_events, cor_events = read.linear_events, read.corroborated_events
    order = max(base["slot_source"].shape[1], read.slot_source.shape[1] if cor_events.size else 0)

    def widen(a: NDArray[Any], width: int, fill: float) -> NDArray[Any]:
        out = np.full((a.shape[0], width, *a.shape[2:]), fill, dtype=a.dtype)
        out[:, : a.shape[1]] = a
        return out

    slot_source = np.concatenate([widen(base["slot_source"], order, 0), widen(read.slot_source, order, 0)])
    slot_factor = np.concatenate([widen(base["slot_factor"], order, 0.0), widen(read.slot_factor, order, 0.0)])
    pad = np.concatenate([widen(base["pad"], order, 1.0), widen(1.0 - read.slot_real, order, 1.0)])
    lam_moment = np.zeros((base["lam_moment"].shape[0] + cor_events.size, k, order + 1))
    lam_moment[: base["lam_moment"].shape[0], :, : base["lam_moment"].shape[2]] = base["lam_moment"]
    rest_moment = np.concatenate([base["rest_moment"].reshape(-1, k), np.zeros((cor_events.size, k))])

    levels = level_of(read)
    pattern_level, pattern_of, pattern_count = np.unique(levels, axis=0, return_inverse=True, return_counts=True)
    pattern_of = pattern_of.reshape(-1)
    by_pattern = np.argsort(pattern_of, kind="stable")  # the kernel's cells: by pattern, in blocks
    rank = np.empty(by_pattern.size, dtype=np.int64)
    rank[by_pattern] = np.arange(by_pattern.size)

    def cells(events: NDArray[np.int64]) -> NDArray[np.int64]:
        """Each event's cells as the kernel numbers them (-1: not read)."""
        index = np.asarray(read.cell_of[events], dtype=np.int64).reshape(events.size, k)
        return np.where(index >= 0, rank[np.maximum(index, 0)], -1)

    def fills(events: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Each event's fill (an index into the returned matrices, -1 for none) and the weights of ``a``."""
        na = compiled.lam_na[events]
        partial = na.any(axis=1)
        row = np.full(events.size, -1, dtype=np.int64)
        row[partial] = np.arange(int(partial.sum()))
        matrices = structure.fill[events[partial]] if partial.any() else np.eye(k)[None]  # never empty (numba)
        weights = np.einsum("gkj,k->gj", structure.fill[events], compiled.prior) if events.size else np.zeros((0, k))
        return row, np.ascontiguousarray(matrices, dtype=np.float64).reshape(-1, k, k), weights

    lin_fill_row, lin_fill, lin_weight = fills(lin_events)
    cor_fill_row, cor_fill, cor_weight = fills(cor_events)
    cor_const = np.zeros((cor_events.size, k, order + 2))
    for row, event in enumerate(cor_events.tolist()):
        cor_const[row] = cell_moments(compiled, event, order)[0]
    nodes, node_weight, node_limit, node_count = quadrature_rules()
    level_square = np.zeros(read.spread_levels.shape)
    judged = levels >= 0
    np.add.at(level_square, (np.nonzero(judged)[1], levels[judged]), read.value[judged] ** 2)
    inputs = {
        "rho_fixed": base["rho_fixed"], "free_source": base["free_source"], "log_base": base["log_base"],
        "prior": compiled.prior,
        "linear_source": np.concatenate([base["linear_source"], read.linear_source]),
        "linear_factor": np.concatenate([base["linear_factor"], read.linear_factor]),
        "linear_a": np.concatenate([base["linear_a"], np.zeros(lin_events.size)]),
        "linear_spread": np.concatenate([base["linear_spread"].reshape(-1, k), np.zeros((lin_events.size, k))]),
        "slot_source": slot_source, "slot_factor": slot_factor, "pad": pad, "lam_moment": lam_moment,
        "rest_moment": rest_moment,
        "weight": read.weight, "value": read.value[by_pattern].T, "spread_levels": read.spread_levels,
        "level_count": read.level_count, "level_square": level_square, "pattern_of": pattern_of[by_pattern],
        "pattern_level": pattern_level, "pattern_count": pattern_count,
        "pattern_start": np.concatenate([[0], np.cumsum(pattern_count)]),
        "lin_cell": cells(lin_events),
        "lin_const": np.where(compiled.lam_na[lin_events], 0.5, compiled.lam[lin_events]),
        "lin_weight": lin_weight, "lin_fill_row": lin_fill_row, "lin_fill": lin_fill,
        "cor_cell": cells(cor_events), "cor_const": cor_const, "cor_weight": cor_weight, "cor_fill_row": cor_fill_row,
        "cor_fill": cor_fill, "cor_reports": read.reports.astype(np.int64), "factorial": _factorials(order),
        "nodes": nodes, "node_weight": node_weight, "node_limit": node_limit, "node_count": node_count,
        "gradient": np.ones(1, dtype=np.int64),
    }
    # Writable, contiguous copies of the inputs' dtypes: the types the model's graph passes, so that numba
    # compiles the kernel once for both the graph and direct calls (a read-only array is another signature).
    return {name: np.array(inputs[name], dtype=dtype, order="C") for name, dtype in _INPUTS[2:]}


def _factorials(order: int) -> NDArray[np.float64]:
    """The factorials of 0 to ``order``."""
    return np.array([math.factorial(q) for q in range(order + 1)], dtype=np.float64)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _conv(x: NDArray[np.float64], y: NDArray[np.float64], out: NDArray[np.float64], width: int) -> None:
    """``out[p] = sum_c x[c] y[p - c]`` for p < width: in exponential generating form, the moments of X + Y."""
    for p in range(width):
        total = 0.0
        for c in range(p + 1):
            total += x[c] * y[p - c]
        out[p] = total


@numba.njit(cache=True, error_model="numpy", inline="always")
def _conv_adjoint(x: NDArray[np.float64], y: NDArray[np.float64], adj_out: NDArray[np.float64],
                  adj_x: NDArray[np.float64], adj_y: NDArray[np.float64], width: int) -> None:
    """Add the gradients of sum(adj_out * conv(x, y)) in x and y to ``adj_x`` and ``adj_y``."""
    for p in range(width):
        g = adj_out[p]
        for c in range(p + 1):
            adj_x[c] += g * y[p - c]
            adj_y[p - c] += g * x[c]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _fill_rows(fill: NDArray[np.float64], has_fill: bool, transpose: bool, lam: NDArray[np.float64],
               rest: NDArray[np.float64], out_lam: NDArray[np.float64], out_rest: NDArray[np.float64],
               width: int) -> None:
    """``out = F @ (lam, rest)`` (``F.T`` with ``transpose``; the identity without ``has_fill``), columns < width."""
    k = rest.size
    for row in range(k):
        if not has_fill:
            for p in range(width):
                out_lam[row, p] = lam[row, p]
            out_rest[row] = rest[row]
            continue
        total_rest = 0.0
        for p in range(width):
            out_lam[row, p] = 0.0
        for i in range(k):
            f = fill[i, row] if transpose else fill[row, i]
            for p in range(width):
                out_lam[row, p] += f * lam[i, p]
            total_rest += f * rest[i]
        out_rest[row] = total_rest


_PLANES = 11
"""Planes of the scratch array of :func:`_combine_forward` and :func:`_combine_adjoint`."""


@numba.njit(cache=True, error_model="numpy")
def _combine_forward(m: NDArray[np.float64], w: NDArray[np.float64], fill: NDArray[np.float64], has_fill: bool,
                     reports: int, factorial: NDArray[np.float64], lam: NDArray[np.float64], rest: NDArray[np.float64],
                     work: NDArray[np.float64], work_k: NDArray[np.float64]) -> None:
    r"""One corroborated event's moments from its cells' raw moments.

    :math:`E[\lambda_k a^p]` (``lam[:, p]``, p = 0..m) and :math:`E[(1 - \lambda_k) a^m]` (``rest``) from the
    cells' raw moments ``m[:, q]`` (q = 0..m + 1), with :math:`a = \sum_i w_i x_i` and m the event's reports.

    As :func:`plausible.engines.corroboration.corroborated_terms`: the moments of the other cells' sum by prefix
    and suffix convolution, then each cell's tilted moments, then the NA fill; here in exponential generating
    form (moment q divided by q!, ``factorial`` holding q!), where the binomial convolution is a plain one.
    ``work`` (11, K + 1, >= m + 1) and ``work_k`` (2, K) are scratch space, nothing is allocated; they keep
    what :func:`_combine_adjoint` needs.
    """
    k, width = m.shape[0], reports + 1
    scaled, prefix, suffix, without, cell_lam = work[0], work[1], work[2], work[3], work[4]
    tilted = work[10]
    cell_rest = work_k[0]
    for i in range(k):
        power = 1.0
        for q in range(width):
            scaled[i, q] = power * m[i, q] / factorial[q]
            tilted[i, q] = power * m[i, q + 1] / factorial[q]
            power *= w[i]
    for q in range(width):
        prefix[0, q] = 0.0
        suffix[k, q] = 0.0
    prefix[0, 0] = 1.0
    suffix[k, 0] = 1.0
    for i in range(k):
        _conv(prefix[i], scaled[i], prefix[i + 1], width)
        _conv(suffix[k - i], scaled[k - 1 - i], suffix[k - 1 - i], width)
    for i in range(k):
        _conv(prefix[i], suffix[i + 1], without[i], width)
    for i in range(k):
        for p in range(width):
            total = 0.0
            for c in range(p + 1):
                total += tilted[i, c] * without[i, p - c]
            cell_lam[i, p] = total * factorial[p]
        total = 0.0
        for c in range(width):
            total += (scaled[i, c] - tilted[i, c]) * without[i, reports - c]
        cell_rest[i] = total * factorial[reports]
    _fill_rows(fill, has_fill, False, cell_lam, cell_rest, lam, rest, width)


@numba.njit(cache=True, error_model="numpy")
def _combine_adjoint(m: NDArray[np.float64], w: NDArray[np.float64], fill: NDArray[np.float64], has_fill: bool,
                     reports: int, factorial: NDArray[np.float64], adj_lam: NDArray[np.float64],
                     adj_rest: NDArray[np.float64], adj_m: NDArray[np.float64], work: NDArray[np.float64],
                     work_k: NDArray[np.float64]) -> None:
    """The gradient ``adj_m`` of sum(adj_lam * lam) + sum(adj_rest * rest) in the raw moments ``m``.

    ``lam`` and ``rest`` are what :func:`_combine_forward` computed for this event, and ``work`` still holds its
    planes.
    """
    k, width = m.shape[0], reports + 1
    scaled, prefix, suffix, without, cell_lam = work[0], work[1], work[2], work[3], work[4]
    tilted = work[10]
    adj_cell_lam, adj_without, adj_prefix, adj_suffix, adj_scaled = work[5], work[6], work[7], work[8], work[9]
    adj_tilted = cell_lam  # cell_lam is no longer needed
    adj_cell_rest = work_k[1]
    _fill_rows(fill, has_fill, True, adj_lam, adj_rest, adj_cell_lam, adj_cell_rest, width)
    for i in range(k + 1):
        for q in range(width):
            adj_prefix[i, q] = 0.0
            adj_suffix[i, q] = 0.0
    for i in range(k):
        for q in range(width):
            adj_without[i, q] = 0.0
            adj_scaled[i, q] = 0.0
            adj_tilted[i, q] = 0.0
    for i in range(k):
        for p in range(width):
            g = adj_cell_lam[i, p] * factorial[p]
            for c in range(p + 1):
                adj_tilted[i, c] += g * without[i, p - c]
                adj_without[i, p - c] += g * tilted[i, c]
        g = adj_cell_rest[i] * factorial[reports]
        for c in range(width):
            adj_scaled[i, c] += g * without[i, reports - c]
            adj_tilted[i, c] -= g * without[i, reports - c]
            adj_without[i, reports - c] += g * (scaled[i, c] - tilted[i, c])
    for i in range(k):
        _conv_adjoint(prefix[i], suffix[i + 1], adj_without[i], adj_prefix[i], adj_suffix[i + 1], width)
    for i in range(k - 1, -1, -1):  # prefix[i + 1] = prefix[i] * scaled[i]: adj_prefix[i + 1] is complete here
        _conv_adjoint(prefix[i], scaled[i], adj_prefix[i + 1], adj_prefix[i], adj_scaled[i], width)
    for i in range(k):  # suffix[i] = suffix[i + 1] * scaled[i]: adj_suffix[i] is complete here
        _conv_adjoint(suffix[i + 1], scaled[i], adj_suffix[i], adj_suffix[i + 1], adj_scaled[i], width)
    for i in range(k):
        adj_m[i, 0] = 0.0
        power = 1.0
        for q in range(width):
            adj_m[i, q + 1] = adj_tilted[i, q] * power / factorial[q]
            adj_m[i, q] += adj_scaled[i, q] * power / factorial[q]
            power *= w[i]


@numba.njit(cache=True, error_model="numpy")
def _cells_forward(log_noise: NDArray[np.float64], prior: NDArray[np.float64], linear_a: NDArray[np.float64],
                   linear_spread: NDArray[np.float64], lam_moment: NDArray[np.float64],
                   rest_moment: NDArray[np.float64],
                   weight: NDArray[np.float64], value: NDArray[np.float64], spread_levels: NDArray[np.float64],
                   level_count: NDArray[np.float64], level_square: NDArray[np.float64], pattern_of: NDArray[np.int32],
                   pattern_level: NDArray[np.int16], pattern_count: NDArray[np.float64],
                   pattern_start: NDArray[np.int64], lin_cell: NDArray[np.int64], lin_const: NDArray[np.float64],
                   lin_weight: NDArray[np.float64], lin_fill_row: NDArray[np.int64], lin_fill: NDArray[np.float64],
                   cor_cell: NDArray[np.int64], cor_const: NDArray[np.float64], cor_weight: NDArray[np.float64],
                   cor_fill_row: NDArray[np.int64], cor_fill: NDArray[np.float64], cor_reports: NDArray[np.int64],
                   factorial: NDArray[np.float64], nodes: NDArray[np.float64], node_weight: NDArray[np.float64],
                   node_limit: NDArray[np.float64], node_count: NDArray[np.int64], slopes: bool) -> Any:
    """The forward pass that depends on the noise scales only.

    The readings' log marginal, every read cell's posterior, and the read events' rows of the evidence
    (``la, ls, lm, rm``), with what the reverse pass reuses (``slopes``: keep the linear rows' slopes for it).
    """
    n_analysts = value.shape[0]
    k_count = prior.size
    sigma = np.empty(n_analysts)
    for a in range(n_analysts):
        sigma[a] = math.exp(log_noise[a])
    inverse = np.empty(spread_levels.shape)
    mu = np.empty(value.shape[1])
    pattern_inverse = np.empty(pattern_count.size)
    pattern_precision = np.empty(pattern_count.size)
    log_marginal = _cell_posteriors(sigma, weight, value, spread_levels, level_count, level_square, pattern_level,
                                    pattern_count, pattern_start, inverse, mu, pattern_precision, pattern_inverse)
    la = linear_a.copy()
    ls = linear_spread.copy()
    lin_slope = np.empty((3, lin_cell.shape[0], k_count))
    _linear_rows(mu, pattern_of, pattern_precision, lin_cell, lin_const, lin_weight, lin_fill_row, lin_fill,
                 slopes, la, ls, lin_slope)
    cor_rows = cor_cell.shape[0]
    width = factorial.size
    lm = lam_moment.copy()
    rm = rest_moment.copy()
    moments = np.empty((cor_rows, k_count, width + 1))
    node_f = np.empty(cor_rows * k_count * nodes.shape[1])
    node_density = np.empty(node_f.size)
    node_rule = np.zeros((cor_rows, k_count), dtype=np.int64)
    node_start = np.zeros((cor_rows, k_count), dtype=np.int64)
    work = np.empty((cor_rows, _PLANES, k_count + 1, width))
    work_k = np.empty((cor_rows, 2, k_count))
    _corroborated_rows(mu, pattern_of, pattern_precision, cor_cell, cor_const, cor_weight, cor_fill_row, cor_fill,
                       cor_reports, factorial, nodes, node_weight, node_limit, node_count, moments, node_f,
                       node_density, node_rule, node_start, work, work_k, lm, rm)
    return (log_marginal, la, ls, lm, rm, sigma, inverse, mu, pattern_precision, pattern_inverse, lin_slope, moments,
            node_f, node_density, node_rule, node_start, work, work_k)


_CELL_INPUTS = ("prior", "linear_a", "linear_spread", "lam_moment", "rest_moment", "weight", "value", "spread_levels",
                "level_count", "level_square", "pattern_of", "pattern_level", "pattern_count", "pattern_start",
                "lin_cell", "lin_const", "lin_weight", "lin_fill_row", "lin_fill", "cor_cell", "cor_const",
                "cor_weight", "cor_fill_row", "cor_fill", "cor_reports", "factorial", "nodes", "node_weight",
                "node_limit", "node_count")
"""The inputs of :func:`noisy_kernel` that :func:`_cells_forward` takes, in its order."""


def noisy_cells(log_noise: NDArray[np.float64], inputs: dict[str, NDArray[Any]]) -> tuple[
        float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """What :func:`noisy_kernel` computes from the noise scales alone, for a sampler that holds them fixed.

    Parameters
    ----------
    log_noise : ndarray, shape (A,)
    inputs : dict
        The kernel's data inputs (:func:`noisy_inputs`).

    Returns
    -------
    tuple
        The readings' log marginal and the evidence's rows ``(linear_a, linear_spread, lam_moment,
        rest_moment)`` with the read events filled: with them,
        :func:`plausible.engines.evidence_op.evidence_core` gives the rest of the log density and its gradient
        in the reliabilities, as the kernel does.
    """
    args: tuple[Any, ...] = (np.ascontiguousarray(log_noise, dtype=np.float64),
                             *(inputs[name] for name in _CELL_INPUTS), False)
    out = _cells_forward(*args)
    return out[0], out[1], out[2], out[3], out[4]


@numba.njit(cache=True, error_model="numpy", nogil=True)
def noisy_kernel(rho_free: NDArray[np.float64], log_noise: NDArray[np.float64],
                 rho_fixed: NDArray[np.float64], free_source: NDArray[np.int64], log_base: NDArray[np.float64],
                 prior: NDArray[np.float64], linear_source: NDArray[np.int64], linear_factor: NDArray[np.float64],
                 linear_a: NDArray[np.float64], linear_spread: NDArray[np.float64], slot_source: NDArray[np.int64],
                 slot_factor: NDArray[np.float64], pad: NDArray[np.float64], lam_moment: NDArray[np.float64],
                 rest_moment: NDArray[np.float64], weight: NDArray[np.float64], value: NDArray[np.float64],
                 spread_levels: NDArray[np.float64], level_count: NDArray[np.float64],
                 level_square: NDArray[np.float64], pattern_of: NDArray[np.int32], pattern_level: NDArray[np.int16],
                 pattern_count: NDArray[np.float64], pattern_start: NDArray[np.int64], lin_cell: NDArray[np.int64],
                 lin_const: NDArray[np.float64], lin_weight: NDArray[np.float64], lin_fill_row: NDArray[np.int64],
                 lin_fill: NDArray[np.float64], cor_cell: NDArray[np.int64], cor_const: NDArray[np.float64],
                 cor_weight: NDArray[np.float64], cor_fill_row: NDArray[np.int64], cor_fill: NDArray[np.float64],
                 cor_reports: NDArray[np.int64], factorial: NDArray[np.float64], nodes: NDArray[np.float64],
                 node_weight: NDArray[np.float64], node_limit: NDArray[np.float64], node_count: NDArray[np.int64],
                 gradient: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                            NDArray[np.float64], NDArray[np.float64]]:
    r"""The readings' log marginal plus ln P(reports | rho, sigma), and its gradient.

    Parameters
    ----------
    rho_free : ndarray, shape (F,)
    log_noise : ndarray, shape (A,)
        The analysts' log noise scales :math:`\ln \sigma_a`.
    rho_fixed, free_source, log_base, linear_*, slot_*, pad, lam_moment, rest_moment
        As for :func:`plausible.engines.evidence_op.evidence_kernel`; the last Gl linear rows and the last Er
        corroborated rows are the read events, filled here.
    prior : ndarray, shape (K,)
    weight : ndarray, shape (A,)
    value : ndarray, shape (A, C)
        The readings' probit-scale means (:class:`plausible.engines.readings.Readings`), analyst by analyst,
        0 where the analyst did not judge the cell. The kernel numbers the cells by pattern (below): the cells
        of pattern p are ``pattern_start[p]`` to ``pattern_start[p + 1]``.
    spread_levels, level_count : ndarray, shape (A, V)
        Each analyst's distinct band variances and how many readings have each.
    level_square : ndarray, shape (A, V)
        The sum of the squared values of each analyst's readings at each level.
    pattern_of : ndarray of int32, shape (C,)
        Each cell's pattern: which level of which analyst's band variances each of its readings has (its
        precision P_c depends on nothing else).
    pattern_level, pattern_count : ndarray, shape (Np, A) and (Np,)
        Each pattern's level per analyst (-1: the analyst did not judge the cell), and how many cells have it.
    pattern_start : ndarray, shape (Np + 1,)
        Where each pattern's cells start.
    lin_cell, lin_const : ndarray, shape (Gl, K)
        Each read linear event's cells: the read cell's index (-1: the constant ``lin_const``).
    lin_weight : ndarray, shape (Gl, K)
        :math:`a = \sum_i w_i x_i` (the prior through the NA fill).
    lin_fill_row, lin_fill
        The NA fill of the events that have NA cells (index into ``lin_fill``; -1: none).
    cor_cell, cor_const, cor_weight, cor_fill_row, cor_fill, cor_reports
        The same for read corroborated events; ``cor_const`` (Er, K, M + 2) the constant cells' raw moments.
    factorial : ndarray, shape (M + 1,)
        q! for q = 0..M.
    nodes, node_weight : ndarray, shape (R, Q)
        Gauss-Hermite rules for a standard normal (weights summing to 1), padded with zero weights.
    node_limit, node_count : ndarray, shape (R,)
        Rule r serves cells whose posterior sd is at most ``node_limit[r]``, with ``node_count[r]`` nodes.
    gradient : ndarray of int, shape (1,)
        0 skips the gradient (returned as zeros): the posterior alone, for summaries.

    Returns
    -------
    logp : ndarray, shape (1,)
    grad_rho : ndarray, shape (F,)
    grad_noise : ndarray, shape (A,)
    posterior : ndarray, shape (K,)
        P(H_k | reports, rho, sigma).
    """
    rho = np.empty(rho_fixed.size)
    for s in range(rho.size):
        rho[s] = rho_fixed[s]
    for f in range(free_source.size):
        rho[free_source[f]] = rho_free[f]
    (log_marginal, la, ls, lm, rm, sigma, inverse, mu, pattern_precision, pattern_inverse, lin_slope, moments,
     node_f, node_density, node_rule, node_start, work, work_k) = _cells_forward(
        log_noise, prior, linear_a, linear_spread, lam_moment, rest_moment, weight, value, spread_levels,
        level_count, level_square, pattern_of, pattern_level, pattern_count, pattern_start, lin_cell, lin_const,
        lin_weight, lin_fill_row, lin_fill, cor_cell, cor_const, cor_weight, cor_fill_row, cor_fill, cor_reports,
        factorial, nodes, node_weight, node_limit, node_count, gradient[0] != 0)
    n_analysts = value.shape[0]
    evidence, grad_all, posterior, v, likelihood, t_all, noise_all = evidence_core(
        rho, log_base, linear_source, linear_factor, la, ls, slot_source, slot_factor, pad, lm, rm)
    logp = np.empty(1)
    logp[0] = evidence + log_marginal
    grad_rho = np.zeros(free_source.size)
    grad_noise = np.zeros(n_analysts)
    if gradient[0] == 0:
        return logp, grad_rho, grad_noise, posterior
    adj_mu = np.zeros(value.shape[1])
    adj_p = np.zeros(value.shape[1])
    _linear_adjoint(rho, linear_source, linear_factor, lin_cell, lin_weight, lin_fill_row, lin_fill, lin_slope,
                    posterior, v, adj_mu, adj_p)
    _corroborated_adjoint(mu, pattern_of, pattern_precision, cor_cell, cor_weight, cor_fill_row, cor_fill,
                          cor_reports, factorial, nodes, node_weight, node_count, moments, node_f, node_density,
                          node_rule, node_start, work, work_k, posterior, likelihood, t_all, noise_all, adj_mu,
                          adj_p)
    _noise_adjoint(sigma, weight, value, inverse, mu, pattern_level, pattern_start, pattern_inverse, level_count,
                   adj_mu, adj_p, grad_noise)
    for f in range(free_source.size):
        grad_rho[f] = grad_all[free_source[f]]
    return logp, grad_rho, grad_noise, posterior


@numba.njit(cache=True, error_model="numpy")
def _cell_posteriors(sigma: NDArray[np.float64], weight: NDArray[np.float64], value: NDArray[np.float64],
                     spread_levels: NDArray[np.float64], level_count: NDArray[np.float64],
                     level_square: NDArray[np.float64], pattern_level: NDArray[np.int16],
                     pattern_count: NDArray[np.float64], pattern_start: NDArray[np.int64],
                     inverse: NDArray[np.float64], mu: NDArray[np.float64], pattern_precision: NDArray[np.float64],
                     pattern_inverse: NDArray[np.float64]) -> float:
    """Each cell's posterior N(mu, 1/P) (mu filled in; P is its pattern's), and the readings' log marginal (returned).

    A reading's variance d takes one value per analyst and band variance (its level), so its inverse is worked
    out once per level (``inverse``, filled in); P, its logarithm and 1/P once per pattern of levels
    (``pattern_precision`` gets P, ``pattern_inverse`` 1/P); the readings' squares enter summed per level. Within
    a pattern's block of cells every analyst's readings have one inverse, so the sums over analysts are
    running sums over contiguous rows.
    """
    floor = NOISE_PRIOR_RESOLUTION * NOISE_PRIOR_RESOLUTION
    n_analysts = value.shape[0]
    log_marginal = 0.0
    for a in range(n_analysts):
        for level in range(spread_levels.shape[1]):
            inverse[a, level] = weight[a] / (sigma[a] * sigma[a] + spread_levels[a, level] + floor)
            if level_count[a, level] > 0.0:
                log_marginal += 0.5 * level_count[a, level] * math.log(inverse[a, level] / (2.0 * math.pi))
                log_marginal -= 0.5 * inverse[a, level] * level_square[a, level]
    for p in range(pattern_count.size):
        total_p = 1.0
        for a in range(n_analysts):
            level = pattern_level[p, a]
            if level >= 0:
                total_p += inverse[a, level]
        pattern_precision[p] = total_p
        pattern_inverse[p] = 1.0 / total_p
        log_marginal -= 0.5 * pattern_count[p] * math.log(total_p)
        start, end = pattern_start[p], pattern_start[p + 1]
        for c in range(start, end):
            mu[c] = 0.0
        for a in range(n_analysts):
            level = pattern_level[p, a]
            if level < 0:
                continue
            inv = inverse[a, level]
            for c in range(start, end):
                mu[c] += value[a, c] * inv
        inv_p = pattern_inverse[p]
        total = 0.0
        for c in range(start, end):
            weighted = mu[c]
            mu[c] = weighted * inv_p
            total += weighted * mu[c]
        log_marginal += 0.5 * total
    return log_marginal


@numba.njit(cache=True, error_model="numpy")
def _linear_rows(mu: NDArray[np.float64], pattern_of: NDArray[np.int32], pattern_precision: NDArray[np.float64],
                 lin_cell: NDArray[np.int64], lin_const: NDArray[np.float64], lin_weight: NDArray[np.float64],
                 lin_fill_row: NDArray[np.int64], lin_fill: NDArray[np.float64], keep_slope: bool,
                 la: NDArray[np.float64], ls: NDArray[np.float64], slope: NDArray[np.float64]) -> None:
    """The linear read events' rows (the last ones) of ``la`` (a) and ``ls`` (lambda - a): cells at their means.

    ``slope`` (3, Gl, K) is scratch space; with ``keep_slope``, ``slope[0]`` and ``slope[1]`` get each cell
    mean's derivative in the cell's mu and P. Phi and the density are taken for all cells at once
    (:func:`plausible.engines.normal.fill_cdf_and_pdf`, vectorised).
    """
    lin_rows, k_count = lin_cell.shape
    first = la.size - lin_rows
    size = lin_rows * k_count
    u = slope[2].reshape(size)
    inverse_scale = slope[0].reshape(size)  # overwritten by the slopes below
    half_r = slope[1].reshape(size)
    # 1 / scale^2 = P / (P + 1) = P^2 r with r = 1 / (P (P + 1)); P, so both, are the same for a pattern
    pattern_scale = np.empty(pattern_precision.size)
    pattern_r = np.empty(pattern_precision.size)
    for p in range(pattern_precision.size):
        r = 1.0 / (pattern_precision[p] * (pattern_precision[p] + 1.0))
        pattern_scale[p] = pattern_precision[p] * math.sqrt(r)
        pattern_r[p] = 0.5 * r
    for g in range(lin_rows):
        for i in range(k_count):
            c = lin_cell[g, i]
            at = g * k_count + i
            if c < 0:
                u[at] = 0.0
                continue
            pattern = pattern_of[c]
            inverse_scale[at] = pattern_scale[pattern]
            half_r[at] = mu[c] * pattern_r[pattern]
            u[at] = mu[c] * inverse_scale[at]
    cdf = np.empty(size)
    pdf = np.empty(size)
    fill_cdf_and_pdf(u, cdf, pdf, size)
    raw = np.empty(k_count)
    for g in range(lin_rows):
        a_value = 0.0
        for i in range(k_count):
            at = g * k_count + i
            if lin_cell[g, i] < 0:
                raw[i] = lin_const[g, i]
            else:
                raw[i] = cdf[at]
                if keep_slope:
                    d_mu = pdf[at] * inverse_scale[at]
                    slope[0, g, i] = d_mu
                    slope[1, g, i] = d_mu * half_r[at]
            a_value += lin_weight[g, i] * raw[i]
        la[first + g] = a_value
        fr = lin_fill_row[g]
        for kk in range(k_count):
            filled = raw[kk]
            if fr >= 0:
                filled = 0.0
                for i in range(k_count):
                    filled += lin_fill[fr, kk, i] * raw[i]
            ls[first + g, kk] = filled - a_value


@numba.njit(cache=True, error_model="numpy")
def _corroborated_rows(mu: NDArray[np.float64], pattern_of: NDArray[np.int32], pattern_precision: NDArray[np.float64],
                       cor_cell: NDArray[np.int64],
                       cor_const: NDArray[np.float64], cor_weight: NDArray[np.float64], cor_fill_row: NDArray[np.int64],
                       cor_fill: NDArray[np.float64], cor_reports: NDArray[np.int64], factorial: NDArray[np.float64],
                       nodes: NDArray[np.float64], node_weight: NDArray[np.float64], node_limit: NDArray[np.float64],
                       node_count: NDArray[np.int64], moments: NDArray[np.float64], node_f: NDArray[np.float64],
                       node_density: NDArray[np.float64], node_rule: NDArray[np.int64], node_start: NDArray[np.int64],
                       work: NDArray[np.float64], work_k: NDArray[np.float64], lm: NDArray[np.float64],
                       rm: NDArray[np.float64]) -> None:
    """The corroborated read events' rows (the last ones) of ``lm`` and ``rm``.

    Each read cell's raw moments (``moments``) by Gauss-Hermite quadrature. Its nodes are packed from
    ``node_start[e, i]`` in ``node_f`` and ``node_density``, which keep Phi and the density there for the
    gradient (all nodes at once: :func:`plausible.engines.normal.fill_cdf_and_pdf`).
    """
    cor_rows, k_count = cor_cell.shape
    first = rm.shape[0] - cor_rows
    x = np.empty(node_f.size)
    used = 0
    for e in range(cor_rows):
        for i in range(k_count):
            c = cor_cell[e, i]
            if c < 0:
                continue
            sd = 1.0 / math.sqrt(pattern_precision[pattern_of[c]])
            rule = 0
            while rule < node_limit.size - 1 and sd > node_limit[rule]:
                rule += 1
            node_rule[e, i] = rule
            node_start[e, i] = used
            for j in range(node_count[rule]):
                x[used + j] = mu[c] + sd * nodes[rule, j]
            used += node_count[rule]
    fill_cdf_and_pdf(x, node_f, node_density, used)
    for e in range(cor_rows):
        top = cor_reports[e] + 2
        for i in range(k_count):
            c = cor_cell[e, i]
            if c < 0:
                for q in range(top):
                    moments[e, i, q] = cor_const[e, i, q]
                continue
            rule = node_rule[e, i]
            start = node_start[e, i]
            for q in range(top):
                moments[e, i, q] = 0.0
            for j in range(node_count[rule]):
                f = node_f[start + j]
                power = node_weight[rule, j]
                for q in range(top):
                    moments[e, i, q] += power
                    power *= f
        fr = cor_fill_row[e]
        _combine_forward(moments[e], cor_weight[e], cor_fill[max(fr, 0)], fr >= 0, cor_reports[e], factorial,
                         lm[first + e], rm[first + e], work[e], work_k[e])


@numba.njit(cache=True, error_model="numpy")
def _linear_adjoint(rho: NDArray[np.float64], linear_source: NDArray[np.int64], linear_factor: NDArray[np.float64],
                    lin_cell: NDArray[np.int64], lin_weight: NDArray[np.float64], lin_fill_row: NDArray[np.int64],
                    lin_fill: NDArray[np.float64], slope: NDArray[np.float64], posterior: NDArray[np.float64],
                    v: NDArray[np.float64], adj_mu: NDArray[np.float64], adj_p: NDArray[np.float64]) -> None:
    """Add the gradient of ln P(reports) through the linear read events to each cell's (mu, P)."""
    lin_rows, k_count = lin_cell.shape
    first = linear_source.size - lin_rows
    adj_filled = np.empty(k_count)
    for g in range(lin_rows):
        row = first + g
        r = min(rho[linear_source[row]] * linear_factor[row], RHO_CEILING)
        adj_a = 0.0
        for kk in range(k_count):
            gk = posterior[kk] / v[row, kk]
            adj_filled[kk] = r * gk
            adj_a += (1.0 - r) * gk
        fr = lin_fill_row[g]
        for i in range(k_count):
            c = lin_cell[g, i]
            if c < 0:
                continue
            adj_raw = lin_weight[g, i] * adj_a
            if fr < 0:
                adj_raw += adj_filled[i]
            else:
                for kk in range(k_count):
                    adj_raw += lin_fill[fr, kk, i] * adj_filled[kk]
            adj_mu[c] += adj_raw * slope[0, g, i]
            adj_p[c] += adj_raw * slope[1, g, i]


@numba.njit(cache=True, error_model="numpy")
def _corroborated_adjoint(mu: NDArray[np.float64], pattern_of: NDArray[np.int32],
                          pattern_precision: NDArray[np.float64], cor_cell: NDArray[np.int64],
                          cor_weight: NDArray[np.float64], cor_fill_row: NDArray[np.int64],
                          cor_fill: NDArray[np.float64],
                          cor_reports: NDArray[np.int64], factorial: NDArray[np.float64], nodes: NDArray[np.float64],
                          node_weight: NDArray[np.float64], node_count: NDArray[np.int64], moments: NDArray[np.float64],
                          node_f: NDArray[np.float64], node_density: NDArray[np.float64], node_rule: NDArray[np.int64],
                          node_start: NDArray[np.int64], work: NDArray[np.float64], work_k: NDArray[np.float64],
                          posterior: NDArray[np.float64],
                          likelihood: NDArray[np.float64], t_all: NDArray[np.float64], noise_all: NDArray[np.float64],
                          adj_mu: NDArray[np.float64], adj_p: NDArray[np.float64]) -> None:
    """Add the gradient of ln P(reports) through the corroborated read events to each cell's (mu, P)."""
    cor_rows, k_count = cor_cell.shape
    width = factorial.size
    first = likelihood.shape[0] - cor_rows
    adj_lam = np.empty((k_count, width))
    adj_rest = np.empty(k_count)
    adj_m = np.empty((k_count, width + 1))
    for e in range(cor_rows):
        row = first + e
        reports = cor_reports[e]
        for kk in range(k_count):
            scale = posterior[kk] / likelihood[row, kk]
            for p in range(reports + 1):
                adj_lam[kk, p] = scale * t_all[row, p]
            adj_rest[kk] = scale * noise_all[row]
        fr = cor_fill_row[e]
        _combine_adjoint(moments[e], cor_weight[e], cor_fill[max(fr, 0)], fr >= 0, reports, factorial, adj_lam,
                         adj_rest, adj_m, work[e], work_k[e])
        for i in range(k_count):
            c = cor_cell[e, i]
            if c < 0:
                continue
            d_mu = 0.0
            d_sd = 0.0
            rule = node_rule[e, i]
            start = node_start[e, i]
            for j in range(node_count[rule]):
                f = node_f[start + j]
                slope = 0.0  # d/dx of sum_q adj_m[q] f^q
                power = 1.0
                for q in range(1, reports + 2):
                    slope += adj_m[i, q] * q * power
                    power *= f
                slope *= node_density[start + j] * node_weight[rule, j]
                d_mu += slope
                d_sd += slope * nodes[rule, j]
            adj_mu[c] += d_mu
            precision = pattern_precision[pattern_of[c]]
            adj_p[c] += d_sd * (-0.5) / (precision * math.sqrt(precision))


@numba.njit(cache=True, error_model="numpy")
def _noise_adjoint(sigma: NDArray[np.float64], weight: NDArray[np.float64], value: NDArray[np.float64],
                   inverse: NDArray[np.float64], mu: NDArray[np.float64], pattern_level: NDArray[np.int16],
                   pattern_start: NDArray[np.int64], pattern_inverse: NDArray[np.float64],
                   level_count: NDArray[np.float64], adj_mu: NDArray[np.float64], adj_p: NDArray[np.float64],
                   grad_noise: NDArray[np.float64]) -> None:
    """The gradient in the log noise scales (into ``grad_noise``), through each reading's variance d.

    d enters the readings' log marginal directly, and the evidence through each cell's (mu, P).
    """
    n_analysts = value.shape[0]
    # d ln p / d d_ac = inv_ac^2 (shared_c - pull_c r_ac + r_ac^2 / 2) - inv_ac / 2, r_ac = y_ac - mu_c; inv_ac
    # takes one value per (analyst, level), so the bracket is summed per level first, a pattern's block at a time.
    bracket = np.zeros(inverse.shape)
    pull = np.empty(mu.size)
    for p in range(pattern_inverse.size):
        start, end = pattern_start[p], pattern_start[p + 1]
        inv_p = pattern_inverse[p]
        shared = 0.0
        for c in range(start, end):
            shared += 0.5 * inv_p - adj_p[c]
            pull[c] = adj_mu[c] * inv_p
        for a in range(n_analysts):
            level = pattern_level[p, a]
            if level < 0:
                continue
            total = 0.0
            for c in range(start, end):
                residual = value[a, c] - mu[c]
                total += residual * (0.5 * residual - pull[c])
            bracket[a, level] += shared + total
    for a in range(n_analysts):
        adj_d = 0.0
        for level in range(inverse.shape[1]):
            inv = inverse[a, level]
            adj_d += inv * inv * bracket[a, level] - 0.5 * level_count[a, level] * inv
        grad_noise[a] = adj_d * 2.0 * sigma[a] * sigma[a] / weight[a]  # d/d ln sigma = sigma d/d sigma


def draw_corroborated_reads(r: Readings, rho: NDArray[np.float64], sigma: NDArray[np.float64],
                            hypothesis: NDArray[np.int64], fill: NDArray[np.float64],
                            rng: np.random.Generator) -> NDArray[np.float64]:
    r"""The corroborated read events' likelihoods, drawn from their exact conditional given (H, rho, sigma).

    The conditional of event g's cells is their posterior :math:`\prod_c N(x_c; \mu_c, 1/P_c)` times
    :math:`L = P(\text{reports}_g \mid H, \lambda_g) = \lambda_H T(a) + (1 - \lambda_H) N(a) \le 1`, so rejection
    sampling is exact: propose the cells from their posterior and accept with probability L
    (:func:`draw_by_rejection`, which draws from ``rng``).

    Returns
    -------
    ndarray, shape (D, Gc, K)
    """
    events = r.corroborated_events
    k = r.prior.size
    has_na = ~np.all(fill[events] == np.eye(k)[None], axis=(1, 2))
    rel = np.minimum(rho[:, r.slot_source] * r.slot_factor, RHO_CEILING) * r.slot_real  # (D, Gc, M)
    out = np.empty((rho.shape[0], events.size, k))
    read = r.cell_of[events]
    used, position = np.unique(read[read >= 0], return_inverse=True)
    cells = np.full(read.shape, -1, dtype=np.int64)
    cells[read >= 0] = position.ravel()
    mean, precision = read_posterior(r, sigma, used)
    shortfall = draw_by_rejection(np.ascontiguousarray(mean), np.ascontiguousarray(precision), cells,
                                  np.ascontiguousarray(r.constant[events]),
                                  np.ascontiguousarray(fill[events]), has_na, r.prior, np.ascontiguousarray(rel),
                                  np.ascontiguousarray(r.slot_real), r.reports.astype(np.int64),
                                  np.asarray(hypothesis, dtype=np.int64), rng, out)
    if shortfall:
        import warnings

        warnings.warn(f"{shortfall} corroborated cell draws kept their most likely proposal after "
                      f"{REJECTION_TRIES:,} rejections", RuntimeWarning, stacklevel=2)
    return out


REJECTION_TRIES = 100_000
"""Proposals per (draw, event) before the rejection sampler gives up (acceptance below 1e-5)."""


@numba.njit(cache=True, error_model="numpy")
def draw_by_rejection(mean: NDArray[np.float64], precision: NDArray[np.float64], cells: NDArray[np.int64],
                      constant: NDArray[np.float64], fill: NDArray[np.float64], has_na: NDArray[np.bool_],
                      prior: NDArray[np.float64], rel: NDArray[np.float64], real: NDArray[np.float64],
                      reports: NDArray[np.int64], hypothesis: NDArray[np.int64], rng: np.random.Generator,
                      out: NDArray[np.float64]) -> int:
    r"""Draw corroborated events' cells given (H, rho, sigma) by rejection; fill ``out`` (D, Gc, K).

    For draw d and event g, propose each read cell from its posterior :math:`N(\mu_c, 1/P_c)` (the others
    constant), fill NA cells, and accept with probability
    :math:`\lambda_H \prod_j (r_j + (1 - r_j) a) + (1 - \lambda_H) a^m \prod_j (1 - r_j) \le 1`. After
    :data:`REJECTION_TRIES` proposals the most likely one is kept; returns how many were.
    """
    draws, events, k_count = out.shape
    raw = np.empty(k_count)
    row = np.empty(k_count)
    best = np.empty(k_count)
    shortfall = 0
    for d in range(draws):
        h = hypothesis[d]
        for g in range(events):
            top = -1.0
            accepted = False
            for _ in range(REJECTION_TRIES):
                for i in range(k_count):
                    c = cells[g, i]
                    raw[i] = constant[g, i] if c < 0 else cdf_and_pdf(
                        mean[d, c] + rng.standard_normal() / math.sqrt(precision[d, c]))[0]
                for kk in range(k_count):
                    if has_na[g]:
                        total = 0.0
                        for i in range(k_count):
                            total += fill[g, kk, i] * raw[i]
                        row[kk] = total
                    else:
                        row[kk] = raw[kk]
                a = 0.0
                for kk in range(k_count):
                    a += prior[kk] * row[kk]
                truthful = 1.0
                noise = a ** reports[g]
                for j in range(rel.shape[2]):
                    if real[g, j] > 0.0:
                        truthful *= rel[d, g, j] + (1.0 - rel[d, g, j]) * a
                        noise *= 1.0 - rel[d, g, j]
                likelihood = row[h] * truthful + (1.0 - row[h]) * noise
                if rng.random() < likelihood:
                    accepted = True
                    break
                if likelihood > top:
                    top = likelihood
                    for kk in range(k_count):
                        best[kk] = row[kk]
            for kk in range(k_count):
                out[d, g, kk] = row[kk] if accepted else best[kk]
            if not accepted:
                shortfall += 1
    return shortfall


class ReadingsLogLikelihood(Op):
    """``(rho_free, log_noise, data...) -> (logp (1,), its gradients in the two, P(H | ...))``.

    The inputs are those of :func:`noisy_kernel`, in its order. Differentiable in the first two.
    """

    __props__ = ("kernel_version",)
    kernel_version = 3
    """Part of the on-disk cache key of graphs that use the operation: raise it when the kernel's signature changes."""

    def make_node(self, *inputs: Any) -> Apply[Any]:
        """Build the node: the kernel's inputs as tensors of its dtypes; four vector outputs."""
        if len(inputs) != len(_INPUTS):
            raise TypeError(f"ReadingsLogLikelihood takes {', '.join(name for name, _ in _INPUTS)}")
        tensors = [pt.cast(pt.as_tensor_variable(x), dtype) for x, (_, dtype) in zip(inputs, _INPUTS, strict=True)]
        return Apply(self, tensors, [pt.dvector() for _ in range(4)])

    def perform(self, node: Apply[Any], inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        """Evaluate with the numba kernel (also outside PyTensor's numba backend)."""
        results = noisy_kernel(*(np.ascontiguousarray(x, dtype=dtype)
                                 for x, (_, dtype) in zip(inputs, _INPUTS, strict=True)))
        for storage, result in zip(output_storage, results, strict=True):
            storage[0] = result

    def pullback(self, inputs: Sequence[Variable[Any, Any]], outputs: Sequence[Variable[Any, Any]],
                 cotangents: Sequence[Variable[Any, Any]]) -> list[Variable[Any, Any]]:
        """The gradient in the two sampled inputs from the outputs; the data are not differentiable."""
        g_logp = cotangents[0]
        if not all(isinstance(g.type, DisconnectedType) for g in cotangents[1:]):
            raise NotImplementedError("only the log-probability output of ReadingsLogLikelihood is differentiable")
        grads = [g_logp[0] * outputs[1], g_logp[0] * outputs[2]]  # type: ignore[index]
        grads += [grad_not_implemented(self, i, inputs[i])  # type: ignore[no-untyped-call]
                  for i in range(2, len(_INPUTS))]
        return grads


noisy_log_likelihood_op = ReadingsLogLikelihood()
"""The operation, ready to apply: ``logp, _, _, _ = noisy_log_likelihood_op(rho_free, log_noise, ...)``."""


register_numba_kernel(ReadingsLogLikelihood, noisy_kernel)
"""In PyTensor's numba backend (PyMC's default), the node runs the kernel itself, cached on disk with the graph."""
