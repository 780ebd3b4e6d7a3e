"""The MCMC engine: the model of design §2 in PyMC, with learned source reliability and credible intervals.

Imported only when sampling (it imports PyMC). What is sampled and what is integrated out exactly is
explained in :mod:`plausible.engines.structure` and ``docs/model.md``.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import NDArray

from plausible.compiled import CompiledSet
from plausible.engines.corroboration import (
    Corroborated,
    corroborated_log_likelihood,
    corroborated_terms,
    draw_corroborated_likelihoods,
)
from plausible.engines.exact import softmax
from plausible.engines.structure import (
    SamplingStructure,
    batched_log_likelihood,
    draw_linear_likelihoods,
    linear_log_likelihood,
    sampling_structure,
)
from plausible.errors import UsageError
from plausible.posterior import Posterior, SourceReliability
from plausible.scales import ModelSpec

if TYPE_CHECKING:
    from plausible.engines.chains import ChainRun

__all__ = ["build_model", "mcmc_posterior", "CONVERGENCE"]

CONVERGENCE = {"r_hat": 1.01, "ess": 400}
"""Thresholds above/below which the result is flagged (Vehtari et al. 2021)."""

_CHUNK = 128
_INTERVAL_CELLS = 40_000_000
"""Budget of drawn cells (draws x events x hypotheses) for the interval's complete draws."""


@dataclass(frozen=True)
class Settings:
    """Resolved inference settings."""

    draws: int
    tune: int
    chains: int
    target_accept: float
    seed: int
    sampler: str
    interval: float
    progress: bool
    cores: int


