"""Several analysts in the MCMC engine: each judgment a noisy reading of a latent likelihood (issue 16, item 5).

Truths: quadrature over the latent cells for the model's log-probability; the exact engine's log pool when the
analysts agree; the engine's own numbers recorded before analysts entered the model (one analyst); and, slow,
simulation-based calibration of the analysts' noise scales.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytensor.tensor as pt
import pytest
from scipy import stats
from scipy.special import ndtr

from plausible.engines.exact import exact_posterior
from plausible.engines.mcmc import build_model, mcmc_posterior
from plausible.engines.readings import NOISE_PRIOR
from plausible.model.compiled import CompiledSet
from plausible.model.schema.model import InferenceSettings
from plausible.testing import analyst_design, simulate_analysts, synthetic_workspace
from plausible.workspace import load_workspace

SET = ("question: Which colour?\nhypotheses:\n  - {id: red, title: Red, prior: 0.6}\n"
       "  - {id: blue, title: Blue, prior: 0.4}\n")


def _workspace(root: Path, tables: dict[str, list[tuple[float, float]]], reliability: str = "0.8",
               origin: bool = False) -> Path:
    """A workspace whose lead wrote ``tables["lead"]`` in the items and every other analyst a file of their own."""
    n = len(tables["lead"])
    lines = ["items:"]
    for j, (red, blue) in enumerate(tables["lead"]):
        lines += [f"  - id: e{j}", f"    summary: Report {j}.", f"    source: s{j % 2}", f"    reported: 2024-01-{j + 1:02d}",
                  f"    likelihoods: {{q: {{red: {red}, blue: {blue}}}}}"]
        if origin and j == 0:
            lines.append("    origin: event-0")
    if origin:  # a second source reports e0's event: a corroborated event
        lines += ["  - id: echo", "    summary: The same event again.", "    source: s1", "    reported: 2024-02-01",
                  "    origin: event-0"]
    files = {"hypotheses/q.yaml": SET, "evidence/items.yaml": "\n".join(lines) + "\n",
             "evidence/sources.yaml": ("sources:\n"
                                       f"  - {{id: s0, name: Zero, reliability: {reliability}}}\n"
                                       f"  - {{id: s1, name: One, reliability: {reliability}}}\n")}
    for analyst, table in tables.items():
        if analyst != "lead":
            assert len(table) == n
            body = "\n".join(f"  e{j}: {{q: {{red: {red}, blue: {blue}}}}}" for j, (red, blue) in enumerate(table))
            files[f"analysts/{analyst}.yaml"] = f"name: {analyst.title()}\nlikelihoods:\n{body}\n"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


LEAD = [(0.7, 0.3), (0.6, 0.4), (0.2, 0.5)]
BO = [(0.5, 0.35), (0.8, 0.3), (0.3, 0.4)]


def test_one_analyst_gives_the_numbers_it_gave_before_analysts_entered_the_model(tmp_path: Path) -> None:
    """Recorded from the engine before this change (same workspace, seed and settings)."""
    root = synthetic_workspace(tmp_path, 3, n_hypotheses=3, n_items=12, n_sources=4, origin_fraction=0.3)
    compiled = load_workspace(root).compiled("question")
    assert compiled.analyst_ids == ()
    post = mcmc_posterior(compiled, InferenceSettings(draws=50, tune=50, chains=2, seed=5, cores=1))
    np.testing.assert_array_equal(post.probability, [0.621730668182085, 0.01556120006781005, 0.3627081317501047])
    np.testing.assert_array_equal(post.interval, [[0.4673742672813698, 0.7579945520881353],
                                                  [0.004402184235073532, 0.038226316478872494],
                                                  [0.22725059300979172, 0.5263753888724708]])
    assert [s.posterior_mean for s in post.sources] == [0.6225425622029434, 0.8104778311301497, 0.9551548060910935]
    assert post.analysts == () and "analyst_noise" not in post.to_dict()


def _potentials(model, point, names=("evidence",)):  # type: ignore[no-untyped-def]
    total = pt.add(*model.replace_rvs_by_values([p for p in model.potentials if p.name in names]))
    fn = model.compile_fn(total, inputs=model.value_vars, point_fn=False)
    return float(fn(*(point[v.name] for v in model.value_vars)))


def _noise_point(model, log_noise: np.ndarray) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """The sampler's coordinates for given log noise scales: ln sqrt(sum sigma^2) and the variance shares' logits."""
    assert {v.name for v in model.value_vars} == {"noise_total", "noise_share"}  # nothing else is sampled
    return {"noise_total": np.asarray(0.5 * np.log(np.exp(2 * log_noise).sum())),
            "noise_share": 2 * (log_noise[:-1] - log_noise[-1])}


def _grid_log_probability(log_scale: float, offset: np.ndarray, corroborated: bool) -> float:
    """ln sum_k pi_k prod_g of a 2-D integral over the event's probit cells (the readings included), on a grid.

    Event e0 is reported by two sources when ``corroborated``: P(reports | H_k, lambda) is then
    lambda_k (r + (1 - r) a)^2 + (1 - lambda_k) a^2 (1 - r)^2; otherwise r lambda_k + (1 - r) a.
    """
    sigma = np.exp(log_scale + NOISE_PRIOR["spread"] * offset)
    d = sigma ** 2 + NOISE_PRIOR["resolution"] ** 2  # numbers: no band variance; weights 1
    grid = np.linspace(-9, 9, 1201)
    dx = grid[1] - grid[0]
    x1, x2 = np.meshgrid(grid, grid, indexing="ij")
    prior, r = np.array([0.6, 0.4]), 0.8
    per_hypothesis = np.log(prior)
    for j in range(len(LEAD)):
        density = stats.norm.pdf(x1) * stats.norm.pdf(x2)
        for a, table in enumerate((BO, LEAD)):  # analysts sorted: bo, lead
            y = stats.norm.ppf(table[j])
            density = density * stats.norm.pdf(y[0], x1, math.sqrt(d[a])) * stats.norm.pdf(y[1], x2, math.sqrt(d[a]))
        lam = np.stack([ndtr(x1), ndtr(x2)])
        a_noise = prior[0] * lam[0] + prior[1] * lam[1]
        for k in range(2):
            if corroborated and j == 0:
                report = lam[k] * (r + (1 - r) * a_noise) ** 2 + (1 - lam[k]) * a_noise ** 2 * (1 - r) ** 2
            else:
                report = r * lam[k] + (1 - r) * a_noise
            per_hypothesis[k] += math.log((density * report).sum() * dx * dx)
    return float(np.logaddexp(*per_hypothesis))


def test_log_probability_equals_quadrature_over_the_latent_cells(tmp_path: Path) -> None:
    """Potentials at fixed noise scales = ln sum_k pi_k prod_g of a 2-D integral over the event's probit cells."""
    compiled = load_workspace(_workspace(tmp_path, {"lead": LEAD, "bo": BO})).compiled("q", by_analyst=True)
    assert compiled.analyst_ids == ("bo", "lead")
    model = build_model(compiled, analyst_noise=True)
    log_scale, offset = -1.2, np.array([0.7, -0.4])
    got = _potentials(model, _noise_point(model, log_scale + NOISE_PRIOR["spread"] * offset))
    assert got == pytest.approx(_grid_log_probability(log_scale, offset, corroborated=False), abs=1e-6)


