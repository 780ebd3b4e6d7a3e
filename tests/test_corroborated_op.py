"""The corroborated events' log-likelihood as one PyTensor operation: value against NumPy, gradient numerically."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from plausible.engines.corroborated_op import corroborated_kernel, corroborated_log_likelihood_op
from plausible.engines.corroboration import polynomial_coefficients


def _case(seed: int, events: int = 6, order: int = 4, hypotheses: int = 3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    reports = rng.integers(1, order + 1, events)
    reports[0] = order  # one event uses every slot
    pad = (np.arange(order)[None, :] >= reports[:, None]).astype(np.float64)
    lam_moment = rng.uniform(0.05, 1.0, (events, hypotheses, order + 1))
    rest_moment = rng.uniform(0.05, 1.0, (events, hypotheses))
    r = rng.uniform(0.02, 0.98, (events, order)) * (1.0 - pad)
    return r, pad, lam_moment, rest_moment


def _numpy(r, pad, lam_moment, rest_moment):  # type: ignore[no-untyped-def]
    """The same sum, from the NumPy coefficients of plausible.engines.corroboration."""
    t = polynomial_coefficients(r[None], (pad == 0)[None])[0]
    noise = np.prod(1.0 - r, axis=1)
    return np.log(np.einsum("ep,ekp->ek", t, lam_moment) + noise[:, None] * rest_moment).sum(axis=0)


@pytest.mark.parametrize("seed", range(4))
def test_the_kernel_gives_the_numpy_log_likelihood(seed: int) -> None:
    r, pad, lam_moment, rest_moment = _case(seed)
    total, jacobian = corroborated_kernel(r, pad, lam_moment, rest_moment)
    np.testing.assert_allclose(total, _numpy(r, pad, lam_moment, rest_moment), rtol=1e-12)
    assert jacobian.shape == (3, *r.shape)
    assert (jacobian[:, pad == 1] == 0).all(), "pads carry no gradient"


@pytest.mark.parametrize("seed", range(4))
def test_the_jacobian_is_the_derivative(seed: int) -> None:
    """Central differences of the NumPy sum, slot by slot, hypothesis by hypothesis."""
    r, pad, lam_moment, rest_moment = _case(seed)
    _, jacobian = corroborated_kernel(r, pad, lam_moment, rest_moment)
    step = 1e-6
    for e, j in zip(*np.nonzero(pad == 0), strict=True):
        up, down = r.copy(), r.copy()
        up[e, j] += step
        down[e, j] -= step
        numeric = (_numpy(up, pad, lam_moment, rest_moment) - _numpy(down, pad, lam_moment, rest_moment)) / (2 * step)
        np.testing.assert_allclose(jacobian[:, e, j], numeric, rtol=1e-6, atol=1e-8)


def test_pytensor_gradients_through_the_operation() -> None:
    r, pad, lam_moment, rest_moment = _case(7)
    weights = np.array([0.2, -1.0, 0.5])

    def scalar(x):  # type: ignore[no-untyped-def]
        total, _ = corroborated_log_likelihood_op(x * (1.0 - pad), pad, lam_moment, rest_moment)
        return (total * weights).sum()

    verify_grad(scalar, [np.clip(r, 0.05, 0.95)], rng=np.random.default_rng(0), eps=1e-7)


def test_the_python_and_numba_backends_agree() -> None:
    r, pad, lam_moment, rest_moment = _case(3)
    x = pt.dmatrix("r")
    total, _ = corroborated_log_likelihood_op(x, pad, lam_moment, rest_moment)
    grad = pytensor.grad(total.sum(), x)
    numba_fn = pytensor.function([x], [total, grad], mode="NUMBA")
    python_fn = pytensor.function([x], [total, grad], mode="FAST_COMPILE")
    for ours, theirs in zip(numba_fn(r), python_fn(r), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_the_jacobian_output_is_not_differentiable() -> None:
    _, pad, lam_moment, rest_moment = _case(1)
    x = pt.dmatrix("r")
    _, jacobian = corroborated_log_likelihood_op(x, pad, lam_moment, rest_moment)
    with pytest.raises(NotImplementedError, match="Jacobian output"):
        pytensor.grad(jacobian.sum(), x)
