"""Planning a run on the client: load each workspace, compile each set, and key it by its own inputs.

A set's key (its ``inputs_hash`` in the store) is one SHA-256 over the files the set reads (its hypothesis
file, its model file, the source registry, the analysts' files, every evidence file with an item bearing on
it), the arrays it compiles to (which catch what a file elsewhere changes, such as a correction superseding
one of its items), the tool version, the method, the settings and the ``as_of`` day. A set whose latest
result in the store has that key is skipped; a changed evidence file changes the keys of the sets it feeds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from plausible.analysis.analysts import analysts_report, judging_analysts
from plausible.briefing.confidence import analyst_facts
from plausible.briefing.content import is_good_source
from plausible.core.errors import InputError, PlausibleError, Problem
from plausible.core.types import Method
from plausible.core.version import tool_version
from plausible.portfolio.tasks import SetTask

if TYPE_CHECKING:
    from plausible.model.compiled import CompiledSet
    from plausible.workspace import Workspace

__all__ = ["Failure", "Plan", "PlannedSet", "plan_each", "plan_run", "set_key"]

LOADING_THREADS = 8
"""Workspaces loaded at once on the client."""


@dataclass(frozen=True)
class Failure:
    """A workspace or set that could not be computed, and why (``path:line: message`` lines)."""

    workspace: str
    set_id: str | None
    messages: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"workspace", "set", "messages"}``."""
        return {"workspace": self.workspace, "set": self.set_id, "messages": list(self.messages)}


@dataclass(frozen=True)
class PlannedSet:
    """A set to compute, with what the client keeps to write its rows (the task is what travels)."""

    task: SetTask
    question: str
    hypothesis_ids: tuple[str, ...]
    prior: tuple[float, ...]
    evidence: int
    describe: Callable[[float], str | None]
    settings_json: str
    good_reports: int = 0
    """Reports from sources graded A or B (or of reliability >= 0.8), for the confidence criteria."""
    analysts: dict[str, Any] = field(default_factory=dict)
    """The analysts criterion's facts (:func:`plausible.briefing.confidence.analyst_facts`), computed here since
    they need each analyst's view of the workspace; empty when at most one analyst judged the set."""


@dataclass
class Plan:
    """What a run computes, what it skips and what failed before computing."""

    todo: list[PlannedSet] = field(default_factory=list)
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    workspaces: int = 0


