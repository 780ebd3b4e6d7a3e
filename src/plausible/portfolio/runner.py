"""Running a portfolio on Dask distributed: batches out, rows back, each batch written as it arrives.

The cluster is an embedded :class:`~distributed.LocalCluster` of processes on 127.0.0.1 (no dashboard, one
thread per worker) or an existing one reached by its scheduler address. Dask's workers are daemonic processes,
which cannot start processes of their own: so an MCMC task runs its chains one after the other in the
worker (``cores=1``), and the parallelism is across sets, one task per set. Exact sets take milliseconds, so
they travel in batches sized to give each worker a few, keeping the scheduler's per-task cost small.

A worker that dies mid-task is survived by Dask (the scheduler hands its tasks to another worker); since only
this client writes rows, and writes each set once, a retried task cannot add a duplicate row. Ctrl-C cancels
what is left and keeps what was written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plausible.core.errors import UsageError
from plausible.core.types import Method
from plausible.core.version import tool_version
from plausible.portfolio.discovery import find_workspaces
from plausible.portfolio.planning import Failure, PlannedSet, plan_each
from plausible.portfolio.store import Store, new_run_id
from plausible.portfolio.tasks import SetOutcome, SetTask, compute_batch, worker_version

if TYPE_CHECKING:
    from dask.distributed import Client

    from plausible.briefing.confidence import Confidence

__all__ = ["RunSummary", "dask_client", "run_portfolio"]

EXACT_BATCH = 50
"""Exact sets in one task (~0.1-0.2 s of work): the scheduler's few milliseconds a task stay small beside it."""

Progress = Callable[[int, int, int], None]
"""Told (sets done, sets to compute, failures so far) as results arrive; the number to compute grows while
workspaces are being read."""


@dataclass
class RunSummary:
    """What a run did: the ``--json`` summary, plus its id and whether it was interrupted."""

    out: Path
    run_id: str
    computed: int = 0
    skipped: int = 0
    failed: list[Failure] = field(default_factory=list)
    workspaces: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds: ``plan`` finding, loading, compiling and keying (while the first batches compute), ``cluster``
    starting it, ``compute`` from the first batch sent to the last result, ``write`` writing the store."""

    def to_dict(self) -> dict[str, Any]:
        """``{"computed", "skipped", "failed": [{"workspace", "set", "messages"}], "out", ...}``."""
        return {"computed": self.computed, "skipped": self.skipped, "failed": [f.to_dict() for f in self.failed],
                "out": str(self.out), "run_id": self.run_id, "workspaces": self.workspaces,
                "interrupted": self.interrupted, "seconds": round(self.seconds, 3),
                "phases": {name: round(value, 3) for name, value in self.phases.items()}}


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A Dask client: on an embedded local cluster of ``workers`` processes, or on ``scheduler``'s cluster.

    The embedded cluster listens on 127.0.0.1 only, has no dashboard, runs one thread per worker, and is
    closed on leaving. Dask's own warnings and log lines while starting and stopping (e.g. about ports or
    slow scratch folders) are kept out of the user's output: they concern Dask's machinery, not the results.

    Raises
    ------
    UsageError
        When the scheduler cannot be reached, or a worker runs another version of the tool.
    """
    from dask.distributed import Client, LocalCluster

    with _quiet():
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            cluster = None
        else:
            # No dashboard; the scheduler's small HTTP service (health checks) on 127.0.0.1 too, any free port.
            cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                                   scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                                   preload=["plausible.portfolio.workerinit"])
            client = Client(cluster)
    try:
        check_versions(client)
        yield client
    finally:
        with _quiet():
            client.close()
            if cluster is not None:
                cluster.close()


