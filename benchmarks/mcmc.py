"""MCMC benchmarks: DPRK cold and warm, the synthetic K=20 / N=2,000 / S=100 case, ESS/s against a naive model.

Run through ``python benchmarks/run.py`` (or alone: ``python benchmarks/mcmc.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def cli_mcmc(workspace: Path, set_id: str, compiledir: Path, extra: list[str] | None = None,
             timeout: float | None = None) -> tuple[float, dict[str, Any]]:
    """Whole-process wall time of `plausible posterior --method mcmc --json`, with a given compile cache.

    The cache folder holds PyTensor's compiled code and numba's (our own numba kernel included), so an
    empty folder is a truly cold start.
    """
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}", "NUMBA_CACHE_DIR": str(compiledir / "numba")}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "plausible", "posterior", set_id, "--method", "mcmc", "--json", "-w", str(workspace),
         *(extra or [])],
        capture_output=True, text=True, env=env, check=True, timeout=timeout,
    )
    return time.perf_counter() - start, json.loads(out.stdout)


def dprk_cold_warm() -> dict[str, Any]:
    """DPRK, 4 chains x 1,000 draws: cold (empty compile cache) and warm (second process, cache filled)."""
    with tempfile.TemporaryDirectory() as cache:
        cold, result = cli_mcmc(REPO, "dprk-driver", Path(cache))
        warm, warm_result = cli_mcmc(REPO, "dprk-driver", Path(cache))
    return {"cold_s": cold, "warm_s": warm, "r_hat": warm_result["diagnostics"]["r_hat"],
            "ess_bulk": warm_result["diagnostics"]["ess_bulk"], "divergences": warm_result["diagnostics"]["divergences"],
            "same_answer": result["hypotheses"] == warm_result["hypotheses"]}


def dprk_nutpie() -> dict[str, Any]:
    """DPRK with nutpie instead of PyMC's NUTS (cold and warm), if nutpie is installed."""
    import importlib.util

    if importlib.util.find_spec("nutpie") is None:
        return {"skipped": "nutpie is not installed"}
    with tempfile.TemporaryDirectory() as cache:
        cold, _ = cli_mcmc(REPO, "dprk-driver", Path(cache), ["--sampler", "nutpie"])
        warm, result = cli_mcmc(REPO, "dprk-driver", Path(cache), ["--sampler", "nutpie"])
    d = result["diagnostics"]
    return {"cold_s": cold, "warm_s": warm, "r_hat": d["r_hat"], "ess_bulk": d["ess_bulk"],
            "divergences": d["divergences"]}


def synthetic_large(n_items: int = 2000, timeout: float = 900.0) -> dict[str, Any]:
    """K = 20 hypotheses, N = 2,000 items, S = 100 sources (15% corroborated); gives up after ``timeout``."""
    from plausible.testing import synthetic_workspace

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = synthetic_workspace(Path(tmp), 7, n_hypotheses=20, n_items=n_items, n_sources=100, n_files=20,
                                   origin_fraction=0.15)
        try:
            seconds, result = cli_mcmc(root, "question", Path(cache), timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"items": n_items, "wall_s": float("inf"), "timeout_s": timeout}
    d = result["diagnostics"]
    return {"items": n_items, "wall_s": seconds, "r_hat": d["r_hat"], "ess_bulk": d["ess_bulk"],
            "ess_tail": d["ess_tail"], "divergences": d["divergences"]}


def _naive_model(compiled: Any) -> Any:
    """The same model with the hypothesis sampled as a Categorical and every banded likelihood sampled."""
    import pymc as pm
    import pytensor.tensor as pt

    banded = ~np.isnan(compiled.lam_alpha) & ~compiled.lam_na
    rows, cols = np.nonzero(banded)
    free = np.nonzero(~np.isnan(compiled.rho_alpha))[0]
    with pm.Model() as model:
        h = pm.Categorical("h", p=compiled.prior)
        rho = pt.as_tensor(compiled.rho)
        if free.size:
            rho = pt.set_subtensor(rho[free], pm.Beta("rho", compiled.rho_alpha[free], compiled.rho_beta[free]))
        lam = pt.as_tensor(compiled.lam)
        if rows.size:
            lam = pt.set_subtensor(lam[rows, cols], pm.Beta("lam", compiled.lam_alpha[rows, cols],
                                                            compiled.lam_beta[rows, cols]))
        a = pt.dot(lam, compiled.prior)
        r = rho[compiled.source_of] * compiled.factor  # reports, one event each in this benchmark
        lam_h = lam[compiled.event_of, h]
        pm.Potential("reports", pt.log(r * lam_h + (1 - r) * a[compiled.event_of]).sum())
    return model


