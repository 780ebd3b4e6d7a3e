"""Seeded builders of synthetic workspaces, shared by tests, benchmarks and fuzzing.

Everything here is deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from plausible.io.atomic import write_atomic
from plausible.model.compiled import CompiledSet

__all__ = ["AnalystCase", "analyst_design", "simulate_analysts", "synthetic_compiled", "synthetic_portfolio",
           "synthetic_workspace", "synthetic_workspace_data"]

TERMS = ("very unlikely", "unlikely", "roughly even chance", "likely", "very likely")
RATINGS = ("CC", "C", "N", "I", "II", "NA")
GRADES = ("A", "B", "C", "D", "E", "F")


def synthetic_workspace_data(
    seed: int,
    *,
    n_hypotheses: int = 3,
    n_items: int = 12,
    n_sources: int = 4,
    n_files: int = 3,
    origin_fraction: float = 0.2,
    judgment_kinds: tuple[str, ...] = ("number", "term", "rating"),
    set_id: str = "question",
    n_analysts: int = 1,
    correction_fraction: float = 0.0,
) -> dict[str, Any]:
    """The files of a random valid workspace, as ``{relative path: YAML data}``.

    Parameters
    ----------
    seed : int
        Seed of the random generator.
    n_hypotheses, n_items, n_sources, n_files : int
        Sizes. Items are spread over ``n_files`` evidence files.
    origin_fraction : float
        Share of items that report the origin of an earlier item (corroboration, repetition).
    judgment_kinds : tuple of str
        Which forms likelihoods take: "number", "term" (ICD 203), "rating" (ACH).
    set_id : str
        Id of the single hypothesis set.
    n_analysts : int
        Analysts: the lead writes the items' likelihoods; each other analyst ``analyst-a`` (a = 1, 2, ...) has
        a file judging every item that carries likelihoods, in numbers, noisier as a grows (probit noise
        0.15 a around a cell's own value).
    correction_fraction : float
        Share of the items outside origin groups that a correction supersedes: a new item of the same source
        reported 0 to 30 days later, in ``evidence/corrections.yaml`` (drawn from a generator of its own, so
        the other files do not depend on it).

    Returns
    -------
    dict

    Examples
    --------
    >>> files = synthetic_workspace_data(1, n_items=4)
    >>> sorted(files)[:2]
    ['evidence/part-000.yaml', 'evidence/part-001.yaml']
    """
    rng = np.random.default_rng(seed)
    hids = [f"h{k}" for k in range(n_hypotheses)]
    priors = rng.dirichlet(np.full(n_hypotheses, 3.0))
    files: dict[str, Any] = {
        f"hypotheses/{set_id}.yaml": {
            "question": f"Synthetic question {seed}",
            "hypotheses": [
                {"id": h, "title": f"Hypothesis {k}", "prior": round(float(priors[k]), 6) + 1e-6}
                for k, h in enumerate(hids)
            ],
            "exhaustive": True,
        }
    }
    sources = [
        {"id": f"s{s}", "name": f"Source {s}", "reliability": _reliability(rng)} for s in range(n_sources)
    ]
    files["evidence/sources.yaml"] = {"sources": sources}
    start = dt.date(2020, 1, 1)
    items: list[dict[str, Any]] = []
    origins: list[str] = []
    for j in range(n_items):
        item: dict[str, Any] = {
            "id": f"item-{j}",
            "summary": f"Report {j}",
            "source": f"s{int(rng.integers(n_sources))}",
            "reported": (start + dt.timedelta(days=int(rng.integers(0, 365)))).isoformat(),
        }
        if rng.uniform() < 0.3:
            item["credibility"] = int(rng.integers(1, 7))
        if origins and rng.uniform() < origin_fraction:
            item["origin"] = origins[int(rng.integers(len(origins)))]  # shares that event's likelihoods
        else:
            kind = judgment_kinds[int(rng.integers(len(judgment_kinds)))]
            item["likelihoods"] = {set_id: {h: _judgment(rng, kind) for h in hids}}
            if rng.uniform() < origin_fraction:
                item["origin"] = f"event-{j}"
                origins.append(item["origin"])
        items.append(item)
    for f in range(n_files):
        files[f"evidence/part-{f:03d}.yaml"] = {"items": items[f::n_files]}
    judged = [item for item in items if "likelihoods" in item]
    centre = {item["id"]: rng.normal(0.0, 0.8, n_hypotheses) for item in judged}
    for a in range(1, n_analysts):
        cells = {item["id"]: {set_id: {h: round(float(np.clip(_phi(centre[item["id"]][k] + rng.normal(0.0, 0.15 * a)),
                                                              0.01, 0.99)), 3) for k, h in enumerate(hids)}}
                 for item in judged}
        files[f"analysts/analyst-{a}.yaml"] = {"name": f"Analyst {a}", "likelihoods": cells}
    if correction_fraction > 0:
        files["evidence/corrections.yaml"] = {"items": _corrections(np.random.default_rng([seed, 1]), items,
                                                                     correction_fraction, set_id, hids)}
    return files


def _corrections(rng: np.random.Generator, items: list[dict[str, Any]], fraction: float, set_id: str,
                 hids: list[str]) -> list[dict[str, Any]]:
    """Corrections of a share of the items outside origin groups, each reported 0 to 30 days after its item."""
    fixes = []
    for item in items:
        if "origin" in item or rng.uniform() >= fraction:
            continue
        reported = dt.date.fromisoformat(item["reported"]) + dt.timedelta(days=int(rng.integers(0, 31)))
        fixes.append({"id": f"{item['id']}-fix", "summary": f"Correction of {item['id']}", "source": item["source"],
                      "reported": reported.isoformat(), "supersedes": [item["id"]],
                      "likelihoods": {set_id: {h: _judgment(rng, "number") for h in hids}}})
    return fixes


def _phi(x: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def synthetic_workspace(directory: str | Path, seed: int, **sizes: Any) -> Path:
    """Write a random valid workspace to ``directory`` (see :func:`synthetic_workspace_data`).

    Returns
    -------
    Path
        The workspace folder.
    """
    root = Path(directory)
    for relative, data in synthetic_workspace_data(seed, **sizes).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return root


def synthetic_portfolio(directory: str | Path, n_workspaces: int, sets_per_workspace: int, seed: int = 0,
                        **sizes: Any) -> list[Path]:
    """Write ``n_workspaces`` random workspaces of ``sets_per_workspace`` sets each under ``directory``.

    Set ``q{i}`` of a workspace reads only its own evidence files (``evidence/q{i}-part-*.yaml``) and sources
    (``q{i}-s*``), so changing one file changes exactly one set's inputs. Sizes vary with the seed (2-6
    hypotheses, 4-30 items) unless given in ``sizes`` (see :func:`synthetic_workspace_data`).

    Returns
    -------
    list of Path
        The workspace folders (``ws-000``, ``ws-001``, ...).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     roots = synthetic_portfolio(tmp, 2, 3)
    ...     [r.name for r in roots], sorted(p.name for p in (roots[0] / "hypotheses").iterdir())
    (['ws-000', 'ws-001'], ['q0.yaml', 'q1.yaml', 'q2.yaml'])
    """
    rng = np.random.default_rng(seed)
    roots = []
    for w in range(n_workspaces):
        root = Path(directory) / f"ws-{w:03d}"
        sources: list[dict[str, Any]] = []
        files: dict[str, Any] = {}
        for q in range(sets_per_workspace):
            set_id = f"q{q}"
            shape = {"n_hypotheses": int(rng.integers(2, 7)), "n_items": int(rng.integers(4, 31)),
                     "n_files": 2, **sizes}
            data = synthetic_workspace_data(int(rng.integers(2**31)), set_id=set_id, **shape)
            for relative, content in data.items():
                if relative == "evidence/sources.yaml":
                    sources.extend({**s, "id": f"{set_id}-{s['id']}"} for s in content["sources"])
                elif relative.startswith("evidence/"):
                    items = [{**item, "id": f"{set_id}-{item['id']}", "source": f"{set_id}-{item['source']}",
                              **({"origin": f"{set_id}-{item['origin']}"} if "origin" in item else {})}
                             for item in content["items"]]
                    files[f"evidence/{set_id}-{relative.removeprefix('evidence/')}"] = {"items": items}
                else:
                    files[relative] = content
        files["evidence/sources.yaml"] = {"sources": sources}
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
        roots.append(root)
    return roots


def _reliability(rng: np.random.Generator) -> Any:
    choice = rng.uniform()
    if choice < 0.6:
        return GRADES[int(rng.integers(len(GRADES)))]
    if choice < 0.8:
        return round(float(rng.uniform(0.0, 1.0)), 4)
    return {"alpha": round(float(rng.uniform(1, 10)), 3), "beta": round(float(rng.uniform(1, 10)), 3)}


def _judgment(rng: np.random.Generator, kind: str) -> Any:
    if kind == "term":
        return TERMS[int(rng.integers(len(TERMS)))]
    if kind == "rating":
        return RATINGS[int(rng.integers(len(RATINGS)))]
    return round(float(rng.uniform(0.02, 0.98)), 4)


def synthetic_compiled(
    seed: int, *, n_hypotheses: int, n_items: int, n_sources: int, origin_fraction: float = 0.0
) -> CompiledSet:
    """A random compiled set, straight as arrays (for engine benchmarks at sizes YAML would dominate).

    Items report distinct events except a share ``origin_fraction`` that report an earlier item's event.
    Reliabilities are Beta-graded (mean and Beta parameters set); likelihoods are points.
    """
    rng = np.random.default_rng(seed)
    event_of = np.arange(n_items, dtype=np.int64)
    repeat = rng.uniform(size=n_items) < origin_fraction
    repeat[0] = False
    event_of[repeat] = (rng.uniform(size=int(repeat.sum())) * np.nonzero(repeat)[0]).astype(np.int64)
    _, event_of = np.unique(event_of, return_inverse=True)
    n_events = int(event_of.max()) + 1
    alpha, beta = rng.uniform(1, 10, n_sources), rng.uniform(1, 10, n_sources)
    nan = np.full((n_events, n_hypotheses), np.nan)
    return CompiledSet(
        "synthetic", tuple(f"h{k}" for k in range(n_hypotheses)), rng.dirichlet(np.full(n_hypotheses, 3.0)),
        tuple(f"item-{j}" for j in range(n_items)), event_of.astype(np.int64),
        rng.integers(0, n_sources, n_items).astype(np.int64), np.ones(n_items),
        rng.uniform(0.02, 0.98, (n_events, n_hypotheses)), nan, nan.copy(),
        np.zeros((n_events, n_hypotheses), dtype=bool), tuple(f"s{s}" for s in range(n_sources)),
        alpha / (alpha + beta), alpha, beta,
    )


ANALYST_PRIOR = (0.6, 0.4)
"""The prior of the two hypotheses of :func:`analyst_design`."""
ANALYST_RELIABILITY = 0.9
"""The reliability of the one source of :func:`analyst_design`."""


def analyst_design(judged: NDArray[np.float64]) -> CompiledSet:
    """A set several analysts judged: events reported by one source of fixed reliability 0.9, two hypotheses.

    Parameters
    ----------
    judged : ndarray, shape (A, G, 2)
        Each analyst's judgment (a number) of every cell; the analysts are named a, b, c, ...

    Returns
    -------
    CompiledSet
        With the analysts' own judgments (as ``Workspace.compiled(set_id, by_analyst=True)`` gives them) and
        their log pool as the likelihoods.
    """
    analysts, n_events, _ = judged.shape
    nan = np.full((n_events, 2), np.nan)
    lam = np.exp(np.log(judged).mean(axis=0))
    return CompiledSet(
        "sbc", ("red", "blue"), np.array(ANALYST_PRIOR), tuple(f"e{g}" for g in range(n_events)), np.arange(n_events),
        np.zeros(n_events, dtype=np.int64), np.ones(n_events), lam, nan, nan.copy(), np.zeros((n_events, 2), bool),
        ("s",), np.array([ANALYST_RELIABILITY]), np.array([np.nan]), np.array([np.nan]),
        tuple(chr(ord("a") + a) for a in range(analysts)), np.ones(analysts), judged,
        np.full(judged.shape, np.nan), np.full(judged.shape, np.nan),
    )


@dataclass(frozen=True)
class AnalystCase:
    """One draw of :func:`simulate_analysts`: the truth, and what the analysts wrote."""

    hypothesis: int
    sigma: NDArray[np.float64]
    """(A,) the analysts' noise scales (probit scale)."""
    bias: NDArray[np.float64]
    """(A,) the analysts' biases (probit scale; zeros unless asked for)."""
    latent: NDArray[np.float64]
    """(G, 2) the cells' probits x."""
    judged: NDArray[np.float64]
    """(A, G, 2) the written judgments Phi(x + bias + noise)."""


