"""Exact-engine benchmarks: in-process scaling, the bare NumPy floor, pgmpy's variable elimination, loading."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from plausible.analysis.sensitivity import leave_one_out
from plausible.engines.exact import log_likelihood_increments, softmax
from plausible.testing import synthetic_compiled, synthetic_workspace


def best_of(fn: Callable[[], Any], repeat: int = 5, budget_s: float = 20.0) -> float:
    """Smallest wall time of several runs (fewer when one run is long)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeat and (not times or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def floor_kernel(prior: np.ndarray, lam: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """The bare arithmetic for one report per event: softmax(ln pi + sum_j ln(rho lam + (1 - rho) a))."""
    a = lam @ prior
    return softmax(np.log(prior) + np.log(rho[:, None] * lam + ((1 - rho) * a)[:, None]).sum(axis=0))


def engine_posterior(c: Any) -> np.ndarray:
    inc = log_likelihood_increments(c.prior, c.lam, c.rho_effective(), c.event_of, c.source_of)
    return softmax(np.log(c.prior) + inc.sum(axis=0))


def engine_trajectory(c: Any) -> np.ndarray:
    inc = log_likelihood_increments(c.prior, c.lam, c.rho_effective(), c.event_of, c.source_of)
    return softmax(np.log(c.prior)[None, :] + np.cumsum(inc, axis=0))


def grid() -> list[dict[str, Any]]:
    rows = []
    for k in (5, 20, 100):
        for n in (100, 10_000, 100_000):
            for s in (10, 500):
                c = synthetic_compiled(1, n_hypotheses=k, n_items=n, n_sources=s)
                rho = c.rho_effective()
                floor = best_of(lambda c=c, rho=rho: floor_kernel(c.prior, c.lam, rho))
                post = best_of(lambda c=c: engine_posterior(c))
                traj = best_of(lambda c=c: engine_trajectory(c))
                loo = best_of(lambda c=c: leave_one_out(c))
                assert np.allclose(engine_posterior(c), floor_kernel(c.prior, c.lam, rho), atol=1e-9)
                rows.append({"K": k, "N": n, "S": s, "floor_s": floor, "posterior_s": post, "trajectory_s": traj,
                             "loo_s": loo, "posterior_over_floor": post / floor})
    return rows


def pgmpy_comparison(k: int = 20, n: int = 300, repeat: int = 7) -> dict[str, Any]:
    """The same posterior through pgmpy's variable elimination on H -> report_j (all observed).

    The data is a synthetic workspace on disk (numbers, verbal terms and ACH ratings with NA cells, graded
    sources, credibility factors; each report its own event, so the network above is the whole model). Two
    of our figures against pgmpy: the engine alone on an already compiled set (``ours_s``), and the first
    posterior a user gets from a freshly loaded workspace (``first_posterior_s``: compiling the set into
    arrays, then the posterior, as ``Workspace.posterior`` does it on its first call). Loading the files is
    not timed (pgmpy's network is built inside its timing, from arrays).
    """
    import os

    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination
    from pgmpy.models import DiscreteBayesianNetwork

    from plausible.workspace import load_workspace

    saved = os.environ.get("PLAUSIBLE_CACHE")
    os.environ["PLAUSIBLE_CACHE"] = "0"  # build each load from the files: nothing shared between loads
    tmp = tempfile.TemporaryDirectory()
    try:
        root = synthetic_workspace(Path(tmp.name), 2, n_hypotheses=k, n_items=n, n_sources=10, n_files=3,
                                   origin_fraction=0.0)
        warm_up = load_workspace(root)
        warm_up.posterior("question")  # imports the engine once, outside the timings
        c = warm_up.compiled("question")
        assert c.n_items == n and len(c.lam) == n  # one report per event: the network is the model
        rho = c.rho_effective()
        a = c.lam @ c.prior
        p_report = rho[:, None] * c.lam + ((1 - rho) * a)[:, None]  # (N, K)

        def build_and_query() -> np.ndarray:
            model = DiscreteBayesianNetwork([("H", f"r{j}") for j in range(n)])
            cpds = [TabularCPD("H", k, c.prior.reshape(k, 1))]
            cpds += [TabularCPD(f"r{j}", 2, np.vstack([1 - p_report[j], p_report[j]]), evidence=["H"],
                                evidence_card=[k]) for j in range(n)]
            model.add_cpds(*cpds)
            result = VariableElimination(model).query(["H"], evidence={f"r{j}": 1 for j in range(n)},
                                                      show_progress=False)
            return np.asarray(result.values)

        theirs = build_and_query()
        ours = engine_posterior(c)
        # Interleaved, so that a change in the machine's load does not skew the ratio; each workspace is timed
        # right after it is loaded, as when a user asks for a posterior.
        pg_times, first_times, compile_times = [], [], []
        for _ in range(repeat):
            t = time.perf_counter()
            build_and_query()
            pg_times.append(time.perf_counter() - t)
            ws = load_workspace(root)
            t = time.perf_counter()
            first = ws.posterior("question")  # compile included: the workspace's first posterior
            first_times.append(time.perf_counter() - t)
            other = load_workspace(root)
            t = time.perf_counter()
            other.compiled("question")  # the compile alone
            compile_times.append(time.perf_counter() - t)
        warm = best_of(lambda: ws.posterior("question"))  # compiled by now: the posterior alone
    finally:
        tmp.cleanup()
        if saved is None:
            os.environ.pop("PLAUSIBLE_CACHE", None)
        else:
            os.environ["PLAUSIBLE_CACHE"] = saved
    pg_time, first_s = min(pg_times), min(first_times)
    engine = best_of(lambda: engine_posterior(c))
    floor = best_of(lambda: floor_kernel(c.prior, c.lam, rho))
    return {"K": k, "N": n, "pgmpy_s": pg_time, "ours_s": engine, "floor_s": floor,
            "speedup_vs_pgmpy": pg_time / engine, "ours_over_floor": engine / floor,
            "first_posterior_s": first_s, "first_posterior_median_s": statistics.median(first_times),
            "compile_s": min(compile_times), "posterior_compiled_s": warm,
            "first_speedup_vs_pgmpy": pg_time / first_s, "first_goal_met": pg_time / first_s >= 20,
            "max_abs_difference": float(max(np.max(np.abs(theirs - ours)),
                                            np.max(np.abs(theirs - first.probability))))}


def _write_new_file(root: Path, n: int, k: int) -> None:
    """One new evidence file with a single item (as an analyst adds them)."""
    likelihoods = "\n".join(f"        h{j}: {0.3 + 0.4 * ((j + n) % 2)}" for j in range(k))
    (root / "evidence" / f"zz-new-{n}.yaml").write_text(
        f"items:\n  - id: new-item-{n}\n    summary: A new report\n    source: s0\n    reported: 2021-01-0{n + 1}\n"
        f"    likelihoods:\n      question:\n{likelihoods}\n", encoding="utf-8")


def fragility() -> dict[str, Any]:
    """Flip distance and leader stability (10,000 draws) on both DPRK sets, and the flip distance on a synthetic
    workspace with K = 20 hypotheses and N = 2,000 items (S = 100 sources): in-process, best of several runs.

    The flip distance is timed from the compiled set and the written judgments (``flip_distance``: the steps
    each cell can take, then the search); the first run of a process also builds the step combinations.
    """
    from plausible.analysis.fragility import flip_distance, leader_stability
    from plausible.workspace import load_workspace

    repo = Path(__file__).resolve().parent.parent
    ws = load_workspace(repo)
    out: dict[str, Any] = {"dprk": {}}
    for set_id in ("dprk-driver", "dprk-openness"):
        compiled = ws.compiled(set_id)
        result = flip_distance(ws, set_id)
        stability = leader_stability(compiled, draws=10_000)
        lead = result.hypothesis_ids.index(result.leader)
        out["dprk"][set_id] = {
            "flip_s": best_of(lambda s=set_id: flip_distance(ws, s)),
            "stability_s": best_of(lambda c=compiled: leader_stability(c, draws=10_000)),
            "steps": result.smallest.steps, "exact": result.smallest.exact, "leader": result.leader,
            "new_leader": result.smallest.new_leader, "leader_share": float(stability.share[lead]),
        }
    with tempfile.TemporaryDirectory() as tmp:
        big = load_workspace(synthetic_workspace(Path(tmp), 1, n_hypotheses=20, n_items=2000, n_sources=100,
                                                 n_files=20))
        t = time.perf_counter()
        result = flip_distance(big, "question")
        first = time.perf_counter() - t
        out["synthetic"] = {"K": 20, "N": 2000, "S": 100, "events": int(big.compiled("question").lam.shape[0]),
                            "first_s": first, "flip_s": best_of(lambda: flip_distance(big, "question"), repeat=3),
                            "steps": result.smallest.steps, "exact": result.smallest.exact,
                            "depth": result.depth}
    return out


def loading(n_items: int = 10_000, n_files: int = 20, k: int = 20, s: int = 500) -> dict[str, Any]:
    """Load and validate 10,000 items across 20 files (cold: parse cache off; warm: second load with it
    on), then the first posterior, and posterior + trajectory + leave-one-out."""
    import os

    from plausible.analysis import trajectory
    from plausible.analysis.sensitivity import leave_one_out as loo
    from plausible.workspace import load_workspace

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = synthetic_workspace(Path(tmp), 5, n_hypotheses=k, n_items=n_items, n_sources=s, n_files=n_files,
                                   origin_fraction=0.1)
        saved = {key: os.environ.get(key) for key in ("PLAUSIBLE_CACHE", "XDG_CACHE_HOME")}
        try:
            os.environ["PLAUSIBLE_CACHE"] = "0"
            cold = []
            for _ in range(3):
                t = time.perf_counter()
                ws = load_workspace(root)
                cold.append(time.perf_counter() - t)
            os.environ.update({"PLAUSIBLE_CACHE": "1", "XDG_CACHE_HOME": cache})
            load_workspace(root)  # fills the cache
            warm = []
            for _ in range(3):
                t = time.perf_counter()
                ws = load_workspace(root)
                warm.append(time.perf_counter() - t)
            # An analyst adds one file: the workspace entry misses, the other files come from the parse cache.
            added = []
            for n in range(3):
                _write_new_file(root, n, k)
                t = time.perf_counter()
                load_workspace(root)
                added.append(time.perf_counter() - t)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        t = time.perf_counter()
        ws.posterior("question")
        first = time.perf_counter() - t
        t = time.perf_counter()
        ws.posterior("question")
        trajectory(ws, "question")
        loo(ws.compiled("question"))
        all_three = time.perf_counter() - t
    return {"items": n_items, "files": n_files, "K": k, "S": s, "load_s": statistics.median(cold),
            "load_cached_s": statistics.median(warm), "load_one_new_file_s": statistics.median(added),
            "first_posterior_s": first,
            "load_plus_first_s": statistics.median(cold) + first,
            "cached_load_plus_first_s": statistics.median(warm) + first, "posterior_trajectory_loo_s": all_three}


def yaml_readers(n_items: int = 10_000, n_files: int = 20, k: int = 20, s: int = 500) -> dict[str, Any]:
    """Parse time of the same generated workspace's YAML files by each reader, side by side in one run.

    libyaml's composer alone (the node tree) and with our conversion (``parse_yaml(fast=False)``, the full
    reader); the block-style reader (``yamlblock``, today's fast path); rapidyaml's parse alone and with the
    candidate conversion in ``tests/rapidyaml_reader.py`` (evaluated, not adopted). Best of runs, summed
    over the files.
    """
    import sys

    from plausible.io.yamlblock import read_block_yaml
    from plausible.io.yamlio import parse_yaml
    from plausible.io.yamlresolve import Loader

    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_workspace(Path(tmp), 5, n_hypotheses=k, n_items=n_items, n_sources=s, n_files=n_files,
                                   origin_fraction=0.1)
        texts = [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))]
    assert all(read_block_yaml(text) is not None for text in texts), "the fast reader must read these files"

    def composer() -> None:
        for text in texts:
            loader = Loader(text)
            try:
                loader.get_single_node()
            finally:
                loader.dispose()

    readers: dict[str, Callable[[], Any]] = {
        "libyaml_composer_s": composer,
        "libyaml_full_reader_s": lambda: [parse_yaml(text, "f.yaml", fast=False) for text in texts],
        "yamlblock_s": lambda: [read_block_yaml(text) for text in texts],
    }
    result: dict[str, Any] = {"items": n_items, "files": len(texts),
                              "megabytes": sum(len(t.encode("utf-8")) for t in texts) / 1e6}
    try:
        import ryml

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.rapidyaml_reader import parse_yaml_ryml

        encoded = [text.encode("utf-8") for text in texts]
        readers["rapidyaml_parse_s"] = lambda: [ryml.parse_in_place(bytearray(raw)) for raw in encoded]
        readers["rapidyaml_reader_s"] = lambda: [parse_yaml_ryml(text, "f.yaml") for text in texts]
        result["rapidyaml"] = ryml.version
    except ImportError:
        result["rapidyaml"] = None
    for name, fn in readers.items():
        result[name] = best_of(fn, repeat=3)
    return result


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["pgmpy"]:
        sys.exit("usage: python benchmarks/exact.py pgmpy   (the pgmpy comparison alone; run.py runs everything)")
    r = pgmpy_comparison()
    print(f"K = {r['K']}, N = {r['N']}: pgmpy {r['pgmpy_s'] * 1e3:.1f} ms")
    print(f"  engine on a compiled set  {r['ours_s'] * 1e3:7.3f} ms  {r['speedup_vs_pgmpy']:6.1f}x faster than pgmpy "
          f"({r['ours_over_floor']:.1f}x the bare floor)")
    print(f"  first posterior, fresh    {r['first_posterior_s'] * 1e3:7.3f} ms  {r['first_speedup_vs_pgmpy']:6.1f}x "
          f"faster than pgmpy (goal >= 20x: {'met' if r['first_goal_met'] else 'NOT met'}); median "
          f"{r['first_posterior_median_s'] * 1e3:.3f} ms")
    print(f"    of which compile        {r['compile_s'] * 1e3:7.3f} ms; posterior on the compiled set "
          f"{r['posterior_compiled_s'] * 1e3:.3f} ms")
    print(f"  largest difference from pgmpy {r['max_abs_difference']:.1e}")