def ess_per_second() -> dict[str, Any]:
    """ESS/s of the hypothesis probabilities: ours against the naive formulation, default settings, same data."""
    import pymc as pm

    from plausible.engines.diagnostics import ess_bulk
    from plausible.testing import synthetic_workspace
    from plausible.workspace import load_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_workspace(Path(tmp), 3, n_hypotheses=5, n_items=40, n_sources=6, origin_fraction=0.0,
                                   judgment_kinds=("term", "rating"))
        ws = load_workspace(root)
        start = time.perf_counter()
        ours = ws.posterior("question", method="mcmc", seed=1)
        ours_s = time.perf_counter() - start
        compiled = ws.compiled("question")
    ours_ess = float(np.min(ess_bulk(np.asarray(ours.draws.posterior["probability"].values))))
    start = time.perf_counter()
    with _naive_model(compiled):
        idata = pm.sample(random_seed=1, progressbar=False, compute_convergence_checks=False)
    naive_s = time.perf_counter() - start
    h = np.asarray(idata.posterior["h"].values)
    indicators = np.stack([(h == k).astype(float) for k in range(len(compiled.prior))], axis=2)
    naive_ess = float(np.nanmin(ess_bulk(indicators)))
    naive_p = indicators.mean(axis=(0, 1))
    return {"ours_s": ours_s, "ours_ess": ours_ess, "naive_s": naive_s, "naive_ess": naive_ess,
            "ratio": (ours_ess / ours_s) / (naive_ess / naive_s),
            "max_abs_difference": float(np.max(np.abs(naive_p - ours.probability)))}