def test_the_noise_prior_in_the_samplers_coordinates_is_the_hierarchical_prior(tmp_path: Path) -> None:
    """ln sigma = ln s + 0.5 eta, ln s ~ N(ln 0.3, 1): ln sigma ~ N(ln 0.3, 1 1' + 0.25 I), by SciPy, up to a constant
    (the map from the sampler's coordinates has a constant Jacobian); three analysts."""
    tables = {"lead": LEAD, "bo": BO, "cy": [(0.4, 0.4), (0.5, 0.6), (0.1, 0.3)]}
    compiled = load_workspace(_workspace(tmp_path, tables)).compiled("q", by_analyst=True)
    model = build_model(compiled, analyst_noise=True)
    prior = stats.multivariate_normal(np.full(3, math.log(0.3)), np.ones((3, 3)) + 0.25 * np.eye(3))
    points = [np.array([-1.0, -2.0, 0.5]), np.array([0.3, -0.2, -1.7]), np.array([-1.2, -1.2, -1.2])]
    got = [_potentials(model, _noise_point(model, u), ("noise_prior",)) for u in points]
    want = [prior.logpdf(u) for u in points]
    assert np.diff(got) == pytest.approx(np.diff(want), abs=1e-10)
    # and the coordinates' map: sigma back from (total, share)
    draws = {"noise_total": np.array([[0.1]]), "noise_share": np.array([[[0.4, -1.0]]])}
    import xarray as xr

    from plausible.engines.noise import log_noise_draws

    tree = xr.DataTree.from_dict({"posterior": xr.Dataset({k: (("chain", "draw", *[f"d{i}" for i in range(v.ndim - 2)]), v)
                                                           for k, v in draws.items()})})
    sigma = np.exp(log_noise_draws(tree, 1)[0])
    assert (sigma ** 2).sum() == pytest.approx(math.exp(0.2))
    assert sigma ** 2 / (sigma ** 2).sum() == pytest.approx(np.exp([0.4, -1.0, 0.0]) / np.exp([0.4, -1.0, 0.0]).sum())


