"""The exact engine against hand computations, a second implementation, and the model's invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plausible.engines.exact import exact_posterior, log_likelihood_increments, softmax
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace
from tests.reference import reference_posterior


def posterior(prior, lam, rho, event_of, source_of):  # type: ignore[no-untyped-def]
    inc = log_likelihood_increments(
        np.asarray(prior, float), np.asarray(lam, float), np.asarray(rho, float),
        np.asarray(event_of, np.int64), np.asarray(source_of, np.int64),
    )
    return softmax(np.log(prior) + inc.sum(axis=0))


def test_heuer_fighter_identification() -> None:
    # Prior 0.15 / 0.85; a fully reliable witness with P(report | A) = 0.8, P(report | B) = 0.2.
    p = posterior([0.15, 0.85], [[0.8, 0.2]], [1.0], [0], [0])
    assert p[0] == pytest.approx(0.4138, abs=5e-5)
    assert p[0] == pytest.approx(0.15 * 0.8 / (0.15 * 0.8 + 0.85 * 0.2), abs=1e-12)


def test_bovens_hartmann_single_report_by_hand() -> None:
    # rho = 0.6: P(report | H) = 0.6 * lam + 0.4 * a with a = 0.5 * 0.9 + 0.5 * 0.3 = 0.6.
    p = posterior([0.5, 0.5], [[0.9, 0.3]], [0.6], [0], [0])
    l1, l2 = 0.6 * 0.9 + 0.4 * 0.6, 0.6 * 0.3 + 0.4 * 0.6
    assert p[0] == pytest.approx(l1 / (l1 + l2), abs=1e-12)


def test_corroboration_by_hand() -> None:
    # Two independent sources report one event: the design's formula written out.
    prior, lam, r1, r2 = np.array([0.3, 0.7]), np.array([0.8, 0.1]), 0.7, 0.5
    a = prior @ lam
    like = lam * (r1 + (1 - r1) * a) * (r2 + (1 - r2) * a) + (1 - lam) * (1 - r1) * a * (1 - r2) * a
    expected = prior * like / (prior * like).sum()
    assert posterior(prior, [lam], [r1, r2], [0, 0], [0, 1]) == pytest.approx(expected, abs=1e-12)


def random_case(rng: np.random.Generator):  # type: ignore[no-untyped-def]
    k, g, n, s = (int(rng.integers(2, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 12)), int(rng.integers(1, 5)))
    prior = rng.dirichlet(np.ones(k))
    lam = rng.uniform(0.01, 0.99, (g, k))
    rho = rng.uniform(0, 1, n)
    rho[rng.uniform(size=n) < 0.15] = 1.0
    rho[rng.uniform(size=n) < 0.15] = 0.0
    return prior, lam, rho, rng.integers(0, g, n), rng.integers(0, s, n)


@pytest.mark.parametrize("seed", range(50))
def test_agrees_with_reference_implementation(seed: int) -> None:
    prior, lam, rho, ev, src = random_case(np.random.default_rng(seed))
    events = {g: list(lam[g]) for g in range(len(lam))}
    reports = [(int(e), int(s), float(r)) for e, s, r in zip(ev, src, rho, strict=True)]
    assert posterior(prior, lam, rho, ev, src) == pytest.approx(reference_posterior(prior, events, reports), abs=1e-10)


@pytest.mark.parametrize("seed", range(20))
def test_reliability_zero_changes_nothing(seed: int) -> None:
    prior, lam, rho, ev, src = random_case(np.random.default_rng(seed))
    base = posterior(prior, lam, rho, ev, src)
    # Add a report of an unrelated new event from a source of reliability 0.
    lam2 = np.vstack([lam, np.random.default_rng(seed).uniform(0.01, 0.99, lam.shape[1])])
    with_noise = posterior(prior, lam2, np.append(rho, 0.0), np.append(ev, len(lam)), np.append(src, 99))
    assert with_noise == pytest.approx(base, abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_reliability_one_is_plain_bayes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    prior, lam, *_ = random_case(rng)
    g = len(lam)
    plain = prior * lam.prod(axis=0)
    assert posterior(prior, lam, np.ones(g), np.arange(g), np.arange(g)) == pytest.approx(
        plain / plain.sum(), abs=1e-12
    )


@pytest.mark.parametrize("seed", range(20))
def test_reordering_reports_and_relabelling_hypotheses_change_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    prior, lam, rho, ev, src = random_case(rng)
    base = posterior(prior, lam, rho, ev, src)
    order = rng.permutation(len(rho))
    assert posterior(prior, lam, rho[order], ev[order], src[order]) == pytest.approx(base, abs=1e-12)
    perm = rng.permutation(len(prior))
    assert posterior(prior[perm], lam[:, perm], rho, ev, src) == pytest.approx(base[perm], abs=1e-12)


def test_same_source_repeating_itself_counts_once() -> None:
    once = posterior([0.5, 0.5], [[0.9, 0.2]], [0.7], [0], [0])
    thrice = posterior([0.5, 0.5], [[0.9, 0.2]], [0.7, 0.7, 0.7], [0, 0, 0], [3, 3, 3])
    assert thrice == pytest.approx(once, abs=1e-12)


def test_same_source_counts_at_its_most_credible_report() -> None:
    best = posterior([0.5, 0.5], [[0.9, 0.2]], [0.8], [0], [0])
    mixed = posterior([0.5, 0.5], [[0.9, 0.2]], [0.4, 0.8, 0.6], [0, 0, 0], [1, 1, 1])
    assert mixed == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("n_sources", [1, 2, 5, 50])
def test_corroboration_raises_belief_but_never_beyond_the_events_own_ratio(n_sources: int) -> None:
    prior, lam = np.array([0.5, 0.5]), np.array([[0.8, 0.2]])
    p = posterior(prior, lam, np.full(n_sources, 0.6), np.zeros(n_sources), np.arange(n_sources))
    ceiling = 0.8 / (0.8 + 0.2)  # the event's own likelihood ratio, as if certainly observed
    assert p[0] <= ceiling + 1e-12
    fewer = posterior(prior, lam, np.full(max(n_sources - 1, 1), 0.6), np.zeros(max(n_sources - 1, 1)),
                      np.arange(max(n_sources - 1, 1)))
    assert p[0] >= fewer[0] - 1e-12


def test_increments_telescope_within_an_event() -> None:
    rng = np.random.default_rng(7)
    prior, lam, rho, ev, src = random_case(rng)
    inc = log_likelihood_increments(prior, lam, rho, ev.astype(np.int64), src.astype(np.int64))
    # Recompute each event's log-likelihood from scratch after every report: increments are the differences.
    for j in range(len(rho)):
        upto = slice(0, j + 1)
        full = log_likelihood_increments(prior, lam, rho[upto], ev[upto].astype(np.int64), src[upto].astype(np.int64))
        assert inc[upto].sum(axis=0) == pytest.approx(full.sum(axis=0), abs=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_weights_identity_on_synthetic_workspaces(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, seed, n_items=30, n_hypotheses=4))
    post = ws.posterior("question")
    logits = np.log(post.prior) + post.weights.sum(axis=0) * math.log(10) / 10
    assert softmax(logits) == pytest.approx(post.probability, abs=1e-9)
    assert np.allclose(post.weights.mean(axis=1), 0.0, atol=1e-9)  # centred per item


@pytest.mark.parametrize("seed", range(10))
def test_workspace_posterior_agrees_with_reference(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, seed, n_items=25, n_hypotheses=3, origin_fraction=0.4))
    compiled = ws.compiled("question")
    events = {g: list(compiled.lam[g]) for g in range(len(compiled.lam))}
    rho = compiled.rho_effective()
    reports = [(int(e), int(s), float(r)) for e, s, r in zip(compiled.event_of, compiled.source_of, rho, strict=True)]
    expected = reference_posterior(compiled.prior, events, reports)
    assert exact_posterior(compiled).probability == pytest.approx(expected, abs=1e-10)
    assert sum(ws.posterior("question").probabilities.values()) == pytest.approx(1.0, abs=1e-12)


def test_credibility_scales_reliability(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": "question: q\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n",
        "evidence/sources.yaml": "sources:\n  - {id: s, name: S, reliability: 0.8}\n",
        "evidence/e.yaml": "items:\n  - id: x\n    summary: x\n    source: s\n    reported: 2020-01-01\n"
                           "    credibility: 4\n    likelihoods: {q: {a: 0.9, b: 0.3}}\n",
    })
    rho = 0.8 * 0.5  # credibility 4 ("doubtful") halves reliability in the default model
    l1, l2 = rho * 0.9 + (1 - rho) * 0.6, rho * 0.3 + (1 - rho) * 0.6
    assert load_workspace(root).posterior("q").probabilities["a"] == pytest.approx(l1 / (l1 + l2), abs=1e-12)
