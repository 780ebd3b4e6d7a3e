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
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import NDArray
from pytensor.tensor.special import logaddexp, logsumexp

from plausible.compiled import CompiledSet
from plausible.engines.exact import softmax
from plausible.engines.structure import (
    RHO_CEILING,
    SamplingStructure,
    batched_log_likelihood,
    draw_linear_likelihoods,
    sampling_structure,
)
from plausible.errors import UsageError
from plausible.posterior import Posterior, SourceReliability
from plausible.scales import ModelSpec

__all__ = ["build_model", "mcmc_posterior", "CONVERGENCE"]

CONVERGENCE = {"r_hat": 1.01, "ess": 400}
"""Thresholds above/below which the result is flagged (Vehtari et al. 2021)."""

_CHUNK = 128


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


def build_model(compiled: CompiledSet, structure: SamplingStructure | None = None) -> pm.Model:
    """The PyMC model of a compiled set, with the hypothesis index marginalised.

    Free variables: ``rho`` (sources with a Beta prior) and ``lam`` (banded cells of corroborated
    events). The potential ``evidence`` is ln P(reports | rho, lam) = logsumexp_k(ln pi_k + sum_g ln
    P(reports_g | H_k)); linear events enter at their Beta means (they integrate out exactly).

    Parameters
    ----------
    compiled : CompiledSet
    structure : SamplingStructure, optional

    Returns
    -------
    pymc.Model
    """
    s = structure or sampling_structure(compiled)
    corroborated = np.nonzero(~s.linear)[0]
    free = np.zeros(compiled.rho.size, dtype=bool)
    free[s.free_rho] = True
    with pm.Model() as model:
        rho: Any = pm.Data("rho_fixed", compiled.rho)
        if s.free_rho.size:
            rho_free = pm.Beta("rho", alpha=compiled.rho_alpha[s.free_rho], beta=compiled.rho_beta[s.free_rho],
                               shape=s.free_rho.size)
            rho = pt.set_subtensor(rho[s.free_rho], rho_free)
        log_likelihood: Any = pm.Data("log_likelihood_fixed", _fixed_linear_log_likelihood(compiled, s, ~free))
        # Linear events of sampled sources: ln P(report | H_k) = ln(a + r (lam_k - a)), one log per cell.
        pairs = np.nonzero(s.linear[s.pair_event] & free[s.pair_source])[0]
        if pairs.size:
            events = s.pair_event[pairs]
            a = compiled.lam[events] @ compiled.prior
            r = pt.minimum(rho[pm.Data("linear_source", s.pair_source[pairs])]
                           * pm.Data("linear_factor", s.pair_factor[pairs]), RHO_CEILING)
            spread = pm.Data("linear_spread", compiled.lam[events] - a[:, None])
            log_likelihood = log_likelihood + pt.log(pm.Data("linear_a", a)[:, None] + r[:, None] * spread).sum(axis=0)
        if corroborated.size:
            log_likelihood = log_likelihood + _corroborated_log_likelihood(compiled, s, corroborated, rho)
        pm.Potential("evidence", logsumexp(pt.log(pm.Data("prior", compiled.prior)) + log_likelihood))
    return model


