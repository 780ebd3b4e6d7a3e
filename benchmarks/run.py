"""Run every benchmark, print the tables, and write docs/benchmarks.md (and the scaling plot).

    python benchmarks/run.py            # everything (about 5 minutes on 2 cores)
    python benchmarks/run.py --quick    # skip MCMC and the largest grid sizes

Ratios are measured side by side in the same run, so they hold on any machine; absolute times are this
machine's. Each figure is the best of several runs (the median for whole-process latency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli
import exact
import forecasting
import mcmc
import portfolio

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmark-scaling.svg"


def machine() -> str:
    import numpy as np
    import pymc
    import pytensor

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (f"{dt.date.today()} · {cpu}, {os.cpu_count()} cores · Python {platform.python_version()} · "
            f"NumPy {np.__version__} · PyMC {pymc.__version__} · PyTensor {pytensor.__version__}")


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    head = "| " + " | ".join(title for _, title, _ in columns) + " |"
    rule = "|" + "|".join("---:" if fmt else "---" for _, _, fmt in columns) + "|"
    body = ["| " + " | ".join(format(row[key], fmt) if fmt else str(row[key]) for key, _, fmt in columns) + " |"
            for row in rows]
    return "\n".join([head, rule, *body])


def plot(grid: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for k in sorted({r["K"] for r in grid}):
        rows = sorted((r for r in grid if r["K"] == k and r["S"] == 500), key=lambda r: r["N"])
        ax.loglog([r["N"] for r in rows], [r["posterior_s"] for r in rows], marker="o", label=f"posterior, K={k}")
        ax.loglog([r["N"] for r in rows], [r["loo_s"] for r in rows], linestyle="--", marker=".",
                  label=f"leave-one-out, K={k}")
    ax.set_xlabel("items N")
    ax.set_ylabel("seconds (best of runs)")
    ax.set_title("Exact engine: time against N (S = 500)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PLOT, metadata={"Date": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip MCMC")
    parser.add_argument("--no-write", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    parser.add_argument("--mcmc-from", type=Path, metavar="JSON",
                        help="reuse the MCMC results of an earlier run (its benchmarks/results/latest.json)")
    parser.add_argument("--large-timeout", type=float, default=900.0,
                        help="give up on the K=20/N=2,000/S=100 MCMC case after this many seconds")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine()}
    print(results["machine"])
    results["cli"] = cli.latency()
    print("CLI:", json.dumps(results["cli"], indent=1))
    results["two_analysts"] = cli.latency_two_analysts()
    print("two analysts:", json.dumps(results["two_analysts"]))
    results["grid"] = exact.grid()
    print(table(results["grid"], GRID_COLUMNS))
    results["pgmpy"] = exact.pgmpy_comparison()
    print("pgmpy:", results["pgmpy"])
    results["loading"] = exact.loading()
    print("loading:", results["loading"])
    results["fragility"] = exact.fragility()
    print("fragility:", json.dumps(results["fragility"], indent=1))
    results["yaml_readers"] = exact.yaml_readers()
    print("YAML readers:", results["yaml_readers"])
    results["forecasting"] = forecasting.scaling()
    results["forecasting"]["forecastbench"] = forecasting.forecastbench()
    results["forecasting"]["tournament"] = forecasting.tournament()
    results["forecasting"]["scaling_tournament"] = forecasting.scaling_tournament()
    print("forecasting:", json.dumps(results["forecasting"]))
    if args.mcmc_from is not None:
        earlier = json.loads(args.mcmc_from.read_text(encoding="utf-8"))
        results["mcmc"] = earlier["mcmc"]
        results["mcmc_note"] = f"MCMC figures from an earlier run on {earlier['machine']}"
    elif not args.quick:
        results["mcmc"] = mcmc.main(large_timeout=args.large_timeout)
    results["portfolio"] = portfolio.measure(quick=args.quick)
    print("portfolio:", json.dumps(results["portfolio"]))
    (REPO / "benchmarks" / "results").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "results" / "latest.json").write_text(json.dumps(results, indent=1, default=str))
    if not args.no_write:
        plot(results["grid"])
        DOC.write_text(render(results), encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)} and {PLOT.relative_to(REPO)}")


GRID_COLUMNS = [("K", "K", ""), ("N", "N", ""), ("S", "S", ""), ("floor_s", "bare NumPy floor (s)", ".2e"),
                ("posterior_s", "posterior (s)", ".2e"), ("posterior_over_floor", "÷ floor", ".1f"),
                ("trajectory_s", "trajectory (s)", ".2e"), ("loo_s", "leave-one-out (s)", ".2e")]


def _two_analysts(t: dict[str, Any] | None) -> list[str]:
    if not t:
        return []
    return [f"With a second analyst judging every cell ({t['cells']} cells pooled; a copy of the DPRK workspace): "
            f"median {t['two_analysts_median_s']:.3f} s, against {t['single_median_s']:.3f} s for the same copy "
            f"with one analyst. Goal < 0.6 s: {verdict(t['two_analysts_median_s'] < 0.6)}.", ""]


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(r: dict[str, Any]) -> str:
    c, pg, ld = r["cli"], r["pgmpy"], r["loading"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python benchmarks/run.py` (do not edit by hand). Ratios are measured side by side in one run;",
        "absolute times are this machine's.",
        "",
        f"Machine: {r['machine']}",
        "",
        "## Whole-process latency: `plausible posterior dprk-driver --json`",
        "",
        f"Median {c['median_s']:.3f} s, best {c['min_s']:.3f} s over 15 runs (bare `python -c pass`: "
        f"{c['bare_python_s']:.3f} s). Goal < 0.6 s: {verdict(c['median_s'] < 0.6)}. PyMC is not imported.",
        "",
        "Heaviest imports (cumulative ms): " + ", ".join(f"`{n}` {ms:.0f}" for n, ms in c["imports"]) + ".",
        "",
        *_two_analysts(r.get("two_analysts")),
        "## Exact engine in process",
        "",
        "Point likelihoods, one report per event, Beta-graded sources at their means. The floor is the bare",
        "arithmetic of the same formula in NumPy (no origin groups, no attribution of increments).",
        "",
        table(r["grid"], GRID_COLUMNS),
        "",
        f"![time against N]({Path(PLOT).name})",
        "",
        f"**Against pgmpy** (variable elimination on the equivalent network H → report_j, all observed; K = {pg['K']},",
        f"N = {pg['N']}; a synthetic workspace with numbers, terms and ACH ratings, one report per event): pgmpy "
        f"{pg['pgmpy_s']:.3f} s, our engine on the compiled set {pg['ours_s'] * 1e3:.2f} ms — "
        f"**{pg['speedup_vs_pgmpy']:.0f}×** faster (goal ≥ 50×: {verdict(pg['speedup_vs_pgmpy'] >= 50)}); "
        f"{pg['ours_over_floor']:.1f}× the bare floor (goal ≤ 10×: {verdict(pg['ours_over_floor'] <= 10)}); "
        f"same numbers to {pg['max_abs_difference']:.1e}.",
        "",
        f"**First posterior on a freshly loaded workspace** (same data and pgmpy time; compiling the set into "
        f"arrays included, loading the files not): {pg['first_posterior_s'] * 1e3:.2f} ms (compile "
        f"{pg['compile_s'] * 1e3:.2f} ms, posterior on the compiled set {pg['posterior_compiled_s'] * 1e3:.2f} ms) — "
        f"**{pg['first_speedup_vs_pgmpy']:.0f}×** faster than pgmpy (goal ≥ 20×: "
        f"{verdict(pg['first_speedup_vs_pgmpy'] >= 20)}).",
        "",
        f"**Loading** {ld['items']:,} items in {ld['files']} files (K = {ld['K']}, S = {ld['S']}): load and validate "
        f"{ld['load_s']:.2f} s cold, {ld['load_cached_s']:.2f} s from the cache (files unchanged since the "
        f"last run: the built workspace is cached), {ld.get('load_one_new_file_s', float('nan')):.2f} s after adding "
        f"one evidence file (the other files from the parse cache); first posterior {ld['first_posterior_s']:.3f} s (goal < 0.5 s: "
        f"{verdict(ld['first_posterior_s'] < 0.5)}); load + first posterior {ld['load_plus_first_s']:.2f} s cold "
        f"(goal < 3 s: {verdict(ld['load_plus_first_s'] < 3)}), {ld['cached_load_plus_first_s']:.2f} s cached "
        f"({verdict(ld['cached_load_plus_first_s'] < 3)}); posterior + trajectory + leave-one-out "
        f"{ld['posterior_trajectory_loo_s']:.2f} s (goal < 1 s: {verdict(ld['posterior_trajectory_loo_s'] < 1)}).",
    ]
    if "fragility" in r:
        f = r["fragility"]
        syn = f["synthetic"]
        lines += [
            "",
            "**How fragile is the answer** (`plausible analyze`, in process, best of several runs): flip distance "
            "(fewest judgment steps that change the leader) and leader stability (10,000 imprecision draws).",
            "",
            "| set | flip distance | flip time | leader's share | stability time | goal |",
            "|---|---|---:|---:|---:|---|",
            *(f"| {name} | {d['steps']} ({'exact' if d['exact'] else 'upper bound'}; {d['leader']} → "
              f"{d['new_leader']}) | {d['flip_s']:.3f} s | {100 * d['leader_share']:.2f}% | {d['stability_s']:.3f} s | "
              f"each < 0.5 s: {verdict(d['flip_s'] < 0.5 and d['stability_s'] < 0.5)}; exact: {verdict(d['exact'])} |"
              for name, d in f["dprk"].items()),
            f"| K = {syn['K']}, N = {syn['N']:,} ({syn['events']:,} events) | {syn['steps']} "
            f"({'exact' if syn['exact'] else 'upper bound'}; exact search to {syn['depth']} steps) | {syn['flip_s']:.2f} s "
            f"(first in a process {syn['first_s']:.2f} s) | | | < 5 s: {verdict(syn['flip_s'] < 5)}; exact: "
            f"{verdict(syn['exact'])} |",
        ]
    if "yaml_readers" in r:
        y = r["yaml_readers"]
        lines += [
            "",
            f"**YAML readers** on the same {y['items']:,} items ({y['files']} files, {y['megabytes']:.1f} MB), parse "
            f"only: libyaml's composer {y['libyaml_composer_s']:.2f} s (with our conversion, the full reader: "
            f"{y['libyaml_full_reader_s']:.2f} s); the block-style reader (today's path) {y['yamlblock_s']:.2f} s"
            + (f"; rapidyaml {y['rapidyaml']} {y['rapidyaml_parse_s']:.3f} s (with the candidate conversion, "
               f"{y['rapidyaml_reader_s']:.2f} s; evaluated, not adopted)." if y["rapidyaml"] else "."),
        ]
    if "forecasting" in r:
        lines += ["", *forecasting.render(r["forecasting"])]
    if "mcmc" in r:
        m = r["mcmc"]
        d, s, e = m["dprk"], m["synthetic"], m["ess_per_second"]
        lines += [
            "",
            "## MCMC",
            "",
            "Whole process `plausible posterior SET --method mcmc --json` (4 chains × 1,000 draws after 1,000 tuning",
            "steps, chains in parallel on the 2 cores). Cold: empty compile caches (PyTensor's `base_compiledir`, "
            "which holds its numba cache, and `NUMBA_CACHE_DIR`); warm: a second process with those caches filled.",
            "Before 2026-11-29 the cold run emptied only PyTensor's `compiledir`, so it reused numba's compiled "
            "code: the cold figures of earlier versions of this page (11.7–12.4 s) were not cold.",
            *([f"({r['mcmc_note']}.)"] if "mcmc_note" in r else []),
            "",
            "| case | wall time | R-hat | ESS bulk | divergences | goal |",
            "|---|---:|---:|---:|---:|---|",
            f"| DPRK, cold | {d['cold_s']:.1f} s | | | | < 20 s: {verdict(d['cold_s'] < 20)} |",
            f"| DPRK, warm | {d['warm_s']:.1f} s | {d['r_hat']:.4f} | {d['ess_bulk']:.0f} | {d['divergences']} | "
            f"< 8 s: {verdict(d['warm_s'] < 8)}; R-hat ≤ 1.01: {verdict(d['r_hat'] <= 1.01)} |",
            *([f"| DPRK with nutpie, cold / warm | {m['nutpie']['cold_s']:.1f} / {m['nutpie']['warm_s']:.1f} s | "
               f"{m['nutpie']['r_hat']:.4f} | {m['nutpie']['ess_bulk']:.0f} | {m['nutpie']['divergences']} | "
               "for comparison (its numba compile dominates) |"] if "cold_s" in m.get("nutpie", {}) else []),
            (f"| K = 20, N = 2,000, S = 100, cold | {s['wall_s']:.1f} s | {s['r_hat']:.4f} | {s['ess_bulk']:.0f} | "
             f"{s['divergences']} | < 60 s: {verdict(s['wall_s'] < 60)}; R-hat ≤ 1.01: {verdict(s['r_hat'] <= 1.01)} |")
            if "r_hat" in s else
            f"| K = 20, N = 2,000, S = 100, cold | > {s['timeout_s']:.0f} s (stopped) | | | | < 60 s: **not met** |",
            "",
            "**ESS per second** of the hypothesis probabilities against a naive PyMC formulation of the same model",
            "(hypothesis sampled as a Categorical, every banded likelihood sampled, PyMC defaults), same synthetic",
            f"data (K = 5, N = 40, S = 6): ours {e['ours_ess']:.0f} ESS in {e['ours_s']:.1f} s, naive "
            f"{e['naive_ess']:.0f} ESS in {e['naive_s']:.1f} s — **{e['ratio']:.1f}×** (goal ≥ 3×: "
            f"{verdict(e['ratio'] >= 3)}); the two posteriors differ by at most {e['max_abs_difference']:.3f}.",
            *analysts_section(m.get("analysts")),
        ]
    if "portfolio" in r:
        lines += ["", *portfolio.render(r["portfolio"])]
    return "\n".join(lines) + "\n"


def analysts_section(a: dict[str, Any] | None) -> list[str]:
    """The MCMC engine with several analysts (docs/model.md, "Several analysts in the MCMC engine")."""
    if not a or "large_noise" not in a:
        return []
    return [
        "",
        "### Several analysts",
        "",
        "The noise model (the default with several analysts: every judged cell latent, each analyst's judgment a",
        'noisy reading, a noise scale per analyst learned; docs/model.md, "Several analysts in the MCMC engine")',
        "against the log pool per cell (`--no-analyst-noise`), whole process, 4 chains × 1,000 draws after 1,000",
        "tuning steps. DPRK: the repository's own case (the lead and Kai), warm, three alternating runs of each.",
        "K = 20: the synthetic case above with four more analysts (`n_analysts=5`: 35,060 cells each read by 4–5",
        "analysts, 135 corroborated events), cold; its noise model is sampled in two blocks (reliabilities, then",
        "noise scales: docs/model.md, \"Sampling in two blocks\"), and once more in one NUTS step on every variable,",
        "the baseline. DPRK, with 336 readings, is sampled in one step. `python benchmarks/mcmc.py --analysts` runs",
        "this part alone.",
        "Where the time goes, and what was tried: [docs/performance.md](performance.md).",
        "",
        *mcmc.render_analysts(a),
    ]


if __name__ == "__main__":
    main()
