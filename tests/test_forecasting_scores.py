"""Scoring rules, calibration and pools against published vectors (scikit-learn, scoringrules), closed forms
and invariants."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from plausible.forecasting import (
    PROBABILITY_FLOOR,
    brier_score,
    calibration_table,
    fit_extremizing,
    half_brier_score,
    log_score,
    logit_pool,
    mean_log_probabilities,
    mean_pool,
    median_pool,
    murphy_decomposition,
    normalised_ranked_probability_score,
    ranked_probability_score,
    standing_days,
    time_average,
)
from plausible.forecasting.calibration import binary_events

D = dt.date

# --- published vectors -------------------------------------------------------------------------------------------


def test_half_brier_matches_scikit_learn_brier_score_loss() -> None:
    # sklearn.metrics.brier_score_loss([0, 1, 1, 0], [.1, .9, .8, .3]) == 0.0375 (its docstring)
    assert half_brier_score([0.1, 0.9, 0.8, 0.3], [0, 1, 1, 0]).mean() == pytest.approx(0.0375, abs=1e-12)


def test_original_brier_is_the_unhalved_binary_score() -> None:
    p = np.array([0.1, 0.9, 0.8, 0.3])
    y = np.array([0, 1, 1, 0])
    vectors = np.column_stack([p, 1 - p])      # options: yes, no
    outcome = np.where(y == 1, 0, 1)
    assert brier_score(vectors, outcome).mean() == pytest.approx(0.075, abs=1e-12)
    np.testing.assert_allclose(brier_score(vectors, outcome), 2 * half_brier_score(p, y))


def test_log_score_matches_scikit_learn_log_loss_docstring() -> None:
    # log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) == 0.21616...
    # (columns are the sorted labels: ham, spam)
    p = [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]
    assert log_score(p, [1, 0, 0, 1]).mean() == pytest.approx(0.21616, abs=5e-6)


@pytest.mark.parametrize(("category", "forecast", "expected"), [
    (3, [0.01, 0.32, 0.44, 0.23], 0.1619),   # scoringrules.rps_score(3, [.01, .32, .44, .23])
    (3, [0.1, 0.2, 0.3, 0.4], 0.26),         # scoringrules.rps_score(3, [.1, .2, .3, .4])
])
def test_rps_matches_scoringrules(category: int, forecast: list[float], expected: float) -> None:
    assert ranked_probability_score([forecast], [category - 1])[0] == pytest.approx(expected, abs=1e-12)
    assert normalised_ranked_probability_score([forecast], [category - 1])[0] == pytest.approx(expected / 3)


def test_murphy_decomposition_of_the_published_example() -> None:
    f = np.repeat([0.1, 0.5, 0.9], 4)
    o = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0]
    d = murphy_decomposition(f, o)
    assert d.brier == pytest.approx(0.223333, abs=1e-6)
    assert d.reliability == pytest.approx(0.015, abs=1e-12)
    assert d.resolution == pytest.approx(0.041667, abs=1e-6)
    assert d.uncertainty == pytest.approx(0.25, abs=1e-12)
    assert d.brier == pytest.approx(d.reliability - d.resolution + d.uncertainty, abs=1e-12)
    assert d.within_bin_variance == 0.0 and d.within_bin_covariance == 0.0


def test_extremized_logit_mean_published_value() -> None:
    p = np.array([0.6, 0.7, 0.75, 0.8])
    assert logit_pool(np.column_stack([p, 1 - p]), a=2.0)[0] == pytest.approx(0.8663, abs=5e-5)
    logits = np.log(p / (1 - p))
    assert logit_pool(np.column_stack([p, 1 - p]), a=2.0)[0] == pytest.approx(1 / (1 + math.exp(-2 * logits.mean())))


# --- time-averaging -------------------------------------------------------------------------------------------------


def test_good_judgment_time_average_by_hand() -> None:
    # 0.6 made on 1 Jan, 0.8 on 4 Jan, resolved yes on 8 Jan: 3 days at Brier 2(0.4)^2 = 0.32, 5 at 2(0.2)^2 = 0.08.
    days = standing_days([D(2020, 1, 1), D(2020, 1, 4)], D(2020, 1, 8))
    assert days.tolist() == [3, 5]
    scores = brier_score([[0.6, 0.4], [0.8, 0.2]], [0, 0])
    assert time_average(scores, days) == pytest.approx((3 * 0.32 + 5 * 0.08) / 8)
    assert time_average(scores, days) == pytest.approx(0.17)


def test_a_forecast_made_on_the_last_day_counts_one_day() -> None:
    assert standing_days([D(2020, 1, 1), D(2020, 1, 8)], D(2020, 1, 8)).tolist() == [7, 1]
    assert standing_days([D(2020, 1, 8)], D(2020, 1, 8)).tolist() == [1]
    with pytest.raises(ValueError, match="increasing"):
        standing_days([D(2020, 1, 2), D(2020, 1, 2)], D(2020, 1, 8))


# --- invariants ------------------------------------------------------------------------------------------------------


def _random_forecasts(seed: int, n: int = 40, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(k), size=n), rng.integers(0, k, size=n)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_do_not_depend_on_the_order_of_options(seed: int) -> None:
    p, o = _random_forecasts(seed)
    perm = np.random.default_rng(seed + 10).permutation(p.shape[1])
    inverse = np.argsort(perm)
    np.testing.assert_allclose(brier_score(p[:, perm], inverse[o]), brier_score(p, o))
    np.testing.assert_allclose(log_score(p[:, perm], inverse[o]), log_score(p, o))


def test_scores_are_zero_for_certain_correct_forecasts_and_bounded() -> None:
    p, o = _random_forecasts(4)
    certain = np.eye(4)[o]
    assert brier_score(certain, o).max() == 0.0 and log_score(certain, o).max() == 0.0
    assert ranked_probability_score(certain, o).max() == 0.0
    assert brier_score(p, o).max() <= 2.0 and ranked_probability_score(p, o).max() <= 3.0
    assert normalised_ranked_probability_score(p, o).max() <= 1.0


def test_log_score_clips_at_the_documented_floor() -> None:
    assert log_score([[1.0, 0.0]], [1])[0] == pytest.approx(-math.log(PROBABILITY_FLOOR))


def test_rps_of_two_options_is_the_half_brier() -> None:
    p, o = _random_forecasts(5, k=2)
    np.testing.assert_allclose(ranked_probability_score(p, o), half_brier_score(p[:, 0], (o == 0).astype(int)))


@pytest.mark.parametrize("bins", [2, 5, 10])
def test_binned_decomposition_with_within_bin_terms_is_exact(bins: int) -> None:
    rng = np.random.default_rng(bins)
    f = rng.uniform(size=200)
    o = (rng.uniform(size=200) < f).astype(int)
    d = murphy_decomposition(f, o, bins=bins)
    total = d.reliability - d.resolution + d.uncertainty + d.within_bin_variance - d.within_bin_covariance
    assert d.brier == pytest.approx(total, abs=1e-12)
    assert d.brier == pytest.approx(half_brier_score(f, o).mean(), abs=1e-12)
    rows = calibration_table(f, o, bins=bins)
    assert sum(r.count for r in rows) == 200
    assert all(r.lower <= r.mean_forecast <= r.upper for r in rows)


def test_one_vs_rest_events_sum_to_the_original_brier() -> None:
    p, o = _random_forecasts(6)
    for row, outcome in zip(p, o, strict=True):
        f, happened = binary_events(row, int(outcome))
        assert half_brier_score(f, happened).sum() == pytest.approx(brier_score([row], [outcome])[0])


# --- pools -----------------------------------------------------------------------------------------------------------


def test_mean_and_median_pools() -> None:
    stack = np.array([[0.6, 0.4], [0.7, 0.3], [0.95, 0.05]])
    np.testing.assert_allclose(mean_pool(stack), [0.75, 0.25])
    np.testing.assert_allclose(median_pool(stack), [0.7, 0.3])
    three = np.array([[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]])
    assert median_pool(three).sum() == pytest.approx(1.0)


def test_logit_pool_with_a_one_is_the_normalised_geometric_mean() -> None:
    three = np.array([[0.5, 0.3, 0.2], [0.2, 0.6, 0.2]])
    geometric = np.sqrt(three[0] * three[1])
    np.testing.assert_allclose(logit_pool(three, 1.0), geometric / geometric.sum())
    assert logit_pool(three, 0.0).tolist() == pytest.approx([1 / 3] * 3)


def test_extremizing_fit_maximises_the_likelihood() -> None:
    rng = np.random.default_rng(7)
    truth = rng.normal(0, 1.5, size=60)
    outcomes = (rng.uniform(size=60) < 1 / (1 + np.exp(-truth))).astype(int)
    # forecasters see a shrunk version of the truth: the pool is under-confident and a > 1 should be found
    mean_logs = [mean_log_probabilities([[1 / (1 + np.exp(-t / 2.5)), 1 - 1 / (1 + np.exp(-t / 2.5))]])
                 for t in truth]
    index = [0 if y == 1 else 1 for y in outcomes]
    a = fit_extremizing(mean_logs, index)
    assert 1.5 < a < 4.0

    def loglik(value: float) -> float:
        return sum(float(np.log(logit_pool(np.exp(m)[None, :] / np.exp(m).sum(), value)[o]))
                   for m, o in zip(mean_logs, index, strict=True))

    assert loglik(a) >= max(loglik(a - 0.05), loglik(a + 0.05))
    assert fit_extremizing([], []) == 1.0
