r"""ln P(reports | rho) as one PyTensor operation, with its gradient in every source's reliability.

Written with PyTensor's tensor algebra, the evidence term (linear events, the polynomial of corroborated
events of :mod:`plausible.engines.corroboration`, the logsumexp over hypotheses) and its gradient came to
~100 graph nodes after rewriting. PyTensor re-runs its graph rewrites in every process (~1.2 s per MCMC
run) and numba compiles each node's function the first time (~20 s). As a single operation with a numba
kernel, compiled once and cached on disk, the rewriter sees one node and each evaluation is one pass over
the reports.

For hypothesis k, with :math:`b_k = \ln \pi_k +` the fixed part (events of sources whose reliability is
not sampled):

.. math:: \ell_k = b_k + \sum_i \ln(a_i + r_i s_{ik}) + \sum_e \ln L_{ek},\qquad
          \ln P(\text{reports} \mid \rho) = \operatorname{logsumexp}_k \ell_k,

where linear event i has :math:`r_i = \min(\rho_{s(i)} f_i, 1 - 10^{-9})`, :math:`a_i` its prior-weighted
likelihood and :math:`s_{ik} = \lambda_{ik} - a_i`; and corroborated event e has

.. math:: L_{ek} = \sum_p t_p M_{ekp} + \prod_j (1 - r_j) R_{ek},\qquad
          \frac{\partial L_{ek}}{\partial r_j} = \sum_p (u^{(j)}_p - u^{(j)}_{p-1}) M_{ekp}
          - \prod_{i \ne j} (1 - r_i) R_{ek},

with :math:`t` the coefficients of :math:`\prod_j (r_j + (1 - r_j) a)` and :math:`u^{(j)}` those of the same
product without slot j (the factor's derivative in :math:`r_j` is :math:`1 - a`). The gradient is
:math:`\sum_k P_k \, \partial \ell_k / \partial \rho`, with :math:`P = \operatorname{softmax}(\ell)`.
"""

from __future__ import annotations

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
from plausible.engines.corroboration import Corroborated, slot_sources
from plausible.engines.structure import RHO_CEILING, SamplingStructure, linear_log_likelihood
from plausible.model.compiled import CompiledSet

__all__ = ["EvidenceLogLikelihood", "evidence_core", "evidence_inputs", "evidence_kernel", "evidence_log_likelihood_op"]

_INPUTS = (
    ("rho_free", "float64"), ("rho_fixed", "float64"), ("free_source", "int64"), ("log_base", "float64"),
    ("linear_source", "int64"), ("linear_factor", "float64"),
    ("linear_a", "float64"), ("linear_spread", "float64"), ("slot_source", "int64"), ("slot_factor", "float64"),
    ("pad", "float64"), ("lam_moment", "float64"), ("rest_moment", "float64"),
)
"""The operation's inputs, in order, and their dtypes."""

_TINY = 1e-30
_FLUSH = 1e-250
"""A likelihood below ``_TINY`` is logged alone; a running product below ``_FLUSH`` is logged and reset, so a
product never leaves the normal range (1e-250 x 1e-30 > 1e-308)."""


def evidence_inputs(compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated,
                    free: NDArray[np.bool_], skip: NDArray[np.bool_] | None = None) -> dict[str, NDArray[Any]]:
    """The kernel's inputs after ``rho_free``, by name and in its order, for the sources marked ``free``.

    Linear events of the other sources do not depend on what is sampled: they are folded into
    ``log_base`` at the sources' fixed reliabilities. Linear events marked in ``skip`` (a mask over events)
    are left out (their evidence is added to ``log_base`` by the caller); ``terms`` gives the corroborated ones.
    """
    s = structure
    linear = s.linear[s.pair_event] if skip is None else s.linear[s.pair_event] & ~skip[s.pair_event]
    pairs = np.nonzero(linear & free[s.pair_source])[0]
    lam = compiled.lam[s.pair_event[pairs]]
    a = lam @ compiled.prior
    slot_source, slot_factor = slot_sources(terms, s)
    inputs = {
        "rho_fixed": compiled.rho, "free_source": np.nonzero(free)[0],
        "log_base": np.log(compiled.prior) + linear_log_likelihood(compiled, s, compiled.rho[None], ~free, skip)[0],
        "linear_source": s.pair_source[pairs], "linear_factor": s.pair_factor[pairs], "linear_a": a,
        "linear_spread": lam - a[:, None], "slot_source": slot_source, "slot_factor": slot_factor,
        "pad": (terms.slots < 0).astype(np.float64), "lam_moment": terms.lam_moment,
        "rest_moment": terms.rest_moment,
    }
    return inputs


