"""Running PyMC's NUTS chains: each chain whole inside one process, chains spread over cores by fork.

``pm.sample`` runs parallel chains in worker processes that hand every draw back to the parent, in lock
step: two pipe round trips per draw, with the parent recording each draw through a compiled function. On
a small model that costs more than the sampling itself. Here every chain runs PyMC's own NUTS step
(:class:`pymc.NUTS`, its adaptation and its statistics unchanged) in a plain loop, the same loop
``pm.sample`` runs for one chain, and returns its draws in one message when it is done. The step is
built and its log-density compiled once, in the parent, before the workers are forked. For the analysts'
noise model on a large set the step is two NUTS steps, one per block of variables
(:mod:`plausible.engines.blocks`), run the same way.

Chain ``i`` takes the generator ``pm.sample(random_seed=seed)`` would give it (``default_rng(seed).spawn(chains)[i]``
after one draw of the chain's integer seed), and its starting jitter from ``SeedSequence([seed, 1]).spawn(chains)[i]``,
so the draws are the same whether the chains run side by side or one after another (cores = 1, or a platform
without ``fork``), and the same as ``pm.sample`` gives for the same step and starts.

The loop uses PyMC's internal step API; those uses are in :mod:`plausible.engines._pymc_private`, which checks
that the installed PyMC and PyTensor are the releases they were tested with. When they are not, it warns, and
the chains run through ``pm.sample`` itself: the same draws, slower (and one NUTS step where there would
be two blocks).
"""

from __future__ import annotations

import multiprocessing
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

import numpy as np
import pymc as pm
from numpy.typing import NDArray
from pymc.step_methods import CompoundStep
from pymc.step_methods.hmc.quadpotential import QuadPotentialDiagAdapt

from plausible.engines import _pymc_private as private

if TYPE_CHECKING:
    from plausible.engines.blocks import BlockedDensity

__all__ = ["ChainRun", "chain_generators", "run_nuts"]

_REPORT_EVERY = 25
"""Iterations between two progress reports of a chain."""


@dataclass(frozen=True)
class ChainRun:
    """The draws of every chain, tuning discarded.

    Attributes
    ----------
    values : dict of str to ndarray
        Each value variable (unconstrained space) by name, shape (chains, draws, *shape).
    stats : dict of str to ndarray
        Sampler statistics by ArviZ name, shape (chains, draws).
    seconds : float
        Wall time of the sampling, compilation excluded.
    sampler : str
        What sampled: ``NUTS``, or ``NUTS in two blocks (reliabilities, noise)``.
    """

    values: dict[str, NDArray[np.float64]]
    stats: dict[str, NDArray[Any]]
    seconds: float
    sampler: str = "NUTS"


