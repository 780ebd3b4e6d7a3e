"""Whole-process latency of `plausible posterior` on the DPRK workspace, with an import-time breakdown."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def latency(runs: int = 15) -> dict[str, Any]:
    command = [sys.executable, "-m", "plausible", "posterior", "dprk-driver", "--json"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
    bare = time.perf_counter() - start
    return {"median_s": statistics.median(times), "min_s": min(times), "bare_python_s": bare,
            "imports": import_breakdown(command)}


def latency_two_analysts(runs: int = 15) -> dict[str, Any]:
    """`plausible posterior dprk-driver --json` on a copy of the DPRK workspace with a second analyst.

    The copy has the lead's judgments (``analysts/lead.yaml``) and not Kai's. The second analyst (generated,
    seeded) gives a number drawn uniformly from 0.1 to 0.9 for every cell the lead judged, in the lead's
    file or inside the items, so every cell is pooled. Compared with the same copy without the file.
    """
    import random
    import shutil
    import tempfile

    import yaml

    rng = random.Random(20151130)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        for folder in ("hypotheses", "evidence", "models"):
            shutil.copytree(REPO / folder, root / folder)
        (root / "analysts").mkdir()
        shutil.copy(REPO / "analysts" / "lead.yaml", root / "analysts" / "lead.yaml")
        single = _median_latency(root, runs)
        written = [(str(item["id"]), item.get("likelihoods") or {})
                   for path in sorted((root / "evidence").glob("*.yaml"))
                   for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("items", [])]
        lead = yaml.safe_load((root / "analysts" / "lead.yaml").read_text(encoding="utf-8"))["likelihoods"]
        judged: dict[str, dict[str, dict[str, float]]] = {}
        for item_id, sets in [*written, *lead.items()]:
            for set_id, cells in sets.items():
                judged.setdefault(str(item_id), {})[set_id] = {str(h): round(rng.uniform(0.1, 0.9), 2) for h in cells}
        (root / "analysts" / "second.yaml").write_text(
            yaml.safe_dump({"name": "A second analyst", "likelihoods": judged}, sort_keys=False), encoding="utf-8")
        pooled = _median_latency(root, runs)
    return {"single_median_s": single, "two_analysts_median_s": pooled,
            "cells": sum(len(c) for sets in judged.values() for c in sets.values())}


def _median_latency(root: Path, runs: int) -> float:
    command = [sys.executable, "-m", "plausible", "posterior", "dprk-driver", "--json", "-w", str(root)]
    subprocess.run(command, capture_output=True, check=True)  # fill the parse cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_breakdown(command: list[str], top: int = 8) -> list[tuple[str, float]]:
    """The heaviest top-level imports (cumulative ms) from `python -X importtime`."""
    out = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=REPO, capture_output=True, text=True,
                         check=True).stderr
    rows = []
    for line in out.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not name.startswith(" ") and cumulative.isdigit():
            rows.append((name, int(cumulative) / 1000.0))
    assert not any(name.split(".")[0] in {"pymc", "pytensor"} for name, _ in rows), "PyMC on the fast path"
    return sorted(rows, key=lambda r: -r[1])[:top]


if __name__ == "__main__":
    print(json.dumps({"latency": latency(), "two_analysts": latency_two_analysts()}, indent=1))