@numba.njit(cache=True, error_model="numpy")
def evidence_core(rho: NDArray[np.float64], log_base: NDArray[np.float64], linear_source: NDArray[np.int64],
                  linear_factor: NDArray[np.float64], linear_a: NDArray[np.float64],
                  linear_spread: NDArray[np.float64], slot_source: NDArray[np.int64],
                  slot_factor: NDArray[np.float64], pad: NDArray[np.float64], lam_moment: NDArray[np.float64],
                  rest_moment: NDArray[np.float64]) -> tuple[float, NDArray[np.float64], NDArray[np.float64],
                                                             NDArray[np.float64], NDArray[np.float64],
                                                             NDArray[np.float64], NDArray[np.float64]]:
    r""":func:`evidence_kernel` at every source's reliability ``rho`` (S,).

    Also returns what a caller differentiating in the tables needs.

    Returns
    -------
    logp : float
    grad : ndarray, shape (S,)
        The gradient in every source's reliability.
    posterior : ndarray, shape (K,)
    value : ndarray, shape (P, K)
        :math:`a_i + r_i s_{ik}`, each linear event's likelihood (the gradient of ``logp`` in it is
        ``posterior[k] / value[i, k]``).
    likelihood : ndarray, shape (E, K)
        :math:`L_{ek}`.
    t : ndarray, shape (E, M + 1)
        Each corroborated event's coefficients :math:`t_p` (the gradient of ``logp`` in ``lam_moment[e, k, p]``
        is ``posterior[k] t[e, p] / likelihood[e, k]``).
    noise : ndarray, shape (E,)
        :math:`\prod_j (1 - r_j)` (the gradient in ``rest_moment[e, k]`` is
        ``posterior[k] noise[e] / likelihood[e, k]``).
    """
    # Plain loops throughout: numba compiles them several times faster than array expressions and fancy indexing.
    k_count = log_base.size
    ll = np.empty(k_count)
    for k in range(k_count):
        ll[k] = log_base[k]
    pairs = linear_source.size
    value = np.empty((pairs, k_count))
    # Products, with a log taken only when one nears underflow: one log per ~100 reports instead of one each.
    product = np.ones(k_count)
    for i in range(pairs):
        r = min(rho[linear_source[i]] * linear_factor[i], RHO_CEILING)
        for k in range(k_count):
            v = linear_a[i] + r * linear_spread[i, k]
            value[i, k] = v
            if v < _TINY:
                ll[k] += np.log(v)
            else:
                product[k] *= v
                if product[k] < _FLUSH:
                    ll[k] += np.log(product[k])
                    product[k] = 1.0
    for k in range(k_count):
        ll[k] += np.log(product[k])
    events, order = slot_source.shape
    likelihood = np.empty((events, k_count))
    slope = np.zeros((events, order, k_count))
    t = np.empty(order + 1)
    t_all = np.empty((events, order + 1))
    noise_all = np.empty(events)
    u = np.empty(order + 1)
    r_slot = np.empty(order)
    for e in range(events):
        for j in range(order):
            r_slot[j] = min(rho[slot_source[e, j]] * slot_factor[e, j], RHO_CEILING)
        for p in range(order + 1):
            t[p] = 0.0
        t[0] = 1.0
        noise = 1.0
        for j in range(order):
            keep, lift = r_slot[j] + pad[e, j], (1.0 - r_slot[j]) * (1.0 - pad[e, j])
            for p in range(j + 1, 0, -1):
                t[p] = t[p] * keep + t[p - 1] * lift
            t[0] *= keep
            noise *= 1.0 - r_slot[j]
        for p in range(order + 1):
            t_all[e, p] = t[p]
        noise_all[e] = noise
        for k in range(k_count):
            total = noise * rest_moment[e, k]
            for p in range(order + 1):
                total += t[p] * lam_moment[e, k, p]
            likelihood[e, k] = total
            ll[k] += np.log(total)
        for j in range(order):
            if pad[e, j] != 0.0:
                continue
            for p in range(order + 1):
                u[p] = 0.0
            u[0] = 1.0
            others = 1.0
            for i in range(order):
                if i == j:
                    continue
                keep, lift = r_slot[i] + pad[e, i], (1.0 - r_slot[i]) * (1.0 - pad[e, i])
                for p in range(order, 0, -1):
                    u[p] = u[p] * keep + u[p - 1] * lift
                u[0] *= keep
                others *= 1.0 - r_slot[i]
            for k in range(k_count):
                total = u[0] * lam_moment[e, k, 0] - others * rest_moment[e, k]
                for p in range(1, order + 1):
                    total += (u[p] - u[p - 1]) * lam_moment[e, k, p]
                slope[e, j, k] = total
    top = ll[0]
    for k in range(1, k_count):
        top = max(top, ll[k])
    norm = 0.0
    posterior = np.empty(k_count)
    for k in range(k_count):
        posterior[k] = np.exp(ll[k] - top)
        norm += posterior[k]
    for k in range(k_count):
        posterior[k] /= norm
    grad = np.zeros(rho.size)
    for i in range(pairs):
        if rho[linear_source[i]] * linear_factor[i] < RHO_CEILING:
            step = 0.0
            for k in range(k_count):
                step += posterior[k] * linear_spread[i, k] / value[i, k]
            grad[linear_source[i]] += step * linear_factor[i]
    for e in range(events):
        for j in range(order):
            if pad[e, j] != 0.0 or rho[slot_source[e, j]] * slot_factor[e, j] >= RHO_CEILING:
                continue
            step = 0.0
            for k in range(k_count):
                step += posterior[k] * slope[e, j, k] / likelihood[e, k]
            grad[slot_source[e, j]] += step * slot_factor[e, j]
    return top + np.log(norm), grad, posterior, value, likelihood, t_all, noise_all