def _settings(spec: ModelSpec, options: dict[str, Any]) -> Settings:
    base = spec.inference
    known = {"draws", "tune", "chains", "target_accept", "seed", "sampler", "interval", "progress", "cores"}
    unknown = set(options) - known
    if unknown:
        raise UsageError(f"unknown MCMC option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    pick: dict[str, Any] = {**base.model_dump(), "progress": True, "cores": None}
    pick.update({k: v for k, v in options.items() if v is not None})
    settings = Settings(
        draws=int(pick["draws"]), tune=int(pick["tune"]), chains=int(pick["chains"]),
        target_accept=float(pick["target_accept"]), seed=int(pick["seed"]), sampler=str(pick["sampler"]),
        interval=float(pick["interval"]), progress=bool(pick["progress"]),
        cores=int(pick["cores"] or min(int(pick["chains"]), os.cpu_count() or 1)),
    )
    if settings.sampler not in {"pymc", "nutpie"}:
        raise UsageError(f"unknown sampler {settings.sampler!r}; expected pymc or nutpie")
    if not 0.0 < settings.interval < 1.0:
        raise UsageError(f"interval level {settings.interval} must be between 0 and 1")
    if not 0.0 < settings.target_accept < 1.0:
        raise UsageError(f"target_accept {settings.target_accept} must be between 0 and 1")
    if settings.draws < 1 or settings.chains < 1 or settings.tune < 0:
        raise UsageError("draws and chains must be at least 1, tune at least 0")
    return settings


def build_model(compiled: CompiledSet, structure: SamplingStructure | None = None,
                terms: Corroborated | None = None) -> pm.Model:
    """The PyMC model of a compiled set, with the hypothesis index marginalised.

    The only free variable is ``rho`` (sources with a Beta prior). The potential ``evidence`` is
    ln P(reports | rho) = logsumexp_k(ln pi_k + sum_g ln E_lambda[P(reports_g | H_k, rho)]): every band
    integrates out exactly, linear events at their Beta means and corroborated events through the
    moments of :mod:`plausible.engines.corroboration`. It is one PyTensor operation with its gradient
    (:mod:`plausible.engines.evidence_op`).

    Parameters
    ----------
    compiled : CompiledSet
    structure : SamplingStructure, optional
    terms : Corroborated, optional
        The corroborated events' moments (worked out here when not given).

    Returns
    -------
    pymc.Model
    """
    from plausible.engines.evidence_op import evidence_inputs, evidence_log_likelihood_op

    s = structure or sampling_structure(compiled)
    terms = corroborated_terms(compiled, s) if terms is None else terms
    free = np.zeros(compiled.rho.size, dtype=bool)
    free[s.free_rho] = True
    with pm.Model() as model:
        rho_free: Any = pm.Beta("rho", alpha=compiled.rho_alpha[s.free_rho], beta=compiled.rho_beta[s.free_rho],
                                shape=s.free_rho.size) if s.free_rho.size else pt.zeros(0)
        logp, _ = evidence_log_likelihood_op(  # type: ignore[misc]
            rho_free, *(pm.Data(name, value) for name, value in evidence_inputs(compiled, s, terms, free).items()))
        pm.Potential("evidence", logp[0])  # type: ignore[index]
    return model


@contextmanager
def _quiet(enabled: bool) -> Iterator[None]:
    """Silence PyMC's log lines and warnings (the caller reports diagnostics itself)."""
    logger = logging.getLogger("pymc")
    level = logger.level
    if enabled:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def mcmc_posterior(compiled: CompiledSet, spec: ModelSpec, *, inputs_hash: str = "", **options: Any) -> Posterior:
    """Sample the model of a compiled set and summarise it.

    Parameters
    ----------
    compiled : CompiledSet
    spec : ModelSpec
        Supplies the default inference settings (draws, tune, chains, target_accept, seed, sampler,
        interval); ``options`` override them.
    inputs_hash : str
        Hash of the input files, recorded in the result.
    **options
        draws, tune, chains, target_accept, seed, sampler, interval, progress (bool), cores.

    Returns
    -------
    Posterior
        Probabilities (posterior means), intervals at the chosen level, source reliabilities learned,
        diagnostics, and the ArviZ DataTree in ``draws``.
    """
    settings = _settings(spec, options)
    structure = sampling_structure(compiled)
    terms = corroborated_terms(compiled, structure)
    model = build_model(compiled, structure, terms)
    if not model.free_RVs:
        return _without_sampling(compiled, settings, inputs_hash)
    if settings.sampler == "nutpie":
        idata = _sample_nutpie(model, settings)
    else:
        idata = _sample_pymc(model, compiled, structure, settings)
    return _summarise(compiled, structure, terms, idata, settings, inputs_hash)


def _sample_pymc(model: pm.Model, compiled: CompiledSet, structure: SamplingStructure, settings: Settings) -> Any:
    """PyMC's NUTS, each chain whole in one process (:mod:`plausible.engines.chains`); the draws as a DataTree.

    Chains start around the prior mean of each reliability (in log-odds, where NUTS moves), jittered.
    """
    from plausible.engines.chains import run_nuts
    from plausible.progress import ProgressLine

    free = structure.free_rho
    [value] = model.value_vars
    centre = {value.name: np.log(compiled.rho_alpha[free]) - np.log(compiled.rho_beta[free])}
    line = ProgressLine(f"sampling {settings.chains} chain{'s' if settings.chains > 1 else ''}", "iterations") \
        if settings.progress else None
    if line is not None:
        line.status("compiling the model (the first run on a machine takes longer)")
    with _quiet(True):
        run = run_nuts(model, centre, draws=settings.draws, tune=settings.tune, chains=settings.chains,
                       cores=settings.cores, target_accept=settings.target_accept, seed=settings.seed, progress=line)
    if line is not None:
        line.close()
    return _datatree(run, [compiled.source_ids[s] for s in free], settings)


def _datatree(run: ChainRun, sources: list[str], settings: Settings) -> Any:
    """The draws in ArviZ's layout: ``posterior`` (rho) and ``sample_stats``, with the sampler in the attributes."""
    import xarray as xr
    from scipy.special import expit

    [values] = run.values.values()
    chains, draws = values.shape[:2]
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    attrs = {"inference_library": "pymc", "inference_library_version": pm.__version__, "sampler": "NUTS",
             "sampling_time": run.seconds, "tuning_steps": settings.tune, "seed": settings.seed,
             "target_accept": settings.target_accept}
    posterior = xr.Dataset({"rho": (("chain", "draw", "source"), expit(values))},
                           coords={**coords, "source": sources}, attrs=attrs)
    stats = xr.Dataset({key: (("chain", "draw"), value) for key, value in run.stats.items()}, coords=coords,
                       attrs=attrs)
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


def _sample_nutpie(model: pm.Model, settings: Settings) -> Any:
    """Sample with nutpie through ``pm.sample`` (it compiles its own numba functions, which takes a while)."""
    try:
        import nutpie  # noqa: F401
    except ImportError:
        raise UsageError("sampler 'nutpie' is not installed; pip install nutpie, or use sampler pymc") from None
    with model, _quiet(not settings.progress):
        return pm.sample(
            draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=settings.cores,
            target_accept=settings.target_accept, random_seed=settings.seed, progressbar=settings.progress,
            compute_convergence_checks=False, quiet=not settings.progress, nuts_sampler="nutpie",
        )


def _draw_arrays(idata: Any, compiled: CompiledSet, structure: SamplingStructure) -> tuple[
        NDArray[np.float64], tuple[int, int]]:
    """The reliabilities of every draw, shape (chains x draws, S), fixed ones included."""
    post = idata.posterior
    first = next(iter(post.data_vars.values()))
    n_chain, n_draw = int(first.sizes["chain"]), int(first.sizes["draw"])
    total = n_chain * n_draw
    rho = np.broadcast_to(compiled.rho, (total, compiled.rho.size)).copy()
    if structure.free_rho.size:
        rho[:, structure.free_rho] = np.asarray(post["rho"].values).reshape(total, -1)
    return rho, (n_chain, n_draw)


def _summarise(compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated, idata: Any,
               settings: Settings,
               inputs_hash: str) -> Posterior:
    import xarray as xr

    rho, (n_chain, n_draw) = _draw_arrays(idata, compiled, structure)
    rng = np.random.default_rng(settings.seed + 1)
    log_prior = np.log(compiled.prior)
    # P(H | reports, rho) per draw: every band integrated out (Rao-Blackwellised); this gives the mean.
    conditional = np.concatenate([
        softmax(log_prior + linear_log_likelihood(compiled, structure, rho[start : start + _CHUNK])
                + corroborated_log_likelihood(terms, structure, rho[start : start + _CHUNK]))
        for start in range(0, rho.shape[0], _CHUNK)
    ])
    # The interval: P(H | reports, lambda, rho) at complete draws, every band drawn from its exact conditional
    # given (H, rho). That costs one Beta draw per cell and draw, so very large sets use every t-th draw.
    thin = max(1, -(-rho.shape[0] * compiled.lam.size // _INTERVAL_CELLS))
    used = np.arange(n_chain * n_draw).reshape(n_chain, n_draw)[:, ::thin].ravel()
    hypothesis = _categorical_rows(conditional[used], rng)
    corroborated = draw_corroborated_likelihoods(compiled, structure, terms, rho[used], hypothesis, rng)
    spread = np.empty((used.size, compiled.prior.size))
    for start in range(0, used.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        lam = np.broadcast_to(compiled.lam, (corroborated[part].shape[0], *compiled.lam.shape)).copy()
        lam[:, terms.events, :] = corroborated[part]
        full_lam = draw_linear_likelihoods(compiled, structure, rho[used[part]], hypothesis[part], lam, rng)
        spread[part] = softmax(log_prior + batched_log_likelihood(compiled, structure, rho[used[part]], full_lam))
    hyp = list(compiled.hypothesis_ids)
    idata.posterior["probability"] = xr.DataArray(conditional.reshape(n_chain, n_draw, len(hyp)),
                                                  dims=("chain", "draw", "hypothesis"), coords={"hypothesis": hyp})
    idata.posterior["probability_draw"] = xr.DataArray(
        spread.reshape(n_chain, -1, len(hyp)), dims=("chain", "interval_draw", "hypothesis"),
        coords={"hypothesis": hyp, "interval_draw": np.arange(0, n_draw, thin)})
    tail = (1.0 - settings.interval) / 2.0
    interval = np.quantile(spread, [tail, 1.0 - tail], axis=0).T
    diagnostics = _diagnostics(idata)
    sources = tuple(
        SourceReliability(
            compiled.source_ids[s], float(compiled.rho[s]), float(rho[:, s].mean()),
            (float(np.quantile(rho[:, s], tail)), float(np.quantile(rho[:, s], 1 - tail))),
        )
        for s in structure.free_rho
    )
    from plausible.engines.exact import log_likelihood_increments

    increments = log_likelihood_increments(compiled.prior, compiled.lam, compiled.rho_effective(),
                                           compiled.event_of, compiled.source_of)
    return Posterior(
        compiled.set_id, "mcmc", compiled.hypothesis_ids, compiled.prior, conditional.mean(axis=0),
        compiled.item_ids, increments, interval, settings.interval, diagnostics, sources, inputs_hash, idata,
    )


def _categorical_rows(p: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """One index per row of probabilities ``p``."""
    chosen: NDArray[np.int64] = np.minimum((rng.uniform(size=(p.shape[0], 1)) > np.cumsum(p, axis=1)).sum(axis=1),
                                           p.shape[1] - 1).astype(np.int64)
    return chosen


def _diagnostics(idata: Any) -> dict[str, Any]:
    """Worst R-hat and smallest ESS over the sampled quantities and the probabilities."""
    from plausible.diagnostics import ess_bulk, ess_tail, rhat

    arrays = []
    for name in ("rho", "probability"):
        if name in idata.posterior:
            values = np.asarray(idata.posterior[name].values, dtype=np.float64)
            arrays.append(values.reshape(values.shape[0], values.shape[1], -1))
    draws = np.concatenate(arrays, axis=2)

    def worst(values: NDArray[np.float64], pick: Any) -> float:
        finite = values[np.isfinite(values)]
        return float(pick(finite)) if finite.size else float("nan")

    out: dict[str, Any] = {
        "r_hat": worst(rhat(draws), np.max),
        "ess_bulk": worst(ess_bulk(draws), np.min),
        "ess_tail": worst(ess_tail(draws), np.min),
        "divergences": int(np.asarray(idata.sample_stats["diverging"].values).sum()),
    }
    out["warnings"] = convergence_warnings(out)
    return out


def convergence_warnings(diagnostics: dict[str, Any]) -> list[str]:
    """Plain-language warnings when the sampler's diagnostics fall short of the thresholds."""
    out = []
    if np.isnan(diagnostics["r_hat"]):
        out.append("R-hat needs at least two chains: run --chains 2 or more to check convergence")
    elif not diagnostics["r_hat"] <= CONVERGENCE["r_hat"]:
        out.append(f"R-hat {diagnostics['r_hat']:.3f} > {CONVERGENCE['r_hat']}: chains disagree; "
                   "run longer (--draws, --tune) before trusting the numbers")
    for key in ("ess_bulk", "ess_tail"):
        if not diagnostics[key] >= CONVERGENCE["ess"]:
            out.append(f"{key} {diagnostics[key]:.0f} < {CONVERGENCE['ess']}: too few effective draws; "
                       "increase --draws")
    if diagnostics["divergences"]:
        out.append(f"{diagnostics['divergences']} divergent transitions: the sampler struggled; "
                   "raise target_accept or check for extreme judgments")
    return out


def _without_sampling(compiled: CompiledSet, settings: Settings, inputs_hash: str) -> Posterior:
    """Nothing is uncertain (all points): the exact answer, with a degenerate interval."""
    from plausible.inference import exact_posterior

    exact = exact_posterior(compiled, inputs_hash)
    interval = np.stack([exact.probability, exact.probability], axis=1)
    return Posterior(compiled.set_id, "mcmc", exact.hypothesis_ids, exact.prior, exact.probability,
                     exact.item_ids, exact.increments, interval, settings.interval,
                     {"r_hat": 1.0, "ess_bulk": float("inf"), "ess_tail": float("inf"), "divergences": 0,
                      "warnings": [], "note": "no uncertain quantity: nothing to sample"},
                     inputs_hash=inputs_hash)