@pytest.mark.parametrize("log_scale", [-2.5, -1.0, 0.3, 1.5])
def test_corroborated_event_integrates_out_as_the_grid_integral_says(tmp_path: Path, log_scale: float) -> None:
    """Two sources report e0's event: a polynomial in its cells, whose moments the kernel takes by Gauss-Hermite
    quadrature. Nothing is sampled but the noise parameters; the potential equals the grid integral."""
    compiled = load_workspace(_workspace(tmp_path, {"lead": LEAD, "bo": BO}, origin=True)).compiled("q", by_analyst=True)
    model = build_model(compiled, analyst_noise=True)
    offset = np.array([0.2, -0.3])
    got = _potentials(model, _noise_point(model, log_scale + NOISE_PRIOR["spread"] * offset))
    assert got == pytest.approx(_grid_log_probability(log_scale, offset, corroborated=True), abs=1e-6)


def _fit(root: Path, seed: int = 3, draws: int = 400) -> object:
    return load_workspace(root).posterior("q", "mcmc", draws=draws, tune=draws, chains=2, seed=seed, cores=1,
                                          analyst_noise=True)


def test_pooled_posterior_is_the_exact_pool_when_analysts_agree_and_wider_when_they_disagree(tmp_path: Path) -> None:
    pooled = [tuple(math.sqrt(a * b) for a, b in zip(x, y, strict=True)) for x, y in zip(LEAD, BO, strict=True)]
    agree = _workspace(tmp_path / "agree", {"lead": pooled, "bo": pooled})
    disagree = _workspace(tmp_path / "disagree", {"lead": LEAD, "bo": BO})
    exact = exact_posterior(load_workspace(agree).compiled("q"))
    assert exact.probability == pytest.approx(exact_posterior(load_workspace(disagree).compiled("q")).probability,
                                              abs=1e-12)  # the same log pool
    post_agree, post_disagree = _fit(agree), _fit(disagree)
    assert post_agree.probability == pytest.approx(exact.probability, abs=0.02)  # type: ignore[attr-defined]
    width = {name: float(np.diff(p.interval[0])[0])  # type: ignore[attr-defined]
             for name, p in (("agree", post_agree), ("disagree", post_disagree))}
    assert width["disagree"] > 2 * width["agree"], width
    noise = {name: max(a.posterior_mean for a in p.analysts)  # type: ignore[attr-defined]
             for name, p in (("agree", post_agree), ("disagree", post_disagree))}
    assert noise["disagree"] > 2 * noise["agree"], noise
    data = post_disagree.to_dict()  # type: ignore[attr-defined]
    assert [a["id"] for a in data["analyst_noise"]] == ["bo", "lead"]


