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
