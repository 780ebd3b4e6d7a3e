"""Compare this tree's speed with an earlier commit's: medians of several rounds, run alternately, one table.

    python benchmarks/regression.py BASE [--rounds 5]     # e.g. BASE = the commit before a refactoring

The earlier commit is checked out into a temporary git worktree and run with this environment's Python and
libraries (``PYTHONPATH`` points at its ``src``), using its own benchmark scripts, so each side measures
itself. Rounds alternate base and head so that a change in the machine's load hits both. Each row is the
median over the rounds; a ratio above 1.10 (head slower by more than 10%) is flagged. Rows: whole-process
``posterior`` latency, the exact engine's grid, the engine against pgmpy, loading, and a warm MCMC run on
this repository's DPRK set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs inside the tree being measured (cwd = its benchmarks/): prints one JSON object of named timings.
PROBE = r"""
import json, subprocess, sys, time
import cli, exact
out = {"posterior whole process, median (s)": cli.latency(runs=9)["median_s"]}
for row in exact.grid():
    key = f"K={row['K']} N={row['N']} S={row['S']}"
    out[f"exact posterior {key} (s)"] = row["posterior_s"]
    out[f"exact trajectory {key} (s)"] = row["trajectory_s"]
    out[f"exact leave-one-out {key} (s)"] = row["loo_s"]
out["engine on a compiled set, K=20 N=300 (s)"] = exact.pgmpy_comparison()["ours_s"]
for name, value in exact.loading().items():
    if name.endswith("_s"):
        out[f"loading: {name}"] = value
if "--mcmc" in sys.argv:
    command = [sys.executable, "-m", "plausible", "posterior", "dprk-driver", "--method", "mcmc", "--json"]
    subprocess.run(command, cwd="..", capture_output=True, check=True)  # fill the compile caches
    start = time.perf_counter()
    subprocess.run(command, cwd="..", capture_output=True, check=True)
    out["MCMC DPRK warm, whole process (s)"] = time.perf_counter() - start
print("RESULT " + json.dumps(out))
"""


def measure(tree: Path, mcmc: bool) -> dict[str, float]:
    """One round of the probe in ``tree``, with that tree's package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE, *(["--mcmc"] if mcmc else [])], cwd=tree / "benchmarks",
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the benchmark failed in {tree}:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (default 5)")
    parser.add_argument("--no-mcmc", action="store_true", help="skip the warm MCMC run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=REPO, check=True)
        try:
            rounds: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
            for number in range(args.rounds):
                for side, tree in (("base", base), ("head", REPO)) if number % 2 == 0 else (("head", REPO),
                                                                                          ("base", base)):
                    started = time.perf_counter()
                    rounds[side].append(measure(tree, mcmc=not args.no_mcmc))
                    print(f"round {number + 1}/{args.rounds} {side}: {time.perf_counter() - started:.0f} s",
                          file=sys.stderr)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False)
    print(report(args.base, rounds))


def report(base: str, rounds: dict[str, list[dict[str, float]]]) -> str:
    """A Markdown table: medians of each side, the ratio head/base, and a flag where head is >10% slower."""
    common = [key for key in rounds["head"][0] if all(key in r for r in rounds["base"] + rounds["head"])]
    lines = [f"Medians of {len(rounds['head'])} rounds per side, run alternately; base = `{base}`.", "",
             "| benchmark | base | head | head ÷ base | |", "|---|---:|---:|---:|---|"]
    slower = 0
    for key in common:
        b = statistics.median(r[key] for r in rounds["base"])
        h = statistics.median(r[key] for r in rounds["head"])
        ratio = h / b if b > 0 else float("nan")
        flag = "**slower**" if ratio > 1.10 else ""
        slower += bool(flag)
        lines.append(f"| {key} | {b:.3g} | {h:.3g} | {ratio:.2f} | {flag} |")
    lines += ["", f"{slower} of {len(common)} rows more than 10% slower."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
