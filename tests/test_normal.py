"""The noise model's normal distribution function and density against SciPy (plausible.engines.normal)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtr

from plausible.engines.normal import cdf_and_pdf, fill_cdf_and_pdf


def _fill(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cdf, pdf = np.full_like(u, -1.0), np.full_like(u, -1.0)
    fill_cdf_and_pdf(u, cdf, pdf, u.size)
    return cdf, pdf


# Dense over every piece of the erfcx table (width 1/8 in |u| / sqrt 2), the piece boundaries themselves,
# and far into both tails.
GRID = np.unique(np.concatenate([
    np.linspace(-39.0, 12.0, 400_001),
    np.arange(0, 28.0, 0.125) * math.sqrt(2.0), -np.arange(0, 28.0, 0.125) * math.sqrt(2.0),
    -np.geomspace(1e-12, 1.0, 2_000), np.geomspace(1e-12, 1.0, 2_000), -np.geomspace(39.0, 1e300, 200),
]))


def test_distribution_function_matches_scipy_in_relative_error_below_zero() -> None:
    cdf, _ = _fill(GRID)
    truth = ndtr(GRID)
    lower = (GRID < 0) & (truth > 1e-290)  # below, results are subnormal and only absolutely accurate
    assert np.max(np.abs(cdf[lower] / truth[lower] - 1.0)) < 1e-12
    assert np.max(np.abs(cdf[GRID < 0] - truth[GRID < 0])) < 1e-300 + 1e-12 * np.max(truth[GRID < 0])
    assert np.all(cdf[GRID < -38.6] < 1e-300)


def test_distribution_function_matches_scipy_in_absolute_error_above_zero() -> None:
    cdf, _ = _fill(GRID)
    upper = GRID >= 0
    assert np.max(np.abs(cdf[upper] - ndtr(GRID[upper]))) < 4e-15
    assert np.all(cdf[GRID > 8.3] == 1.0)


def test_density_matches_the_formula() -> None:
    _, pdf = _fill(GRID)
    with np.errstate(over="ignore"):
        truth = np.exp(-0.5 * GRID * GRID) / math.sqrt(2.0 * math.pi)
    shown = truth > 1e-300
    assert np.max(np.abs(pdf[shown] / truth[shown] - 1.0)) < 2e-15
    assert np.all(pdf[~shown] < 1e-300)


def test_special_values() -> None:
    cdf, pdf = _fill(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0]))
    assert np.isnan(cdf[0]) and np.isnan(pdf[0])
    assert list(cdf[1:3]) == [1.0, 0.0] and list(pdf[1:3]) == [0.0, 0.0]
    assert cdf[3] == cdf[4] and abs(cdf[3] - 0.5) < 4e-15
    assert pdf[3] == pytest.approx(1.0 / math.sqrt(2.0 * math.pi), rel=1e-15)


def test_array_and_scalar_agree_bit_for_bit_whatever_the_length() -> None:
    """The vectorised loop and its scalar remainder compute the same operations: no result depends on where
    an element falls in the array."""
    u = np.random.default_rng(3).normal(0.0, 3.0, 1_003)
    cdf, pdf = _fill(u)
    for i in range(0, u.size, 37):
        assert cdf_and_pdf(float(u[i])) == (cdf[i], pdf[i])
        one_cdf, one_pdf = _fill(u[i:i + 1].copy())
        assert (one_cdf[0], one_pdf[0]) == (cdf[i], pdf[i])


def test_only_count_elements_are_written() -> None:
    u = np.linspace(-2.0, 2.0, 10)
    cdf, pdf = np.full(10, 7.0), np.full(10, 7.0)
    fill_cdf_and_pdf(u, cdf, pdf, 4)
    assert np.all(cdf[4:] == 7.0) and np.all(pdf[4:] == 7.0)
    assert np.allclose(cdf[:4], ndtr(u[:4]), rtol=1e-13)
