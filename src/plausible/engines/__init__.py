"""Inference engines: ``exact`` (closed form, NumPy) and ``mcmc`` (PyMC, imported only when used).

An engine receives a compiled set (:class:`~plausible.model.compiled.CompiledSet`) and validated settings;
it never sees files or a workspace, and it prints nothing: long work is reported through the optional
``progress`` callback (:class:`~plausible.engines.progress.Progress`) its caller passes in.

>>> from plausible.engines import METHODS
>>> [str(m) for m in METHODS]
['exact', 'mcmc']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plausible.core.errors import UsageError
from plausible.core.types import Method

if TYPE_CHECKING:
    from plausible.engines.posterior import Posterior
    from plausible.engines.progress import Progress
    from plausible.model.compiled import CompiledSet
    from plausible.model.schema.model import InferenceSettings

__all__ = ["METHODS", "run_engine"]

METHODS = tuple(Method)
"""Every engine, in the order they are documented."""


def run_engine(
    compiled: CompiledSet,
    method: Method | str,
    settings: InferenceSettings | None = None,
    *,
    inputs_hash: str = "",
    progress: Progress | None = None,
) -> Posterior:
    """Compute a compiled set's posterior with the named engine.

    Parameters
    ----------
    compiled : CompiledSet
    method : Method or str
        ``exact`` or ``mcmc``.
    settings : InferenceSettings, optional
        The MCMC settings (validated); required for ``mcmc``, refused for ``exact``.
    inputs_hash : str
        Hash of the input files, recorded in the result.
    progress : Progress, optional
        Told how long work advances (MCMC only).

    Returns
    -------
    Posterior

    Raises
    ------
    UsageError
        For an unknown method, or settings given to the exact engine.
    """
    chosen = parse_method(method)
    if chosen is Method.EXACT:
        if settings is not None:
            raise UsageError("the exact engine takes no settings")
        from plausible.engines.exact import exact_posterior

        return exact_posterior(compiled, inputs_hash)
    if settings is None:
        raise UsageError("the mcmc engine needs its settings")
    from plausible.engines.mcmc import mcmc_posterior  # imports PyMC: only on the sampling path

    return mcmc_posterior(compiled, settings, inputs_hash=inputs_hash, progress=progress)


def parse_method(method: Method | str) -> Method:
    """The engine named by ``method``.

    Raises
    ------
    UsageError
        For a name that is no engine.

    Examples
    --------
    >>> parse_method("mcmc") is Method.MCMC
    True
    """
    try:
        return Method(method)
    except ValueError:
        raise UsageError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}") from None
