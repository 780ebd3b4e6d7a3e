"""Trajectory, leave-one-out, linchpins, indicators and PARC scores against recomputation and hand values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from plausible.analysis import (
    analyze,
    inconsistency_scores,
    indicator_probability,
    leave_one_out,
    linchpins,
    trajectory,
    value_of_information,
)
from plausible.cli import app
from plausible.engines.exact import exact_posterior
from plausible.model.compiled import compile_set
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace


@pytest.mark.parametrize("seed", range(6))
def test_trajectory_equals_recomputation_at_every_step(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, seed, n_items=20, origin_fraction=0.4))
    hs, items = ws.hypothesis_set("question"), ws.items_for("question")
    traj = trajectory(ws, "question", "item")
    assert [s.label for s in traj.steps] == [i.id for i in items]
    for j, step in enumerate(traj.steps):
        fresh = exact_posterior(compile_set(hs, items[: j + 1], ws.sources)).probability
        assert step.probability == pytest.approx(fresh, abs=1e-10)
    assert traj.steps[-1].probability == pytest.approx(ws.posterior("question").probability, abs=1e-12)


@pytest.mark.parametrize("by", ["file", "date"])
def test_grouped_trajectories_end_at_the_posterior(tmp_path, by: str) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, 4, n_items=30, n_files=4, origin_fraction=0.4))
    traj = trajectory(ws, "question", by)  # type: ignore[arg-type]
    assert traj.steps[-1].probability == pytest.approx(ws.posterior("question").probability, abs=1e-12)
    dates = [s.reported for s in traj.steps]
    if by == "date":
        assert dates == sorted(set(dates))
        assert sum(len(s.items) for s in traj.steps) == len(ws.items_for("question"))


@pytest.mark.parametrize("seed", range(6))
def test_leave_one_out_equals_recomputation(tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, seed, n_items=15, origin_fraction=0.5))
    hs, items = ws.hypothesis_set("question"), ws.items_for("question")
    compiled = compile_set(hs, items, ws.sources)
    without = leave_one_out(compiled)
    for j in range(len(items)):
        rest = items[:j] + items[j + 1 :]
        fresh = exact_posterior(compile_set(hs, rest, ws.sources)).probability
        assert without[j] == pytest.approx(fresh, abs=1e-10), items[j].id


def test_linchpins_by_hand() -> None:
    probability = np.array([0.6, 0.4])
    without = np.array([[0.55, 0.45], [0.45, 0.55], [0.70, 0.30], [0.49, 0.51]])
    assert linchpins(probability, without, ("small", "flips", "moves", "edge")) == ["flips", "moves", "edge"]


def test_value_of_information_invariants() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = rng.dirichlet(np.ones(4))
        lik = rng.uniform(0.01, 0.99, 4)
        assert value_of_information(p, lik) >= 0.0
        assert value_of_information(p, np.full(4, lik[0])) == pytest.approx(0.0, abs=1e-12)
        # mutual information is at most the entropy of the binary outcome
        q = indicator_probability(p, lik)
        assert value_of_information(p, lik) <= -(q * math.log2(q) + (1 - q) * math.log2(1 - q)) + 1e-12


def test_value_of_information_by_hand() -> None:
    # Two equiprobable hypotheses, an indicator that happens for sure under one and never under the other
    # (nearly): observing it reveals the answer, worth one bit.
    assert value_of_information(np.array([0.5, 0.5]), np.array([1 - 1e-12, 1e-12])) == pytest.approx(1.0, abs=1e-9)


def test_parc_arithmetic() -> None:
    weighted, unweighted = inconsistency_scores(
        [("high", "high", "II"), ("medium", "low", "I"), ("low", "low", "I"), ("high", "medium", "C")]
    )
    assert weighted == pytest.approx(-5.20711, abs=1e-5)
    assert unweighted == 4


def test_analysis_of_the_dprk_case(repo_root) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(repo_root)
    result = analyze(ws, "dprk-driver").to_dict()
    assert set(result) >= {"set", "weights", "leave_one_out", "linchpins", "indicators", "ach"}
    post = ws.posterior("dprk-driver")
    weights = np.zeros((len(post.item_ids), len(post.hypothesis_ids)))
    for w in result["weights"]:
        weights[post.item_ids.index(w["item"]), post.hypothesis_ids.index(w["hypothesis"])] = w["decibans"]
    logits = np.log(post.prior) + weights.sum(axis=0) * math.log(10) / 10
    assert np.exp(logits) / np.exp(logits).sum() == pytest.approx(post.probability, abs=1e-9)
    vois = [i["value_of_information"] for i in result["indicators"]]
    assert vois == sorted(vois, reverse=True) and all(v >= 0 for v in vois)
    assert len(result["ach"]["rows"]) == len(post.item_ids)


def test_history_and_analyze_cli(repo_root, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    out = runner.invoke(app, ["history", "dprk-driver", "--json", "-w", str(repo_root)])
    assert out.exit_code == 0, out.output
    steps = json.loads(out.stdout)["steps"]
    final = load_workspace(repo_root).posterior("dprk-driver").probabilities
    assert steps[-1]["probabilities"] == pytest.approx(final, abs=1e-12)
    assert {"item", "reported", "probabilities"} <= set(steps[0])
    csv = tmp_path / "ach.csv"
    out = runner.invoke(app, ["analyze", "dprk-driver", "--json", "--csv", str(csv), "-w", str(repo_root)])
    assert out.exit_code == 0, out.output
    assert csv.read_text().startswith("set,item,source,reported,hypothesis,weight_db")  # docs/exports.md
    assert runner.invoke(app, ["history", "dprk-driver", "--by", "week", "-w", str(repo_root)]).exit_code == 2


def test_source_stress_and_uniform_prior(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = load_workspace(synthetic_workspace(tmp_path, 9, n_items=12))
    compiled = ws.compiled("question")
    from plausible.analysis import sensitivity

    result = sensitivity(compiled, exact_posterior(compiled).probability)
    for source, p in result.source_stress.items():
        keep = [i for i in ws.items_for("question") if i.source != source]
        fresh = exact_posterior(compile_set(ws.hypothesis_set("question"), keep, ws.sources)).probability
        assert p == pytest.approx(fresh, abs=1e-10)  # a source at reliability 0 is a source removed
    assert result.uniform_prior.sum() == pytest.approx(1.0)