def check_versions(client: Client) -> None:
    """Refuse a cluster whose workers run another version of the tool than this client.

    Raises
    ------
    UsageError
        Naming the workers and their versions.
    """
    mine = tool_version()
    theirs = client.run(worker_version)
    other = {address: v for address, v in theirs.items() if v != mine}
    if other:
        listed = ", ".join(f"{a} ({v})" for a, v in sorted(other.items()))
        raise UsageError(f"workers run another version of plausible than this client ({mine}): {listed}")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def run_portfolio(
    roots: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    method: Method = Method.EXACT,
    options: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    exclude: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    analyses: bool = False,
    progress: Progress | None = None,
    client: Client | None = None,
) -> RunSummary:
    """Compute every set under ``roots`` that has no up-to-date result in ``out``; write each batch as it arrives.

    Parameters
    ----------
    roots : sequence of path
        Workspaces, or folders holding workspaces (see :func:`~plausible.portfolio.discovery.find_workspaces`).
    out : path
        The results store (a Parquet dataset; created if missing).
    method : Method
    options : dict, optional
        MCMC settings overriding the model files' (draws, tune, chains, seed, ...).
    as_of : datetime.date, optional
        Use only the evidence reported by this day.
    exclude : sequence of str
        Globs of folders not to search.
    workers : int, optional
        Size of the embedded cluster (default: one per CPU).
    scheduler : str, optional
        Address of an existing Dask scheduler, used instead of an embedded cluster.
    analyses : bool
        Also compute leader stability and flip distance.
    progress : callable, optional
        Told (done, to compute, failures) as results arrive.
    client : distributed.Client, optional
        An existing client to use (its cluster is left running).

    Returns
    -------
    RunSummary
        ``interrupted`` is set when Ctrl-C stopped the run (what had arrived is written).
    """
    started = time.perf_counter()
    store = Store(Path(out))
    now = dt.datetime.now(dt.UTC)
    summary = RunSummary(store.folder, new_run_id(now))
    found = find_workspaces(roots, exclude)
    summary.workspaces = len(found)
    record = {"run_id": summary.run_id, "started_at": now.isoformat(), "roots": [str(r) for r in roots],
              "method": str(method), "as_of": None if as_of is None else as_of.isoformat(),
              "tool_version": tool_version(), "status": "running"}
    store.write_run(summary.run_id, record)
    session = _Session(store, summary, method, as_of, progress, client, workers, scheduler)
    try:
        try:
            for part in plan_each(found, store.latest_keys(), method=method, options=options, as_of=as_of,
                                  analyses=analyses):
                summary.skipped += part.skipped
                summary.failed.extend(part.failures)
                session.add(part.todo)
            session.flush()
            summary.phases["plan"] = time.perf_counter() - started - summary.phases.get("cluster", 0.0)
            session.finish()
        finally:
            session.close()
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.perf_counter() - started
        store.write_run(summary.run_id, {**record, **summary.to_dict(), "out": str(store.folder),
                                         "status": "interrupted" if summary.interrupted else "finished",
                                         "finished_at": dt.datetime.now(dt.UTC).isoformat()})
    return summary


class _Session:
    """Sends the planned sets to the cluster in batches as they are planned, and writes results as they arrive.

    The cluster is started with the first batch (a run with nothing to compute starts none). While workspaces
    are still being read, finished batches are written between two workspaces; then the rest is waited for.
    """

    def __init__(self, store: Store, summary: RunSummary, method: Method, as_of: dt.date | None,
                 progress: Progress | None, client: Client | None, workers: int | None, scheduler: str | None
                 ) -> None:
        self.store, self.summary, self.method, self.as_of, self.progress = store, summary, method, as_of, progress
        self.client, self.workers, self.scheduler = client, workers, scheduler
        self.own: contextlib.ExitStack | None = None
        self.buffer: list[PlannedSet] = []
        self.groups: dict[Any, tuple[int, list[PlannedSet]]] = {}
        self.pending: Any = None
        self.written: set[tuple[str, str]] = set()
        self.planned = self.done = self.sent = 0
        self.compute_started: float | None = None

    def add(self, todo: list[PlannedSet]) -> None:
        """Queue sets; send full batches; write whatever has arrived meanwhile."""
        self.planned += len(todo)
        self.buffer.extend(todo)
        size = 1 if self.method is Method.MCMC else EXACT_BATCH
        while len(self.buffer) >= size:
            self._submit(self.buffer[:size])
            del self.buffer[:size]
        if self.pending is not None and self.pending.has_ready():
            for future in self.pending.next_batch(block=False):
                self._arrived(future)
        self._report()

    def flush(self) -> None:
        """Send the last, partial batch."""
        if self.buffer:
            self._submit(self.buffer)
            self.buffer = []
        self._report()

    def finish(self) -> None:
        """Wait for every batch, writing each as it arrives."""
        if self.pending is None:
            return
        try:
            for future in self.pending:
                self._arrived(future)
        except KeyboardInterrupt:
            with _quiet():
                assert self.client is not None
                self.client.cancel(list(self.pending.futures))
            raise
        finally:
            if self.compute_started is not None:
                self.summary.phases["compute"] = time.perf_counter() - self.compute_started

    def close(self) -> None:
        """Stop the cluster this session started (an existing client is left as it was)."""
        if self.own is not None:
            self.own.close()

    def _connect(self) -> Client:
        if self.client is None:
            begun = time.perf_counter()
            self.own = contextlib.ExitStack()
            self.client = self.own.enter_context(dask_client(self.workers, self.scheduler))
            self.summary.phases["cluster"] = time.perf_counter() - begun
        if self.pending is None:
            from dask.distributed import as_completed

            self.pending = as_completed()
            self.compute_started = time.perf_counter()
        return self.client

    def _submit(self, group: list[PlannedSet]) -> None:
        client = self._connect()
        number = self.sent  # a batch's number names its task and its file: never reused in a run
        self.sent += 1
        tasks: list[SetTask] = [planned.task for planned in group]
        future = client.submit(compute_batch, tasks, pure=False, key=f"plausible-{self.summary.run_id}-{number}")
        self.groups[future.key] = (number, group)
        self.pending.add(future)

    def _arrived(self, future: Any) -> None:
        number, group = self.groups.pop(future.key)
        summary = self.summary
        if future.status == "error":
            message = f"the task failed on the cluster: {future.exception()!r}"
            summary.failed.extend(Failure(p.task.workspace, p.task.set_id, (message,)) for p in group)
        else:
            outcomes: list[SetOutcome] = future.result()
            by_set = {(p.task.workspace, p.task.set_id): p for p in group}
            rows = []
            for outcome in outcomes:
                where = (outcome.workspace, outcome.set_id)
                if where in self.written:
                    continue  # never twice, whatever Dask retried
                self.written.add(where)
                if outcome.error is not None:
                    summary.failed.append(Failure(outcome.workspace, outcome.set_id, (outcome.error,)))
                    continue
                rows.extend(_rows(by_set[where], outcome, summary.run_id, dt.datetime.now(dt.UTC), self.as_of))
                summary.computed += 1
            if rows:
                begun = time.perf_counter()
                self.store.write_batch(summary.run_id, number, rows)
                summary.phases["write"] = summary.phases.get("write", 0.0) + time.perf_counter() - begun
        self.done += len(group)
        future.release()
        self._report()

    def _report(self) -> None:
        if self.progress is not None and self.planned:
            self.progress(self.done, self.planned, len(self.summary.failed))


