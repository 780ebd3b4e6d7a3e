"""`plausible score` time against the number of questions (issue 18): synthetic binary exercises, default pools.

    python benchmarks/forecasting.py                     # after: 57, 570, 1,120 and 5,000 questions
    python benchmarks/forecasting.py --before f68d926    # also the code of that commit, on the small sizes

Each exercise has ``FORECASTERS`` forecasters who each forecast every question twice (seeded); every question is
resolved. Whole process, `plausible score NAME --json`, the median of a few runs (the first fills the parse cache).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = (57, 570, 1120, 5000)
BEFORE_SIZES = (57, 570)
FORECASTERS = 3


def write_exercise(root: Path, questions: int, forecasters: int = FORECASTERS, seed: int = 18) -> Path:
    """A workspace at ``root`` holding ``exercises/synthetic`` with binary questions, all resolved."""
    rng = random.Random(seed)
    folder = root / "exercises" / "synthetic"
    (folder / "forecasts").mkdir(parents=True)
    lines = ["title: Synthetic binary exercise", "questions:"]
    resolutions = ["resolutions:"]
    truth = {}
    for q in range(questions):
        truth[q] = rng.gauss(0.0, 1.5)
        lines += [f"  - id: q{q}", f"    text: Synthetic question {q}?", "    kind: binary", "    closes: 2025-06-30"]
        outcome = "yes" if rng.random() < 1 / (1 + math.exp(-truth[q])) else "no"
        resolutions.append(f"  - {{question: q{q}, outcome: {outcome}, resolved: 2025-06-30}}")
    (folder / "exercise.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "resolutions.yaml").write_text("\n".join(resolutions) + "\n", encoding="utf-8")
    for f in range(forecasters):
        rows = [f"forecaster: f{f}", "forecasts:"]
        for q in range(questions):
            for made in ("2025-01-15", "2025-04-15"):
                p = 1 / (1 + math.exp(-(truth[q] / 2 + rng.gauss(0.0, 1.0))))
                rows.append(f"  - {{question: q{q}, made: {made}, probability: {min(max(p, 0.01), 0.99):.3f}}}")
        (folder / "forecasts" / f"f{f}.yaml").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def time_score(root: Path, runs: int, python_path: Path | None = None) -> float:
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    command = [sys.executable, "-m", "plausible", "score", "synthetic", "--json", "-w", str(root)]
    subprocess.run(command, capture_output=True, check=True, env=env)  # fills the parse cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def slope(rows: list[dict[str, Any]], key: str) -> float | None:
    """Least-squares slope of log(time) against log(questions)."""
    points = [(math.log(r["questions"]), math.log(r[key])) for r in rows if r.get(key)]
    if len(points) < 2:
        return None
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def scaling(sizes: tuple[int, ...] = SIZES, before: str | None = None,
            before_sizes: tuple[int, ...] = BEFORE_SIZES, runs: int = 3) -> dict[str, Any]:
    """`score` time per size, after (this tree) and optionally before (``before``'s src, via PYTHONPATH)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old_src = None
        if before is not None:
            archive = Path(tmp) / "before.tar"
            subprocess.run(["git", "archive", "-o", str(archive), before, "src"], cwd=REPO, check=True)
            with tarfile.open(archive) as tar:
                tar.extractall(Path(tmp) / "before", filter="data")
            old_src = Path(tmp) / "before" / "src"
        for n in sizes:
            root = write_exercise(Path(tmp) / f"ws{n}", n)
            row: dict[str, Any] = {"questions": n, "forecasts": 2 * FORECASTERS * n,
                                   "after_s": time_score(root, runs)}
            if old_src is not None and n in before_sizes:
                row["before_s"] = time_score(root, 1, old_src)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return {"forecasters": FORECASTERS, "rows": rows, "slope_after": slope(rows, "after_s"),
            "slope_before": slope(rows, "before_s"), "before": before}


def render(s: dict[str, Any]) -> list[str]:
    """The section of docs/benchmarks.md."""
    rows = [f"| {r['questions']:,} | {r['forecasts']:,} | {r['after_s']:.2f} s | "
            + (f"{r['before_s']:.2f} s |" if "before_s" in r else "– |") for r in s["rows"]]
    before = (f"; before ({s['before']}), {s['slope_before']:.2f}" if s.get("slope_before") is not None else "")
    return [
        "## Forecasting: `plausible score` against the number of questions",
        "",
        f"Synthetic binary exercises, {s['forecasters']} forecasters each forecasting every question twice, all "
        "resolved; default pools (mean, median, logit-mean with the leave-one-question-out extremizing fit); whole "
        "process `plausible score synthetic --json`, median of 3 runs after a first that fills the parse cache.",
        "",
        "| questions | forecasts | after | before |",
        "|---:|---:|---:|---:|",
        *rows,
        "",
        f"Log-log slope of time against questions: after, {s['slope_after']:.2f}{before}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="REV", help="also time this commit's code on the small sizes")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--before-sizes", type=int, nargs="+", default=list(BEFORE_SIZES))
    args = parser.parse_args()
    result = scaling(tuple(args.sizes), args.before, tuple(args.before_sizes))
    print(json.dumps(result, indent=1))
    print("\n".join(render(result)))


if __name__ == "__main__":
    main()
