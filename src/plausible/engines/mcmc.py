"""The MCMC engine: the model of ``docs/model.md`` in PyMC, with learned source reliability and credible intervals.

Imported only when sampling (it imports PyMC). What is sampled and what is integrated out exactly is
explained in :mod:`plausible.engines.structure` and ``docs/model.md``.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import NDArray

from plausible.core.errors import UsageError
from plausible.core.types import Method
from plausible.core.version import tool_version
from plausible.engines.corroboration import (
    Corroborated,
    corroborated_log_likelihood,
    corroborated_terms,
    draw_corroborated_likelihoods,
)
from plausible.engines.exact import exact_posterior, log_likelihood_increments, softmax
from plausible.engines.posterior import AnalystNoise, Diagnostics, Posterior, SourceReliability
from plausible.engines.readings import Readings, draw_read_likelihoods, readings
from plausible.engines.structure import (
    SamplingStructure,
    batched_log_likelihood,
    draw_linear_likelihoods,
    linear_log_likelihood,
    sampling_structure,
)
from plausible.model.compiled import CompiledSet
from plausible.model.schema.model import InferenceSettings

if TYPE_CHECKING:
    from plausible.engines.chains import ChainRun
    from plausible.engines.progress import Progress

__all__ = ["build_model", "mcmc_posterior", "CONVERGENCE"]

CONVERGENCE = {"r_hat": 1.01, "ess": 400}
"""Thresholds above/below which the result is flagged (Vehtari et al. 2021)."""

_CHUNK = 128
_INTERVAL_CELLS = 40_000_000
"""Budget of drawn cells (draws x events x hypotheses) for the interval's complete draws."""


def build_model(compiled: CompiledSet, structure: SamplingStructure | None = None,
                terms: Corroborated | None = None, *, analyst_noise: bool = False) -> pm.Model:
    """The PyMC model of a compiled set, with the hypothesis index marginalised.

    By default (and with one analyst) the only free variable is ``rho`` (sources with a Beta prior); several
    analysts' judgments enter as their pool per cell, as in the exact engine. The potential
    ``evidence`` is ln P(reports | rho) = logsumexp_k(ln pi_k + sum_g ln E_lambda[P(reports_g | H_k, rho)]):
    every band integrates out exactly, linear events at their Beta means and corroborated events through
    the moments of :mod:`plausible.engines.corroboration`. It is one PyTensor operation with its gradient
    (:mod:`plausible.engines.evidence_op`).

    With ``analyst_noise`` (the inference setting's default), when several analysts judged the set and
    ``compiled`` carries their own judgments (``Workspace.compiled(set_id, by_analyst=True)``), the cells they
    judged are latent and their judgments noisy readings (:mod:`plausible.engines.readings`): the analysts'
    noise scales are sampled too, in the coordinates ``noise_total`` and ``noise_share``
    (:mod:`plausible.engines.noise`, whose potential ``noise_prior`` is their prior). Given them every judged
    cell integrates out, and the potential ``evidence`` is the readings' marginal likelihood plus
    ln P(reports | rho, sigma), one operation (:mod:`plausible.engines.readings_op`).

    Parameters
    ----------
    compiled : CompiledSet
    structure : SamplingStructure, optional
    terms : Corroborated, optional
        The corroborated events' moments (worked out here when not given).
    analyst_noise : bool
        Model the analysts' judgments as noisy readings (see above).

    Returns
    -------
    pymc.Model
    """
    from plausible.engines.evidence_op import evidence_inputs, evidence_log_likelihood_op

    s = structure or sampling_structure(compiled)
    read = readings(compiled, s) if analyst_noise else None
    terms = corroborated_terms(compiled, s) if terms is None else terms
    terms = terms if read is None else without_events(terms, read.read_event)
    free = np.zeros(compiled.rho.size, dtype=bool)
    free[s.free_rho] = True
    with pm.Model() as model:
        rho_free: Any = pm.Beta("rho", alpha=compiled.rho_alpha[s.free_rho], beta=compiled.rho_beta[s.free_rho],
                                shape=s.free_rho.size) if s.free_rho.size else pt.zeros(0)
        if read is None:
            inputs = evidence_inputs(compiled, s, terms, free)
            data = {name: pm.Data(name, value) for name, value in inputs.items()}
            logp, _, _ = evidence_log_likelihood_op(rho_free, *data.values())  # type: ignore[misc]
        else:
            from plausible.engines.noise import noise_variables
            from plausible.engines.readings_op import noisy_inputs, noisy_log_likelihood_op

            log_noise = noise_variables(len(read.analyst_ids))
            data = {name: pm.Data(name, value) for name, value in noisy_inputs(compiled, s, terms, read, free).items()}
            logp, _, _, _ = noisy_log_likelihood_op(rho_free, log_noise, *data.values())  # type: ignore[misc]
        pm.Potential("evidence", logp[0])  # type: ignore[index]
    return model


