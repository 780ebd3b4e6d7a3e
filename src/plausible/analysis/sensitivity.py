"""Sensitivity of the conclusion: leave-one-out, linchpins, source stress, prior sensitivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.compiled import CompiledSet
from plausible.engines.exact import log_likelihood_increments, softmax

__all__ = ["LINCHPIN_SHIFT", "Sensitivity", "leave_one_out", "linchpins", "sensitivity"]

LINCHPIN_SHIFT = 0.10
"""An item is a linchpin when its removal changes the leading hypothesis or moves it this much."""

FloatArray = NDArray[np.float64]


def _event_loglik(compiled: CompiledSet, reports: NDArray[np.int64], rho: FloatArray) -> FloatArray:
    """Log-likelihood ln P(these reports | H) of some reports of one event."""
    inc = log_likelihood_increments(compiled.prior, compiled.lam, rho[reports], compiled.event_of[reports],
                                    compiled.source_of[reports])
    out: FloatArray = inc.sum(axis=0)
    return out


def leave_one_out(compiled: CompiledSet) -> FloatArray:
    """The posterior without each item in turn, shape (N, K).

    An item alone in its event is removed by subtracting its log-likelihood; an item of a corroborated
    event is removed by recomputing that event from its other reports (corroboration is not additive).
    """
    rho = compiled.rho_effective()
    increments = log_likelihood_increments(compiled.prior, compiled.lam, rho, compiled.event_of,
                                           compiled.source_of)
    total = np.log(compiled.prior) + increments.sum(axis=0)
    counts = np.bincount(compiled.event_of, minlength=compiled.lam.shape[0])
    out = softmax(total[None, :] - increments)  # exact for items alone in their event
    for g in np.nonzero(counts > 1)[0]:
        reports = np.nonzero(compiled.event_of == g)[0]
        whole = _event_loglik(compiled, reports, rho)
        for j in reports:
            others = reports[reports != j]
            out[j] = softmax(total - whole + _event_loglik(compiled, others, rho))
    return out


def linchpins(probability: FloatArray, without: FloatArray, item_ids: tuple[str, ...]) -> list[str]:
    """Items whose removal changes the leading hypothesis or moves its probability by >= 10 points."""
    lead = int(np.argmax(probability))
    out = []
    for j, row in enumerate(without):
        if int(np.argmax(row)) != lead or abs(row[lead] - probability[lead]) >= LINCHPIN_SHIFT - 1e-12:
            out.append(item_ids[j])
    return out


@dataclass(frozen=True)
class Sensitivity:
    """How the posterior depends on single items, single sources and the prior."""

    leave_one_out: FloatArray
    linchpins: list[str]
    source_stress: dict[str, FloatArray]
    uniform_prior: FloatArray


def sensitivity(compiled: CompiledSet, probability: FloatArray) -> Sensitivity:
    """Leave-one-out, linchpins, each source at reliability 0, and the posterior under a uniform prior."""
    without = leave_one_out(compiled)
    stress = {}
    for s, source in enumerate(compiled.source_ids):
        rho = compiled.rho.copy()
        rho[s] = 0.0
        inc = log_likelihood_increments(compiled.prior, compiled.lam, compiled.rho_effective(rho),
                                        compiled.event_of, compiled.source_of)
        stress[source] = softmax(np.log(compiled.prior) + inc.sum(axis=0))
    # A uniform prior changes a_g too (the noise rate), so recompute rather than reweight.
    k = len(compiled.prior)
    uniform = np.full(k, 1.0 / k)
    inc = log_likelihood_increments(uniform, compiled.lam, compiled.rho_effective(), compiled.event_of,
                                    compiled.source_of)
    return Sensitivity(without, linchpins(probability, without, compiled.item_ids), stress,
                       softmax(np.log(uniform) + inc.sum(axis=0)))
