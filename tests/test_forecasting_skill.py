"""The Bayesian forecaster-skill pool: its conjugate pooling against quadrature, and seeded PyMC fits."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from plausible.forecasting import score_exercise

DATA = Path(__file__).parent / "data" / "exercises"


def test_skill_pool_is_the_posterior_mean_of_sigmoid_theta() -> None:
    from plausible.forecasting.skill import THETA_SD, SkillDraws, skill_pool

    draws = SkillDraws(("a", "b"), bias=np.array([[0.3, -0.2]]), noise=np.array([[0.5, 1.2]]))
    x = {"a": 1.0, "b": -0.4}

    # Independent truth: integrate the unnormalised posterior of theta numerically.
    def density(t: float) -> float:
        like = math.exp(-t * t / (2 * THETA_SD**2))
        for xf, b, s in zip(x.values(), (0.3, -0.2), (0.5, 1.2), strict=True):
            like *= math.exp(-((xf - t - b) ** 2) / (2 * s * s))
        return like

    z = integrate.quad(density, -20, 20)[0]
    expected = integrate.quad(lambda t: density(t) / (1 + math.exp(-t)), -20, 20)[0] / z
    assert skill_pool(draws, x) == pytest.approx(expected, abs=1e-9)
    # an unbiased, noiseless forecaster is taken at their word
    sharp = SkillDraws(("a",), bias=np.zeros((1, 1)), noise=np.full((1, 1), 1e-4))
    assert skill_pool(sharp, {"a": 2.0}) == pytest.approx(1 / (1 + math.exp(-2.0)), abs=1e-4)
    # forecasters the fit does not know are ignored; with nobody left, the prior mean 1/2
    assert skill_pool(sharp, {"zed": 3.0}) == pytest.approx(0.5)


@pytest.mark.slow
def test_a_question_outcome_never_informs_its_own_bayes_pool(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(DATA / "design-section5", root)
    path = root / "exercises" / "quiz" / "resolutions.yaml"
    first = score_exercise("quiz", root, bayes=True, seed=3)
    path.write_text(path.read_text(encoding="utf-8").replace("outcome: yes", "outcome: no"), encoding="utf-8")
    flipped = score_exercise("quiz", root, bayes=True, seed=3)
    a = [f.probabilities for f in first.series["bayes-pool"]]
    b = [f.probabilities for f in flipped.series["bayes-pool"]]
    assert len(a) == 3   # rain: forecast on 04-21, 04-26 and 04-29
    np.testing.assert_allclose(a, b)
    pool = next(f for f in first.forecasters if f.id == "bayes-pool")
    assert pool.kind == "pool" and pool.questions == 1 and pool.half_brier is not None


@pytest.mark.slow
def test_skill_model_finds_the_biased_forecaster() -> None:
    from plausible.forecasting.skill import fit_skill

    rng = np.random.default_rng(11)
    n_q = 30
    theta = rng.normal(0, 1.5, n_q)
    outcomes = (rng.uniform(size=n_q) < 1 / (1 + np.exp(-theta))).astype(float)
    true_bias, true_noise = np.array([0.0, 1.5, 0.0]), np.array([0.3, 0.3, 1.5])
    f_index = np.repeat(np.arange(3), n_q)
    q_index = np.tile(np.arange(n_q), 3)
    logits = theta[q_index] + true_bias[f_index] + rng.normal(0, true_noise[f_index])
    (draws,) = fit_skill(("calm", "optimist", "noisy"), logits, f_index, q_index, outcomes,
                         [np.ones(n_q, dtype=bool)], seed=5)
    bias, noise = draws.bias.mean(axis=0), draws.noise.mean(axis=0)
    assert bias[1] - bias[0] > 0.8
    assert noise[2] > 2 * noise[0]
