"""Corroborated events with bands integrated out (``plausible.engines.corroboration``).

Independent truths: the exact engine (bands collapsed to points), Monte Carlo over the Beta bands for the
integrated likelihood, and self-normalised importance sampling for the conditional draws. Monte Carlo
tolerances are five standard errors, estimated from the same samples.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from plausible.engines.corroboration import (
    corroborated_log_likelihood,
    corroborated_terms,
    draw_corroborated_likelihoods,
    polynomial_coefficients,
)
from plausible.engines.structure import (
    SamplingStructure,
    batched_log_likelihood,
    linear_log_likelihood,
    sampling_structure,
)
from plausible.model.compiled import CompiledSet
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace

KINDS = [("rating",), ("term",), ("number", "term", "rating")]


def case(tmp_path: Path, seed: int, kinds: tuple[str, ...]) -> tuple[CompiledSet, SamplingStructure]:
    root = synthetic_workspace(tmp_path, seed, n_items=14, n_hypotheses=3, n_sources=3, origin_fraction=0.6,
                               judgment_kinds=kinds)
    compiled = load_workspace(root).compiled("question")
    structure = sampling_structure(compiled)
    assert (~structure.linear).any(), "the case needs corroborated events"
    return compiled, structure


def random_rho(compiled: CompiledSet, structure: SamplingStructure, rng: np.random.Generator) -> np.ndarray:
    rho = compiled.rho.copy()
    rho[structure.free_rho] = rng.uniform(0.2, 0.9, structure.free_rho.size)
    return rho[None, :]


def test_polynomial_coefficients_expand_the_product() -> None:
    r = np.array([[0.3, 0.6, 0.0]])
    real = np.array([[True, True, False]])
    # (0.3 + 0.7 a)(0.6 + 0.4 a) = 0.18 + (0.12 + 0.42) a + 0.28 a^2
    assert polynomial_coefficients(r, real)[0].tolist() == pytest.approx([0.18, 0.54, 0.28, 0.0])


@pytest.mark.parametrize("seed", range(4))
def test_point_bands_give_the_exact_engine(tmp_path: Path, seed: int) -> None:
    compiled, structure = case(tmp_path, seed, KINDS[seed % 3])
    compiled = dataclasses.replace(compiled, lam_alpha=np.full_like(compiled.lam_alpha, np.nan),
                                   lam_beta=np.full_like(compiled.lam_beta, np.nan))
    rho = random_rho(compiled, structure, np.random.default_rng(seed))
    got = linear_log_likelihood(compiled, structure, rho) + corroborated_log_likelihood(
        corroborated_terms(compiled, structure), structure, rho)
    expected = batched_log_likelihood(compiled, structure, rho, compiled.lam[None])
    np.testing.assert_allclose(got, expected, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_integrated_likelihood_matches_monte_carlo_over_the_bands(tmp_path: Path, seed: int) -> None:
    compiled, structure = case(tmp_path, seed, KINDS[seed])
    rng = np.random.default_rng(5)
    rho = random_rho(compiled, structure, rng)
    terms = corroborated_terms(compiled, structure)
    point = dataclasses.replace(compiled, lam_alpha=np.full_like(compiled.lam_alpha, np.nan),
                                lam_beta=np.full_like(compiled.lam_beta, np.nan))
    # The integrated minus the point value of the corroborated events, against E[exp(l(lam) - l(point))]
    # estimated one event at a time (the others held at their points).
    got = (corroborated_log_likelihood(terms, structure, rho)
           - corroborated_log_likelihood(corroborated_terms(point, structure), structure, rho))[0]
    n = 100_000
    base = batched_log_likelihood(compiled, structure, rho, compiled.lam[None])[0]
    estimate = np.zeros_like(got)
    variance = np.zeros_like(got)
    for event in terms.events:
        banded = ~np.isnan(compiled.lam_alpha[event]) & ~compiled.lam_na[event]
        lam = np.broadcast_to(compiled.lam, (n, *compiled.lam.shape)).copy()
        lam[:, event, banded] = rng.beta(compiled.lam_alpha[event, banded], compiled.lam_beta[event, banded],
                                         size=(n, int(banded.sum())))
        ratio = np.exp(batched_log_likelihood(compiled, structure, np.repeat(rho, n, axis=0), lam) - base)
        estimate += np.log(ratio.mean(axis=0))
        variance += ratio.var(axis=0) / n / ratio.mean(axis=0) ** 2  # delta method for the log of a mean
    assert np.abs(got).max() > 1e-3, "the bands must matter in this case"
    assert np.all(np.abs(got - estimate) < 5 * np.sqrt(variance) + 1e-12), (got, estimate, np.sqrt(variance))


@pytest.mark.parametrize("kinds", KINDS)
def test_conditional_draws_match_importance_sampling(tmp_path: Path, kinds: tuple[str, ...]) -> None:
    """Mean and second moment of each drawn band, per hypothesis, against weighted prior samples."""
    compiled, structure = case(tmp_path, 21, kinds)
    terms = corroborated_terms(compiled, structure)
    rng = np.random.default_rng(9)
    rho1 = random_rho(compiled, structure, rng)
    n = 60_000
    rho = np.repeat(rho1, n, axis=0)
    checked = 0
    for k in range(compiled.prior.size):
        drawn = draw_corroborated_likelihoods(compiled, structure, terms, rho, np.full(n, k), rng)
        for row, event in enumerate(terms.events):
            banded = ~np.isnan(compiled.lam_alpha[event]) & ~compiled.lam_na[event]
            if not banded.any():
                continue
            proposal = np.broadcast_to(compiled.lam, (4 * n, *compiled.lam.shape)).copy()
            proposal[:, event, banded] = rng.beta(compiled.lam_alpha[event, banded],
                                                  compiled.lam_beta[event, banded], size=(4 * n, int(banded.sum())))
            log_w = batched_log_likelihood(compiled, structure, np.repeat(rho1, 4 * n, axis=0), proposal)[:, k]
            w = np.exp(log_w - log_w.max())
            w /= w.sum()
            cells = proposal[:, event, banded]
            for power in (1, 2):
                values = drawn[:, row, banded] ** power
                target = (w[:, None] * cells**power).sum(axis=0)
                se = np.sqrt(values.var(axis=0) / n + (w[:, None] ** 2 * (cells**power - target) ** 2).sum(axis=0))
                assert np.all(np.abs(values.mean(axis=0) - target) < 5 * se), (k, event, power)
                checked += 1
            # Cells outside the band are left as they were.
            np.testing.assert_array_equal(drawn[:, row, ~banded & ~compiled.lam_na[event]],
                                          np.broadcast_to(compiled.lam[event, ~banded & ~compiled.lam_na[event]],
                                                          (n, int((~banded & ~compiled.lam_na[event]).sum()))))
    assert checked


def test_na_cells_of_drawn_bands_are_filled(tmp_path: Path) -> None:
    compiled, structure = case(tmp_path, 2, ("rating",))
    events = [e for e in np.nonzero(~structure.linear)[0]
              if compiled.lam_na[e].any() and not compiled.lam_na[e].all()
              and (~np.isnan(compiled.lam_alpha[e]) & ~compiled.lam_na[e]).any()]
    if not events:
        pytest.skip("no corroborated event with both NA and banded cells for this seed")
    terms = corroborated_terms(compiled, structure)
    rng = np.random.default_rng(0)
    n = 50
    drawn = draw_corroborated_likelihoods(compiled, structure, terms, np.repeat(compiled.rho[None], n, axis=0),
                                          np.zeros(n, dtype=np.int64), rng)
    for e in events:
        row = list(terms.events).index(e)
        na = compiled.lam_na[e]
        weights = np.where(na, 0.0, compiled.prior)
        expected = (drawn[:, row, :] * weights).sum(axis=1) / weights.sum()
        np.testing.assert_allclose(drawn[:, row, na], np.repeat(expected[:, None], int(na.sum()), axis=1))


def test_without_corroboration_nothing_changes(tmp_path: Path) -> None:
    root = synthetic_workspace(tmp_path, 1, n_items=8, origin_fraction=0.0)
    compiled = load_workspace(root).compiled("question")
    structure = sampling_structure(compiled)
    terms = corroborated_terms(compiled, structure)
    assert terms.events.size == 0
    rho = compiled.rho[None]
    assert corroborated_log_likelihood(terms, structure, rho).tolist() == [[0.0] * compiled.prior.size]
    drawn = draw_corroborated_likelihoods(compiled, structure, terms, rho, np.zeros(1, dtype=np.int64),
                                          np.random.default_rng(0))
    assert drawn.shape == (1, 0, compiled.prior.size)
