"""`plausible portfolio run` (issue 20): 1,000 exact sets against a serial loop, and 16 MCMC sets against a shell loop.

    python benchmarks/portfolio.py            # both; rewrites the portfolio section of docs/benchmarks.md
    python benchmarks/portfolio.py --quick    # the exact part only

Exact: 100 generated workspaces of 10 sets each (2-6 hypotheses, 4-30 items: mixed sizes), whole process
`plausible portfolio run ROOT --out DIR` on an embedded LocalCluster of 2 workers (cold: empty parse cache and
store), then a second run (nothing changed), against the serial in-process loop that loads each workspace and
computes each set's posterior (no Dask, no store). The difference per set is the overhead of the portfolio.

MCMC: 16 generated sets (4 workspaces of 4; K = 3, N = 10), the model files' default settings (4 chains of
1,000 draws after 1,000 tuning steps), against what a user does without `portfolio`: a shell loop of
`plausible posterior SET -w WS --method mcmc --json`, one process per set (chains in parallel on the cores).
Both with PyTensor's compile cache warm (one run before timing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "benchmarks" / "results" / "portfolio.json"
EXACT_WORKSPACES, EXACT_SETS = 100, 10
MCMC_WORKSPACES, MCMC_SETS = 4, 4
WORKERS = 2


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "PLAUSIBLE_CACHE_DIR": str(cache)}


def _plausible(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "plausible", *args], capture_output=True, text=True, env=env,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"plausible {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed, done


def exact(tmp: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from plausible.testing import synthetic_portfolio
    from plausible.workspace import load_workspace

    roots = synthetic_portfolio(tmp / "roots", EXACT_WORKSPACES, EXACT_SETS, seed=20)
    cache = tmp / "cache"
    env = _env(cache)
    cold_s, done = _plausible("portfolio", "run", str(tmp / "roots"), "--out", str(tmp / "out"), "--workers",
                              str(WORKERS), "--json", env=env)
    first = json.loads(done.stdout)
    again_s, done = _plausible("portfolio", "run", str(tmp / "roots"), "--out", str(tmp / "out"), "--workers",
                               str(WORKERS), "--json", env=env)
    second = json.loads(done.stdout)
    import pandas as pd

    worker_ms = 1e3 * float(pd.read_parquet(tmp / "out", columns=["set", "workspace", "seconds"])
                            .drop_duplicates(["workspace", "set"])["seconds"].mean())
    os.environ["PLAUSIBLE_CACHE"] = "0"  # the serial loop parses every file, as the cold run did
    started = time.perf_counter()
    for root in roots:
        ws = load_workspace(root)
        for set_id in ws.sets:
            ws.posterior(set_id)
    serial_s = time.perf_counter() - started
    sets = first["computed"]
    return {"sets": sets, "workspaces": first["workspaces"], "cold_s": cold_s, "phases": first["phases"],
            "rerun_s": again_s, "rerun_computed": second["computed"], "rerun_skipped": second["skipped"],
            "serial_s": serial_s, "overhead_per_set_ms": 1e3 * (cold_s - serial_s) / sets,
            "worker_per_set_ms": worker_ms, "plan_per_set_ms": 1e3 * first["phases"]["plan"] / sets,
            "write_per_set_ms": 1e3 * first["phases"].get("write", 0.0) / sets}


def mcmc(tmp: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from plausible.testing import synthetic_portfolio

    roots = synthetic_portfolio(tmp / "mroots", MCMC_WORKSPACES, MCMC_SETS, seed=21, n_hypotheses=3, n_items=10,
                                judgment_kinds=("number", "term"))
    env = _env(tmp / "mcache")
    _plausible("posterior", "q0", "-w", str(roots[0]), "--method", "mcmc", "--json", env=env)  # warm the caches
    started = time.perf_counter()
    for root in roots:
        for q in range(MCMC_SETS):
            _plausible("posterior", f"q{q}", "-w", str(root), "--method", "mcmc", "--json", env=env)
    loop_s = time.perf_counter() - started
    portfolio_s, done = _plausible("portfolio", "run", str(tmp / "mroots"), "--out", str(tmp / "mout"), "--method",
                                   "mcmc", "--workers", str(WORKERS), "--json", env=env)
    summary = json.loads(done.stdout)
    # The serial run on the same two cores: the same portfolio with one worker process (one set at a time).
    serial_s, _ = _plausible("portfolio", "run", str(tmp / "mroots"), "--out", str(tmp / "mout-serial"), "--method",
                             "mcmc", "--workers", "1", "--json", env=env)
    import pandas as pd

    worker_s = float(pd.read_parquet(tmp / "mout", columns=["set", "workspace", "seconds"])
                     .drop_duplicates(["workspace", "set"])["seconds"].mean())
    return {"worker_per_set_s": worker_s, "sets": MCMC_WORKSPACES * MCMC_SETS, "computed": summary["computed"], "failed": len(summary["failed"]),
            "loop_s": loop_s, "portfolio_s": portfolio_s, "phases": summary["phases"],
            "speedup": loop_s / portfolio_s, "serial_s": serial_s, "speedup_serial": serial_s / portfolio_s}


def measure(quick: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        out: dict[str, Any] = {"exact": exact(tmp), "workers": WORKERS}
        if not quick:
            out["mcmc"] = mcmc(tmp)
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(r: dict[str, Any]) -> list[str]:
    e = r["exact"]
    p = e["phases"]
    lines = [
        "## Portfolio on Dask distributed: `plausible portfolio run`",
        "",
        f"Whole process, an embedded LocalCluster of {r['workers']} worker processes started by the command "
        "(`python benchmarks/portfolio.py`). The machine is shared with other jobs: figures under contention.",
        "",
        f"**{e['sets']:,} exact sets** ({e['workspaces']} generated workspaces of 10 sets, 2-6 hypotheses and "
        f"4-30 items each), cold (empty parse cache and store): **{e['cold_s']:.1f} s** (goal < 30 s: "
        f"{verdict(e['cold_s'] < 30)}). Where it goes: reading, compiling and keying on the client "
        f"{p.get('plan', 0):.1f} s ({e['plan_per_set_ms']:.1f} ms a set; batches are sent while it reads), "
        f"starting the cluster {p.get('cluster', 0):.1f} s, from the first batch sent to the last result "
        f"{p.get('compute', 0):.1f} s (a worker spends {e['worker_per_set_ms']:.1f} ms a set: posterior, "
        f"leave-one-out, each source disbelieved), writing the store {p.get('write', 0):.2f} s "
        f"({e['write_per_set_ms']:.2f} ms a set). Run again with nothing changed: {e['rerun_s']:.1f} s, "
        f"{e['rerun_computed']} computed, {e['rerun_skipped']:,} up to date. The serial in-process loop (load each "
        f"workspace, posterior of each set; no Dask, no store, no confidence facts) takes {e['serial_s']:.1f} s: "
        f"the portfolio costs {e['overhead_per_set_ms']:.1f} ms a set more, most of it the cluster's start and "
        "the Dask and pyarrow imports, paid once a run.",
    ]
    if "mcmc" in r:
        m = r["mcmc"]
        lines += [
            "",
            f"**{m['sets']} MCMC sets** (K = 3, N = 10; 4 chains × 1,000 draws after 1,000 tuning steps; compile "
            f"caches warm): the shell loop of `plausible posterior SET --method mcmc` (a process per set, chains "
            f"in parallel) {m['loop_s']:.1f} s; `plausible portfolio run --method mcmc --workers {r['workers']}` "
            f"(one task per set, chains one after another in a worker) {m['portfolio_s']:.1f} s — "
            f"**{m['speedup']:.2f}×** the loop's throughput (goal ≥ 1.5×: {verdict(m['speedup'] >= 1.5)}); "
            f"{m['computed']} computed, {m['failed']} failed; a worker spends {m['worker_per_set_s']:.1f} s a set "
            f"(starting the cluster {m['phases'].get('cluster', 0):.1f} s).",
        ]
        if "serial_s" in m:
            lines[-1] += (f" The serial run (the same command with `--workers 1`: one set after another) takes "
                          f"{m['serial_s']:.1f} s: {r['workers']} workers give **{m['speedup_serial']:.2f}×** "
                          f"(goal ≥ 1.7×: {verdict(m['speedup_serial'] >= 1.7)}).")
    return lines


SECTION = re.compile(r"^## Portfolio on Dask distributed.*?(?=^## |\Z)", re.S | re.M)


def write_section(lines: list[str]) -> None:
    """Replace (or append) the portfolio section of docs/benchmarks.md."""
    text = DOC.read_text(encoding="utf-8")
    section = "\n".join(lines) + "\n\n"
    text = SECTION.sub(lambda _: section, text) if SECTION.search(text) else text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the exact part only")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--from", dest="earlier", type=Path, metavar="JSON",
                        help="render the results of an earlier run (benchmarks/results/portfolio.json)")
    args = parser.parse_args()
    results = json.loads(args.earlier.read_text()) if args.earlier else measure(quick=args.quick)
    print(json.dumps(results, indent=1))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.no_write:
        write_section(render(results))
        print(f"wrote the portfolio section of {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
