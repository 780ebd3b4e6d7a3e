"""Would a bias per analyst earn its keep in the noise model? A trial on simulated biased analysts.

    python benchmarks/analyst_bias.py [--simulations 200] [--bias-sd 0.5] [--events 16] [--seed 2026]

The noise model (docs/model.md, "Several analysts") reads each judgment as the cell's probit plus noise; it
has no bias term. Here the data come from its own generative story (``plausible.testing.simulate_analysts``:
three analysts, two hypotheses, one source of reliability 0.9, every event reported) with one change: each
analyst's judgments are shifted on the probit scale by a bias b_a ~ N(0, bias_sd^2), which the model does
not know about. Each simulation is fitted twice with the same seed:

- **as written**: the model sees the biased judgments (it can only take the bias for noise);
- **bias removed**: the same judgments with the true biases taken off, what a bias term that learned the
  biases exactly would at best recover.

The difference between the two is the most a bias term could add. Compared over the simulations, on the
hypothesis actually drawn: the mean log score ln P(true H) and the Brier score (paired differences, with
their standard errors), and calibration in the large (mean P(red) against the share of simulations where
red was true). Also shown: the log pool of the exact engine on the judgments as written, and how the learned
noise scales compare with the true ones and with sqrt(sigma^2 + b^2) (the bias taken for noise).

Each fit is 2 chains x 400 draws after 300 tuning steps, on one core; the run prints one line per
simulation and a markdown table at the end (the one in docs/model.md).
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from plausible.engines.exact import exact_posterior
from plausible.engines.mcmc import mcmc_posterior
from plausible.model.schema.model import InferenceSettings
from plausible.testing import analyst_design, simulate_analysts


def _fit(judged: np.ndarray, seed: int) -> tuple[float, np.ndarray]:
    """P(red) and the analysts' learned noise scales (posterior means) from the noise model."""
    post = mcmc_posterior(analyst_design(judged), InferenceSettings(draws=400, tune=300, chains=2, seed=seed,
                                                                    cores=1, analyst_noise=True))
    return float(post.probability[0]), np.array([a.posterior_mean for a in post.analysts])


def trial(simulations: int, bias_sd: float, events: int, seed: int) -> dict[str, Any]:
    """Run the trial; per simulation the truth and the three answers, and their summaries."""
    rng = np.random.default_rng(seed)
    rows = []
    started = time.perf_counter()
    for n in range(simulations):
        case = simulate_analysts(rng, n_events=events, bias_sd=bias_sd)
        unbiased = ndtr(ndtri(case.judged) - case.bias[:, None, None])
        written, noise_written = _fit(case.judged, n)
        removed, noise_removed = _fit(unbiased, n)
        pooled = float(exact_posterior(analyst_design(case.judged)).probability[0])
        rows.append({"red": case.hypothesis == 0, "written": written, "removed": removed, "pooled": pooled,
                     "sigma": case.sigma, "bias": case.bias, "noise_written": noise_written,
                     "noise_removed": noise_removed})
        print(f"simulation {n + 1}/{simulations}: truth {'red' if case.hypothesis == 0 else 'blue'}, "
              f"P(red) as written {written:.3f}, bias removed {removed:.3f}, log pool {pooled:.3f}; "
              f"biases {np.round(case.bias, 2).tolist()} ({time.perf_counter() - started:.0f} s)", flush=True)
    return {"rows": rows, "bias_sd": bias_sd, "events": events, "seed": seed,
            "seconds": time.perf_counter() - started}


def _scores(rows: list[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    """Per simulation: ln P(true H) and the Brier score of the answer ``key``."""
    p_red = np.array([r[key] for r in rows])
    red = np.array([r["red"] for r in rows], dtype=float)
    p_true = np.where(red == 1.0, p_red, 1.0 - p_red)
    return np.log(p_true), (p_red - red) ** 2


def _paired(d: np.ndarray, baseline: bool) -> str:
    """A paired difference's mean and standard error."""
    return "—" if baseline else f"{d.mean():+.4f} ± {d.std(ddof=1) / math.sqrt(d.size):.4f}"


def render(result: dict[str, Any]) -> list[str]:
    """The trial's table, in markdown."""
    rows = result["rows"]
    n = len(rows)
    red = np.array([r["red"] for r in rows], dtype=float)
    base_log, base_brier = _scores(rows, "removed")
    lines = [f"{n} simulations, 3 analysts, {result['events']} events x 2 hypotheses, biases N(0, "
             f"{result['bias_sd']}^2) on the probit scale, seed {result['seed']} ({result['seconds']:.0f} s); "
             f"red true in {int(red.sum())} of {n}.", "",
             "| answer | mean ln P(true H) | paired difference | mean Brier | paired difference | mean P(red) |",
             "|---|---|---|---|---|---|"]
    for key, label in (("removed", "noise model, biases removed (a bias term at best)"),
                       ("written", "noise model, judgments as written"),
                       ("pooled", "log pool (exact engine), as written")):
        log_score, brier = _scores(rows, key)
        d_log, d_brier = log_score - base_log, brier - base_brier

        lines.append(f"| {label} | {log_score.mean():.4f} | {_paired(d_log, key == "removed")} | {brier.mean():.4f} | "
                     f"{_paired(d_brier, key == "removed")} | {np.mean([r[key] for r in rows]):.3f} |")
    sigma = np.concatenate([r["sigma"] for r in rows])
    bias = np.concatenate([r["bias"] for r in rows])
    written = np.concatenate([r["noise_written"] for r in rows])
    removed = np.concatenate([r["noise_removed"] for r in rows])
    effective = np.sqrt(sigma ** 2 + bias ** 2)

    def log_error(learned: np.ndarray, truth: np.ndarray) -> str:
        return f"{np.median(np.abs(np.log(learned / truth))):.2f}"

    lines += ["", f"Share of red true: {red.mean():.3f}. Median |ln(learned / true)| of the noise scales over the "
              f"{sigma.size} analysts: bias removed against sigma {log_error(removed, sigma)}; as written against "
              f"sigma {log_error(written, sigma)}, against sqrt(sigma^2 + b^2) {log_error(written, effective)}."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument("--bias-sd", type=float, default=0.5)
    parser.add_argument("--events", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print("\n".join(render(trial(args.simulations, args.bias_sd, args.events, args.seed))))


if __name__ == "__main__":
    main()
