"""What travels to a worker and back: a set's compiled arrays and settings, and the numbers of its result.

Everything here is plain data (NumPy arrays, pydantic settings, dataclasses), so a worker needs neither the
workspace's files nor a shared filesystem, only the same version of the tool (checked per task).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import PlausibleError
from plausible.core.version import tool_version

if TYPE_CHECKING:
    from plausible.analysis.fragility import JudgmentLadder
    from plausible.model.compiled import CompiledSet
    from plausible.model.schema.model import InferenceSettings

__all__ = ["SetOutcome", "SetTask", "compute_batch", "worker_version"]


@dataclass(frozen=True)
class SetTask:
    """One set to compute.

    Attributes
    ----------
    workspace, set_id : str
        Where the set comes from (labels only: the worker reads no file).
    key : str
        The set's inputs hash (its own inputs, the tool version, the method and the settings).
    method : str
        ``exact`` or ``mcmc``.
    compiled : CompiledSet
    settings : InferenceSettings or None
        The MCMC settings (``cores=1``: a worker's chains run in its own process); None for ``exact``.
    ladder : JudgmentLadder or None
        The set's judgment ladder, when the flip distance is wanted (``--analyses``).
    stability : bool
        Whether to compute the leader's stability (``--analyses``).
    version : str
        The client's tool version; a worker of another version refuses the task.
    """

    workspace: str
    set_id: str
    key: str
    method: str
    compiled: CompiledSet
    settings: InferenceSettings | None = None
    ladder: JudgmentLadder | None = None
    stability: bool = False
    version: str = ""


@dataclass(frozen=True)
class SetOutcome:
    """The numbers of one set's result (no draws: they stay on the worker), or the error it raised."""

    workspace: str
    set_id: str
    key: str
    probability: tuple[float, ...] = ()
    interval: tuple[tuple[float, float], ...] | None = None
    interval_level: float | None = None
    diagnostics: dict[str, Any] | None = None
    leader_share: float | None = None
    flip_steps: int | None = None
    seconds: float = 0.0
    error: str | None = None
    facts: dict[str, Any] | None = None
    """What the confidence criteria read beyond the numbers above (see :func:`confidence_facts`)."""


def worker_version() -> str:
    """The tool version where this runs (the client asks each worker)."""
    return tool_version()


def compute_batch(tasks: list[SetTask]) -> list[SetOutcome]:
    """Compute each task's posterior (and analyses), in order; run on a worker.

    A set whose engine refuses it (a :class:`~plausible.core.errors.PlausibleError`) gives an outcome with
    ``error`` set, and the others go on; any other exception fails the batch, which Dask reports.

    Raises
    ------
    RuntimeError
        When the worker runs another version of the tool than the client.
    """
    mine = tool_version()
    out = []
    for task in tasks:
        if task.version and task.version != mine:
            raise RuntimeError(f"this worker runs plausible {mine}, the client {task.version}: install the "
                               "same version on every worker")
        out.append(_compute(task))
    return out


def _compute(task: SetTask) -> SetOutcome:
    from plausible.engines import run_engine

    started = time.perf_counter()
    try:
        result = run_engine(task.compiled, task.method, task.settings, inputs_hash=task.key)
        exact = result if task.settings is None else run_engine(task.compiled, "exact")
        facts = confidence_facts(task.compiled, exact.probability, result.probability)
        share = steps = None
        leader = int(result.probability.argmax())
        if task.stability:
            from plausible.analysis.fragility import leader_stability

            share = float(leader_stability(task.compiled).share[leader])
        if task.ladder is not None:
            from plausible.analysis.fragility import flip_distance_of
            from plausible.briefing.confidence import judgment_facts

            flip = flip_distance_of(task.compiled, task.ladder)
            judged = judgment_facts(flip, task.compiled.hypothesis_ids[leader], lambda c: c.describe(), str)
            steps = judged.pop("flip_steps")
            facts.update(judged)
    except PlausibleError as exc:
        return SetOutcome(task.workspace, task.set_id, task.key, error=str(exc),
                          seconds=time.perf_counter() - started)
    interval = None if result.interval is None else tuple((float(lo), float(hi)) for lo, hi in result.interval)
    return SetOutcome(
        task.workspace, task.set_id, task.key, tuple(float(p) for p in result.probability), interval,
        result.interval_level, None if result.diagnostics is None else result.diagnostics.to_dict(),
        share, steps, time.perf_counter() - started, None, facts,
    )


def confidence_facts(compiled: CompiledSet, exact: NDArray[np.float64], chosen: NDArray[np.float64]) -> dict[str, Any]:
    """The single-report and single-source facts of the confidence criteria, as the briefing counts them.

    Linchpins are the reports whose removal changes the exact leader or moves it by 10 points; sources are
    set to reliability 0 one at a time; ``chosen`` is the engine's answer, whose leader is the one judged.
    """
    from plausible.analysis.sensitivity import LINCHPIN_SHIFT, sensitivity

    sens = sensitivity(compiled, exact)
    lead = int(np.argmax(chosen))
    index = {item: j for j, item in enumerate(compiled.item_ids)}
    loo_leaders = [int(np.argmax(sens.leave_one_out[index[item]])) for item in sens.linchpins]
    stressed = list(sens.source_stress.values())
    return {
        "linchpins": len(sens.linchpins),
        "linchpins_changing_leader": sum(k != lead for k in loo_leaders),
        "sources_moving_leader": sum(int(np.argmax(p)) == lead and abs(float(p[lead]) - float(exact[lead]))
                                     >= LINCHPIN_SHIFT - 1e-12 for p in stressed),
        "sources_changing_leader": sum(int(np.argmax(p)) != lead for p in stressed),
    }
