"""Dispatch from a workspace and set to an engine; the one place that knows every engine."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from plausible.compiled import CompiledSet, compile_set
from plausible.engines.exact import log_likelihood_increments, softmax
from plausible.errors import UsageError
from plausible.posterior import Posterior

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = ["compile_workspace_set", "exact_posterior", "run_engine"]

METHODS = ("exact", "mcmc")


def compile_workspace_set(ws: Workspace, set_id: str, before: dt.date | None = None) -> CompiledSet:
    """Compile one set of a workspace into arrays (only items reported before ``before`` if given)."""
    if before is None:
        return ws.compiled(set_id)
    return compile_set(ws.hypothesis_set(set_id), ws.items_for(set_id, before), ws.sources)


def exact_posterior(compiled: CompiledSet, inputs_hash: str = "") -> Posterior:
    """The exact engine's posterior for a compiled set (point values, prior-mean reliabilities)."""
    increments = log_likelihood_increments(
        compiled.prior, compiled.lam, compiled.rho_effective(), compiled.event_of, compiled.source_of
    )
    with_prior = increments.sum(axis=0) + np.log(compiled.prior)
    return Posterior(
        compiled.set_id, "exact", compiled.hypothesis_ids, compiled.prior, softmax(with_prior),
        compiled.item_ids, increments, inputs_hash=inputs_hash,
    )


def run_engine(
    ws: Workspace, set_id: str, method: str = "exact", *, before: dt.date | None = None, **options: object
) -> Posterior:
    """Compute a set's posterior with the named engine.

    Raises
    ------
    UsageError
        For an unknown method or option.
    """
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    compiled = compile_workspace_set(ws, set_id, before)
    if method == "exact":
        if options:
            raise UsageError(f"the exact engine takes no options (got {', '.join(options)})")
        return exact_posterior(compiled, ws.inputs_hash)
    from plausible.engines.mcmc import mcmc_posterior  # imports PyMC: only on the sampling path

    return mcmc_posterior(compiled, ws.hypothesis_set(set_id).model, inputs_hash=ws.inputs_hash, **options)