def run_nuts(model: pm.Model, centre: dict[str, NDArray[np.float64]], *, draws: int, tune: int, chains: int,
             cores: int, target_accept: float, seed: int,
             progress: Callable[[int, int], None] | None = None,
             spread: dict[str, NDArray[np.float64]] | None = None, blocks: BlockedDensity | None = None,
             noise_covariance: NDArray[np.float64] | None = None) -> ChainRun:
    """Sample ``chains`` chains of PyMC's NUTS on ``model``.

    Parameters
    ----------
    model : pymc.Model
        Every free variable continuous.
    centre : dict of str to ndarray
        A point in the unconstrained space of every value variable; each chain starts at it plus
        uniform(-1, 1) jitter, as ``pm.sample``'s default ``jitter+adapt_diag`` does.
    spread : dict of str to ndarray, optional
        Per variable, the jitter's half-width instead of 1, and the square root of the initial mass
        matrix's diagonal (1 otherwise): for variables whose posterior scale is known to be far from 1.
    draws, tune, chains : int
        Kept draws and tuning iterations per chain, and the number of chains.
    cores : int
        Chains run side by side in up to this many forked processes; one after another when 1, and on
        platforms where ``pm.sample`` does not fork either (Windows, macOS on Intel).
    target_accept : float
    seed : int
    progress : callable, optional
        Called now and then with (iterations done, iterations in all), tuning included.
    blocks : BlockedDensity, optional
        Sample the analysts' noise model in two blocks (:mod:`plausible.engines.blocks`): each iteration a
        NUTS step on the reliabilities (``rho_logodds__``), then one on the noise coordinates, each with
        ``blocks``' log density of its block. Without it, one NUTS step moves every variable.
    noise_covariance : ndarray, optional
        With ``blocks``, the noise block's initial mass matrix (a covariance in its coordinates; by default
        the diagonal of ``spread``'s squares).

    Returns
    -------
    ChainRun

    Raises
    ------
    RuntimeError
        When a start is not finite, a chain fails or its process ends without a result (the worker's
        traceback is attached as a note).

    Warns
    -----
    UserWarning
        Once, when the installed PyMC or PyTensor is not the release tested; the chains then run through
        ``pm.sample``.
    """
    names = [v.name for v in model.value_vars]
    half = {name: np.broadcast_to((spread or {}).get(name, 1.0), np.shape(centre[name])) for name in names}
    jitters = np.random.SeedSequence([seed, 1]).spawn(chains)
    starts = [{name: centre[name] + half[name] * np.random.default_rng(jitter).uniform(-1.0, 1.0, half[name].shape)
               for name in names} for jitter in jitters]
    trusted = private.trusted()
    if blocks is not None and trusted:
        step = _blocked_step(model, blocks, starts, half, target_accept, seed, noise_covariance)
        _check_blocked_starts(blocks, starts)
    else:
        mean = np.mean([np.concatenate([np.ravel(s[name]) for name in names]) for s in starts], axis=0)
        variance = np.concatenate([np.ravel(half[name]) ** 2 for name in names])
        potential = QuadPotentialDiagAdapt(mean.size, mean, variance, 10, rng=np.random.default_rng(seed))
        step = pm.NUTS(vars=model.value_vars, model=model, potential=potential, rng=np.random.default_rng(seed),
                       initial_point=starts[0], target_accept=target_accept)
        if not trusted:
            return _through_pm_sample(model, step, starts, names, draws=draws, tune=tune, cores=cores, seed=seed,
                                      progress=progress)
        _check_starts(step, starts, names)
    job = _Job(step, private.initial_state(step), names, starts, chain_generators(seed, chains), tune, draws)
    started = time.perf_counter()
    if progress is not None:
        progress(0, job.iterations * chains)
    workers = min(cores, chains) if _can_fork() else 1
    results = _forked(job, workers, progress) if workers > 1 else _serial(job, progress)
    values = {name: np.stack([r[0][name] for r in results]) for name in names}
    stats = {key: np.stack([r[1][key] for r in results]) for key in results[0][1]}
    sampler = "NUTS in two blocks (reliabilities, noise)" if isinstance(step, CompoundStep) else "NUTS"
    return ChainRun(values, stats, time.perf_counter() - started, sampler)


def chain_generators(seed: int, chains: int) -> list[np.random.Generator]:
    """The generator of each chain, as ``pm.sample(random_seed=seed)`` makes them.

    ``pm.sample`` spawns one generator per chain from ``default_rng(seed)`` and draws the chain's integer
    seed (for its initial point) from each before sampling.
    """
    generators = np.random.default_rng(seed).spawn(chains)
    for generator in generators:
        generator.integers(2**30)
    return generators


def _check_starts(step: Any, starts: list[dict[str, NDArray[np.float64]]], names: list[str]) -> None:
    """Every start must have a finite log-density and gradient.

    This also runs the compiled function once here, so that numba loads (or compiles) it once, in this
    process, rather than in every worker.
    """
    function = private.logp_and_gradient(step)
    for chain, start in enumerate(starts):
        logp, grad = function(np.concatenate([np.ravel(start[name]) for name in names]))
        if not (np.isfinite(logp) and np.isfinite(grad).all()):
            raise RuntimeError(f"chain {chain} starts where the log-density is not finite ({logp}); "
                               "the model is broken")


_NOISE = ("noise_total", "noise_share")


