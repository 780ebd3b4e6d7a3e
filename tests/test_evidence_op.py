"""ln P(reports | rho) as one PyTensor operation: value against NumPy, gradient against finite differences."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad
from scipy.special import logsumexp

from plausible.engines.corroboration import corroborated_log_likelihood, corroborated_terms
from plausible.engines.evidence_op import evidence_inputs, evidence_kernel, evidence_log_likelihood_op
from plausible.engines.structure import RHO_CEILING, linear_log_likelihood, sampling_structure
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace


def _case(tmp_path, seed: int):  # type: ignore[no-untyped-def]
    """A synthetic set with linear and corroborated events, NA cells and bands; every source's rho free.

    With every source free, rho_fixed is entirely replaced and log_base is the log prior.
    """
    ws = load_workspace(synthetic_workspace(tmp_path, seed, n_items=40, n_hypotheses=4, n_sources=5,
                                            origin_fraction=0.5, judgment_kinds=("rating", "term")))
    compiled = ws.compiled("question")
    s = sampling_structure(compiled)
    terms = corroborated_terms(compiled, s)
    assert terms.events.size and s.linear.any(), "both kinds of event"
    data = tuple(evidence_inputs(compiled, s, terms, np.ones(compiled.rho.size, dtype=bool)).values())

    def numpy_logp(rho: np.ndarray) -> float:
        per_h = (linear_log_likelihood(compiled, s, rho[None]) + corroborated_log_likelihood(terms, s, rho[None]))[0]
        return float(logsumexp(np.log(compiled.prior) + per_h))

    return compiled, data, numpy_logp


@pytest.mark.parametrize("seed", range(3))
def test_the_kernel_gives_the_numpy_log_probability(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    compiled, data, numpy_logp = _case(tmp_path, seed)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        rho = rng.uniform(0.02, 0.98, compiled.rho.size)
        logp, _, _ = evidence_kernel(rho, *data)
        assert logp.shape == (1,)
        assert logp[0] == pytest.approx(numpy_logp(rho), abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_the_gradient_is_the_derivative(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    compiled, data, numpy_logp = _case(tmp_path, seed)
    rho = np.random.default_rng(seed).uniform(0.05, 0.95, compiled.rho.size)
    _, grad, _ = evidence_kernel(rho, *data)
    step = 1e-6
    numeric = [(numpy_logp(rho + step * e) - numpy_logp(rho - step * e)) / (2 * step) for e in np.eye(rho.size)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_a_source_at_the_ceiling_has_no_gradient(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """rho is capped at 1 - 1e-9 (min), whose derivative above the cap is 0, as PyTensor's minimum gives."""
    compiled, data, _ = _case(tmp_path, 1)
    rho = np.full(compiled.rho.size, 0.5)
    rho[0] = 1.0
    _, grad, _ = evidence_kernel(rho, *data)
    assert grad[0] == 0.0 and (grad[1:] != 0.0).any()
    assert RHO_CEILING < 1.0


def test_pytensor_differentiates_through_the_operation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    compiled, data, _ = _case(tmp_path, 2)

    def logp(rho):  # type: ignore[no-untyped-def]
        out, _, _ = evidence_log_likelihood_op(rho, *data)
        return out[0]

    verify_grad(logp, [np.random.default_rng(0).uniform(0.1, 0.9, compiled.rho.size)],
                rng=np.random.default_rng(0), eps=1e-7)


