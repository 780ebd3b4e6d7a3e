"""An independent check of the exact engine, written from the model's description (docs/model.md) and default-model.yaml only.

The expected posterior is computed here from scratch (plain loops, scipy for the band Betas) and compared
with what the tool reports through the Python API and the CLI, on the workspace in data/design-example/.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats
from typer.testing import CliRunner

import plausible
from plausible.cli import app

WORKSPACE = Path(__file__).parent / "data" / "design-example"
SET_ID = "port-outage"
HYPOTHESES = ["cyberattack", "equipment-failure", "labour-action", "other"]

# Tables copied from default-model.yaml.
ICD203 = {
    "almost no chance": (0.01, 0.05),
    "remote": (0.01, 0.05),
    "very unlikely": (0.05, 0.20),
    "highly improbable": (0.05, 0.20),
    "unlikely": (0.20, 0.45),
    "improbable": (0.20, 0.45),
    "roughly even chance": (0.45, 0.55),
    "roughly even odds": (0.45, 0.55),
    "likely": (0.55, 0.80),
    "probable": (0.55, 0.80),
    "very likely": (0.80, 0.95),
    "highly probable": (0.80, 0.95),
    "almost certain": (0.95, 0.99),
    "nearly certain": (0.95, 0.99),
}
ACH = {"CC": (0.80, 0.95), "C": (0.55, 0.80), "N": (0.45, 0.55), "I": (0.20, 0.45), "II": (0.05, 0.20)}
ADMIRALTY = {"A": (19, 1), "B": (8, 2), "C": (6, 4), "D": (3, 7), "E": (1, 9), "F": (1, 1)}
CREDIBILITY = {1: 1.0, 2: 0.9, 3: 0.75, 4: 0.5, 5: 0.25, 6: 1.0}
BAND_MASS = 0.9


def band_mean(low, high):
    """Mean of the Beta with 5% of its mass below `low` and 5% above `high`."""
    tail = (1.0 - BAND_MASS) / 2.0

    def equations(log_params):
        a, b = np.exp(log_params)
        return [stats.beta.cdf(low, a, b) - tail, stats.beta.sf(high, a, b) - tail]

    mid = (low + high) / 2.0
    start = np.log([mid * 20.0, (1.0 - mid) * 20.0])
    solution = optimize.root(equations, start, method="hybr", options={"xtol": 1e-13})
    a, b = np.exp(solution.x)
    assert stats.beta.cdf(low, a, b) == pytest.approx(tail, abs=1e-12)
    assert stats.beta.sf(high, a, b) == pytest.approx(tail, abs=1e-12)
    return a / (a + b)


def value(v):
    """A number is a point value; a verbal term or ACH rating counts at its band Beta's mean."""
    if isinstance(v, (int, float)):
        return float(v)
    if v in ACH:
        return band_mean(*ACH[v])
    return band_mean(*ICD203[v])


def expected_posterior():
    # Priors as written in hypotheses/port-outage.yaml, normalised.
    raw_prior = [value(0.2), value("likely"), value(0.15), value(0.1)]
    prior = [p / sum(raw_prior) for p in raw_prior]

    # Source reliabilities as written in evidence/sources.yaml.
    a_c, b_c = ADMIRALTY["C"]
    rho = {"port-authority": a_c / (a_c + b_c), "trade-press": 0.45, "anon-forum": 8 / (8 + 2)}

    # Evidence units: (likelihoods per hypothesis, [(source, credibility or None), ...]).
    units = [
        ([0.7, 0.1, 0.2, 0.15], [("port-authority", 3)]),  # scada-logs-wiped
        (["I", 0.85, "very unlikely", "C"], [("port-authority", None)]),  # maintenance-backlog
        (["likely", "likely", "unlikely", "roughly even chance"], [("trade-press", None)]),  # union-statement
        # origin ransom-note-2024-03: press, forum, press again (the repeat counts once)
        (
            ["CC", "II", "highly improbable", "N"],
            [("trade-press", None), ("anon-forum", None), ("trade-press", None)],
        ),
    ]

    log_post = [math.log(p) for p in prior]
    for raw_lik, reports in units:
        lik = [value(v) for v in raw_lik]
        a = sum(prior[k] * lik[k] for k in range(len(prior)))
        effective = {}
        for source, cred in reports:
            r = rho[source] * (CREDIBILITY[cred] if cred is not None else 1.0)
            effective[source] = max(effective.get(source, 0.0), r)
        for k in range(len(prior)):
            truthful = 1.0
            noise = 1.0
            for r in effective.values():
                truthful *= r + (1.0 - r) * a
                noise *= (1.0 - r) * a
            log_post[k] += math.log(lik[k] * truthful + (1.0 - lik[k]) * noise)

    top = max(log_post)
    weights = [math.exp(x - top) for x in log_post]
    total = sum(weights)
    return {h: w / total for h, w in zip(HYPOTHESES, weights, strict=True)}


def test_band_means_are_inside_their_bands():
    for low, high in list(ICD203.values()) + list(ACH.values()):
        assert low < band_mean(low, high) < high


def test_exact_posterior_matches_design():
    expected = expected_posterior()
    assert sum(expected.values()) == pytest.approx(1.0, abs=1e-12)
    post = plausible.load_workspace(WORKSPACE).posterior(SET_ID, method="exact")
    got = dict(post.probabilities)
    assert set(got) == set(HYPOTHESES)
    for h in HYPOTHESES:
        assert got[h] == pytest.approx(expected[h], abs=1e-9), h


def test_cli_posterior_json_matches_design():
    expected = expected_posterior()
    result = CliRunner().invoke(app, ["posterior", SET_ID, "--json", "-w", str(WORKSPACE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("set", "method", "evidence", "hypotheses", "diagnostics"):
        assert key in data, key
    assert data["set"] == SET_ID
    assert data["method"] == "exact"
    assert [h["id"] for h in data["hypotheses"]] == HYPOTHESES
    for h in data["hypotheses"]:
        assert {"id", "probability", "interval"} <= set(h)
        assert h["interval"] is None
        assert h["probability"] == pytest.approx(expected[h["id"]], abs=1e-9), h["id"]


def test_cli_validate_exits_zero():
    result = CliRunner().invoke(app, ["validate", "-w", str(WORKSPACE)])
    assert result.exit_code == 0, result.output