def without_events(terms: Corroborated, skip: NDArray[np.bool_]) -> Corroborated:
    """The corroborated events' terms less the events ``skip`` marks (a mask over events)."""
    keep = ~skip[terms.events]
    return Corroborated(terms.events[keep], terms.slots[keep], terms.reports[keep], terms.lam_moment[keep],
                        terms.rest_moment[keep])


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


def mcmc_posterior(compiled: CompiledSet, settings: InferenceSettings, *, inputs_hash: str = "",
                   progress: Progress | None = None) -> Posterior:
    """Sample the model of a compiled set and summarise it.

    Parameters
    ----------
    compiled : CompiledSet
    settings : InferenceSettings
        Draws, tune, chains, target_accept, seed, sampler, interval, cores and analyst_noise (validated). With
        ``analyst_noise``, the analysts' noise model applies to a set several analysts judged when ``compiled``
        carries their own judgments (``Workspace.compiled(set_id, by_analyst=True)``; the workspace's
        ``posterior`` does this); otherwise their judgments enter as their pool per cell.
    inputs_hash : str
        Hash of the input files, recorded in the result and in the saved draws.
    progress : Progress, optional
        Told how sampling advances; nothing is reported without it.

    Returns
    -------
    Posterior
        Probabilities (posterior means), intervals at the chosen level, source reliabilities learned,
        diagnostics, and the ArviZ DataTree in ``draws``: ``posterior`` (``rho``, ``probability``),
        ``sample_stats``, and ``interval`` (``probability_draw``, the complete draws the interval is taken
        over).
    """
    structure = sampling_structure(compiled)
    terms = corroborated_terms(compiled, structure)
    model = build_model(compiled, structure, terms, analyst_noise=settings.analyst_noise)
    if not model.free_RVs:
        return _without_sampling(compiled, settings, inputs_hash)
    if settings.sampler == "nutpie":
        idata = _sample_nutpie(model, settings, progress)
    else:
        idata = _sample_pymc(model, compiled, structure, terms, settings, progress)
    return _summarise(compiled, structure, terms, idata, settings, inputs_hash)


def _cores(settings: InferenceSettings) -> int:
    """Processes for the chains (and threads for the summaries): as set, else one per chain up to the CPU count."""
    return settings.cores or min(settings.chains, os.cpu_count() or 1)


def _sample_pymc(model: pm.Model, compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated,
                 settings: InferenceSettings, progress: Progress | None) -> Any:
    """PyMC's NUTS, each chain whole in one process (:mod:`plausible.engines.chains`); the draws as a DataTree.

    Chains start around the prior mean of each reliability (in log-odds, where NUTS moves), jittered, and
    the analysts' noise coordinates (if any) around their mode (:func:`plausible.engines.noise.noise_start`).
    With a PyMC or PyTensor release other than the one tested, a warning, and the chains run through ``pm.sample``
    (see :mod:`plausible.engines._pymc_private`).
    """
    from plausible.engines._pymc_private import trusted
    from plausible.engines.blocks import BlockedDensity, blocked
    from plausible.engines.chains import run_nuts

    trusted()  # an untested PyMC or PyTensor is warned about here, where the quiet block below cannot hide it
    free = structure.free_rho
    centre = {value.name: np.zeros(tuple(value.type.shape)) for value in model.value_vars}
    if free.size:
        centre["rho_logodds__"] = np.log(compiled.rho_alpha[free]) - np.log(compiled.rho_beta[free])
    spread: dict[str, NDArray[np.float64]] = {}
    blocks = covariance = None
    if "noise_total" in centre:
        read = readings(compiled, structure)
        assert read is not None  # the model has noise variables
        noise_centre, spread, covariance = _noise_start(compiled, structure, terms, read)
        centre.update(noise_centre)
        if free.size and blocked(settings.noise_blocks, read):
            blocks = BlockedDensity(compiled, structure, without_events(terms, read.read_event), read)
    if progress is not None:
        progress.start(f"sampling {settings.chains} chain{'s' if settings.chains > 1 else ''}", "iterations")
        progress.status("compiling the model (the first run on a machine takes longer)")
    with _quiet(True):
        run = run_nuts(model, centre, draws=settings.draws, tune=settings.tune, chains=settings.chains,
                       cores=_cores(settings), target_accept=settings.target_accept, seed=settings.seed,
                       progress=progress, spread=spread, blocks=blocks, noise_covariance=covariance)
    if progress is not None:
        progress.close()
    return _datatree(run, [compiled.source_ids[s] for s in free], settings)


