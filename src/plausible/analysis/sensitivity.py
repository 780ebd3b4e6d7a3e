"""Sensitivity of the conclusion: leave-one-out, linchpins, source stress, prior sensitivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.engines.exact import log_likelihood_increments, softmax
from plausible.model.compiled import CompiledSet

__all__ = ["LINCHPIN_SHIFT", "Sensitivity", "leave_one_out", "linchpins", "sensitivity"]

LINCHPIN_SHIFT = 0.10
"""An item is a linchpin when its removal changes the leading hypothesis or moves it this much."""

FloatArray = NDArray[np.float64]


def leave_one_out(compiled: CompiledSet) -> FloatArray:
    """The posterior without each item in turn, shape (N, K).

    An item alone in its event is removed by subtracting its log-likelihood. An item of a corroborated
    event is removed by recomputing that event from its other reports (corroboration is not additive):
    all those recomputations run as one batch, each "event minus one report" as a pseudo-event.
    """
    rho = compiled.rho_effective()
    increments = log_likelihood_increments(compiled.prior, compiled.lam, rho, compiled.event_of,
                                           compiled.source_of)
    total = np.log(compiled.prior) + increments.sum(axis=0)
    out = softmax(total[None, :] - increments)  # exact for items alone in their event
    counts = np.bincount(compiled.event_of, minlength=compiled.lam.shape[0])
    grouped = np.nonzero(counts[compiled.event_of] > 1)[0]
    if grouped.size == 0:
        return out
    # Whole-event log-likelihoods, and for each grouped report j its event without j.
    whole = np.zeros((compiled.lam.shape[0], len(compiled.prior)))
    np.add.at(whole, compiled.event_of, increments)
    order = np.argsort(compiled.event_of, kind="stable")
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))

    def others(j: int) -> NDArray[np.int64]:
        g = compiled.event_of[j]
        members: NDArray[np.int64] = order[start[g] : start[g] + counts[g]]
        kept: NDArray[np.int64] = members[members != j]
        return kept

    pseudo_reports = np.concatenate([others(int(j)) for j in grouped])
    pseudo_event = np.repeat(np.arange(grouped.size), counts[compiled.event_of[grouped]] - 1)
    pseudo_lam = compiled.lam[compiled.event_of[grouped]]
    inc = log_likelihood_increments(compiled.prior, pseudo_lam, rho[pseudo_reports], pseudo_event.astype(np.int64),
                                    compiled.source_of[pseudo_reports])
    without_j = np.zeros((grouped.size, len(compiled.prior)))
    np.add.at(without_j, pseudo_event, inc)
    out[grouped] = softmax(total[None, :] - whole[compiled.event_of[grouped]] + without_j)
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
