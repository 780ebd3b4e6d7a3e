"""ArviZ 1.x on the MCMC result: the DataTree ``Posterior.draws`` and the file ``posterior --save`` writes.

The engine computes R-hat and ESS itself (plausible.engines.diagnostics: importing ArviZ's statistics costs
~1.5 s); here ArviZ reads the result as a user would, and its numbers must be the engine's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
from plausible.cli import app
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace

az = pytest.importorskip("arviz")

SAMPLED = ("rho", "probability")
RUN = {"draws": 50, "tune": 50, "chains": 2, "seed": 5}


@dataclass
class Fit:
    posterior: Any
    saved: Path
    reported: dict[str, Any]


@pytest.fixture(scope="module")
def fit(tmp_path_factory: pytest.TempPathFactory) -> Fit:
    """A tiny fit, in memory and through the CLI (same seed) with ``--save``."""
    folder = tmp_path_factory.mktemp("arviz")
    root = synthetic_workspace(folder / "ws", 11, n_items=12, origin_fraction=0.4)
    posterior = load_workspace(root).posterior("question", method="mcmc", **RUN)  # type: ignore[arg-type]
    saved = folder / "draws.nc"
    options = [f"--{key}={value}" for key, value in RUN.items()]
    result = CliRunner().invoke(app, ["posterior", "question", "--method", "mcmc", *options, "--json",
                                      "--save", str(saved), "-w", str(root)])
    assert result.exit_code == 0, result.output
    return Fit(posterior, saved, json.loads(result.stdout))


@pytest.fixture(scope="module")
def reloaded(fit: Fit) -> Any:
    return az.from_netcdf(fit.saved)


def _trees(fit: Fit, reloaded: Any) -> list[tuple[str, Any]]:
    return [("returned", fit.posterior.draws), ("saved", reloaded)]


def test_the_saved_file_holds_the_returned_draws(fit: Fit, reloaded: Any) -> None:
    tree = fit.posterior.draws
    assert set(reloaded.children) == set(tree.children) == {"posterior", "sample_stats", "interval"}
    for group in tree.children:
        for name, variable in tree[group].data_vars.items():
            np.testing.assert_array_equal(reloaded[group][name].values, variable.values)
    assert list(reloaded.posterior["source"].values) == list(tree.posterior["source"].values)
    assert list(reloaded.posterior["hypothesis"].values) == list(tree.posterior["hypothesis"].values)


def test_the_attributes_survive_the_save(fit: Fit, reloaded: Any) -> None:
    """What the result was computed from, at the root; the sampler's record on each sampled group."""
    expected = {"set_id": "question", "method": "mcmc", "inputs_hash": fit.posterior.inputs_hash,
                "seed": RUN["seed"], "sampler": "pymc", "plausible_version": plausible.__version__}
    assert fit.posterior.inputs_hash and fit.posterior.inputs_hash == fit.reported["inputs_hash"]
    for label, tree in _trees(fit, reloaded):
        assert {key: tree.attrs.get(key) for key in expected} == expected, label
        for group in ("posterior", "sample_stats"):
            attrs = tree[group].attrs
            assert attrs["inference_library"] == "pymc" and attrs["sampler"] == "NUTS", label
            assert attrs["tuning_steps"] == RUN["tune"] and attrs["seed"] == RUN["seed"], label
            assert attrs["sampling_time"] > 0, label


def test_arviz_summary_reads_the_result_as_it_is(fit: Fit, reloaded: Any) -> None:
    """No variable to pick: the whole posterior group is ArviZ's layout (chain, draw, ...)."""
    frames = [az.summary(tree, round_to="none") for _, tree in _trees(fit, reloaded)]
    for frame in frames:
        sources = list(fit.posterior.draws.posterior["source"].values)
        assert list(frame.index) == [f"rho[{s}]" for s in sources] + [
            f"probability[{h}]" for h in fit.posterior.hypothesis_ids]
        assert {"mean", "sd", "ess_bulk", "ess_tail", "r_hat", "mcse_mean"} <= set(frame.columns)
        means = frame.loc[[f"probability[{h}]" for h in fit.posterior.hypothesis_ids], "mean"].astype(float)
        np.testing.assert_allclose(means.to_numpy(), fit.posterior.probability, rtol=1e-12)
        reliability = {r.source: r.posterior_mean for r in fit.posterior.sources}
        for source in sources:
            assert float(frame.loc[f"rho[{source}]", "mean"]) == pytest.approx(reliability[source], rel=1e-12)
    assert frames[0].equals(frames[1])


def test_arviz_rhat_and_ess_are_the_engines(fit: Fit, reloaded: Any) -> None:
    """The engine reports the worst R-hat and the smallest ESS over rho and the probabilities."""
    diagnostics = fit.posterior.diagnostics
    for label, tree in _trees(fit, reloaded):
        def worst(result: Any, pick: Any) -> float:
            return float(pick([pick(result[name].values) for name in SAMPLED]))

        assert worst(az.rhat(tree, var_names=list(SAMPLED)), np.max) == pytest.approx(diagnostics.r_hat, abs=1e-10), label
        assert worst(az.ess(tree, var_names=list(SAMPLED), method="bulk"), np.min) == pytest.approx(
            diagnostics.ess_bulk, rel=1e-10), label
        assert worst(az.ess(tree, var_names=list(SAMPLED), method="tail", prob=(0.05, 0.95)), np.min) == pytest.approx(
            diagnostics.ess_tail, rel=1e-10), label
    assert fit.reported["diagnostics"]["r_hat"] == pytest.approx(diagnostics.r_hat, rel=1e-9)
    assert 1.0 <= diagnostics.r_hat < 1.2 and diagnostics.ess_bulk > 20  # a real, if short, run


def test_arviz_diagnose_reads_the_sampler_statistics(fit: Fit, reloaded: Any) -> None:
    """Divergences, tree depth and E-BFMI come from sample_stats under ArviZ's names."""
    for label, tree in _trees(fit, reloaded):
        _, found = az.diagnose(tree, show_diagnostics=False, return_diagnostics=True)
        assert found["divergent"]["n_divergent"] == fit.posterior.diagnostics.divergences, label
        assert found["divergent"]["total_samples"] == RUN["chains"] * RUN["draws"], label
        assert found["treedepth"]["total_samples"] == RUN["chains"] * RUN["draws"], label
        assert np.all(np.isfinite(found["bfmi"]["bfmi_values"])) and len(found["bfmi"]["bfmi_values"]) == RUN["chains"]