def _datatree(run: ChainRun, sources: list[str], settings: InferenceSettings) -> Any:
    """The draws in ArviZ's layout: ``posterior`` (rho, and the analysts' variables) and ``sample_stats``."""
    import xarray as xr
    from scipy.special import expit

    first = next(iter(run.values.values()))
    chains, draws = first.shape[:2]
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    attrs = {"inference_library": "pymc", "inference_library_version": pm.__version__,
             "sampler": run.sampler,
             "sampling_time": run.seconds, "tuning_steps": settings.tune, "seed": settings.seed,
             "target_accept": settings.target_accept}
    variables: dict[str, Any] = {}
    for name, values in run.values.items():
        if name == "rho_logodds__":
            variables["rho"] = (("chain", "draw", "source"), expit(values))
        elif values.ndim == 2:
            variables[name] = (("chain", "draw"), values)
        else:
            variables[name] = (("chain", "draw", f"{name}_dim"), values)
    posterior = xr.Dataset(variables, coords={**coords, "source": sources}, attrs=attrs)
    stats = xr.Dataset({key: (("chain", "draw"), value) for key, value in run.stats.items()}, coords=coords,
                       attrs=attrs)
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


def _sample_nutpie(model: pm.Model, settings: InferenceSettings, progress: Progress | None) -> Any:
    """Sample with nutpie through ``pm.sample`` (it compiles its own numba functions, which takes a while)."""
    try:
        import nutpie  # noqa: F401
    except ImportError:
        raise UsageError("sampler 'nutpie' is not installed; pip install nutpie, or use sampler pymc") from None
    shown = progress is not None  # nutpie draws its own progress bar; ours is not told
    with model, _quiet(not shown):
        return pm.sample(
            draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=_cores(settings),
            target_accept=settings.target_accept, random_seed=settings.seed, progressbar=shown,
            compute_convergence_checks=False, quiet=not shown, nuts_sampler="nutpie",
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
               settings: InferenceSettings, inputs_hash: str) -> Posterior:
    import xarray as xr

    rho, (n_chain, n_draw) = _draw_arrays(idata, compiled, structure)
    rng = np.random.default_rng(settings.seed + 1)
    log_prior = np.log(compiled.prior)
    read = readings(compiled, structure) if settings.analyst_noise else None
    if read is None:
        # P(H | reports, rho) per draw: every band integrated out (Rao-Blackwellised); this gives the mean.
        conditional = np.concatenate([
            softmax(log_prior + linear_log_likelihood(compiled, structure, rho[start : start + _CHUNK])
                    + corroborated_log_likelihood(terms, structure, rho[start : start + _CHUNK]))
            for start in range(0, rho.shape[0], _CHUNK)
        ])
    else:
        terms = without_events(terms, read.read_event)
        from plausible.engines.noise import log_noise_draws

        log_noise = log_noise_draws(idata, rho.shape[0])
        sigma = np.exp(log_noise)
        idata.posterior["noise_scale"] = xr.DataArray(sigma.reshape(n_chain, n_draw, -1),
                                                      dims=("chain", "draw", "analyst"),
                                                      coords={"analyst": list(read.analyst_ids)})
        # P(H | reports, rho, sigma) per draw, every judged cell integrated out (the model's own kernel)
        conditional = _read_conditional(compiled, structure, terms, read, rho, log_noise, _cores(settings))
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
        if read is not None:
            full_lam = draw_read_likelihoods(read, rho[used[part]], sigma[used[part]], hypothesis[part], full_lam,
                                             structure.fill, rng)
            if read.corroborated_events.size:
                from plausible.engines.readings_op import draw_corroborated_reads

                full_lam[:, read.corroborated_events, :] = draw_corroborated_reads(
                    read, rho[used[part]], sigma[used[part]], hypothesis[part], structure.fill, rng)
        spread[part] = softmax(log_prior + batched_log_likelihood(compiled, structure, rho[used[part]], full_lam))
    hyp = list(compiled.hypothesis_ids)
    idata.posterior["probability"] = xr.DataArray(conditional.reshape(n_chain, n_draw, len(hyp)),
                                                  dims=("chain", "draw", "hypothesis"), coords={"hypothesis": hyp})
    # In a group of its own: thinned, its draws are not the posterior's, and ArviZ's functions (summary, rhat,
    # ess) refuse a posterior variable without the ``draw`` dimension.
    idata["interval"] = xr.Dataset({"probability_draw": xr.DataArray(
        spread.reshape(n_chain, -1, len(hyp)), dims=("chain", "interval_draw", "hypothesis"),
        coords={"chain": idata.posterior["chain"].values, "hypothesis": hyp,
                "interval_draw": np.arange(0, n_draw, thin)})})
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
    noise: tuple[AnalystNoise, ...] = ()
    if read is not None:
        noise = tuple(AnalystNoise(a, float(sigma[:, i].mean()), (float(np.quantile(sigma[:, i], tail)),
                                                                   float(np.quantile(sigma[:, i], 1 - tail))))
                      for i, a in enumerate(read.analyst_ids))
    increments = log_likelihood_increments(compiled.prior, compiled.lam, compiled.rho_effective(),
                                           compiled.event_of, compiled.source_of)
    _describe_run(idata, compiled, settings, inputs_hash)
    return Posterior(
        set_id=compiled.set_id, method=Method.MCMC, hypothesis_ids=compiled.hypothesis_ids, prior=compiled.prior,
        probability=conditional.mean(axis=0), item_ids=compiled.item_ids, increments=increments,
        interval=interval, interval_level=settings.interval, diagnostics=diagnostics, sources=sources,
        inputs_hash=inputs_hash, draws=idata, leader_probability=leader_probability(conditional),
        analysts=noise,
    )