@numba.njit(cache=True, error_model="numpy")
def evidence_kernel(rho_free: NDArray[np.float64], rho_fixed: NDArray[np.float64], free_source: NDArray[np.int64],
                    log_base: NDArray[np.float64], linear_source: NDArray[np.int64],
                    linear_factor: NDArray[np.float64], linear_a: NDArray[np.float64],
                    linear_spread: NDArray[np.float64], slot_source: NDArray[np.int64],
                    slot_factor: NDArray[np.float64], pad: NDArray[np.float64], lam_moment: NDArray[np.float64],
                    rest_moment: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                               NDArray[np.float64]]:
    r"""The log-probability ln P(reports | rho) and its gradient in the sampled reliabilities.

    Parameters
    ----------
    rho_free : ndarray, shape (F,)
        The sampled reliabilities.
    rho_fixed : ndarray, shape (S,)
        Every source's reliability; the entries ``free_source`` are replaced by ``rho_free``.
    free_source : ndarray of int, shape (F,)
    log_base : ndarray, shape (K,)
        ln prior plus the log-likelihood of the events not given below.
    linear_source, linear_factor, linear_a : ndarray, shape (P,)
        Each linear event's source, credibility factor and prior-weighted likelihood :math:`a`.
    linear_spread : ndarray, shape (P, K)
        :math:`\lambda_k - a` of each linear event.
    slot_source, slot_factor : ndarray, shape (E, M)
        Each corroborated event's reporting sources and factors (pads: factor 0).
    pad : ndarray, shape (E, M)
        1 on pad slots, 0 on real ones.
    lam_moment : ndarray, shape (E, K, M + 1)
        :math:`E[\lambda_k a^p]`.
    rest_moment : ndarray, shape (E, K)
        :math:`E[(1 - \lambda_k) a^m]`.

    Returns
    -------
    logp : ndarray, shape (1,)
    grad : ndarray, shape (F,)
    posterior : ndarray, shape (K,)
        P(H_k | reports, rho): the gradient of ``logp`` in ``log_base``.
    """
    rho = np.empty(rho_fixed.size)
    for s in range(rho.size):
        rho[s] = rho_fixed[s]
    for f in range(free_source.size):
        rho[free_source[f]] = rho_free[f]
    total, grad, posterior, _, _, _, _ = evidence_core(rho, log_base, linear_source, linear_factor, linear_a,
                                                       linear_spread, slot_source, slot_factor, pad, lam_moment,
                                                       rest_moment)
    logp = np.empty(1)
    logp[0] = total
    free_grad = np.empty(free_source.size)
    for f in range(free_source.size):
        free_grad[f] = grad[free_source[f]]
    return logp, free_grad, posterior


