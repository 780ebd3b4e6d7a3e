r"""The noise model's log density in two blocks, for a sampler that moves the reliabilities and the noise apart.

With many readings, most of an evaluation of the noise model (:mod:`plausible.engines.readings_op`) is work
that depends on the analysts' noise scales alone: every read cell's posterior, the readings' marginal, the
read events' rows of the evidence. A joint NUTS step moves every coordinate at once, so it redoes that work
at each of its 15 or so leapfrog steps. Sampled in two blocks, each by its own NUTS step within one
iteration (Metropolis-within-Gibbs):

- the reliabilities given the noise scales: the noise-only work is done once and kept while the block's
  trajectory moves (:meth:`BlockedDensity.reliabilities`), which leaves an evaluation as cheap as the log
  pool's;
- the noise scales given the reliabilities: the whole kernel, in the noise coordinates only
  (:meth:`BlockedDensity.noise`), whose trajectories are short (few coordinates, pinned by the readings).

Both functions return the model's whole log density (the same function of the same coordinates as the
PyMC model of :func:`plausible.engines.mcmc.build_model`; ``tests/test_blocks.py`` checks it against that
model's compiled log density and gradient), so the chain's target is the model's posterior. Which sets are
sampled this way is :func:`blocked`'s rule; docs/model.md says why, and docs/performance.md what it gains.

Imported only when sampling.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln

from plausible.engines.corroboration import Corroborated
from plausible.engines.evidence_op import evidence_core
from plausible.engines.readings import NOISE_PRIOR, Readings, noise_prior_covariance
from plausible.engines.readings_op import noisy_cells, noisy_inputs, noisy_kernel
from plausible.engines.structure import SamplingStructure
from plausible.model.compiled import CompiledSet

__all__ = ["BLOCKED_READINGS", "NOISE_TARGET_BELOW", "BlockedDensity", "blocked", "noise_target_accept",
           "readings_count"]

BLOCKED_READINGS = 30_000
"""With ``noise_blocks: auto``, sets with at least this many readings are sampled in two blocks: between the
largest case measured where one joint step was faster (16,648 readings) and the smallest where the blocks
were (41,659); docs/performance.md has the measurements."""


NOISE_TARGET_BELOW = 0.1
"""The noise block's NUTS aims at an acceptance this much below the setting's ``target_accept`` (0.8 for the
default 0.9), but not below 0.5 unless the setting is: its few coordinates are pinned by the readings and
nearly normal, where a lower target takes fewer leapfrog steps for about the same mixing (docs/performance.md)."""


def noise_target_accept(target_accept: float) -> float:
    """The noise block's acceptance target for the setting ``target_accept`` (see :data:`NOISE_TARGET_BELOW`).

    Examples
    --------
    >>> [round(noise_target_accept(t), 12) for t in (0.95, 0.9, 0.6, 0.55, 0.3)]
    [0.85, 0.8, 0.5, 0.5, 0.3]
    """
    return min(target_accept, max(target_accept - NOISE_TARGET_BELOW, 0.5))


def blocked(setting: str, read: Readings | None) -> bool:
    """Whether to sample in two blocks: ``setting`` is ``on``, ``off`` or ``auto`` (by :data:`BLOCKED_READINGS`).

    Examples
    --------
    >>> blocked("on", None), blocked("auto", None)
    (False, False)
    """
    if read is None or setting == "off":
        return False
    return setting == "on" or readings_count(read) >= BLOCKED_READINGS


def readings_count(read: Readings) -> int:
    """How many judgments the analysts gave for the set's read cells."""
    return int(np.asarray(read.level_count).sum())