def _rows(planned: PlannedSet, outcome: SetOutcome, run_id: str, now: dt.datetime,
          as_of: dt.date | None) -> list[dict[str, Any]]:
    task = planned.task
    diagnostics = outcome.diagnostics or {}
    confidence = _confidence(planned, outcome)
    criteria = json.dumps([{"name": c.name, "rating": c.rating, "detail": c.detail} for c in confidence.criteria],
                          ensure_ascii=False)
    out = []
    for k, hypothesis in enumerate(planned.hypothesis_ids):
        p = outcome.probability[k]
        interval = None if outcome.interval is None else outcome.interval[k]
        out.append({
            "workspace": task.workspace, "set": task.set_id, "hypothesis": hypothesis, "probability": p,
            "interval_low": None if interval is None else interval[0],
            "interval_high": None if interval is None else interval[1],
            "method": task.method, "inputs_hash": task.key, "tool_version": task.version, "as_of": as_of,
            "run_id": run_id, "computed_at": now, "question": planned.question, "prior": planned.prior[k],
            "term": planned.describe(p), "evidence": planned.evidence, "interval_level": outcome.interval_level,
            "r_hat": diagnostics.get("r_hat"), "ess_bulk": diagnostics.get("ess_bulk"),
            "divergences": diagnostics.get("divergences"), "leader_share": outcome.leader_share,
            "flip_steps": outcome.flip_steps, "settings": planned.settings_json, "seconds": outcome.seconds,
            "confidence": confidence.level, "confidence_criteria": criteria,
        })
    return out


def _confidence(planned: PlannedSet, outcome: SetOutcome) -> Confidence:
    """The briefing's confidence criteria on what the run computed (judgments and imprecision with --analyses).

    The analysts' agreement needs each analyst's view of the workspace: the client computed it when planning.
    """
    from plausible.briefing.confidence import ConfidenceInputs, assess_confidence

    facts: dict[str, Any] = dict(outcome.facts or {})
    lead = max(range(len(outcome.probability)), key=outcome.probability.__getitem__)
    width = None if outcome.interval is None else outcome.interval[lead][1] - outcome.interval[lead][0]
    return assess_confidence(ConfidenceInputs(
        reports=planned.evidence, good_reports=planned.good_reports, interval_width=width,
        flip_steps=outcome.flip_steps, leader_share=outcome.leader_share, **facts, **planned.analysts))