def _noise_start(compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated, read: Readings) -> tuple[
        dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """The noise coordinates' start, jitter and covariance there (:func:`plausible.engines.noise.noise_start`).

    The reliabilities are held at their prior means.
    """
    from plausible.engines.noise import noise_start
    from plausible.engines.readings_op import noisy_inputs, noisy_kernel

    free = np.zeros(compiled.rho.size, dtype=bool)
    free[structure.free_rho] = True
    data = list(noisy_inputs(compiled, structure, without_events(terms, read.read_event), read, free).values())
    rho = compiled.rho_alpha[structure.free_rho] / (compiled.rho_alpha[structure.free_rho]
                                                    + compiled.rho_beta[structure.free_rho])

    def logp_and_grad(log_noise: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        logp, _, grad, _ = noisy_kernel(rho, np.ascontiguousarray(log_noise, dtype=np.float64), *data)
        return float(logp[0]), grad

    return noise_start(logp_and_grad, len(read.analyst_ids))


def _read_conditional(compiled: CompiledSet, structure: SamplingStructure, terms: Corroborated, read: Readings,
                      rho: NDArray[np.float64], log_noise: NDArray[np.float64],
                      threads: int = 1) -> NDArray[np.float64]:
    """P(H | reports, rho, sigma) at every draw, shape (draws, K): the model's kernel without its gradient.

    The draws are shared out over ``threads`` threads (the kernel releases the GIL); each row is computed
    alone, so the result does not depend on how many there are.
    """
    from concurrent.futures import ThreadPoolExecutor

    from plausible.engines.readings_op import noisy_inputs, noisy_kernel

    free = np.zeros(compiled.rho.size, dtype=bool)
    free[structure.free_rho] = True
    inputs = noisy_inputs(compiled, structure, terms, read, free)
    inputs["gradient"] = np.zeros(1, dtype=np.int64)
    data = list(inputs.values())
    out = np.empty((rho.shape[0], compiled.prior.size))

    def rows(block: NDArray[np.int64]) -> None:
        for d in block.tolist():
            out[d] = noisy_kernel(np.ascontiguousarray(rho[d, structure.free_rho]),
                                  np.ascontiguousarray(log_noise[d]), *data)[3]

    threads = max(1, min(threads, rho.shape[0]))
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(rows, np.array_split(np.arange(rho.shape[0]), threads)))
    return out


def leader_probability(conditional: NDArray[np.float64]) -> NDArray[np.float64]:
    """The share of draws in which each hypothesis has the highest conditional probability.

    Parameters
    ----------
    conditional : ndarray, shape (draws, K)
        P(H | reports, ρ) at each posterior draw.

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> leader_probability(np.array([[0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.5, 0.5]])).tolist()
    [0.75, 0.25]
    """
    counts = np.bincount(np.argmax(conditional, axis=1), minlength=conditional.shape[1])
    out: NDArray[np.float64] = counts / max(conditional.shape[0], 1)
    return out


def _describe_run(idata: Any, compiled: CompiledSet, settings: InferenceSettings, inputs_hash: str) -> None:
    """Record in the DataTree's attributes what it was computed from, so a saved result can be traced."""
    idata.attrs.update({"set_id": compiled.set_id, "method": str(Method.MCMC), "inputs_hash": inputs_hash,
                        "seed": settings.seed, "sampler": settings.sampler,
                        "analyst_noise": int(settings.analyst_noise), "noise_blocks": settings.noise_blocks,
                        "plausible_version": tool_version()})


def _categorical_rows(p: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """One index per row of probabilities ``p``."""
    chosen: NDArray[np.int64] = np.minimum((rng.uniform(size=(p.shape[0], 1)) > np.cumsum(p, axis=1)).sum(axis=1),
                                           p.shape[1] - 1).astype(np.int64)
    return chosen


def _diagnostics(idata: Any) -> Diagnostics:
    """Worst R-hat and smallest ESS over the sampled quantities and the probabilities."""
    from plausible.engines.diagnostics import ess_bulk, ess_tail, rhat

    arrays = []
    for name in ("rho", "noise_scale", "probability"):
        if name in idata.posterior:
            values = np.asarray(idata.posterior[name].values, dtype=np.float64)
            arrays.append(values.reshape(values.shape[0], values.shape[1], -1))
    draws = np.concatenate(arrays, axis=2)

    def worst(values: NDArray[np.float64], pick: Any) -> float:
        finite = values[np.isfinite(values)]
        return float(pick(finite)) if finite.size else float("nan")

    measured = Diagnostics(
        r_hat=worst(rhat(draws), np.max),
        ess_bulk=worst(ess_bulk(draws), np.min),
        ess_tail=worst(ess_tail(draws), np.min),
        divergences=int(np.asarray(idata.sample_stats["diverging"].values).sum()),
    )
    return Diagnostics(**{**vars(measured), "warnings": convergence_warnings(measured)})


def convergence_warnings(diagnostics: Diagnostics) -> tuple[str, ...]:
    """Plain-language warnings when the sampler's diagnostics fall short of the thresholds."""
    out = []
    if np.isnan(diagnostics.r_hat):
        out.append("R-hat needs at least two chains: run --chains 2 or more to check convergence")
    elif not diagnostics.r_hat <= CONVERGENCE["r_hat"]:
        out.append(f"R-hat {diagnostics.r_hat:.3f} > {CONVERGENCE['r_hat']}: chains disagree; "
                   "run longer (--draws, --tune) before trusting the numbers")
    for key in ("ess_bulk", "ess_tail"):
        if not getattr(diagnostics, key) >= CONVERGENCE["ess"]:
            out.append(f"{key} {getattr(diagnostics, key):.0f} < {CONVERGENCE['ess']}: too few effective draws; "
                       "increase --draws")
    if diagnostics.divergences:
        out.append(f"{diagnostics.divergences} divergent transitions: the sampler struggled; "
                   "raise target_accept or check for extreme judgments")
    return tuple(out)


def _without_sampling(compiled: CompiledSet, settings: InferenceSettings, inputs_hash: str) -> Posterior:
    """Nothing is uncertain (all points): the exact answer, with a degenerate interval."""
    exact = exact_posterior(compiled, inputs_hash)
    interval = np.stack([exact.probability, exact.probability], axis=1)
    return Posterior(
        set_id=compiled.set_id, method=Method.MCMC, hypothesis_ids=exact.hypothesis_ids, prior=exact.prior,
        probability=exact.probability, item_ids=exact.item_ids, increments=exact.increments, interval=interval,
        interval_level=settings.interval,
        diagnostics=Diagnostics(r_hat=1.0, ess_bulk=float("inf"), ess_tail=float("inf"), divergences=0,
                                note="no uncertain quantity: nothing to sample"),
        inputs_hash=inputs_hash)
