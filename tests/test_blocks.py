"""The noise model sampled in two blocks (reliabilities, then noise scales): the same log density, the same posterior.

Truths: the PyMC model's own compiled log density and gradient (each block's function must equal them at any
point); the joint NUTS sampler's posterior on the same workspace; and the rule that picks the blocks.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from plausible.engines.blocks import BLOCKED_READINGS, BlockedDensity, blocked
from plausible.engines.corroboration import corroborated_terms
from plausible.engines.mcmc import build_model, mcmc_posterior, without_events
from plausible.engines.readings import readings
from plausible.engines.structure import sampling_structure
from plausible.model.schema.model import InferenceSettings
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace
from tests.test_mcmc_analysts import _three_analysts


def test_each_blocks_log_density_and_gradient_are_the_models(tmp_path: Path) -> None:
    """At random points, with NA bands, partial coverage and a corroborated read event: each block's function
    gives the PyMC model's log density, and its gradient the model's in that block's variables. The noise block
    moves between points, so a stale copy of its work in the reliabilities' block would show."""
    compiled = _three_analysts(tmp_path)
    structure = sampling_structure(compiled)
    read = readings(compiled, structure)
    assert read is not None and read.corroborated_events.size
    terms = corroborated_terms(compiled, structure)
    model = build_model(compiled, structure, terms, analyst_noise=True)
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    names = [v.name for v in model.value_vars]
    assert names == ["rho_logodds__", "noise_total", "noise_share"]
    density = BlockedDensity(compiled, structure, without_events(terms, read.read_event), read)
    rng = np.random.default_rng(5)
    sizes = {"rho_logodds__": structure.free_rho.size, "noise_share": len(read.analyst_ids) - 1}
    for _ in range(5):
        point = {"rho_logodds__": rng.normal(0.0, 1.5, sizes["rho_logodds__"]),
                 "noise_total": np.asarray(rng.normal(-1.0, 0.8)), "noise_share": rng.normal(0.0, 1.0, 2)}
        for name in names:
            getattr(density, name.removesuffix("_logodds__") + ("_logodds" if name.startswith("rho") else "")
                    ).set_value(point[name])
        gradient = dlogp(point)
        noise = np.concatenate([np.ravel(point["noise_total"]), point["noise_share"]])
        rho_logp, rho_grad = density.reliabilities(point["rho_logodds__"])
        noise_logp, noise_grad = density.noise(noise)
        assert rho_logp == pytest.approx(float(logp(point)), rel=1e-12, abs=1e-9)
        assert noise_logp == pytest.approx(float(logp(point)), rel=1e-12, abs=1e-9)
        np.testing.assert_allclose(rho_grad, gradient[: sizes["rho_logodds__"]], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(noise_grad, gradient[sizes["rho_logodds__"]:], rtol=1e-9, atol=1e-9)


def test_the_rule_samples_in_blocks_from_its_number_of_readings() -> None:
    def read(count: int) -> SimpleNamespace:
        return SimpleNamespace(level_count=np.array([[count // 2, count - count // 2]]))

    assert not blocked("auto", read(BLOCKED_READINGS - 1))  # type: ignore[arg-type]
    assert blocked("auto", read(BLOCKED_READINGS))  # type: ignore[arg-type]
    assert blocked("on", read(10))  # type: ignore[arg-type]
    assert not blocked("off", read(10 * BLOCKED_READINGS))  # type: ignore[arg-type]
    assert not blocked("on", None)  # no noise model: nothing to split


@pytest.fixture(scope="module")
def three_analysts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_workspace(tmp_path_factory.mktemp("blocks"), 11, n_hypotheses=4, n_items=24, n_sources=5,
                               origin_fraction=0.25, n_analysts=3)


def test_blocks_and_the_joint_sampler_give_the_same_posterior(three_analysts: Path) -> None:
    """The same model sampled both ways: probabilities, reliabilities and noise scales agree within fixed
    tolerances (0.015, 0.03, 6 %), and each run converges."""
    compiled = load_workspace(three_analysts).compiled("question", by_analyst=True)
    runs = {}
    for setting in ("off", "on"):
        settings = InferenceSettings(draws=1000, tune=600, chains=2, seed=3, cores=1, noise_blocks=setting)
        runs[setting] = post = mcmc_posterior(compiled, settings)
        assert post.diagnostics is not None and post.diagnostics.r_hat < 1.02 and post.diagnostics.ess_bulk > 300
    joint, blocks = runs["off"], runs["on"]
    assert joint.draws.posterior.attrs["sampler"] == "NUTS"
    assert blocks.draws.posterior.attrs["sampler"].startswith("NUTS in two blocks")
    np.testing.assert_allclose(blocks.probability, joint.probability, atol=0.015)
    for a, b in zip(blocks.analysts, joint.analysts, strict=True):
        assert a.analyst == b.analyst and a.posterior_mean == pytest.approx(b.posterior_mean, rel=0.06)
    for a, b in zip(blocks.sources, joint.sources, strict=True):
        assert a.posterior_mean == pytest.approx(b.posterior_mean, abs=0.03)


def test_blocks_give_the_same_draws_whether_chains_run_side_by_side_or_in_turn(three_analysts: Path) -> None:
    """Tuning runs past the full mass matrix's first adaptation window (101 iterations), whose state each
    chain must start from afresh; the noise step's own statistics are kept beside the reliabilities' step's."""
    compiled = load_workspace(three_analysts).compiled("question", by_analyst=True)
    runs = [mcmc_posterior(compiled, InferenceSettings(draws=30, tune=130, chains=2, seed=8, cores=cores,
                                                       noise_blocks="on")).draws for cores in (1, 2)]
    for name in ("rho", "noise_total", "noise_share"):
        np.testing.assert_array_equal(runs[0].posterior[name].values, runs[1].posterior[name].values)
    stats = runs[0].sample_stats
    for name in ("noise_step_size", "noise_acceptance_rate", "noise_tree_depth", "noise_n_steps",
                 "noise_reached_max_treedepth", "noise_diverging"):
        assert stats[name].shape == (2, 30), name
    assert (stats["n_steps"] > stats["noise_n_steps"]).all()  # both blocks' leapfrog steps


def test_the_cached_noise_work_gives_what_a_fresh_computation_gives(tmp_path: Path) -> None:
    """The reliabilities' block at a noise point it has already worked on (its cache) and on a fresh instance."""
    compiled = _three_analysts(tmp_path)
    structure = sampling_structure(compiled)
    read = readings(compiled, structure)
    assert read is not None
    terms = without_events(corroborated_terms(compiled, structure), read.read_event)
    z = np.array([0.4, -1.1, 2.0])
    results = []
    for calls in (1, 3):
        density = BlockedDensity(compiled, structure, terms, read)
        density.noise_total.set_value(np.asarray(-0.7))
        density.noise_share.set_value(np.array([0.3, -0.2]))
        for _ in range(calls):
            out = density.reliabilities(z)
        results.append(out)
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
