"""Forecasting exercises at tournament scale (issue 18): `plausible score` and `plausible forecasts import` timed.

    python benchmarks/forecasting.py                     # everything below; --write updates docs/benchmarks.md
    python benchmarks/forecasting.py --before f68d926    # also that commit's code on the small YAML sizes

* **YAML sizes**: ``FORECASTERS`` forecasters who each forecast every question twice (seeded), in YAML files;
  whole process `plausible score NAME --json`, median of a few runs (the first fills the parse cache).
* **Tournament**: 10,000 binary questions x 50 forecasters, one forecast each (500,000 forecasts, seeded, on one of
  five days), every question resolved. `plausible forecasts import` of one CSV file (it writes one checked CSV
  file per forecaster), then `plausible score` (text leaderboard: every score, calibration and the default pools),
  with the parse cache off (``PLAUSIBLE_CACHE=0``). Wall time and the child process's CPU time (user + system),
  since the machine is shared.
* **Scaling**: the same with 1,250 to 10,000 questions: the whole process, and load + score measured inside it
  (without the interpreter's start and imports); log-log slopes against the number of questions.
* **ForecastBench**: the exercise built by `plausible exercise import-forecastbench` from the repository's copy of
  the 2024-07-21 sets (tests/data/forecastbench: the same 57 questions as the full files); whole `plausible score`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
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
TOURNAMENT = (10_000, 50)
SCALING_QUESTIONS = (1250, 2500, 5000, 10_000)
FORECASTBENCH = REPO / "tests" / "data" / "forecastbench"


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
    if "rows" not in s:
        return ["## Forecasting: `plausible score` at tournament scale", *render_scale(s)]
    return [*render_yaml_sizes(s), *render_scale(s)]


def render_yaml_sizes(s: dict[str, Any]) -> list[str]:
    """The YAML-sizes part of the section."""
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


# --- tournament scale ----------------------------------------------------------------------------------------


def write_tournament(root: Path, questions: int, forecasters: int, seed: int = 18) -> Path:
    """A workspace with ``exercises/synthetic`` (questions and resolutions, block YAML) and ``forecasts.csv`` to
    import: every forecaster forecasts every question once, on one of five days; returns the CSV's path."""
    rng = random.Random(seed)
    folder = root / "exercises" / "synthetic"
    folder.mkdir(parents=True)
    lines = ["title: Synthetic tournament", "questions:"]
    resolutions = ["resolutions:"]
    truth = []
    for q in range(questions):
        truth.append(rng.gauss(0.0, 1.5))
        lines += [f"  - id: q{q}", f"    text: Synthetic question {q}?", "    kind: binary", "    closes: 2025-06-30"]
        outcome = "yes" if rng.random() < 1 / (1 + math.exp(-truth[q])) else "no"
        resolutions += [f"  - question: q{q}", f"    outcome: {outcome}", "    resolved: 2025-06-30"]
    (folder / "exercise.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "resolutions.yaml").write_text("\n".join(resolutions) + "\n", encoding="utf-8")
    days = ["2025-01-15", "2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15"]
    rows = ["forecaster,question,date,probability"]
    for f in range(forecasters):
        for q in range(questions):
            p = 1 / (1 + math.exp(-(truth[q] / 2 + rng.gauss(0.0, 1.0))))
            rows.append(f"f{f},q{q},{rng.choice(days)},{min(max(p, 0.01), 0.99):.3f}")
    path = root / "forecasts.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system) of a child process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, check=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out.stdout


def _env() -> dict[str, str]:
    return {**os.environ, "PLAUSIBLE_CACHE": "0", "PYTHONPATH": str(REPO / "src")}


IN_PROCESS = """
import sys, time
from plausible.forecasting.loading import load_exercise
from plausible.forecasting.scoring import score_exercise
start, cpu = time.perf_counter(), time.process_time()
scores = score_exercise(load_exercise("synthetic", sys.argv[1]), sys.argv[1])
print(time.perf_counter() - start, time.process_time() - cpu, len(scores.exercise.forecasts))
"""


def tournament(questions: int = TOURNAMENT[0], forecasters: int = TOURNAMENT[1], runs: int = 3) -> dict[str, Any]:
    """Import the tournament's CSV, then score it (median of ``runs``), whole process, parse cache off."""
    with tempfile.TemporaryDirectory() as tmp:
        csv = write_tournament(Path(tmp), questions, forecasters)
        base = [sys.executable, "-m", "plausible"]
        wall, cpu, _ = _timed([*base, "forecasts", "import", str(csv), "--exercise", "synthetic", "-w", tmp], _env())
        row: dict[str, Any] = {"questions": questions, "forecasters": forecasters, "forecasts": questions * forecasters,
                               "csv_megabytes": csv.stat().st_size / 1e6, "import_s": wall, "import_cpu_s": cpu}
        timings = [_timed([*base, "score", "synthetic", "-w", tmp], _env()) for _ in range(runs)]
        row["score_s"] = statistics.median(t[0] for t in timings)
        row["score_cpu_s"] = statistics.median(t[1] for t in timings)
        # the comparison options: skill against a reference, a paired bootstrap (10,000 resamples), the CSV export
        with_skill = [_timed([*base, "score", "synthetic", "-w", tmp, "--reference", "f0", "--compare", "f1", "f2",
                              "--csv", str(Path(tmp) / "board.csv")], _env()) for _ in range(runs)]
        row["score_compare_s"] = statistics.median(t[0] for t in with_skill)
        row["score_compare_cpu_s"] = statistics.median(t[1] for t in with_skill)
        _, _, out = _timed([sys.executable, "-c", IN_PROCESS, tmp], _env())
        row["load_and_score_in_process_s"] = float(out.split()[0])
        row["load_and_score_in_process_cpu_s"] = float(out.split()[1])
    print(json.dumps(row), flush=True)
    return row


def scaling_tournament(sizes: tuple[int, ...] = SCALING_QUESTIONS, forecasters: int = TOURNAMENT[1]
                       ) -> dict[str, Any]:
    """Whole-process and in-process `score` time against the number of questions (``forecasters`` each)."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            csv = write_tournament(Path(tmp), n, forecasters)
            subprocess.run([sys.executable, "-m", "plausible", "forecasts", "import", str(csv), "--exercise",
                            "synthetic", "-w", tmp], check=True, capture_output=True, env=_env())
            wall, cpu, _ = _timed([sys.executable, "-m", "plausible", "score", "synthetic", "-w", tmp], _env())
            _, _, out = _timed([sys.executable, "-c", IN_PROCESS, tmp], _env())
            row = {"questions": n, "forecasts": n * forecasters, "score_s": wall, "score_cpu_s": cpu,
                   "in_process_s": float(out.split()[0]), "in_process_cpu_s": float(out.split()[1])}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return {"rows": rows, "slope_score_s": slope(rows, "score_s"), "slope_score_cpu_s": slope(rows, "score_cpu_s"),
            "slope_in_process_s": slope(rows, "in_process_s"), "slope_in_process_cpu_s": slope(rows, "in_process_cpu_s")}


def forecastbench(runs: int = 5) -> dict[str, Any]:
    """Import the repository's ForecastBench sets, then time the whole `plausible score` of the exercise."""
    with tempfile.TemporaryDirectory() as tmp:
        base = [sys.executable, "-m", "plausible"]
        _, _, out = _timed([*base, "exercise", "import-forecastbench", str(FORECASTBENCH / "2024-07-21-human.json"),
                            str(FORECASTBENCH / "2024-07-21_resolution_set.json"), "-w", tmp, "--json"], _env())
        imported = json.loads(out)
        timings = [_timed([*base, "score", imported["exercise"], "-w", tmp, "--json"], _env()) for _ in range(runs)]
        market = next(f for f in json.loads(timings[-1][2])["forecasters"] if f["id"] == "market")
    row = {"questions": imported["questions"], "skipped": imported["skipped"],
           "score_s": statistics.median(t[0] for t in timings), "score_cpu_s": statistics.median(t[1] for t in timings),
           "best_s": min(t[0] for t in timings), "market": {k: market[k] for k in ("brier", "half_brier", "log")}}
    print(json.dumps(row), flush=True)
    return row


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render_scale(r: dict[str, Any]) -> list[str]:
    """The tournament, scaling and ForecastBench part of the section."""
    lines: list[str] = []
    if "tournament" in r:
        t = r["tournament"]
        lines += [
            "",
            f"**Tournament scale**: {t['questions']:,} binary questions × {t['forecasters']} forecasters "
            f"({t['forecasts']:,} forecasts, synthetic and seeded; every question resolved), parse cache off. "
            f"`plausible forecasts import` of the {t['csv_megabytes']:.1f} MB CSV (checked, written as one file per "
            f"forecaster): {t['import_s']:.2f} s wall, {t['import_cpu_s']:.2f} s CPU (goal < 5 s: "
            f"{verdict(t['import_s'] < 5)} in wall time, {verdict(t['import_cpu_s'] < 5)} in CPU time). "
            f"`plausible score` (every score, calibration, the default pools with the leave-one-question-out "
            f"extremizing fit): median {t['score_s']:.2f} s wall, {t['score_cpu_s']:.2f} s CPU (goal < 10 s: "
            f"{verdict(t['score_s'] < 10)} in wall time, {verdict(t['score_cpu_s'] < 10)} in CPU time); load + "
            f"score inside the process {t['load_and_score_in_process_s']:.2f} s wall, "
            f"{t['load_and_score_in_process_cpu_s']:.2f} s CPU."
            + ("" if "score_compare_s" not in t else
               f" With `--reference f0 --compare f1 f2 --csv FILE` (skill scores, a 10,000-resample paired bootstrap "
               f"over the {t['questions']:,} shared questions, the leaderboard's CSV): median "
               f"{t['score_compare_s']:.2f} s wall, {t['score_compare_cpu_s']:.2f} s CPU."),
        ]
    if "scaling_tournament" in r:
        s = r["scaling_tournament"]
        rows = [f"| {x['questions']:,} | {x['forecasts']:,} | {x['score_s']:.2f} s | {x['score_cpu_s']:.2f} s | "
                f"{x['in_process_s']:.2f} s | {x['in_process_cpu_s']:.2f} s |" for x in s["rows"]]
        lines += [
            "",
            "| questions | forecasts | `score` wall | `score` CPU | load + score in process, wall | in process, CPU |",
            "|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Log-log slope against the questions: load + score in process {s['slope_in_process_cpu_s']:.2f} (CPU), "
            f"{s['slope_in_process_s']:.2f} (wall); whole process {s['slope_score_cpu_s']:.2f} (CPU), "
            f"{s['slope_score_s']:.2f} (wall); the interpreter's start and imports are a constant that flattens "
            "the whole-process curve, and fixed costs inside it (such as the extremizing fit's 257-node "
            f"Chebyshev fit) flatten the small sizes; between the two largest sizes, in process: "
            f"{slope(s['rows'][-2:], 'in_process_cpu_s'):.2f} (CPU).",
        ]
    if "forecastbench" in r:
        f = r["forecastbench"]
        skipped = ", ".join(f"{reason} {n}" for reason, n in f["skipped"].items())
        m = f["market"]
        lines += [
            "",
            f"**ForecastBench** (2024-07-21 sets, the repository's copy): {f['questions']} questions kept (skipped: "
            f"{skipped}); whole `plausible score --json` median {f['score_s']:.2f} s wall (best {f['best_s']:.2f} s), "
            f"{f['score_cpu_s']:.2f} s CPU (goal < 1 s: {verdict(f['score_s'] < 1)} in wall time, "
            f"{verdict(f['score_cpu_s'] < 1)} in CPU time). The market: Brier {m['brier']:.4f} (½-Brier "
            f"{m['half_brier']:.4f}), log {m['log']:.4f}.",
        ]
    if lines:
        lines += ["", "The machine is shared (2 cores, other jobs running): wall times vary with the load; the CPU "
                  "times are the steadier figure."]
    return lines


def write_section(lines: list[str]) -> None:
    """Put the forecasting section into docs/benchmarks.md (replacing an earlier one), before the MCMC section."""
    doc = REPO / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"## Forecasting.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n") + "\n"
    section = "\n".join(lines) + "\n"
    if "\n## MCMC" in text:
        head, tail = text.split("\n## MCMC", 1)
        text = head.rstrip("\n") + "\n\n" + section + "\n## MCMC" + tail
    else:
        text = text + "\n" + section
    doc.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="REV", help="also time this commit's code on the small sizes")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--before-sizes", type=int, nargs="+", default=list(BEFORE_SIZES))
    parser.add_argument("--skip-yaml-sizes", action="store_true", help="only the tournament, scaling, ForecastBench")
    parser.add_argument("--write", action="store_true", help="update the section of docs/benchmarks.md")
    parser.add_argument("--from-json", type=Path, metavar="FILE", help="render (and --write) earlier results")
    args = parser.parse_args()
    if args.from_json is not None:
        lines = render(json.loads(args.from_json.read_text(encoding="utf-8")))
        print("\n".join(lines))
        if args.write:
            write_section(lines)
        return
    result: dict[str, Any] = {} if args.skip_yaml_sizes else scaling(tuple(args.sizes), args.before,
                                                                      tuple(args.before_sizes))
    result["forecastbench"] = forecastbench()
    result["tournament"] = tournament()
    result["scaling_tournament"] = scaling_tournament()
    print(json.dumps(result, indent=1))
    lines = render(result)
    print("\n".join(lines))
    if args.write:
        write_section(lines)


if __name__ == "__main__":
    main()