def test_the_python_and_numba_backends_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    compiled, data, _ = _case(tmp_path, 0)
    x = pt.dvector("rho")
    out, _, _ = evidence_log_likelihood_op(x, *data)
    grad = pytensor.grad(out[0], x)
    rho = np.random.default_rng(1).uniform(0.1, 0.9, compiled.rho.size)
    numba_fn = pytensor.function([x], [out, grad], mode="NUMBA")
    python_fn = pytensor.function([x], [out, grad], mode="FAST_COMPILE")
    for ours, theirs in zip(numba_fn(rho), python_fn(rho), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_no_corroborated_or_no_linear_events(tmp_path) -> None:  # type: ignore[no-untyped-def]
    compiled, data, _ = _case(tmp_path, 0)
    rho = np.full(compiled.rho.size, 0.6)
    fixed, free, log_prior, *linear, slot_source, slot_factor, pad, lam_moment, rest_moment = data
    no_slots = (slot_source[:0], slot_factor[:0], pad[:0], lam_moment[:0], rest_moment[:0])
    only_linear, _, _ = evidence_kernel(rho, fixed, free, log_prior, *linear, *no_slots)
    no_pairs = (linear[0][:0], linear[1][:0], linear[2][:0], linear[3][:0])
    only_corroborated, _, _ = evidence_kernel(rho, fixed, free, log_prior, *no_pairs, slot_source, slot_factor, pad,
                                           lam_moment, rest_moment)
    both, _, _ = evidence_kernel(rho, *data)
    assert np.isfinite([only_linear[0], only_corroborated[0]]).all()
    assert both[0] != only_linear[0] and both[0] != only_corroborated[0]


def test_the_gradient_output_is_not_differentiable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = _case(tmp_path, 1)
    x = pt.dvector("rho")
    _, grad, _ = evidence_log_likelihood_op(x, *data)
    with pytest.raises(NotImplementedError, match="only the log-probability output"):
        pytensor.grad(grad.sum(), x)


def test_the_operation_is_differentiable_in_log_base_with_the_posterior_as_gradient(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Callers add terms of their own to ``log_base`` (several analysts): its gradient must be right."""
    compiled, data, _ = _case(tmp_path, 2)
    rho = np.random.default_rng(3).uniform(0.1, 0.9, compiled.rho.size)
    position = 3  # rho_free, rho_fixed, free_source, log_base

    def logp(log_base):  # type: ignore[no-untyped-def]
        args = list(data)
        args[position - 1] = log_base
        out, _, _ = evidence_log_likelihood_op(rho, *args)
        return out[0]

    verify_grad(logp, [np.asarray(data[position - 1], dtype=np.float64)], rng=np.random.default_rng(0), eps=1e-7)
    _, _, posterior = evidence_kernel(rho, *(np.asarray(d) for d in data))
    assert posterior.sum() == pytest.approx(1.0)


def test_only_the_free_sources_are_replaced_and_differentiated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    compiled, data, numpy_logp = _case(tmp_path, 0)
    rho = np.random.default_rng(3).uniform(0.1, 0.9, compiled.rho.size)
    free = np.array([3, 0])
    _, _, *rest = data
    logp, grad, _ = evidence_kernel(rho[free], rho, free, *rest)
    assert logp[0] == pytest.approx(numpy_logp(rho), abs=1e-10)
    _, full, _ = evidence_kernel(rho, rho, np.arange(rho.size), *rest)
    np.testing.assert_allclose(grad, full[free], rtol=1e-12)


def test_tiny_likelihoods_and_long_products_stay_exact() -> None:
    """The linear part multiplies likelihoods and logs the product before it underflows; tiny ones alone."""
    pairs = 700
    a = np.full(pairs, 0.1)
    a[5] = 1e-40  # logged alone
    spread = np.zeros((pairs, 2))
    spread[:, 1] = 0.05
    r = 0.7
    base = np.log([0.5, 0.5])
    empty = (np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1)), np.zeros((0, 1)), np.zeros((0, 2, 2)),
             np.zeros((0, 2)))
    logp, grad, _ = evidence_kernel(np.array([r]), np.array([r]), np.array([0]), base, np.zeros(pairs, dtype=np.int64),
                                 np.ones(pairs), a, spread, *empty)
    per_h = base + np.log(a[:, None] + r * spread).sum(axis=0)
    assert per_h.min() < np.log(1e-308), "the product of these likelihoods underflows"
    assert logp[0] == pytest.approx(logsumexp(per_h), rel=1e-13)
    weights = np.exp(per_h - logsumexp(per_h))
    assert grad[0] == pytest.approx((weights * (spread / (a[:, None] + r * spread)).sum(axis=0)).sum(), rel=1e-12)