def set_key(ws: Workspace, set_id: str, compiled: CompiledSet, method: Method, settings_json: str) -> str:
    """The inputs hash of one set (see the module notes)."""
    hs = ws.hypothesis_set(set_id)
    read = {hs.path, f"models/{hs.model.name}.yaml", f"models/{hs.model.name}.yml", "evidence/sources.yaml"}
    read.update(item.path for item in ws.all_items if set_id in item.likelihoods or set_id in item.judged)
    digest = hashlib.sha256()
    for path, sha in sorted(ws.files.items()):
        if path in read or path.startswith("analysts/"):
            digest.update(f"file\0{path}\0{sha}\n".encode())
    for spec in dataclasses.fields(compiled):
        value = getattr(compiled, spec.name)
        if isinstance(value, np.ndarray):
            digest.update(f"{spec.name}\0{value.dtype.str}\0{value.shape}\n".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(f"{spec.name}\0{value!r}\n".encode())
    as_of = "" if ws.as_of is None else ws.as_of.isoformat()
    digest.update(f"tool\0{tool_version()}\0method\0{method}\0settings\0{settings_json}\0as_of\0{as_of}".encode())
    return digest.hexdigest()


def plan_run(
    workspaces: Sequence[Path],
    latest: dict[tuple[str, str, str], str],
    *,
    method: Method,
    options: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    analyses: bool = False,
) -> Plan:
    """Load and compile every set of ``workspaces``; keep those whose key differs from ``latest``'s.

    Parameters
    ----------
    workspaces : sequence of Path
    latest : dict
        The inputs hash of each (workspace, set, method)'s latest stored result.
    method : Method
    options : dict, optional
        MCMC settings overriding each set's model file (``cores`` is always 1: see the module notes of
        :mod:`plausible.portfolio.runner`).
    as_of : datetime.date, optional
    analyses : bool
        Also compute leader stability and flip distance.

    Returns
    -------
    Plan
        A workspace that does not load is one failure with its ``path:line`` messages.
    """
    whole = Plan(workspaces=len(workspaces))
    for part in plan_each(workspaces, latest, method=method, options=options, as_of=as_of, analyses=analyses):
        whole.todo.extend(part.todo)
        whole.failures.extend(part.failures)
        whole.skipped += part.skipped
    return whole


def plan_each(
    workspaces: Sequence[Path],
    latest: dict[tuple[str, str, str], str],
    *,
    method: Method,
    options: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    analyses: bool = False,
) -> Iterator[Plan]:
    """The plan of each workspace in turn (as :func:`plan_run`), so that computing can start with the first."""
    from plausible.workspace import load_workspace

    version = tool_version()

    def load(root: Path) -> Workspace | InputError:
        try:
            return load_workspace(root, as_of=as_of)
        except InputError as exc:
            return exc

    # Loading waits on the disk (reading, and the parse cache's synced writes): a few threads overlap that.
    with ThreadPoolExecutor(max_workers=LOADING_THREADS) as pool:
        for root, ws in zip(workspaces, pool.map(load, workspaces), strict=True):
            part = Plan(workspaces=1)
            _plan_workspace(part, root, ws, method, options or {}, analyses, version, latest)
            yield part


def _plan_workspace(plan: Plan, root: Path, ws: Workspace | InputError, method: Method, options: dict[str, Any],
                    analyses: bool, version: str, latest: dict[tuple[str, str, str], str]) -> None:
    label = str(root)
    if isinstance(ws, InputError):
        plan.failures.append(Failure(label, None, tuple(f"{root / p.path}{_line(p)}: {p.message}"
                                                          for p in ws.problems)))
        return
    for set_id, hs in ws.sets.items():
        try:
            planned = _plan_set(ws, label, set_id, method, options, analyses, version)
        except PlausibleError as exc:
            plan.failures.append(Failure(label, set_id, (f"{root / hs.path}: {exc}",)))
            continue
        if latest.get((label, set_id, str(method))) == planned.task.key:
            plan.skipped += 1
        else:
            plan.todo.append(planned)


def _line(problem: Problem) -> str:
    return "" if problem.line is None else f":{problem.line}"


def _plan_set(ws: Workspace, label: str, set_id: str, method: Method, options: dict[str, Any], analyses: bool,
              version: str) -> PlannedSet:
    hs = ws.hypothesis_set(set_id)
    settings = None
    if method is Method.MCMC:
        settings = ws.settings(set_id, **{**options, "cores": 1})
    compiled = ws.compiled(set_id, by_analyst=settings is not None and settings.analyst_noise)
    settings_json = "" if settings is None else json.dumps(settings.model_dump(mode="json"), sort_keys=True)
    ladder = None
    if analyses:
        from plausible.analysis.fragility import judgment_ladder

        weights = {a: entry.weight for a, entry in ws.analysts.items()}
        ladder = judgment_ladder(compiled, ws.items_for(set_id), hs.model, weights)
    key = set_key(ws, set_id, compiled, method, settings_json + ("\0analyses" if analyses else ""))
    task = SetTask(label, set_id, key, str(method), compiled, settings, ladder, analyses, version)
    good = np.array([is_good_source(ws.sources[s]) for s in compiled.source_ids], dtype=bool)
    agreement: dict[str, Any] = {}
    if len(judging_analysts(ws, set_id)) > 1:
        titles = {h.id: h.title for h in hs.hypotheses}
        agreement = analyst_facts(analysts_report(ws, set_id), lambda h: titles.get(h, h))
    return PlannedSet(task, hs.question, compiled.hypothesis_ids, tuple(float(p) for p in compiled.prior),
                      compiled.n_items, hs.model.describe, settings_json, int(good[compiled.source_of].sum()),
                      agreement)