def simulate_analysts(rng: np.random.Generator, n_events: int = 8, analysts: int = 3,
                      bias_sd: float = 0.0) -> AnalystCase:
    r"""One draw from the noise model's generative story for :func:`analyst_design`, given every event is reported.

    The analysts' noise scales come from the model's hierarchical prior; each cell's probit :math:`x \sim N(0, 1)`;
    analyst a writes :math:`\Phi(x + b_a + \sqrt{\sigma_a^2 + \epsilon^2}\, z)`. With ``bias_sd`` > 0 each
    analyst also has a bias :math:`b_a \sim N(0, \text{bias\_sd}^2)`, which the model does not have (a check of
    what it does when analysts are biased). Draws are kept only when the source reports every event
    (rejection), the design the model conditions on.
    """
    from scipy.special import ndtr

    from plausible.engines.readings import NOISE_PRIOR

    prior = np.array(ANALYST_PRIOR)
    noise_floor = NOISE_PRIOR["resolution"] ** 2
    while True:
        log_scale = rng.normal(NOISE_PRIOR["log_scale_mean"], NOISE_PRIOR["log_scale_sd"])
        sigma = np.exp(log_scale + NOISE_PRIOR["spread"] * rng.normal(size=analysts))
        bias = rng.normal(0.0, bias_sd, size=analysts) if bias_sd > 0 else np.zeros(analysts)
        x = rng.normal(size=(n_events, 2))
        y = (x[None] + bias[:, None, None]
             + rng.normal(size=(analysts, n_events, 2)) * np.sqrt(sigma ** 2 + noise_floor)[:, None, None])
        if np.abs(y).max() > 7.5:  # beyond what a float written in (0, 1) can hold; vanishingly rare
            continue
        lam = ndtr(x)
        h = int(rng.choice(2, p=prior))
        report = ANALYST_RELIABILITY * lam[:, h] + (1.0 - ANALYST_RELIABILITY) * (lam @ prior)
        if rng.uniform() < np.prod(report):
            return AnalystCase(h, sigma, bias, x, ndtr(y))
