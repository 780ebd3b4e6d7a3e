"""The MCMC engine against independent truth: quadrature over reliabilities, learning, and SBC (slow)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from plausible.engines.structure import batched_log_likelihood, sampling_structure
from plausible.workspace import load_workspace

HYPOTHESES = "question: q\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n  - {id: c, title: C}\n"


def workspace(write_workspace, sources: list[tuple[str, str]], items: list[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    src = "sources:\n" + "".join(f"  - {{id: {s}, name: {s}, reliability: {r}}}\n" for s, r in sources)
    ev = "items:\n" + "".join(
        f"  - {{id: i{j}, summary: x, source: {s}, reported: 2020-01-{j + 1:02d}, likelihoods: {{q: {lik}}}}}\n"
        for j, (s, lik, _) in enumerate(items)
    )
    return write_workspace({"hypotheses/q.yaml": HYPOTHESES, "evidence/sources.yaml": src, "evidence/e.yaml": ev})


def quadrature(root, nodes: int = 48) -> np.ndarray:  # type: ignore[no-untyped-def]
    """P(H | reports) by Gauss-Legendre quadrature over every Beta-graded source's reliability."""
    compiled = load_workspace(root).compiled("q")
    structure = sampling_structure(compiled)
    x, w = np.polynomial.legendre.leggauss(nodes)
    x, w = (x + 1) / 2, w / 2
    free = structure.free_rho
    grids = list(itertools.product(range(nodes), repeat=free.size))
    rho = np.broadcast_to(compiled.rho, (len(grids), compiled.rho.size)).copy()
    log_weight = np.zeros(len(grids))
    for col, s in enumerate(free):
        idx = np.array([g[col] for g in grids])
        rho[:, s] = x[idx]
        log_weight += np.log(w[idx]) + stats.beta.logpdf(x[idx], compiled.rho_alpha[s], compiled.rho_beta[s])
    lam = np.broadcast_to(compiled.lam, (len(grids), *compiled.lam.shape))
    joint = np.log(compiled.prior) + batched_log_likelihood(compiled, structure, rho, lam) + log_weight[:, None]
    return np.exp(logsumexp(joint, axis=0) - logsumexp(joint))


def mcmc(root, **options):  # type: ignore[no-untyped-def]
    return load_workspace(root).posterior("q", method="mcmc",
                                          **({"draws": 1000, "tune": 1000, "chains": 2, "seed": 3} | options))


