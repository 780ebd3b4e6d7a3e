"""The vectorised leave-one-question-out extremizing fit against the implementation it replaced (kept here as
the reference) and against an independent exact computation of each held-out maximum."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from plausible.forecasting import load_exercise, score_exercise
from plausible.forecasting.aggregation import (
    EXTREMIZING_BOUNDS,
    _golden_max,
    fit_extremizing,
    fit_extremizing_loo,
    mean_log_probabilities,
)

DATA = Path(__file__).parent / "data" / "exercises"
REPO = Path(__file__).parents[1]

OLD_TOLERANCE = 1e-7
"""How close the old golden-section search gets to the maximum. It compares log-likelihoods, which are flat at the
maximum: values a few 1e-8 apart differ by less than their rounding error, so its a is only good to ~1e-8 (the
exact reference below shows the new fit lands on the true maximum to ~1e-14, and the old one up to 7e-8 away)."""

EXACT_TOLERANCE = 1e-11


def old_fit_extremizing(mean_logs: Sequence[NDArray[np.float64]], outcomes: Sequence[int]) -> float:
    """fit_extremizing as it was before (commit f68d926): the likelihood summed question by question in Python."""
    if not mean_logs:
        return 1.0

    def logsumexp(x: NDArray[np.float64]) -> float:
        top = float(x.max())
        return top + math.log(float(np.exp(x - top).sum()))

    def loglik(a: float) -> float:
        return float(sum(a * m[o] - logsumexp(a * m) for m, o in zip(mean_logs, outcomes, strict=True)))

    return _golden_max(loglik, *EXTREMIZING_BOUNDS)


def old_leave_one_out(mean_logs: Sequence[NDArray[np.float64]], outcomes: Sequence[int]) -> list[float]:
    """What scoring did before: one golden-section fit per left-out question (O(questions²))."""
    return [old_fit_extremizing([m for j, m in enumerate(mean_logs) if j != q],
                                [o for j, o in enumerate(outcomes) if j != q]) for q in range(len(mean_logs))]


def exact_maximum(mean_logs: Sequence[NDArray[np.float64]], outcomes: Sequence[int],
                  bounds: tuple[float, float] = (0.25, 4.0)) -> float:
    """Independent truth: bisection on the exact derivative of the concave log-likelihood, summed question by
    question in plain Python (no interpolation, no padding)."""
    if not mean_logs:
        return 1.0

    def slope(a: float) -> float:
        total = 0.0
        for m, o in zip(mean_logs, outcomes, strict=True):
            w = np.exp(a * (m - m.max()))
            total += float(m[o] - (w * m).sum() / w.sum())
        return total

    low, high = bounds
    if all(np.ptp(m) == 0 for m in mean_logs) or slope(low) <= 0:
        return low
    if slope(high) >= 0:
        return high
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if slope(mid) > 0 else (low, mid)
    return (low + high) / 2


def random_problem(rng: np.random.Generator, n: int) -> tuple[list[NDArray[np.float64]], list[int]]:
    mean_logs, outcomes = [], []
    for _ in range(n):
        k = int(rng.choice([2, 2, 3, 4]))
        forecasts = rng.dirichlet(np.full(k, rng.uniform(0.2, 3.0)), size=int(rng.integers(1, 6)))
        if rng.uniform() < 0.1:
            forecasts = np.full_like(forecasts, 1.0 / k)  # an uninformative pool
        mean_logs.append(mean_log_probabilities(forecasts))
        outcomes.append(int(rng.integers(k)))
    return mean_logs, outcomes


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_leave_one_out_equals_the_old_fit_and_the_exact_maximum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mean_logs, outcomes = random_problem(rng, int(rng.integers(1, 45)))
    assert fit_extremizing(mean_logs, outcomes) == pytest.approx(old_fit_extremizing(mean_logs, outcomes),
                                                                 rel=0, abs=OLD_TOLERANCE)
    new = fit_extremizing_loo(mean_logs, outcomes)
    exact = [exact_maximum([m for j, m in enumerate(mean_logs) if j != q],
                           [o for j, o in enumerate(outcomes) if j != q]) for q in range(len(mean_logs))]
    np.testing.assert_allclose(new, exact, rtol=0, atol=EXACT_TOLERANCE)
    np.testing.assert_allclose(new, old_leave_one_out(mean_logs, outcomes), rtol=0, atol=OLD_TOLERANCE)


def test_bounds_flat_likelihoods_and_tiny_exercises_as_before() -> None:
    right = [np.log([0.7, 0.3])] * 3 + [np.log([0.3, 0.7])]
    assert fit_extremizing_loo(right, [0, 0, 0, 1]).tolist() == old_leave_one_out(right, [0, 0, 0, 1])
    wrong = [np.log([0.9, 0.1])] * 4
    assert fit_extremizing_loo(wrong, [1, 1, 1, 1]).tolist() == old_leave_one_out(wrong, [1, 1, 1, 1]) == [0.25] * 4
    flat = [np.log([0.5, 0.5])] * 3 + [np.log([0.8, 0.2])]
    assert fit_extremizing_loo(flat, [0, 1, 0, 0]).tolist()[3] == old_leave_one_out(flat, [0, 1, 0, 0])[3] == 0.25
    assert fit_extremizing_loo([np.log([0.6, 0.4])], [0]).tolist() == [1.0] == old_leave_one_out(
        [np.log([0.6, 0.4])], [0])
    assert fit_extremizing_loo([], []).shape == (0,)
    with pytest.raises(ValueError, match="one outcome per question"):
        fit_extremizing_loo(right, [0])


def test_confident_pools_near_the_option_floor_do_not_overflow() -> None:
    rng = np.random.default_rng(3)
    mean_logs = [np.log([0.999, 0.001]) if rng.uniform() < 0.5 else np.log([0.001, 0.999]) for _ in range(40)]
    outcomes = [int(rng.integers(2)) for _ in range(40)]
    new = fit_extremizing_loo(mean_logs, outcomes)
    assert np.all(np.isfinite(new))
    np.testing.assert_allclose(new, old_leave_one_out(mean_logs, outcomes), rtol=0, atol=OLD_TOLERANCE)


@pytest.mark.parametrize(("name", "workspace"), [("dprk-2015", REPO), ("quiz", DATA / "design-section5")])
def test_the_repository_exercises_get_the_old_held_out_factors(name: str, workspace: Path) -> None:
    from plausible.forecasting.scoring import _extremizing, _last_days, _outcomes

    ex = load_exercise(name, workspace)
    a_full, by_code = _extremizing(ex.forecasts, _last_days(ex), _outcomes(ex))
    held_out = {list(ex.questions)[code]: a for code, a in by_code.items()}
    # The old code path, spelled out: the final standing human forecasts of each resolved question.
    mean_logs, outcomes, ids = [], [], []
    for q in ex.questions.values():
        end = ex.scoring_end(q.id)
        if end is None:
            continue
        stack = []
        for who in ex.forecasters:
            standing = [f for f in ex.forecasts_for(q.id, who) if f.made <= end]
            if standing:
                stack.append(standing[-1].probabilities)
        if stack:
            ids.append(q.id)
            mean_logs.append(mean_log_probabilities(np.stack(stack)))
            outcomes.append(q.options.index(ex.resolutions[q.id].outcome))
    assert list(held_out) == ids
    assert a_full == fit_extremizing(mean_logs, outcomes)
    # the columnar inputs (forecast tables, pool cells) give the per-question fit of the stacks to 1e-9
    np.testing.assert_allclose([held_out[q] for q in ids], fit_extremizing_loo(mean_logs, outcomes), rtol=0, atol=1e-9)
    assert a_full == pytest.approx(old_fit_extremizing(mean_logs, outcomes), rel=0, abs=OLD_TOLERANCE)
    np.testing.assert_allclose([held_out[q] for q in ids], old_leave_one_out(mean_logs, outcomes),
                               rtol=0, atol=OLD_TOLERANCE)
    np.testing.assert_allclose([held_out[q] for q in ids], [
        exact_maximum([m for j, m in enumerate(mean_logs) if j != i], [o for j, o in enumerate(outcomes) if j != i])
        for i in range(len(ids))], rtol=0, atol=EXACT_TOLERANCE)
    assert score_exercise(ex, workspace).extremizing == a_full