def _run(root: Path, set_id: str, cache: Path, extra: list[str], timeout: float | None = None) -> dict[str, Any]:
    """One whole-process run: wall time, diagnostics, ESS per second, the learned noise scales."""
    try:
        seconds, result = cli_mcmc(root, set_id, cache, extra, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall_s": float("inf"), "timeout_s": timeout}
    d = result["diagnostics"]
    return {"wall_s": seconds, "r_hat": d["r_hat"], "ess_bulk": d["ess_bulk"], "ess_tail": d["ess_tail"],
            "divergences": d["divergences"], "ess_per_s": d["ess_bulk"] / seconds,
            "noise": result.get("analyst_noise"),
            "probability": {h["id"]: h["probability"] for h in result["hypotheses"]}}


POOLED = ["--no-analyst-noise"]


def several_analysts(timeout: float = 900.0, repeats: int = 3) -> dict[str, Any]:
    """The MCMC engine with several analysts: the noise model (the default) against the log pool per cell
    (``--no-analyst-noise``) in the same run, whole process, 4 chains x 1,000 draws after 1,000 tuning steps.

    DPRK: the repository's own case (the lead and a second analyst), warm (compile caches filled by a first
    run of each), ``repeats`` alternating runs of each; the median. K = 20, N = 2,000, S = 100 with 5 analysts:
    cold (empty compile caches), one run of each, and of the noise model sampled by one NUTS step on every
    variable (``noise_blocks: off``, the baseline of its two blocks).
    """
    out: dict[str, Any] = {"dprk": {"noise": [], "pooled": []}}
    with tempfile.TemporaryDirectory() as cache:
        for extra in ([], POOLED):
            cli_mcmc(REPO, "dprk-driver", Path(cache), extra)
        for _ in range(repeats):
            out["dprk"]["noise"].append(_run(REPO, "dprk-driver", Path(cache), []))
            out["dprk"]["pooled"].append(_run(REPO, "dprk-driver", Path(cache), POOLED))
    for key in ("noise", "pooled"):
        runs = out["dprk"][key]
        out["dprk"][f"{key}_median_s"] = float(np.median([r["wall_s"] for r in runs]))
    print("several analysts, DPRK:", json.dumps({k: v for k, v in out["dprk"].items() if k.endswith("_s")}), flush=True)
    from plausible.testing import synthetic_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_workspace(Path(tmp), 7, n_hypotheses=20, n_items=2000, n_sources=100, n_files=20,
                                   origin_fraction=0.15, n_analysts=5)
        for key, extra in (("pooled", POOLED), ("noise", []), ("joint", [])):
            if key == "joint":  # the baseline: the same noise model, one NUTS step moving every variable
                (root / "models").mkdir(exist_ok=True)
                (root / "models" / "default.yaml").write_text("inference: {noise_blocks: 'off'}\n", encoding="utf-8")
            with tempfile.TemporaryDirectory() as cache:
                out[f"large_{key}"] = _run(root, "question", Path(cache), extra, timeout=timeout)
            print(f"several analysts, K = 20 ({key}):", json.dumps(out[f"large_{key}"]), flush=True)
    return out


def render_analysts(a: dict[str, Any]) -> list[str]:
    """The "Several analysts" part of docs/benchmarks.md from :func:`several_analysts`."""
    def row(name: str, r: dict[str, Any], goal: str) -> str:
        if "r_hat" not in r:
            return f"| {name} | > {r['timeout_s']:.0f} s (stopped) | | | | | {goal} |"
        return (f"| {name} | {r['wall_s']:.1f} s | {r['r_hat']:.4f} | {r['ess_bulk']:.0f} | {r['ess_per_s']:.1f} | "
                f"{r['divergences']} | {goal} |")

    d = a["dprk"]
    noise, pooled = d["noise"][-1], d["pooled"][-1]
    big_noise, big_pooled = a["large_noise"], a["large_pooled"]
    lines = [
        "| case | wall time | R-hat | ESS bulk | ESS/s | divergences | goal |",
        "|---|---:|---:|---:|---:|---:|---|",
        row(f"DPRK, 2 analysts, noise model (median of {len(d['noise'])}: {d['noise_median_s']:.1f} s)", noise,
            f"< 10 s warm: {'met' if d['noise_median_s'] < 10 else '**not met**'}"),
        row(f"DPRK, 2 analysts, log pool (median of {len(d['pooled'])}: {d['pooled_median_s']:.1f} s)", pooled, ""),
        row("K = 20, N = 2,000, S = 100, 5 analysts, noise model, cold", big_noise,
            f"< 120 s: {'met' if big_noise['wall_s'] < 120 else '**not met**'}"),
        row("K = 20, N = 2,000, S = 100, 5 analysts, noise model in one NUTS step (`noise_blocks: off`), cold",
            a["large_joint"], ""),
        row("K = 20, N = 2,000, S = 100, 5 analysts, log pool, cold", big_pooled, ""),
    ]
    if "r_hat" in big_noise and "r_hat" in big_pooled:
        lines += ["", f"Noise model ÷ log pool, wall time: DPRK {d['noise_median_s'] / d['pooled_median_s']:.2f}×, "
                      f"K = 20 {big_noise['wall_s'] / big_pooled['wall_s']:.2f}×."]
    if "r_hat" in big_noise and "r_hat" in a["large_joint"]:
        joint = a["large_joint"]
        lines += ["", f"K = 20, the noise model in one NUTS step ÷ in two blocks (its default there): wall time "
                      f"{joint['wall_s'] / big_noise['wall_s']:.2f}×, ESS/s {big_noise['ess_per_s'] / joint['ess_per_s']:.2f}×."]
    return lines


def main(large_timeout: float = 900.0) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, run in (("dprk", dprk_cold_warm), ("nutpie", dprk_nutpie), ("ess_per_second", ess_per_second),
                      ("synthetic", lambda: synthetic_large(timeout=large_timeout)),
                      ("analysts", lambda: several_analysts(timeout=large_timeout))):
        results[name] = run()
        print(name, json.dumps(results[name]), flush=True)
    return results


if __name__ == "__main__":
    if sys.argv[1:] == ["--analysts"]:  # only the several-analysts figures, as markdown for docs/benchmarks.md
        print("\n".join(render_analysts(several_analysts())))
    else:
        main()