class EvidenceLogLikelihood(Op):
    """``(rho_free, rho_fixed, ...) -> (ln P(reports | rho) as a 1-vector, its gradient, P(H | reports, rho))``.

    The inputs are those of :func:`evidence_kernel`, in its order. Differentiable in ``rho_free`` and in
    ``log_base`` (whose gradient is the posterior), so the caller may add terms of its own to ``log_base``.
    """

    __props__ = ("kernel_version",)
    kernel_version = 3
    """Part of the on-disk cache key of graphs that use the operation: raise it whenever the kernel's
    signature changes (version 2 returns the posterior too), or a cache filled by an older release would
    run the old kernel."""

    def make_node(self, *inputs: Any) -> Apply[Any]:
        """Build the node: the kernel's inputs as tensors of its dtypes; a (1,), an (F,) and a (K,) output."""
        if len(inputs) != len(_INPUTS):
            raise TypeError(f"EvidenceLogLikelihood takes {', '.join(name for name, _ in _INPUTS)}")
        tensors = [pt.cast(pt.as_tensor_variable(x), dtype) for x, (_, dtype) in zip(inputs, _INPUTS, strict=True)]
        return Apply(self, tensors, [pt.dvector(), pt.dvector(), pt.dvector()])

    def perform(self, node: Apply[Any], inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        """Evaluate with the numba kernel (also outside PyTensor's numba backend)."""
        logp, grad, posterior = evidence_kernel(*(np.ascontiguousarray(x, dtype=dtype)
                                                  for x, (_, dtype) in zip(inputs, _INPUTS, strict=True)))
        output_storage[0][0], output_storage[1][0], output_storage[2][0] = logp, grad, posterior

    def pullback(self, inputs: Sequence[Variable[Any, Any]], outputs: Sequence[Variable[Any, Any]],
                 cotangents: Sequence[Variable[Any, Any]]) -> list[Variable[Any, Any]]:
        """The gradient in ``rho_free`` and ``log_base`` from the outputs; the other inputs are not differentiable."""
        g_logp, g_grad, g_posterior = cotangents
        if not (isinstance(g_grad.type, DisconnectedType) and isinstance(g_posterior.type, DisconnectedType)):
            raise NotImplementedError("only the log-probability output of EvidenceLogLikelihood is differentiable")
        grads = [g_logp[0] * outputs[1]]  # type: ignore[index]
        for i in range(1, len(_INPUTS)):
            grads.append(g_logp[0] * outputs[2] if _INPUTS[i][0] == "log_base"  # type: ignore[index]
                         else grad_not_implemented(self, i, inputs[i]))  # type: ignore[no-untyped-call]
        return grads


evidence_log_likelihood_op = EvidenceLogLikelihood()
"""The operation, ready to apply: ``logp, _, _ = evidence_log_likelihood_op(rho_free, rho_fixed, ...)``; ``logp[0]``."""


register_numba_kernel(EvidenceLogLikelihood, evidence_kernel)
"""In PyTensor's numba backend (PyMC's default), the node runs the kernel itself, cached on disk with the graph."""
