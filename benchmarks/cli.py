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
    print(json.dumps(latency(), indent=1))
