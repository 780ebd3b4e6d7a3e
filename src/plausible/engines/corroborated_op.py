r"""The corroborated events' integrated log-likelihood as one PyTensor operation, value and gradient.

Written with PyTensor's elementwise algebra, the polynomial of :mod:`plausible.engines.corroboration` and its
gradient come to ~200 graph nodes, and PyTensor's graph rewriting of those nodes cost ~0.9 s at the start
of every MCMC run (the rewrites are not cached across processes; the compiled code is). As a single
operation with a numba kernel (compiled once, then cached on disk like PyTensor's own), the graph the
rewriter sees is two nodes, and each evaluation is one loop over events.

For event e with slots j (reliabilities :math:`r_j`, pads have :math:`r_j = 0`) and hypothesis k:

.. math:: L_{ek} = \sum_p t_p M_{ekp} + \prod_j (1 - r_j) R_{ek},\qquad
          \frac{\partial L_{ek}}{\partial r_j} = \sum_p (u^{(j)}_p - u^{(j)}_{p-1}) M_{ekp}
          - \prod_{i \ne j} (1 - r_i) R_{ek},

where :math:`t` are the coefficients of :math:`\prod_j (r_j + (1 - r_j) a)` and :math:`u^{(j)}` those of the
same product without slot j (the factor's derivative in :math:`r_j` is :math:`1 - a`). The operation returns
:math:`\sum_e \ln L_{ek}` and its Jacobian in :math:`r_{ej}`, which is
:math:`(\partial L_{ek} / \partial r_j) / L_{ek}`.
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
from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

__all__ = ["CorroboratedLogLikelihood", "corroborated_kernel", "corroborated_log_likelihood_op"]


@numba.njit(cache=True)
def corroborated_kernel(r: NDArray[np.float64], pad: NDArray[np.float64], lam_moment: NDArray[np.float64],
                        rest_moment: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Summed log-likelihood (K,) and its Jacobian in the slot reliabilities (K, E, M).

    Parameters
    ----------
    r : ndarray, shape (E, M)
        Each slot's effective reliability (0 on pads).
    pad : ndarray, shape (E, M)
        1 on pad slots, 0 on real ones.
    lam_moment : ndarray, shape (E, K, M + 1)
        :math:`E[\lambda_k a^p]`.
    rest_moment : ndarray, shape (E, K)
        :math:`E[(1 - \lambda_k) a^m]`.
    """
    events, order = r.shape
    k_count = lam_moment.shape[1]
    total = np.zeros(k_count)
    jacobian = np.zeros((k_count, events, order))
    t = np.empty(order + 1)
    u = np.empty(order + 1)
    likelihood = np.empty(k_count)
    for e in range(events):
        t[:] = 0.0
        t[0] = 1.0
        noise = 1.0
        for j in range(order):
            keep, lift = r[e, j] + pad[e, j], (1.0 - r[e, j]) * (1.0 - pad[e, j])
            for p in range(j + 1, 0, -1):
                t[p] = t[p] * keep + t[p - 1] * lift
            t[0] *= keep
            noise *= 1.0 - r[e, j]
        for k in range(k_count):
            value = noise * rest_moment[e, k]
            for p in range(order + 1):
                value += t[p] * lam_moment[e, k, p]
            likelihood[k] = value
            total[k] += np.log(value)
        for j in range(order):
            if pad[e, j] != 0.0:
                continue
            u[:] = 0.0
            u[0] = 1.0
            others = 1.0
            for i in range(order):
                if i == j:
                    continue
                keep, lift = r[e, i] + pad[e, i], (1.0 - r[e, i]) * (1.0 - pad[e, i])
                for p in range(order, 0, -1):
                    u[p] = u[p] * keep + u[p - 1] * lift
                u[0] *= keep
                others *= 1.0 - r[e, i]
            for k in range(k_count):
                slope = u[0] * lam_moment[e, k, 0] - others * rest_moment[e, k]
                for p in range(1, order + 1):
                    slope += (u[p] - u[p - 1]) * lam_moment[e, k, p]
                jacobian[k, e, j] = slope / likelihood[k]
    return total, jacobian


class CorroboratedLogLikelihood(Op):
    """``(r, pad, lam_moment, rest_moment) -> (sum_e ln L_ek, Jacobian in r)``; differentiable in ``r`` only."""

    __props__ = ()

    def make_node(self, *inputs: Any) -> Apply[Any]:
        """Build the node: four float64 tensor inputs; a (K,) and a (K, E, M) output."""
        if len(inputs) != 4:
            raise TypeError("CorroboratedLogLikelihood takes r, pad, lam_moment and rest_moment")
        tensors = [pt.cast(pt.as_tensor_variable(x), "float64") for x in inputs]
        return Apply(self, tensors, [pt.dvector(), pt.dtensor3()])

    def perform(self, node: Apply[Any], inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        """Evaluate with the numba kernel (also outside PyTensor's numba backend)."""
        total, jacobian = corroborated_kernel(*(np.ascontiguousarray(x, dtype=np.float64) for x in inputs))
        output_storage[0][0], output_storage[1][0] = total, jacobian

    def pullback(self, inputs: Sequence[Variable[Any, Any]], outputs: Sequence[Variable[Any, Any]],
                 cotangents: Sequence[Variable[Any, Any]]) -> list[Variable[Any, Any]]:
        """The gradient in ``r`` from the Jacobian output; the data inputs are not differentiable."""
        g_total, g_jacobian = cotangents
        if not isinstance(g_jacobian.type, DisconnectedType):
            raise NotImplementedError("the Jacobian output of CorroboratedLogLikelihood is not differentiable")
        return [pt.tensordot(g_total, outputs[1], axes=[[0], [0]]),
                *(grad_not_implemented(self, i, inputs[i]) for i in (1, 2, 3))]  # type: ignore[no-untyped-call]


corroborated_log_likelihood_op = CorroboratedLogLikelihood()
"""The operation, ready to apply: ``total, _ = corroborated_log_likelihood_op(r, pad, lam_moment, rest_moment)``."""


@register_funcify_default_op_cache_key(CorroboratedLogLikelihood)  # type: ignore[untyped-decorator,no-untyped-call]
def _numba_corroborated(op: CorroboratedLogLikelihood, node: Apply[Any], **kwargs: Any) -> Any:
    return corroborated_kernel