def _blocked_step(model: pm.Model, blocks: BlockedDensity, starts: list[dict[str, NDArray[np.float64]]],
                  half: dict[str, NDArray[np.float64]], target_accept: float, seed: int,
                  noise_covariance: NDArray[np.float64] | None) -> Any:
    """Two NUTS steps, the reliabilities' then the noise's, each adapting its own step size and mass matrix.

    The noise block aims at a lower acceptance than the setting (:func:`plausible.engines.blocks.noise_target_accept`).
    """
    from pymc.step_methods.hmc.quadpotential import QuadPotentialFullAdapt

    from plausible.engines.blocks import noise_target_accept

    value = {v.name: v for v in model.value_vars}

    def mean(names: tuple[str, ...]) -> NDArray[np.float64]:
        return np.mean([np.concatenate([np.ravel(s[name]) for name in names]) for s in starts], axis=0)

    rho_mean = mean(("rho_logodds__",))
    rho_potential = QuadPotentialDiagAdapt(rho_mean.size, rho_mean, np.ravel(half["rho_logodds__"]) ** 2, 10,
                                           rng=np.random.default_rng(seed))
    noise_mean = mean(_NOISE)
    covariance = (np.diag(np.concatenate([np.ravel(half[name]) for name in _NOISE]) ** 2)
                  if noise_covariance is None else noise_covariance)
    noise_potential = QuadPotentialFullAdapt(noise_mean.size, noise_mean, covariance, 10,
                                             rng=np.random.default_rng([seed, 2]))
    rho_step = private.nuts_on(model, [value["rho_logodds__"]], blocks.reliabilities,
                               {value[name]: getattr(blocks, name) for name in _NOISE},
                               potential=rho_potential, target_accept=target_accept,
                               rng=np.random.default_rng(seed), initial_point=starts[0])
    noise_step = private.nuts_on(model, [value[name] for name in _NOISE], blocks.noise,
                                 {value["rho_logodds__"]: blocks.rho_logodds}, potential=noise_potential,
                                 target_accept=noise_target_accept(target_accept),
                                 rng=np.random.default_rng([seed, 2]),
                                 initial_point=starts[0])
    return CompoundStep([rho_step, noise_step])


def _check_blocked_starts(blocks: BlockedDensity, starts: list[dict[str, NDArray[np.float64]]]) -> None:
    """Every start must have a finite log density and gradient in both blocks (see :func:`_check_starts`)."""
    for chain, start in enumerate(starts):
        blocks.rho_logodds.set_value(start["rho_logodds__"])
        blocks.noise_total.set_value(start["noise_total"])
        blocks.noise_share.set_value(start["noise_share"])
        noise = np.concatenate([np.ravel(start[name]) for name in _NOISE])
        for logp, grad in (blocks.reliabilities(start["rho_logodds__"]), blocks.noise(noise)):
            if not (np.isfinite(logp) and np.isfinite(grad).all()):
                raise RuntimeError(f"chain {chain} starts where the log-density is not finite ({logp}); "
                                   "the model is broken")


def _through_pm_sample(model: pm.Model, step: Any, starts: list[dict[str, NDArray[np.float64]]], names: list[str],
                       *, draws: int, tune: int, cores: int, seed: int,
                       progress: Callable[[int, int], None] | None) -> ChainRun:
    """The same chains through ``pm.sample``'s public API: the same step, starts and generators, so the same draws.

    Slower than the loop (parallel chains hand every draw back to this process), and the only path that
    does not depend on PyMC's internals.
    """
    chains = len(starts)
    for chain, start in enumerate(starts):
        try:
            model.check_start_vals({name: np.copy(value) for name, value in start.items()})
        except pm.exceptions.SamplingError as exc:
            raise RuntimeError(f"chain {chain} starts where the log-density is not finite; "
                               "the model is broken") from exc
    total = (tune + draws) * chains
    counts = [0] * chains

    def count(trace: Any, draw: Any) -> None:
        counts[draw.chain] = draw.draw_idx + 1
        if progress is not None and (draw.draw_idx + 1) % _REPORT_EVERY == 0:
            progress(sum(counts), total)

    if progress is not None:
        progress(0, total)
    started = time.perf_counter()
    with model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=min(cores, chains), step=step,
                          initvals=[dict(start) for start in starts], random_seed=seed, progressbar=False,
                          quiet=True, compute_convergence_checks=False, callback=count,
                          idata_kwargs={"include_transformed": True})  # the value variables, as sampled
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(total, total)
    values = {name: np.asarray(idata.posterior[name].values, dtype=np.float64) for name in names}
    stats = {name: np.asarray(idata.sample_stats[name].values) for name in private.STATS.values()}
    return ChainRun(values, stats, seconds)


