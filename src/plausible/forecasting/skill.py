r"""A Bayesian forecaster-skill model (PyMC) and the pooled forecast it implies. Imported only when asked for.

Binary questions only. Each question q has a latent log-odds :math:`\theta_q` of its event, and its outcome is
:math:`y_q \sim \mathrm{Bernoulli}(\sigma(\theta_q))`. Forecaster f reports, on the logit scale,

.. math::

    x_{fq} = \theta_q + b_f + \varepsilon_{fq}, \qquad \varepsilon_{fq} \sim N(0, s_f^2),

with a bias :math:`b_f` and a noise :math:`s_f`, pooled hierarchically over forecasters
(:math:`b_f \sim N(\mu_b, \tau_b^2)`, :math:`\ln s_f \sim N(\mu_s, \tau_s^2)`, non-centred) and
:math:`\theta_q \sim N(0, 1.5^2)`. The data are each forecaster's final forecast of every binary question
(clipped like the logit pool, :data:`~plausible.forecasting.aggregation.LOGIT_FLOOR`) and the outcomes of the
resolved questions *other than the one being pooled* (leave-one-question-out), so no question's outcome informs
its own pooled forecast.

Given the draws of :math:`(b, s)`, the pooled forecast of a question from the forecasts standing on a day is
conjugate: :math:`\theta \mid x \sim N(m, v)` with :math:`v^{-1} = 1.5^{-2} + \sum_f s_f^{-2}` and
:math:`m = v \sum_f (x_f - b_f) / s_f^2`; the pool is :math:`E[\sigma(\theta)]` (Gauss–Hermite quadrature),
averaged over the draws.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymc as pm
from numpy.typing import NDArray

__all__ = ["THETA_SD", "SkillDraws", "fit_skill", "skill_pool"]

THETA_SD = 1.5
"""Prior standard deviation of a question's latent log-odds."""

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(32)


@dataclass(frozen=True)
class SkillDraws:
    """Posterior draws of each forecaster's bias and noise (logit scale), shape (draws, forecasters)."""

    forecasters: tuple[str, ...]
    bias: NDArray[np.float64]
    noise: NDArray[np.float64]


def fit_skill(
    forecasters: tuple[str, ...],
    logits: NDArray[np.float64],
    forecaster_index: NDArray[np.intp],
    question_index: NDArray[np.intp],
    outcomes: NDArray[np.float64],
    observed: Sequence[NDArray[np.bool_]],
    *,
    seed: int,
    draws: int = 250,
    tune: int = 250,
    chains: int = 2,
) -> list[SkillDraws]:
    """Sample the skill model once per mask of observed outcomes (one model, compiled once).

    Parameters
    ----------
    forecasters : tuple of str
        Forecaster ids; ``forecaster_index`` points into it.
    logits : ndarray, shape (N,)
        The forecasts, on the logit scale.
    forecaster_index, question_index : ndarray of int, shape (N,)
        Who made each forecast, of which question (0..Q-1).
    outcomes : ndarray, shape (Q,)
        1 if the question's event happened, 0 if not (any value where not observed).
    observed : sequence of ndarray of bool, shape (Q,) each
        For each fit, which outcomes the model may learn from (leave-one-question-out: all resolved
        questions but the one being pooled).
    seed : int
        Fit i uses seed + i.
    draws, tune, chains : int
        Sampler settings (small: the model is tiny).

    Returns
    -------
    list of SkillDraws
        One per mask.
    """
    n_f, n_q = len(forecasters), outcomes.size
    with pm.Model() as model:
        # Data, not constants: the compiled model is then the same whatever the outcomes, so an outcome with
        # weight 0 cannot change a single floating-point operation (the leave-one-out guarantee is exact).
        weight = pm.Data("outcome_weight", np.zeros(n_q))
        y = pm.Data("outcome", outcomes.astype(np.float64))
        mu_bias = pm.Normal("mu_bias", 0.0, 0.5)
        sd_bias = pm.HalfNormal("sd_bias", 0.5)
        bias = pm.Deterministic("bias", mu_bias + sd_bias * pm.Normal("z_bias", 0.0, 1.0, shape=n_f))
        mu_noise = pm.Normal("mu_log_noise", math.log(0.7), 0.5)
        sd_noise = pm.HalfNormal("sd_log_noise", 0.5)
        noise = pm.Deterministic("noise", pm.math.exp(mu_noise + sd_noise * pm.Normal("z_noise", 0.0, 1.0,
                                                                                        shape=n_f)))
        theta = pm.Normal("theta", 0.0, THETA_SD, shape=n_q)
        pm.Normal("forecasts", theta[question_index] + bias[forecaster_index], noise[forecaster_index],
                  observed=logits)
        # ln sigma(t) = -softplus(-t) and ln(1 - sigma(t)) = -softplus(t); weight 0 hides an outcome
        loglik = -(y * pm.math.softplus(-theta) + (1.0 - y) * pm.math.softplus(theta))
        pm.Potential("outcomes", (weight * loglik).sum())
    out = []
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        for i, mask in enumerate(observed):
            with model, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pm.set_data({"outcome_weight": mask.astype(np.float64)})
                idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, target_accept=0.95,
                                  random_seed=seed + i, progressbar=False, compute_convergence_checks=False)
            post = idata.posterior
            out.append(SkillDraws(forecasters, np.asarray(post["bias"].values, dtype=np.float64).reshape(-1, n_f),
                                  np.asarray(post["noise"].values, dtype=np.float64).reshape(-1, n_f)))
    finally:
        logger.setLevel(level)
    return out


def skill_pool(draws: SkillDraws, standing: dict[str, float]) -> float:
    """The pooled probability of yes from the forecasts standing on a day (logits, by forecaster).

    Parameters
    ----------
    draws : SkillDraws
    standing : dict
        Forecaster id to the logit of their standing forecast; forecasters unknown to the fit are ignored.

    Returns
    -------
    float
    """
    index = [draws.forecasters.index(f) for f in standing if f in draws.forecasters]
    x = np.array([standing[draws.forecasters[i]] for i in index])
    bias, noise = draws.bias[:, index], draws.noise[:, index]
    precision = THETA_SD ** -2 + (noise ** -2).sum(axis=1)
    mean = ((x[None, :] - bias) / noise ** 2).sum(axis=1) / precision
    sd = precision ** -0.5
    theta = mean[:, None] + sd[:, None] * _NODES[None, :]
    expected = (1.0 / (1.0 + np.exp(-theta))) @ _WEIGHTS / math.sqrt(2.0 * math.pi)
    return float(expected.mean())
