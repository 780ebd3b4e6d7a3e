"""Our R-hat and ESS against ArviZ's (the reference implementation of Vehtari et al. 2021)."""

from __future__ import annotations

import numpy as np
import pytest

from plausible.engines.diagnostics import ess_bulk, ess_tail, rhat


def autoregressive(rng: np.random.Generator, chains: int, draws: int, params: int, phi: float) -> np.ndarray:
    x = np.zeros((chains, draws, params))
    noise = rng.normal(size=x.shape)
    for i in range(1, draws):
        x[:, i] = phi * x[:, i - 1] + noise[:, i]
    return x + rng.normal(size=(chains, 1, params)) * rng.uniform(0, 1)  # chains that disagree a little


@pytest.mark.parametrize("seed", range(12))
def test_matches_arviz(seed: int) -> None:
    import arviz as az

    rng = np.random.default_rng(seed)
    chains, draws = int(rng.integers(2, 5)), int(rng.integers(20, 500))
    x = autoregressive(rng, chains, draws, 3, float(rng.uniform(0, 0.95)))
    if seed % 3 == 0:
        x = np.round(x, 1)  # ties
    ours = rhat(x), ess_bulk(x), ess_tail(x)
    for p in range(3):
        a = x[:, :, p]
        assert ours[0][p] == pytest.approx(float(az.rhat(a)), abs=1e-10)
        assert ours[1][p] == pytest.approx(float(az.ess(a, method="bulk")), rel=1e-10)
        assert ours[2][p] == pytest.approx(float(az.ess(a, method="tail", prob=(0.05, 0.95))), rel=1e-10)


def test_flags_chains_that_disagree() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 400, 1))
    x[0] += 3.0
    assert rhat(x)[0] > 1.1
    assert rhat(rng.normal(size=(4, 400, 1)))[0] < 1.01


def test_independent_draws_have_ess_near_their_number() -> None:
    x = np.random.default_rng(2).normal(size=(4, 1000, 2))
    assert np.all(np.abs(ess_bulk(x) / 4000 - 1) < 0.15)