def _can_fork() -> bool:
    """Where ``pm.sample`` itself forks its workers: Linux, and macOS on Apple silicon."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return sys.platform.startswith("linux") or (sys.platform == "darwin" and platform.machine() == "arm64")


@dataclass(frozen=True)
class _Job:
    """What every chain needs: the step (with its state before any chain), starts and generators."""

    step: Any
    state: Any
    names: list[str]
    starts: list[dict[str, NDArray[np.float64]]]
    generators: list[np.random.Generator]
    """Per chain, its generator (see :func:`chain_generators`)."""
    tune: int
    draws: int

    @property
    def iterations(self) -> int:
        return self.tune + self.draws


_Result = tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[Any]]]


def _chain(job: _Job, chain: int, report: Callable[[int], None]) -> _Result:
    """One chain, as ``pm.sample`` drives a step for one chain (its ``_iter_sample``), tuning discarded."""
    return private.run_chain(job.step, job.state, job.starts[chain], job.generators[chain], tune=job.tune,
                             draws=job.draws, names=job.names, report=report, every=_REPORT_EVERY,
                             second_prefix="noise_")


def _serial(job: _Job, progress: Callable[[int, int], None] | None) -> list[_Result]:
    total = job.iterations * len(job.starts)
    results: list[_Result] = []
    for chain in range(len(job.starts)):
        def report(i: int, done: int = chain * job.iterations) -> None:
            if progress is not None:
                progress(done + i, total)
        results.append(_chain(job, chain, report))
    return results


def _forked(job: _Job, workers: int, progress: Callable[[int, int], None] | None) -> list[_Result]:
    """Chains split into ``workers`` contiguous blocks, each block in one forked process."""
    context = multiprocessing.get_context("fork")
    chains = len(job.starts)
    counts = context.RawArray("q", chains)  # iterations done per chain, written by the workers
    blocks = [[int(c) for c in block] for block in np.array_split(np.arange(chains), workers)]
    pending: dict[Connection, tuple[Any, list[int]]] = {}
    results: dict[int, _Result] = {}
    try:
        for block in blocks:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(job, block, counts, send), daemon=True)
            process.start()
            send.close()
            pending[receive] = (process, block)
        while pending:
            for ready in wait(list(pending), timeout=0.2):
                conn = next(c for c in pending if c is ready)
                process, block = pending.pop(conn)
                _collect(conn, process, block, results)
            if progress is not None:
                progress(int(sum(counts)), job.iterations * chains)
    finally:
        for process, _ in pending.values():
            process.kill()
            process.join()
    return [results[chain] for chain in range(chains)]


def _collect(conn: Connection, process: Any, block: list[int], results: dict[int, _Result]) -> None:
    try:
        kind, payload = conn.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"the process sampling chains {block} ended without a result "
                           f"(exit code {process.exitcode})") from None
    process.join()
    if kind == "error":
        message, trace = payload
        error = RuntimeError(f"sampling chains {block} failed: {message}")
        error.add_note(trace)
        raise error
    results.update(zip(block, payload, strict=True))


def _worker(job: _Job, block: Sequence[int], counts: Any, send: Connection) -> None:
    try:
        out = []
        for chain in block:
            def report(i: int, chain: int = chain) -> None:
                counts[chain] = i
            out.append(_chain(job, chain, report))
        send.send(("ok", out))
    except BaseException as exc:  # everything goes back to the parent, which raises it
        send.send(("error", (f"{type(exc).__name__}: {exc}", traceback.format_exc())))
    finally:
        send.close()