def _fixed_linear_log_likelihood(
    compiled: CompiledSet, s: SamplingStructure, fixed: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """The summed ln P(report | H_k) of linear events whose source's reliability is a fixed number."""
    pairs = np.nonzero(s.linear[s.pair_event] & fixed[s.pair_source])[0]
    lam = compiled.lam[s.pair_event[pairs]]
    a = lam @ compiled.prior
    r = np.minimum(compiled.rho[s.pair_source[pairs]] * s.pair_factor[pairs], RHO_CEILING)
    out: NDArray[np.float64] = np.log(a[:, None] + r[:, None] * (lam - a[:, None])).sum(axis=0)
    return out


def _corroborated_log_likelihood(
    compiled: CompiledSet, s: SamplingStructure, events: NDArray[np.intp], rho: Any
) -> Any:
    """The summed ln P(reports | H_k) of corroborated events, their banded cells sampled."""
    position = np.full(compiled.lam.shape[0], -1, dtype=np.int64)
    position[events] = np.arange(events.size)
    rows, cols = s.free_cells
    lam: Any = pm.Data("lam_fixed", compiled.lam[events])
    if rows.size:
        lam_free = pm.Beta("lam", alpha=compiled.lam_alpha[rows, cols], beta=compiled.lam_beta[rows, cols],
                           shape=rows.size)
        lam = pt.set_subtensor(lam[position[rows], cols], lam_free)
        na_rows = compiled.lam_na[events].any(axis=1)
        if na_rows.any():
            filled = (pm.Data("fill", s.fill[events]) * lam[:, None, :]).sum(axis=2)
            lam = pt.switch(pm.Data("na_rows", na_rows)[:, None], filled, lam)
    pairs = np.nonzero(~s.linear[s.pair_event])[0]
    pair_event = pm.Data("pair_event", position[s.pair_event[pairs]])
    r = pt.minimum(rho[pm.Data("pair_source", s.pair_source[pairs])] * pm.Data("pair_factor", s.pair_factor[pairs]),
                   RHO_CEILING)
    a_p = pt.dot(lam, pm.Data("prior_weights", compiled.prior))[pair_event]
    log_truthful = pt.zeros(events.size)[pair_event].inc(pt.log(r + (1.0 - r) * a_p))
    log_noise = pt.zeros(events.size)[pair_event].inc(pt.log1p(-r) + pt.log(a_p))
    per_event = logaddexp(pt.log(lam) + log_truthful[:, None], pt.log1p(-lam) + log_noise[:, None])
    return per_event.sum(axis=0)


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
    model = build_model(compiled, structure)
    if not model.free_RVs:
        return _without_sampling(compiled, settings, inputs_hash)
    with model, _quiet(not settings.progress):
        # Explicit, since PyMC picks nutpie by itself when it is installed (and its compile is slow).
        kwargs: dict[str, Any] = {"nuts_sampler": "pymc"}
        if settings.sampler == "nutpie":
            try:
                import nutpie  # noqa: F401
            except ImportError:
                raise UsageError("sampler 'nutpie' is not installed; pip install nutpie, or use sampler pymc") from None
            kwargs["nuts_sampler"] = "nutpie"
        idata = pm.sample(
            draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=settings.cores,
            target_accept=settings.target_accept, random_seed=settings.seed, progressbar=settings.progress,
            compute_convergence_checks=False, quiet=not settings.progress, **kwargs,
        )
    return _summarise(compiled, structure, idata, settings, inputs_hash)


def _draw_arrays(
    compiled: CompiledSet, structure: SamplingStructure, idata: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64], tuple[int, int]]:
    post = idata.posterior
    rho_base = compiled.rho.copy()
    first = next(iter(post.data_vars.values()))
    n_chain, n_draw = int(first.sizes["chain"]), int(first.sizes["draw"])
    total = n_chain * n_draw
    rho = np.broadcast_to(rho_base, (total, rho_base.size)).copy()
    if structure.free_rho.size:
        rho[:, structure.free_rho] = np.asarray(post["rho"].values).reshape(total, -1)
    rows = structure.free_cells[0]
    lam_free = np.asarray(post["lam"].values).reshape(total, -1) if rows.size else np.empty((total, 0))
    return rho, lam_free, (n_chain, n_draw)


def _likelihood_chunk(compiled: CompiledSet, structure: SamplingStructure, lam_free: NDArray[np.float64]) -> Any:
    """Full (D, G, K) likelihoods for a chunk of draws: the fixed values with the sampled cells set."""
    lam = np.broadcast_to(compiled.lam, (lam_free.shape[0], *compiled.lam.shape)).copy()
    rows, cols = structure.free_cells
    if rows.size:
        lam[:, rows, cols] = lam_free
    return lam


def _summarise(compiled: CompiledSet, structure: SamplingStructure, idata: Any, settings: Settings,
               inputs_hash: str) -> Posterior:
    import xarray as xr

    rho, lam_free, (n_chain, n_draw) = _draw_arrays(compiled, structure, idata)
    rng = np.random.default_rng(settings.seed + 1)
    log_prior = np.log(compiled.prior)
    conditional = np.empty((rho.shape[0], compiled.prior.size))
    spread = np.empty_like(conditional)
    for start in range(0, rho.shape[0], _CHUNK):
        part = slice(start, start + _CHUNK)
        lam = _likelihood_chunk(compiled, structure, lam_free[part])  # chunked: (D, G, K) can be large
        p = softmax(log_prior + batched_log_likelihood(compiled, structure, rho[part], lam))
        conditional[part] = p
        hypothesis = (rng.uniform(size=(p.shape[0], 1)) > np.cumsum(p, axis=1)).sum(axis=1)
        hypothesis = np.minimum(hypothesis, p.shape[1] - 1)
        full_lam = draw_linear_likelihoods(compiled, structure, rho[part], hypothesis, lam, rng)
        spread[part] = softmax(log_prior + batched_log_likelihood(compiled, structure, rho[part], full_lam))
    hyp = list(compiled.hypothesis_ids)
    shape = (n_chain, n_draw, len(hyp))
    idata.posterior["probability"] = xr.DataArray(conditional.reshape(shape), dims=("chain", "draw", "hypothesis"),
                                                  coords={"hypothesis": hyp})
    idata.posterior["probability_draw"] = xr.DataArray(spread.reshape(shape), dims=("chain", "draw", "hypothesis"),
                                                       coords={"hypothesis": hyp})
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


def _diagnostics(idata: Any) -> dict[str, Any]:
    """Worst R-hat and smallest ESS over the sampled quantities and the probabilities."""
    from plausible.diagnostics import ess_bulk, ess_tail, rhat

    arrays = []
    for name in ("rho", "lam", "probability"):
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
