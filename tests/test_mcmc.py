"""The MCMC engine: its log-probability against the exact engine, exact conditional draws, tiny seeded fits.

Heavier agreement checks (quadrature over several sources, SBC) are in test_mcmc_agreement.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import logit, logsumexp

from plausible.engines.exact import log_likelihood
from plausible.engines.structure import batched_log_likelihood, draw_linear_likelihoods, sampling_structure
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace


def compiled_case(tmp_path, seed: int, **sizes):  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, seed, **sizes))
    return ws.compiled("question")


def _potential(compiled, structure):  # type: ignore[no-untyped-def]
    import pymc as pm

    from plausible.engines.mcmc import build_model

    model = build_model(compiled, structure)
    assert [v.name for v in model.free_RVs] == ["rho"], "only the reliabilities are sampled"
    [potential] = model.replace_rvs_by_values([model["evidence"]])
    fn = pm.compile([model.rvs_to_values[v] for v in model.free_RVs], potential)
    return lambda rho: float(fn(logit(rho[structure.free_rho])))  # values in log-odds space


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_logp_with_point_likelihoods_equals_exact_log_marginal_likelihood(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Bands collapsed to points: the model's polynomial expansion must give the exact engine's number."""
    import dataclasses

    compiled = compiled_case(tmp_path, seed, n_items=40, n_hypotheses=4, n_sources=5, origin_fraction=0.5,
                             judgment_kinds=("rating",))
    compiled = dataclasses.replace(compiled, lam_alpha=np.full_like(compiled.lam_alpha, np.nan),
                                   lam_beta=np.full_like(compiled.lam_beta, np.nan))
    structure = sampling_structure(compiled)
    assert structure.free_rho.size and (~structure.linear).any(), "the case must exercise both kinds of event"
    assert compiled.lam_na[~structure.linear].any(), "and NA cells in corroborated events"
    potential = _potential(compiled, structure)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        rho = compiled.rho.copy()
        rho[structure.free_rho] = rng.uniform(0.01, 0.99, structure.free_rho.size)
        expected = logsumexp(np.log(compiled.prior) + log_likelihood(compiled, rho=rho, lam=compiled.lam))
        assert potential(rho) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_logp_equals_the_numpy_integrated_likelihood(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    """With bands: the PyTensor graph against the NumPy implementation (itself checked by Monte Carlo)."""
    from plausible.engines.corroboration import corroborated_log_likelihood, corroborated_terms
    from plausible.engines.structure import linear_log_likelihood

    compiled = compiled_case(tmp_path, seed, n_items=40, n_hypotheses=4, n_sources=5, origin_fraction=0.5,
                             judgment_kinds=("rating", "term"))
    structure = sampling_structure(compiled)
    assert structure.free_cells[0].size, "banded cells in corroborated events"
    potential = _potential(compiled, structure)
    terms = corroborated_terms(compiled, structure)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        rho = compiled.rho.copy()
        rho[structure.free_rho] = rng.uniform(0.01, 0.99, structure.free_rho.size)
        per_h = (linear_log_likelihood(compiled, structure, rho[None]) + corroborated_log_likelihood(
            terms, structure, rho[None]))[0]
        assert potential(rho) == pytest.approx(logsumexp(np.log(compiled.prior) + per_h), abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_batched_log_likelihood_equals_exact_kernel(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    compiled = compiled_case(tmp_path, seed, n_items=25, origin_fraction=0.5)
    structure = sampling_structure(compiled)
    rng = np.random.default_rng(seed)
    rho = rng.uniform(0, 0.99, (3, compiled.rho.size))
    lam = rng.uniform(0.01, 0.99, (3, *compiled.lam.shape))
    got = batched_log_likelihood(compiled, structure, rho, lam)
    for d in range(3):
        assert got[d] == pytest.approx(log_likelihood(compiled, rho=rho[d], lam=lam[d]), abs=1e-9)


def test_linear_likelihood_draws_follow_their_exact_conditional(write_workspace) -> None:  # type: ignore[no-untyped-def]
    # One report, two hypotheses, banded likelihoods: given H and rho, E[lam_k | report] has a closed form.
    root = write_workspace({
        "hypotheses/q.yaml": "question: q\nexhaustive: true\nhypotheses:\n  - {id: a, title: A, prior: 0.3}\n"
                             "  - {id: b, title: B, prior: 0.7}\n",
        "evidence/sources.yaml": "sources:\n  - {id: s, name: S, reliability: 0.6}\n",
        "evidence/e.yaml": "items:\n  - {id: x, summary: x, source: s, reported: 2020-01-01,"
                           " likelihoods: {q: {a: unlikely, b: very likely}}}\n",
    })
    compiled = load_workspace(root).compiled("q")
    structure = sampling_structure(compiled)
    alpha, beta, prior, rho = compiled.lam_alpha[0], compiled.lam_beta[0], compiled.prior, 0.6
    mean = alpha / (alpha + beta)
    second = mean * (alpha + 1) / (alpha + beta + 1)
    n = 200_000
    rng = np.random.default_rng(3)
    for h in (0, 1):
        draws = draw_linear_likelihoods(compiled, structure, np.full((n, 1), rho), np.full(n, h),
                                        np.broadcast_to(compiled.lam, (n, 1, 2)).copy(), rng)[:, 0, :]
        # likelihood of the report: rho * lam_h + (1 - rho) * sum_j prior_j lam_j, linear in lam
        coeff = (1 - rho) * prior + rho * (np.arange(2) == h)
        norm = coeff @ mean
        for k in (0, 1):
            moments = np.where(np.arange(2) == k, second[k], mean * mean[k])
            expected = coeff @ moments / norm
            assert draws[:, k].mean() == pytest.approx(expected, abs=4 * draws[:, k].std() / np.sqrt(n))


def _fit(root, set_id: str = "q", **options):  # type: ignore[no-untyped-def]
    return load_workspace(root).posterior(set_id, method="mcmc", **options)


def test_tiny_seeded_fit_is_deterministic_and_complete(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = synthetic_workspace(tmp_path, 11, n_items=12, origin_fraction=0.4)
    first = _fit(root, "question", draws=50, tune=50, chains=2, seed=5)
    again = _fit(root, "question", draws=50, tune=50, chains=2, seed=5)
    assert first.to_dict() == again.to_dict()
    out = first.to_dict()
    assert out["method"] == "mcmc" and set(out["diagnostics"]) >= {"r_hat", "ess_bulk", "ess_tail", "divergences"}
    assert sum(h["probability"] for h in out["hypotheses"]) == pytest.approx(1.0, abs=1e-9)
    for h in out["hypotheses"]:
        lo, hi = h["interval"]
        assert 0.0 <= lo <= hi <= 1.0
    assert first.draws is not None and "probability" in first.draws.posterior
    assert first.draws["interval"]["probability_draw"].sizes["interval_draw"] == 50  # every draw: no thinning


def test_leader_probability_is_the_share_of_draws_led(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = synthetic_workspace(tmp_path, 11, n_items=12, origin_fraction=0.4)
    post = _fit(root, "question", draws=50, tune=50, chains=2, seed=5)
    conditional = post.draws.posterior["probability"].values.reshape(-1, len(post.hypothesis_ids))
    counts = np.zeros(len(post.hypothesis_ids))
    for row in conditional:  # a plain loop over the saved draws
        counts[int(np.argmax(row))] += 1
    assert post.leader_probability is not None
    assert post.leader_probability.tolist() == pytest.approx((counts / len(conditional)).tolist())
    out = post.to_dict()["leader_probability"]
    assert list(out) == list(post.hypothesis_ids) and sum(out.values()) == pytest.approx(1.0)
    assert "leader_probability" not in load_workspace(root).posterior("question").to_dict()  # exact: not computed


def test_large_sets_thin_the_interval_draws(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from plausible.engines import mcmc

    root = synthetic_workspace(tmp_path, 11, n_items=12, origin_fraction=0.4)
    full = _fit(root, "question", draws=60, tune=50, chains=2, seed=5)
    compiled = load_workspace(root).compiled("question")
    monkeypatch.setattr(mcmc, "_INTERVAL_CELLS", 2 * 60 * compiled.lam.size // 4)  # room for a quarter of the draws
    thinned = _fit(root, "question", draws=60, tune=50, chains=2, seed=5)
    assert thinned.draws["interval"]["probability_draw"].sizes["interval_draw"] == 15
    assert thinned.draws["interval"]["probability_draw"]["interval_draw"].values.tolist() == list(range(0, 60, 4))
    np.testing.assert_allclose(thinned.probability, full.probability)  # the mean uses every draw
    for lo, hi in thinned.interval:
        assert 0.0 <= lo <= hi <= 1.0


NEAR_POINT = """sources:
  - {id: s1, name: S1, reliability: {alpha: 70000, beta: 30000}}
  - {id: s2, name: S2, reliability: {alpha: 40000, beta: 60000}}
"""


def test_near_degenerate_priors_give_the_exact_answer(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": "question: q\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n"
                             "  - {id: c, title: C}\n",
        "evidence/sources.yaml": NEAR_POINT,
        "evidence/e.yaml": "items:\n"
        "  - {id: x, summary: x, source: s1, reported: 2020-01-01, likelihoods: {q: {a: 0.8, b: 0.3, c: 0.1}}}\n"
        "  - {id: y, summary: y, source: s2, reported: 2020-01-02, likelihoods: {q: {a: 0.2, b: 0.6, c: 0.5}}}\n"
        "  - {id: z, summary: z, source: s1, reported: 2020-01-03, origin: o, likelihoods: {q: {a: 0.7, b: 0.2, c: 0.4}}}\n"
        "  - {id: w, summary: w, source: s2, reported: 2020-01-03, origin: o}\n",
    })
    exact = load_workspace(root).posterior("q").probability
    mcmc = _fit(root, draws=300, tune=300, chains=2, seed=1)
    assert mcmc.probability == pytest.approx(exact, abs=2e-3)


@pytest.mark.slow
def test_nutpie_samples_the_same_model(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--sampler nutpie compiles the same PyMC model (the evidence op included) with its own numba backend."""
    pytest.importorskip("nutpie")
    root = synthetic_workspace(tmp_path, 11, n_items=12, origin_fraction=0.4)
    ours = _fit(root, "question", draws=400, tune=300, chains=2, seed=5)
    theirs = _fit(root, "question", draws=400, tune=300, chains=2, seed=5, sampler="nutpie")
    assert theirs.probability == pytest.approx(ours.probability, abs=0.02)
    assert theirs.draws is not None and "rho" in theirs.draws.posterior


@pytest.mark.slow
def test_the_same_seed_gives_the_same_numbers_cold_and_warm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two processes, the first compiling everything into an empty cache, the second loading it: same JSON."""
    root = synthetic_workspace(tmp_path / "ws", 11, n_items=12, origin_fraction=0.4)
    cache = tmp_path / "compiled"
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={cache}", "NUMBA_CACHE_DIR": str(cache / "numba")}
    outputs = [subprocess.run([sys.executable, "-m", "plausible", "posterior", "question", "--method", "mcmc",
                               "--draws", "200", "--tune", "200", "--seed", "3", "--json", "-w", str(root)],
                              capture_output=True, text=True, env=env, check=True, timeout=600).stdout
               for _ in range(2)]
    assert outputs[0] == outputs[1]