def assert_agrees(post, truth: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """The MCMC mean within four of its Monte Carlo standard errors of the truth (sd / sqrt(bulk ESS)).

    A fixed 0.01 was 2.5 standard errors at 2 x 2000 draws: about one seed in twenty failed it by chance.
    """
    from plausible.engines.diagnostics import ess_bulk

    draws = np.asarray(post.draws.posterior["probability"].values)
    mcse = draws.reshape(-1, draws.shape[-1]).std(axis=0) / np.sqrt(ess_bulk(draws))
    assert np.all(np.abs(post.probability - truth) <= 4 * mcse + 1e-4), (post.probability - truth, mcse)
    assert np.all(mcse < 0.006), "the run must be long enough for the check to mean something"


# A source of unknown reliability reports two strongly contradictory events: the evidence itself says it is
# unreliable, which pulls the answer toward the prior (the prior-mean engine cannot see that).
ONE_SOURCE = (
    [("s1", "{alpha: 1, beta: 1}")],
    [("s1", "{a: 0.95, b: 0.05, c: 0.05}", ""), ("s1", "{a: 0.05, b: 0.95, c: 0.05}", "")],
)


def test_one_beta_source_agrees_with_quadrature_and_differs_from_exact(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = workspace(write_workspace, *ONE_SOURCE)
    truth = quadrature(root)
    got = mcmc(root)
    assert_agrees(got, truth)
    exact = load_workspace(root).posterior("q").probability
    assert np.max(np.abs(exact - truth)) > 0.02, "the case must be one where learning reliability matters"


@pytest.mark.slow
@pytest.mark.parametrize("n_sources", [2, 3])
def test_several_beta_sources_agree_with_quadrature(write_workspace, n_sources: int) -> None:  # type: ignore[no-untyped-def]
    grades = ["{alpha: 1, beta: 1}", "C", "{alpha: 2, beta: 5}"][:n_sources]
    sources = [(f"s{i}", g) for i, g in enumerate(grades)]
    liks = ["{a: 0.9, b: 0.2, c: 0.3}", "{a: 0.1, b: 0.8, c: 0.4}", "{a: 0.5, b: 0.3, c: 0.9}",
            "{a: 0.7, b: 0.6, c: 0.1}"]
    items = [(f"s{j % n_sources}", liks[j % len(liks)], "") for j in range(6)]
    root = workspace(write_workspace, sources, items)
    truth = quadrature(root, nodes=40 if n_sources < 3 else 24)
    assert_agrees(mcmc(root, draws=2000), truth)


def test_learning_is_real(write_workspace) -> None:  # type: ignore[no-untyped-def]
    # Four well-graded sources agree that the evidence points to a; a contrarian reports the opposite.
    sources = [(f"good{i}", "A") for i in range(4)] + [("contrarian", "C"), ("agreeing", "C")]
    items = []
    for i in range(4):
        items += [(f"good{i}", "{a: 0.9, b: 0.1, c: 0.1}", ""), (f"good{i}", "{a: 0.8, b: 0.2, c: 0.15}", "")]
    items += [("contrarian", "{a: 0.05, b: 0.9, c: 0.9}", "")] * 3
    items += [("agreeing", "{a: 0.9, b: 0.15, c: 0.1}", "")] * 3
    root = workspace(write_workspace, sources, items)
    learned = {s.source: s for s in mcmc(root).sources}
    assert learned["contrarian"].posterior_mean < learned["contrarian"].prior_mean - 0.1
    assert learned["agreeing"].posterior_mean >= learned["agreeing"].prior_mean - 0.01


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulation_based_calibration(write_workspace, seed: int) -> None:  # type: ignore[no-untyped-def]
    """SBC for a fixed design, where it reduces to a two-sample test against exact posterior draws.

    Each item is one event reported by one source. Simulating the full generative story (H from the prior,
    rho from its Beta prior, the event with probability lam_H, the report truthful with probability rho,
    else noise with probability a) and keeping only the draws in which every designed report occurs gives
    exact draws of (H, rho) from the posterior given the workspace. Their ranks among the MCMC draws are
    uniform exactly when the MCMC posterior is right: a two-sample Kolmogorov-Smirnov test on each
    reliability (MCMC draws thinned to about one per effective draw) and a binomial test on each
    hypothesis' frequency check it.
    """
    rng = np.random.default_rng(seed)
    sources = [("s0", "{alpha: 2, beta: 2}"), ("s1", "{alpha: 3, beta: 1.5}")]
    lams = rng.uniform(0.05, 0.95, (4, 3)).round(3)
    items = [(f"s{j % 2}", "{" + ", ".join(f"{h}: {v}" for h, v in zip("abc", lams[j], strict=True)) + "}", "")
             for j in range(4)]
    root = workspace(write_workspace, sources, items)
    post = mcmc(root, draws=2000, chains=2, seed=seed)
    rho_draws = np.asarray(post.draws.posterior["rho"].values).reshape(-1, 2)
    thin = max(1, int(np.ceil(rho_draws.shape[0] / post.diagnostics.ess_bulk)))
    compiled = load_workspace(root).compiled("q")
    prior, lam = compiled.prior, compiled.lam
    a = lam @ prior
    kept_rho, kept_h = [], []
    while len(kept_h) < 2000:
        n = 50_000
        h = rng.choice(3, size=n, p=prior)
        rho = np.column_stack([rng.beta(2, 2, n), rng.beta(3, 1.5, n)])
        ok = np.ones(n, dtype=bool)
        for j in range(4):
            event = rng.uniform(size=n) < lam[j, h]
            truthful = rng.uniform(size=n) < rho[:, j % 2]
            ok &= np.where(truthful, event, rng.uniform(size=n) < a[j])
        kept_rho.extend(rho[ok].tolist())
        kept_h.extend(h[ok].tolist())
    truth_rho, truth_h = np.asarray(kept_rho[:2000]), np.asarray(kept_h[:2000])
    for s in range(2):
        result = stats.ks_2samp(rho_draws[::thin, s], truth_rho[:, s])
        print(f"SBC seed {seed}, reliability of s{s}: KS D = {result.statistic:.4f}, p = {result.pvalue:.3f}")
        assert result.pvalue > 0.001
    for k in range(3):
        test = stats.binomtest(int((truth_h == k).sum()), len(truth_h), float(post.probability[k]))
        print(f"SBC seed {seed}, hypothesis {k}: exact frequency {(truth_h == k).mean():.4f} vs MCMC "
              f"{post.probability[k]:.4f}, p = {test.pvalue:.3f}")
        assert test.pvalue > 0.001
