"""Running NUTS chains (plausible.engines.chains): PyMC's own sampler, whichever way the chains are spread."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

pm = pytest.importorskip("pymc")

from plausible.cli.progress import ProgressLine  # noqa: E402
from plausible.engines import chains  # noqa: E402

needs_fork = pytest.mark.skipif(not chains._can_fork(), reason="chains do not fork here")


def _beta_model():  # type: ignore[no-untyped-def]
    with pm.Model() as model:
        pm.Beta("rho", alpha=np.array([2.0, 5.0, 1.5]), beta=np.array([3.0, 1.0, 1.5]), shape=3)
    return model, {"rho_logodds__": np.array([0.1, 0.5, -0.2])}


def test_a_chain_is_the_sequence_pm_sample_draws() -> None:
    """The loop is PyMC's: same step, start and generator give pm.sample's draws and statistics, bit for bit."""
    from scipy.special import expit

    model, centre = _beta_model()
    step = pm.NUTS(vars=model.value_vars, model=model, rng=np.random.default_rng(0), initial_point=centre,
                   potential=chains.QuadPotentialDiagAdapt(3, centre["rho_logodds__"], np.ones(3), 10,
                                                           rng=np.random.default_rng(0)), target_accept=0.9)
    generator = pm.util.get_random_generator([123]).spawn(1)[0]
    generator.integers(2**30)  # pm.sample draws the chain's seed from it before sampling
    job = chains._Job(step, step.sampling_state, ["rho_logodds__"], [centre], [generator], 60, 80)
    values, stats = chains._chain(job, 0, lambda i: None)
    step.sampling_state = job.state
    with model:
        idata = pm.sample(draws=80, tune=60, step=step, chains=1, cores=1, random_seed=[123], initvals=[centre],
                          progressbar=False, compute_convergence_checks=False)
    # Sampled in log-odds space, the same path: only the transform back to rho rounds differently.
    np.testing.assert_allclose(expit(values["rho_logodds__"]), idata.posterior["rho"].values[0], rtol=1e-12)
    for key in ("n_steps", "diverging", "tree_depth"):  # the same trajectories
        np.testing.assert_array_equal(stats[key], idata.sample_stats[key].values[0])
    for key in ("step_size", "lp", "energy", "acceptance_rate"):
        np.testing.assert_allclose(stats[key], idata.sample_stats[key].values[0], rtol=1e-12)


@needs_fork
def test_the_draws_do_not_depend_on_how_the_chains_are_spread() -> None:
    model, centre = _beta_model()
    runs = [chains.run_nuts(model, centre, draws=40, tune=40, chains=3, cores=cores, target_accept=0.9, seed=9)
            for cores in (1, 2, 3)]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.values["rho_logodds__"], runs[0].values["rho_logodds__"])
        assert run.stats.keys() == runs[0].stats.keys()
        for key in run.stats:
            np.testing.assert_array_equal(run.stats[key], runs[0].stats[key])
    draws = runs[0].values["rho_logodds__"]
    assert draws.shape == (3, 40, 3)
    assert not np.array_equal(draws[0], draws[1]), "each chain has its own generator and start"


def test_the_chains_recover_a_known_distribution() -> None:
    """Beta(2, 3), Beta(5, 1), Beta(1.5, 1.5): means 0.4, 0.833, 0.5, within five Monte Carlo errors."""
    from scipy.special import expit

    model, centre = _beta_model()
    run = chains.run_nuts(model, centre, draws=600, tune=300, chains=2, cores=2, target_accept=0.9, seed=4)
    rho = expit(run.values["rho_logodds__"]).reshape(-1, 3)
    alpha, beta = np.array([2.0, 5.0, 1.5]), np.array([3.0, 1.0, 1.5])
    mean, sd = alpha / (alpha + beta), np.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
    assert (np.abs(rho.mean(axis=0) - mean) < 5 * sd / np.sqrt(rho.shape[0] / 2)).all()  # ESS at least half the draws
    assert rho.std(axis=0) == pytest.approx(sd, rel=0.15)
    assert not run.stats["diverging"].any()


def test_progress_is_reported_up_to_the_total() -> None:
    model, centre = _beta_model()
    seen: list[tuple[int, int]] = []
    chains.run_nuts(model, centre, draws=30, tune=20, chains=2, cores=2, target_accept=0.9, seed=1,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (100, 100)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@needs_fork
def test_a_failing_chain_raises_with_the_workers_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    model, centre = _beta_model()
    real = chains._chain

    def failing(job, chain, report):  # type: ignore[no-untyped-def]
        if chain == 1:
            raise ValueError("boom in chain 1")
        return real(job, chain, report)

    monkeypatch.setattr(chains, "_chain", failing)
    with pytest.raises(RuntimeError, match="boom in chain 1") as caught:
        chains.run_nuts(model, centre, draws=10, tune=10, chains=2, cores=2, target_accept=0.9, seed=1)
    assert any("Traceback" in note for note in caught.value.__notes__)


@needs_fork
def test_a_worker_that_dies_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    model, centre = _beta_model()
    monkeypatch.setattr(chains, "_chain", lambda job, chain, report: os._exit(3))
    with pytest.raises(RuntimeError, match=r"ended without a result \(exit code 3\)"):
        chains.run_nuts(model, centre, draws=10, tune=10, chains=2, cores=2, target_accept=0.9, seed=1)


def test_the_progress_line_redraws_in_place_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    line = ProgressLine("sampling 2 chains", "iterations", stream=screen, every=0.0)
    line.status("compiling")
    line(10, 40)
    line(40, 40)
    line.close()
    text = screen.getvalue()
    assert text.startswith("\rsampling 2 chains: compiling")
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "10/40 iterations (25%)" in text and "40/40 iterations (100%)" in text


def test_the_progress_line_writes_one_line_to_a_log() -> None:
    log = io.StringIO()
    line = ProgressLine("sampling 4 chains", "iterations", stream=log)
    line.status("compiling")  # not in a log
    for done in range(0, 8001, 100):
        line(done, 8000)
    line.close()
    assert log.getvalue().count("\n") == 1 and "\r" not in log.getvalue()
