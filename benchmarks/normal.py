"""Φ(u) and φ(u) over an array: plausible's vectorised pair against libm's erfc and exp, and SciPy.

    python benchmarks/normal.py

The noise model's kernel takes both at about 55,000 points per evaluation with 20 hypotheses and 2,000
items (docs/benchmarks.md, "Several analysts"). Three ways, timed in the same run on the same values:

- ``fill_cdf_and_pdf`` (``plausible.engines.normal``): piecewise-polynomial erfcx and a polynomial exp,
  in a loop LLVM vectorises;
- a numba loop of ``math.erfc`` and ``math.exp`` (what the kernel did before), scalar libm calls;
- SciPy's ``ndtr`` plus NumPy's ``exp`` over the array (two passes, no numba).

Each figure is the best of 7 repetitions; ratios are against the libm loop. The largest errors against
SciPy over the same values are printed beside them (tests/test_normal.py bounds them over every piece).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from plausible.engines.normal import fill_cdf_and_pdf

SIZES = (32_000, 1_000_000)


@numba.njit(error_model="numpy")
def _libm(u: NDArray[np.float64], cdf: NDArray[np.float64], pdf: NDArray[np.float64]) -> None:
    for i in range(u.size):
        cdf[i] = 0.5 * math.erfc(-u[i] / math.sqrt(2.0))
        pdf[i] = math.exp(-0.5 * u[i] * u[i]) / math.sqrt(2.0 * math.pi)


def _scipy(u: NDArray[np.float64], cdf: NDArray[np.float64], pdf: NDArray[np.float64]) -> None:
    ndtr(u, out=cdf)
    np.multiply(u, u, out=pdf)
    pdf *= -0.5
    np.exp(pdf, out=pdf)
    pdf *= 1.0 / math.sqrt(2.0 * math.pi)


def _best(call: Callable[[], None], repeats: int = 7) -> float:
    call()
    best = math.inf
    for _ in range(repeats):
        loops = 0
        start = time.perf_counter()
        while loops == 0 or time.perf_counter() - start < 0.2:
            call()
            loops += 1
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def compare() -> list[dict[str, Any]]:
    """Nanoseconds per (Φ, φ) pair of each way, at each of :data:`SIZES`, and the largest errors."""
    rows = []
    for size in SIZES:
        u = np.random.default_rng(0).normal(0.0, 1.5, size)
        cdf, pdf = np.empty(size), np.empty(size)
        ways: dict[str, Callable[..., None]] = {"plausible": fill_cdf_and_pdf, "libm": _libm, "scipy": _scipy}
        times = {name: _best(partial(way, u, cdf, pdf, size) if name == "plausible" else partial(way, u, cdf, pdf))
                 for name, way in ways.items()}
        fill_cdf_and_pdf(u, cdf, pdf, size)
        truth = ndtr(u)
        rows.append({"size": size, **{f"{k}_ns": v / size * 1e9 for k, v in times.items()},
                     "speedup_vs_libm": times["libm"] / times["plausible"],
                     "speedup_vs_scipy": times["scipy"] / times["plausible"],
                     "max_rel_error_cdf": float(np.max(np.abs(cdf / truth - 1.0))),
                     "max_rel_error_pdf": float(np.max(np.abs(pdf * math.sqrt(2 * math.pi) / np.exp(-0.5 * u * u) - 1)))})
    return rows


def render(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown table for docs/benchmarks.md."""
    lines = ["| values | plausible | libm erfc + exp (numba) | SciPy ndtr + NumPy exp | ÷ libm | ÷ SciPy |"
             " max rel. error Φ / φ |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['size']:,} | {r['plausible_ns']:.1f} ns | {r['libm_ns']:.1f} ns | {r['scipy_ns']:.1f} ns | "
                     f"{r['speedup_vs_libm']:.1f}× | {r['speedup_vs_scipy']:.1f}× | "
                     f"{r['max_rel_error_cdf']:.1e} / {r['max_rel_error_pdf']:.1e} |")
    return lines


if __name__ == "__main__":
    print("\n".join(render(compare())))