@numba.njit(cache=True, error_model="numpy")
def _reliability_block(z: NDArray[np.float64], alpha: NDArray[np.float64], beta: NDArray[np.float64],
                       rho_fixed: NDArray[np.float64], free_source: NDArray[np.int64], log_base: NDArray[np.float64],
                       linear_source: NDArray[np.int64], linear_factor: NDArray[np.float64],
                       linear_a: NDArray[np.float64], linear_spread: NDArray[np.float64],
                       slot_source: NDArray[np.int64], slot_factor: NDArray[np.float64], pad: NDArray[np.float64],
                       lam_moment: NDArray[np.float64],
                       rest_moment: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """The block's log density, ln P(reports | rho, cells) plus the reliabilities' prior, and its gradient.

    Both in the reliabilities' log-odds ``z``: the prior's Jacobian is included, its normalising constant
    left out.
    """
    rho = rho_fixed.copy()
    free = np.empty(z.size)
    log_prior = 0.0
    for f in range(z.size):
        # ln rho and ln(1 - rho) as -softplus(-z) and -softplus(z), stable at either end
        log_rho = -(max(-z[f], 0.0) + np.log1p(np.exp(-abs(z[f]))))
        log_rest = -(max(z[f], 0.0) + np.log1p(np.exp(-abs(z[f]))))
        free[f] = np.exp(log_rho)
        rho[free_source[f]] = free[f]
        log_prior += alpha[f] * log_rho + beta[f] * log_rest
    evidence, grad_all, _, _, _, _, _ = evidence_core(rho, log_base, linear_source, linear_factor, linear_a,
                                                      linear_spread, slot_source, slot_factor, pad, lam_moment,
                                                      rest_moment)
    grad = np.empty(z.size)
    for f in range(z.size):
        r = free[f]
        grad[f] = grad_all[free_source[f]] * r * (1.0 - r) + alpha[f] - (alpha[f] + beta[f]) * r
    return evidence + log_prior, grad


class _Slot:
    """Where a block's step writes the other block's current value (as it would a PyTensor shared variable)."""

    def __init__(self, value: NDArray[np.float64]) -> None:
        self.value = np.array(value, dtype=np.float64)

    def set_value(self, value: Any, borrow: bool = False) -> None:
        self.value = np.array(value, dtype=np.float64)

    def get_value(self, borrow: bool = False) -> NDArray[np.float64]:
        return self.value


class BlockedDensity:
    """The noise model's log density as a function of each block, the other block held where the chain is.

    Parameters
    ----------
    compiled : CompiledSet
    structure : SamplingStructure
    terms : Corroborated
        The corroborated events' terms less the read events.
    read : Readings

    Attributes
    ----------
    rho_logodds, noise_total, noise_share : _Slot
        The current value of each of the model's value variables, as the other block's step reads it.
    """

    def __init__(self, compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated,
                 read: Readings) -> None:
        free = np.zeros(compiled.rho.size, dtype=bool)
        free[structure.free_rho] = True
        inputs = noisy_inputs(compiled, structure, terms, read, free)
        self._inputs = inputs
        self._data = list(inputs.values())
        self._evidence = [inputs[name] for name in ("rho_fixed", "free_source", "log_base", "linear_source",
                                                    "linear_factor")]
        self._slots = [inputs[name] for name in ("slot_source", "slot_factor", "pad")]
        self._alpha = np.ascontiguousarray(compiled.rho_alpha[structure.free_rho], dtype=np.float64)
        self._beta = np.ascontiguousarray(compiled.rho_beta[structure.free_rho], dtype=np.float64)
        self._log_norm = float(betaln(self._alpha, self._beta).sum())
        analysts = len(read.analyst_ids)
        self._mean = np.full(analysts, NOISE_PRIOR["log_scale_mean"])
        self._precision = np.linalg.inv(noise_prior_covariance(analysts))
        self.rho_logodds = _Slot(np.zeros(self._alpha.size))
        self.noise_total = _Slot(np.zeros(()))
        self.noise_share = _Slot(np.zeros(analysts - 1))
        self._key: bytes | None = None
        self._cells: tuple[Any, ...] = ()
        self._noise_prior = 0.0

    def log_noise(self, coordinates: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The log noise scales at ``(noise_total, *noise_share)``, and the share logits' softmax."""
        logits = np.append(coordinates[1:], 0.0)
        shifted = np.exp(logits - logits.max())  # SciPy's logsumexp and softmax: 97 µs a call
        total = shifted.sum()
        out: NDArray[np.float64] = coordinates[0] + 0.5 * (logits - logits.max() - np.log(total))
        return out, shifted / total

    def _noise_prior_and_gradient(self, log_noise: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        centred = log_noise - self._mean
        gradient: NDArray[np.float64] = -(self._precision @ centred)
        return float(-0.5 * centred @ self._precision @ centred), gradient

    def reliabilities(self, z: NDArray[np.float64]) -> tuple[np.float64, NDArray[np.float64]]:
        """The log density and its gradient in the reliabilities' log-odds, the noise at ``noise_*``'s values."""
        coordinates = np.concatenate([np.ravel(self.noise_total.value), self.noise_share.value])
        key = coordinates.tobytes()
        if key != self._key:  # the noise block moved: its work once, for this block's whole trajectory
            log_noise, _ = self.log_noise(coordinates)
            self._cells = noisy_cells(log_noise, self._inputs)
            self._noise_prior = self._noise_prior_and_gradient(log_noise)[0]
            self._key = key
        marginal, la, ls, lm, rm = self._cells
        inputs = (np.ascontiguousarray(z, dtype=np.float64), self._alpha, self._beta, *self._evidence, la, ls,
                  *self._slots, lm, rm)
        logp, grad = _reliability_block(*inputs)
        return np.float64(logp + marginal + self._noise_prior - self._log_norm), grad

    def noise(self, coordinates: NDArray[np.float64]) -> tuple[np.float64, NDArray[np.float64]]:
        """The log density and its gradient in ``(noise_total, *noise_share)``, the reliabilities held."""
        log_noise, weights = self.log_noise(np.asarray(coordinates, dtype=np.float64))
        z = self.rho_logodds.value
        rho = np.exp(-np.logaddexp(0.0, -z))  # as the reliabilities' block computes them
        logp, _, grad_noise, _ = noisy_kernel(rho, log_noise, *self._data)
        prior, prior_gradient = self._noise_prior_and_gradient(log_noise)
        g = grad_noise + prior_gradient
        # d ln sigma_a / d total = 1; d ln sigma_a / d share_b = (delta_ab - w_b) / 2
        gradient = np.concatenate([[g.sum()], 0.5 * (g[:-1] - weights[:-1] * g.sum())])
        log_rho_prior = float(np.sum(-self._alpha * np.logaddexp(0.0, -z) - self._beta * np.logaddexp(0.0, z)))
        return np.float64(logp[0] + prior + log_rho_prior - self._log_norm), gradient
