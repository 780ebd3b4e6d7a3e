"""A second, deliberately naive implementation of the model of docs/model.md (loops, linear space), used as truth in tests."""

from __future__ import annotations

import numpy as np


def reference_posterior(prior, events, reports):  # type: ignore[no-untyped-def]
    """Posterior from plain loops.

    prior: list of K floats (normalised); events: {event: list of K likelihoods};
    reports: list of (event, source, rho_effective).
    """
    prior = np.asarray(prior, dtype=float)
    a = {g: float(np.dot(prior, lam)) for g, lam in events.items()}
    likelihood = np.ones(len(prior))
    for g, lam in events.items():
        best: dict[str, float] = {}
        for event, source, rho in reports:
            if event == g:
                best[source] = max(best.get(source, -1.0), rho)
        if not best:
            continue
        truthful = np.prod([r + (1 - r) * a[g] for r in best.values()])
        noise = np.prod([(1 - r) * a[g] for r in best.values()])
        likelihood = likelihood * (np.asarray(lam) * truthful + (1 - np.asarray(lam)) * noise)
    joint = prior * likelihood
    return joint / joint.sum()


def reference_compile_set(hs, items, sources):  # type: ignore[no-untyped-def]
    """A set compiled cell by cell with plain loops: the truth :func:`plausible.model.compiled.compile_set`
    must match bit for bit.

    Only the NA refill is shared (:func:`~plausible.model.compiled.fill_not_applicable`, tested on its own):
    its row sums must round exactly as NumPy's do.
    """
    from plausible.model.compiled import CompiledSet, fill_not_applicable

    hids = hs.hypothesis_ids
    prior = np.array([h.prior for h in hs.hypotheses], dtype=np.float64)
    event_ids: list[str] = []  # in order of first report
    first_report = {}  # event -> its first item, whose likelihoods the event takes
    source_ids: list[str] = []
    event_of, source_of, factor = [], [], []
    for item in items:
        if item.event not in first_report:
            first_report[item.event] = item
            event_ids.append(item.event)
        if item.source not in source_ids:
            source_ids.append(item.source)
        event_of.append(event_ids.index(item.event))
        source_of.append(source_ids.index(item.source))
        factor.append(hs.model.credibility_factor(item.credibility))
    shape = (len(event_ids), len(hids))
    lam, alpha, beta = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    na = np.zeros(shape, dtype=bool)
    for g, event in enumerate(event_ids):
        for k, h in enumerate(hids):
            judgment = first_report[event].likelihoods[hs.id][h]
            lam[g, k] = judgment.mean
            na[g, k] = judgment.not_applicable
            banded = judgment.alpha is not None and not judgment.not_applicable
            alpha[g, k] = judgment.alpha if banded else np.nan
            beta[g, k] = judgment.beta if banded else np.nan
    lam = fill_not_applicable(lam, na, prior)
    rho, rho_alpha, rho_beta = np.zeros(len(source_ids)), np.zeros(len(source_ids)), np.zeros(len(source_ids))
    for s, source_id in enumerate(source_ids):
        reliability = sources[source_id].reliability
        if reliability.grade is not None:  # a grade is read in the set's model
            reliability = hs.model.reliability(reliability.grade)
        rho[s] = reliability.mean
        rho_alpha[s] = np.nan if reliability.alpha is None else reliability.alpha
        rho_beta[s] = np.nan if reliability.beta is None else reliability.beta
    arrays = [prior, np.array(event_of, dtype=np.int64), np.array(source_of, dtype=np.int64),
              np.array(factor, dtype=np.float64), lam, alpha, beta, na, rho, rho_alpha, rho_beta]
    for array in arrays:
        array.flags.writeable = False
    prior, event_of_a, source_of_a, factor_a, lam, alpha, beta, na, rho, rho_alpha, rho_beta = arrays
    return CompiledSet(hs.id, hids, prior, tuple(i.id for i in items), event_of_a, source_of_a, factor_a,
                       lam, alpha, beta, na, tuple(source_ids), rho, rho_alpha, rho_beta)
