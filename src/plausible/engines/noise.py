r"""The analysts' noise scales in the MCMC engine: the coordinates the sampler moves, where chains start, draws.

The prior is that of :mod:`plausible.engines.readings`: :math:`\ln\sigma \sim N(m 1, \tau^2 1 1^\top + \omega^2 I)`.
The sampler moves ``noise_total`` :math:`t = \ln \sqrt{\sum_a \sigma_a^2}` and ``noise_share``
:math:`\phi_1..\phi_{A-1}`, the logits of each analyst's share of that variance (the last analyst's is 0):

.. math:: \ln\sigma_a = t + (\phi_a - \ln \textstyle\sum_b e^{\phi_b}) / 2.

With two analysts only the total is identified, and the posterior of :math:`(\sigma_A, \sigma_B)` lies along an
arc, which these coordinates straighten. The map has the constant Jacobian :math:`2^{1-A}`, so the variables
are flat and the prior enters as a potential: the model is the same.

Imported only when sampling (it imports PyMC).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import NDArray
from pytensor.tensor.special import log_softmax

from plausible.engines.readings import NOISE_PRIOR, noise_prior_covariance

__all__ = ["coordinates", "log_noise_draws", "noise_start", "noise_variables"]


def noise_variables(analysts: int) -> Any:
    """Create the sampler's noise variables and the prior's potential (inside a model); the log scales, (A,)."""
    mean = np.full(analysts, NOISE_PRIOR["log_scale_mean"])
    precision = np.linalg.inv(noise_prior_covariance(analysts))
    total = pm.Flat("noise_total")
    share = pm.Flat("noise_share", shape=analysts - 1)
    logits = pt.concatenate([share, pt.zeros(1)])
    log_noise = total + 0.5 * log_softmax(logits)
    centred = log_noise - mean
    pm.Potential("noise_prior", -0.5 * pt.dot(centred, pt.dot(precision, centred)))
    return log_noise


def coordinates(log_noise: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """The sampler's coordinates ``(noise_total, noise_share)`` of log noise scales ``log_noise`` (A,).

    Examples
    --------
    >>> total, share = coordinates(np.log([0.3, 0.4]))
    >>> round(float(np.exp(total)), 12), np.round(share, 12).tolist()
    (0.5, [-0.575364144904])
    """
    total = 0.5 * float(np.log(np.exp(2.0 * log_noise).sum()))
    return total, 2.0 * (log_noise[:-1] - log_noise[-1])


def log_noise_draws(idata: Any, total: int) -> NDArray[np.float64]:
    """The analysts' log noise scales of every draw, shape (total, A), from ``noise_total`` and ``noise_share``."""
    from scipy.special import logsumexp

    post = idata.posterior
    share = np.asarray(post["noise_share"].values, dtype=np.float64).reshape(total, -1)
    logits = np.concatenate([share, np.zeros((total, 1))], axis=1)
    out: NDArray[np.float64] = (np.asarray(post["noise_total"].values, dtype=np.float64).reshape(total, 1)
                                + 0.5 * (logits - logsumexp(logits, axis=1, keepdims=True)))
    return out


def noise_start(logp_and_grad: Any, analysts: int) -> tuple[dict[str, NDArray[np.float64]],
                                                            dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """Where the chains' noise coordinates start, and how far apart: the mode and the curvature there.

    The readings of thousands of cells pin the noise scales to a few percent, far from the prior's centre
    in units of their posterior spread; started at the prior, the chains would spend much of their tuning
    getting there. So they start at the mode of the log density in the log scales, the reliabilities held
    at their prior means (``logp_and_grad(log_noise) -> (logp, gradient)``, the prior's part included here),
    jittered by twice the posterior sd of each coordinate that the curvature there gives (at most 1, the
    jitter of every other variable); the sampler's initial mass matrix takes the same scales.

    Returns
    -------
    centre, spread : dict
        ``noise_total`` and ``noise_share``: the start and the jitter's half-width.
    covariance : ndarray, shape (A, A)
        The inverse of the curvature there, in the coordinates ``(noise_total, *noise_share)`` (the
        diagonal of the spread's squares where the curvature is not positive definite): the initial mass
        matrix of a sampler that moves these coordinates in a block of their own.
    """
    from scipy.optimize import minimize

    mean = np.full(analysts, NOISE_PRIOR["log_scale_mean"])
    precision = np.linalg.inv(noise_prior_covariance(analysts))

    def objective(u: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        logp, grad = logp_and_grad(u)
        centred = u - mean
        return -(logp - 0.5 * centred @ precision @ centred), -(grad - precision @ centred)

    found = minimize(objective, mean, jac=True, method="L-BFGS-B")
    u = found.x if np.all(np.isfinite(found.x)) else mean
    # The Hessian in the log scales by differences of the gradient, then in the sampler's coordinates.
    step = 1e-5
    hessian = np.empty((analysts, analysts))
    for a in range(analysts):
        shift = np.zeros(analysts)
        shift[a] = step
        hessian[a] = (objective(u + shift)[1] - objective(u - shift)[1]) / (2 * step)
    hessian = 0.5 * (hessian + hessian.T)
    total, share = coordinates(u)
    weights = np.exp(2.0 * u) / np.exp(2.0 * u).sum()
    jacobian = np.concatenate([np.ones((analysts, 1)),
                               0.5 * (np.eye(analysts)[:, :-1] - weights[:-1][None, :])], axis=1)
    curvature = jacobian.T @ hessian @ jacobian
    try:
        inverse = np.linalg.inv(curvature)
        sd = np.sqrt(np.clip(np.diag(inverse), 0.0, None))
    except np.linalg.LinAlgError:
        inverse = None
        sd = np.ones(analysts)
    spread = np.where(np.isfinite(sd) & (sd > 0), np.minimum(2.0 * sd, 1.0), 1.0)
    covariance = np.diag(spread**2)
    symmetric = None if inverse is None else 0.5 * (inverse + inverse.T)
    if symmetric is not None and np.all(np.isfinite(symmetric)) and np.all(np.linalg.eigvalsh(symmetric) > 0):
        covariance = symmetric
    return ({"noise_total": np.asarray(total), "noise_share": share},
            {"noise_total": np.asarray(spread[0]), "noise_share": spread[1:]}, covariance)