@pytest.mark.slow
@pytest.mark.parametrize("blocks", ["off", "on"])
def test_noise_scales_are_calibrated_sbc_ranks_are_uniform(blocks: str) -> None:
    """Simulation-based calibration (Talts et al. 2018), time-boxed: the rank of each true noise scale among
    posterior draws is uniform when data come from the model's own prior. Both samplers of the noise model:
    one NUTS step on every variable (``off``, what these small sets get) and the two blocks (``on``).

    The prior of the three scales is exchangeable; in a typical draw one analyst is markedly noisier than the
    others (the spread exp(0.5 eta) differs by a factor above 1.6 between the extreme two in half the draws).

    Time box: simulations are fitted for 180 s (at least 24 of them, at most 120), so the slow CI step gains
    about 3 minutes; a fit took 8.6-10 s with the machine's load at 6-7 on 2 cores, where the floor of 24 makes
    it about 4 minutes.
    """
    rng = np.random.default_rng(2016)
    ranks: list[list[int]] = []
    budget, start, thin = 180.0, time.monotonic(), 8
    while time.monotonic() - start < budget or len(ranks) < 24:
        case = simulate_analysts(rng)
        settings = InferenceSettings(draws=400, tune=300, chains=2, seed=len(ranks), cores=1, analyst_noise=True,
                                     noise_blocks=blocks)
        post = mcmc_posterior(analyst_design(case.judged), settings)
        draws = post.draws.posterior["noise_scale"].values.reshape(-1, 3)[::thin]  # 100 draws, less autocorrelated
        ranks.append([int((draws[:, a] < case.sigma[a]).sum()) for a in range(3)])
        if len(ranks) >= 120:
            break
    counts = np.array(ranks)
    for a in range(3):
        observed = np.bincount(counts[:, a] * 5 // (draws.shape[0] + 1), minlength=5)
        assert stats.chisquare(observed).pvalue > 0.001, (a, observed)


def test_a_noisier_analyst_is_learned_to_be_noisier() -> None:
    """One fixed case: analyst c reads 30 cells with noise 1.0, a and b with 0.1."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(15, 2))
    sigma = np.array([0.1, 0.1, 1.0])
    judged = ndtr(x[None] + rng.normal(size=(3, 15, 2)) * sigma[:, None, None])
    post = mcmc_posterior(analyst_design(judged), InferenceSettings(draws=300, tune=300, chains=2, seed=1, cores=1,
                                                                 analyst_noise=True))
    learned = {a.analyst: a.posterior_mean for a in post.analysts}
    assert learned["c"] > 3 * max(learned["a"], learned["b"]), learned


def test_posterior_command_shows_the_noise_scales_beside_the_reliabilities(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    root = _workspace(tmp_path, {"lead": LEAD, "bo": BO}, reliability="B")
    args = ["posterior", "q", "--method", "mcmc", "--draws", "60", "--tune", "60", "--chains", "2", "--cores", "1",
            "-w", str(root)]
    table = CliRunner().invoke(app, args)  # the default: the noise model
    assert table.exit_code == 0, table.output
    assert "Source reliability" in table.output and "Analyst noise" in table.output
    assert "bo" in table.output.split("Analyst noise")[1]
    pooled = CliRunner().invoke(app, [*args, "--no-analyst-noise"])  # the log pool
    assert pooled.exit_code == 0, pooled.output
    assert "Source reliability" in pooled.output and "Analyst noise" not in pooled.output


def test_analyst_noise_is_the_default_and_off_the_engine_samples_the_log_pool(tmp_path: Path) -> None:
    """On by default; off, several analysts enter as their log pool per cell, exactly as before the noise model:
    the same model (only ``rho``) and the same numbers whether or not the analysts' own judgments were compiled."""
    ws = load_workspace(_workspace(tmp_path, {"lead": LEAD, "bo": BO}, reliability="B"))
    pooled, by_analyst = ws.compiled("q"), ws.compiled("q", by_analyst=True)
    assert pooled.analyst_ids == () and by_analyst.analyst_ids == ("bo", "lead")
    np.testing.assert_array_equal(pooled.lam, by_analyst.lam)
    assert InferenceSettings().analyst_noise is True
    assert {v.name for v in build_model(by_analyst).value_vars} == {"rho_logodds__"}
    settings = InferenceSettings(draws=60, tune=60, chains=2, seed=2, cores=1, analyst_noise=False)
    off = mcmc_posterior(pooled, settings)
    ignored = mcmc_posterior(by_analyst, settings)
    np.testing.assert_array_equal(off.probability, ignored.probability)
    np.testing.assert_array_equal(off.interval, ignored.interval)
    assert off.analysts == ignored.analysts == ()
    assert ws.posterior("q", "mcmc", draws=60, tune=60, chains=2, seed=2, cores=1,
                        analyst_noise=False).probability.tolist() == off.probability.tolist()
    on = ws.posterior("q", "mcmc", draws=60, tune=60, chains=2, seed=2, cores=1)
    assert [a.analyst for a in on.analysts] == ["bo", "lead"]
    assert on.draws.attrs["analyst_noise"] == 1 and off.draws.attrs["analyst_noise"] == 0


def test_the_model_file_turns_analyst_noise_off_and_the_portfolio_key_follows_it(tmp_path: Path) -> None:
    from plausible.core.types import Method
    from plausible.portfolio.planning import plan_run

    root = _workspace(tmp_path, {"lead": LEAD, "bo": BO})
    on, off = (plan_run([root], {}, method=Method.MCMC, options=options).todo[0].task
               for options in ({}, {"analyst_noise": False}))
    assert off.key != on.key
    assert off.compiled.analyst_ids == () and on.compiled.analyst_ids == ("bo", "lead")
    assert not off.settings.analyst_noise and on.settings.analyst_noise  # type: ignore[union-attr]
    (root / "models").mkdir()
    (root / "models" / "default.yaml").write_text("inference: {analyst_noise: false}\n", encoding="utf-8")
    ws = load_workspace(root)
    assert not ws.settings("q").analyst_noise and ws.settings("q", analyst_noise=True).analyst_noise
    assert plan_run([root], {}, method=Method.MCMC).todo[0].task.compiled.analyst_ids == ()


def test_analyst_noise_option_only_applies_with_mcmc(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    root = _workspace(tmp_path, {"lead": LEAD, "bo": BO})
    for command in (["posterior", "q"], ["brief", "q"]):
        result = CliRunner().invoke(app, [*command, "--analyst-noise", "-w", str(root)])
        assert result.exit_code == 2, result.output
        assert "--analyst-noise" in result.output and "--method mcmc" in result.output


def test_brief_says_in_its_method_when_the_analysts_noise_model_applied(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    root = _workspace(tmp_path, {"lead": LEAD, "bo": BO}, reliability="B")
    args = ["brief", "q", "--method", "mcmc", "--draws", "60", "--tune", "60", "--chains", "2", "--cores", "1",
            "-w", str(root)]
    said = "several analysts' judgments read as noisy readings of latent likelihoods"
    noisy = CliRunner().invoke(app, args)  # the default
    assert noisy.exit_code == 0, noisy.output
    assert said in noisy.output
    pooled = CliRunner().invoke(app, [*args, "--no-analyst-noise"])
    assert pooled.exit_code == 0, pooled.output
    assert said not in pooled.output and "Engine: MCMC" in pooled.output
    (root / "analysts" / "bo.yaml").unlink()  # one analyst: the model does not apply, and the method does not say so
    alone = CliRunner().invoke(app, args)
    assert alone.exit_code == 0, alone.output
    assert said not in alone.output and "Engine: MCMC" in alone.output


def _three_analysts(tmp_path: Path) -> CompiledSet:
    """Four hypotheses, NA cells, bands, origin groups, and three analysts with partial coverage and weights."""
    hyps = "\n".join(f"  - {{id: h{k}, title: H{k}, prior: {p}}}" for k, p in enumerate((0.4, 0.3, 0.2, 0.1)))
    items = ["items:"]
    cells = ["0.7", "likely", "NA", "0.2"], ["CC", "I", "0.5", "NA"], ["0.3", "0.6", "unlikely", "0.9"]
    for j in range(9):
        row = cells[j % 3]
        items += [f"  - id: e{j}", f"    summary: Report {j}.", f"    source: s{j % 3}", f"    reported: 2024-01-{j + 1:02d}",
                  "    likelihoods: {q: {" + ", ".join(f"h{k}: {row[(k + j) % 4]}" for k in range(4)) + "}}"]
        if j in (0, 4):
            items.append(f"    origin: event-{j}")
    items += ["  - {id: echo0, summary: Again., source: s1, reported: 2024-02-01, origin: event-0}",
              "  - {id: echo0b, summary: And again., source: s2, reported: 2024-02-02, origin: event-0}",
              "  - {id: echo4, summary: Again., source: s0, reported: 2024-02-03, origin: event-4}"]
    files = {"hypotheses/q.yaml": f"question: Which?\nhypotheses:\n{hyps}\n",
             "evidence/items.yaml": "\n".join(items) + "\n",
             "evidence/sources.yaml": "sources:\n" + "".join(f"  - {{id: s{i}, name: S{i}, reliability: B}}\n"
                                                           for i in range(3)),
             "analysts/bo.yaml": "name: Bo\nweight: 2\nlikelihoods:\n"
                                 "  e0: {q: {h0: 0.5, h1: very likely, h3: 0.3}}\n  e1: {q: {h0: 0.2, h1: 0.4}}\n"
                                 "  e4: {q: {h0: 0.6, h1: 0.1, h2: 0.3}}\n  e5: {q: {h2: 0.8}}\n",
             "analysts/cy.yaml": "name: Cy\nlikelihoods:\n  e0: {q: {h0: 0.9, h2: 0.2}}\n  e2: {q: {h1: unlikely}}\n"
                                 "  e4: {q: {h3: 0.05}}\n  e7: {q: {h0: 0.35, h3: 0.45}}\n"}
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    compiled = load_workspace(tmp_path).compiled("q", by_analyst=True)
    assert compiled.analyst_ids == ("bo", "cy", "lead") and compiled.lam_na.any()
    return compiled


def test_kernel_gradient_equals_finite_differences_with_na_bands_partial_coverage_and_corroboration(
        tmp_path: Path) -> None:
    """The operation's hand-written gradient (reverse mode through the quadrature and the moment combination)
    against central differences of its own log-probability, in every sampled reliability and log noise scale."""
    from plausible.engines.corroboration import corroborated_terms
    from plausible.engines.mcmc import without_events
    from plausible.engines.readings import readings
    from plausible.engines.readings_op import noisy_inputs, noisy_kernel
    from plausible.engines.structure import sampling_structure

    compiled = _three_analysts(tmp_path)
    structure = sampling_structure(compiled)
    read = readings(compiled, structure)
    assert read is not None and read.linear_events.size and read.corroborated_events.size
    free = np.zeros(compiled.rho.size, dtype=bool)
    free[structure.free_rho] = True
    assert free.sum() == 3
    data = list(noisy_inputs(compiled, structure, without_events(corroborated_terms(compiled, structure),
                                                                   read.read_event), read, free).values())
    for rho, log_noise in ((np.array([0.3, 0.7, 0.9]), np.array([-1.0, -2.2, 0.4])),
                           (np.array([0.8, 0.5, 0.2]), np.array([0.5, -0.3, -3.0]))):
        _, grad_rho, grad_noise, posterior = noisy_kernel(rho, log_noise, *data)
        assert posterior.sum() == pytest.approx(1.0)

        def logp(r: np.ndarray, u: np.ndarray) -> float:
            return float(noisy_kernel(r, u, *data)[0][0])

        h = 1e-6
        for i in range(3):
            step = h * np.eye(3)[i]
            assert grad_rho[i] == pytest.approx((logp(rho + step, log_noise) - logp(rho - step, log_noise)) / (2 * h),
                                                rel=1e-6, abs=1e-6)
            assert grad_noise[i] == pytest.approx((logp(rho, log_noise + step) - logp(rho, log_noise - step)) / (2 * h),
                                                  rel=1e-6, abs=1e-6)


def test_quadrature_rules_meet_their_stated_error_against_adaptive_integration() -> None:
    """E[Phi(mu + s Z)^q] by each rule at its widest s, against SciPy's adaptive quadrature, q <= 8."""
    from scipy import integrate

    from plausible.engines.readings_op import QUADRATURE_ERROR, quadrature_rules

    nodes, weights, limits, counts = quadrature_rules()
    assert np.allclose(weights.sum(axis=1), 1.0) and list(limits) == sorted(limits) and limits[-1] == 1.0
    for rule, bound in enumerate(QUADRATURE_ERROR):
        s = limits[rule]
        worst = 0.0
        for mu in np.linspace(-5, 5, 21):
            f = ndtr(mu + s * nodes[rule, : counts[rule]])
            for q in range(9):
                want = integrate.quad(lambda z, mu=mu, s=s, q=q: stats.norm.pdf(z) * ndtr(mu + s * z) ** q, -12, 12,
                                      epsabs=1e-14, epsrel=1e-12, limit=200)[0]
                worst = max(worst, abs(float(weights[rule, : counts[rule]] @ f ** q) - want))
        assert worst < bound, (rule, worst)
        assert worst > bound / 100, (rule, worst)  # the bound is a measured one, not a loose guess


def test_corroborated_cells_are_drawn_from_their_exact_conditional(tmp_path: Path) -> None:
    """The rejection sampler's draws of a corroborated event's cells, given (H, rho, sigma), against the
    conditional's moments by grid integration: E[lambda_k | H, reports] for each k and each H."""
    from plausible.engines.readings import read_posterior, readings
    from plausible.engines.readings_op import draw_corroborated_reads
    from plausible.engines.structure import sampling_structure

    compiled = load_workspace(_workspace(tmp_path, {"lead": LEAD, "bo": BO}, origin=True)).compiled("q", by_analyst=True)
    structure = sampling_structure(compiled)
    read = readings(compiled, structure)
    assert read is not None and read.corroborated_events.tolist() == [0]
    draws = 40_000
    sigma = np.full((draws, 2), 0.6)
    rho = np.broadcast_to(compiled.rho, (draws, compiled.rho.size))
    mean, precision = read_posterior(read, sigma[:1])
    cells = read.cell_of[0]
    mu, sd = mean[0, cells], 1.0 / np.sqrt(precision[0, cells])
    grid = np.linspace(-8, 8, 801)
    x1, x2 = np.meshgrid(mu[0] + sd[0] * grid, mu[1] + sd[1] * grid, indexing="ij")
    density = stats.norm.pdf(grid)[:, None] * stats.norm.pdf(grid)[None, :]
    lam = np.stack([ndtr(x1), ndtr(x2)])
    a, r = compiled.prior @ lam.reshape(2, -1), 0.8
    a = a.reshape(x1.shape)
    for h in (0, 1):
        likelihood = lam[h] * (r + (1 - r) * a) ** 2 + (1 - lam[h]) * a ** 2 * (1 - r) ** 2
        weight = density * likelihood
        want = [(weight * lam[k]).sum() / weight.sum() for k in (0, 1)]
        got = draw_corroborated_reads(read, rho, sigma, np.full(draws, h), structure.fill,
                                      np.random.default_rng(h))[:, 0, :]
        spread = got.std(axis=0) / math.sqrt(draws)
        assert np.all(np.abs(got.mean(axis=0) - want) < 4 * spread), (h, got.mean(axis=0), want, spread)
        untilted = (density * lam[h]).sum() / density.sum()
        assert abs(want[h] - untilted) > 10 * spread[h]  # the tilt matters here: the check can fail


def test_cell_posteriors_are_the_per_cell_sums_over_analysts(tmp_path: Path) -> None:
    """read_posterior (products with per-level matrices) against P_c = 1 + sum_a w_a / d_ac and
    mu_c = sum_a (w_a y_ac / d_ac) / P_c summed cell by cell, with bands of several widths and partial coverage."""
    from plausible.engines.readings import read_posterior, readings
    from plausible.engines.structure import sampling_structure

    compiled = _three_analysts(tmp_path)
    read = readings(compiled, sampling_structure(compiled))
    assert read is not None and (read.level_count > 0).sum(axis=1).max() >= 2  # several band widths
    sigma = np.array([[0.1, 0.7, 0.3], [1.5, 0.05, 0.6]])
    mean, precision = read_posterior(read, sigma)
    for d in range(sigma.shape[0]):
        for c in range(read.value.shape[0]):
            inv = [read.weight[a] / (sigma[d, a] ** 2 + read.spread[c, a] + NOISE_PRIOR["resolution"] ** 2)
                   for a in range(3) if read.judged[c, a]]
            ys = [read.value[c, a] for a in range(3) if read.judged[c, a]]
            want = 1.0 + sum(inv)
            assert precision[d, c] == pytest.approx(want, rel=1e-13)
            assert mean[d, c] == pytest.approx(sum(i * y for i, y in zip(inv, ys, strict=True)) / want,
                                               rel=1e-12, abs=1e-14)


def test_conditional_probabilities_over_threads_equal_the_kernel_draw_by_draw(tmp_path: Path) -> None:
    """The summary's P(H | reports, rho, sigma) per draw, worked out on three threads, against the kernel
    called draw by draw; every row is its own."""
    from plausible.engines.corroboration import corroborated_terms
    from plausible.engines.mcmc import _read_conditional, without_events
    from plausible.engines.readings import readings
    from plausible.engines.readings_op import noisy_inputs, noisy_kernel
    from plausible.engines.structure import sampling_structure

    compiled = _three_analysts(tmp_path)
    structure = sampling_structure(compiled)
    read = readings(compiled, structure)
    assert read is not None
    terms = without_events(corroborated_terms(compiled, structure), read.read_event)
    rng = np.random.default_rng(5)
    rho = np.broadcast_to(compiled.rho, (9, compiled.rho.size)).copy()
    rho[:, structure.free_rho] = rng.uniform(0.2, 0.95, size=(9, structure.free_rho.size))
    log_noise = rng.normal(-1.0, 0.8, size=(9, 3))
    got = _read_conditional(compiled, structure, terms, read, rho, log_noise, threads=3)
    free = np.zeros(compiled.rho.size, dtype=bool)
    free[structure.free_rho] = True
    data = list(noisy_inputs(compiled, structure, terms, read, free).values())
    want = np.array([noisy_kernel(np.ascontiguousarray(rho[d, structure.free_rho]), log_noise[d], *data)[3]
                     for d in range(9)])
    assert np.array_equal(got, want)
    assert len({tuple(row) for row in got.round(12)}) == 9  # the draws differ, so a row mix-up would show
