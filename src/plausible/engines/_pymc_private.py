"""Every use of PyMC's and PyTensor's internal API, in one place, behind a check of the installed versions.

Two parts of the engine go below the libraries' public API, for speed:

- :mod:`plausible.engines.chains` runs PyMC's NUTS step itself, one whole chain per process, instead of
  through ``pm.sample`` (whose parallel chains hand every draw back to the parent). That drives the step
  the way ``pm.sample``'s ``_iter_sample`` does: ``setup_chain``, ``sampling_state``, ``reset_tuning``,
  ``stop_tuning``, ``iter_count``, ``step`` and its statistics' internal names, and the step's compiled
  ``_logp_dlogp_func`` to check the starts.
- :mod:`plausible.engines.chains` samples the analysts' noise model in two blocks
  (:mod:`plausible.engines.blocks`) with two NUTS steps in a ``CompoundStep``, each given its log density
  and gradient as a plain function (:func:`nuts_on`) in place of the compiled function ``pm.NUTS`` would
  make: the object it takes (``logp_dlogp_func``) is read through ``_pytensor_function``,
  ``_raveled_inputs``, ``dtype`` and ``_extra_vars_shared``.
- :mod:`plausible.engines.evidence_op` registers its numba kernel with PyTensor's
  ``register_funcify_default_op_cache_key``, an internal helper of the numba backend, so that the compiled
  graph is cached on disk (the public ``numba_funcify`` gives no cache key, and the graph is compiled again
  in every process).

None of these names is promised to stay. They were tested with the PyMC and PyTensor minor releases in
:data:`TESTED` (the versions of ``requirements/lock-py3.*.txt``; a test keeps the two in step, and
``tests/test_chains.py`` checks the loop against ``pm.sample``). With any other release, :func:`trusted`
warns once, and the engine keeps to the public API: the chains run through ``pm.sample`` with the same
step, starts and generators (the same draws, slower; the noise model's two blocks give way to one joint
NUTS step, which gives other draws of the same posterior), and the kernel is registered with
``numba_funcify`` (the same numbers, compiled in every process). Also here: the check that an adapted mass
matrix was factorised (a private attribute of PyMC's potentials), in :func:`run_chain`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pymc as pm
import pytensor
from numpy.typing import NDArray

__all__ = ["SECOND_STATS", "STATS", "TESTED", "initial_state", "installed", "logp_and_gradient", "nuts_on",
           "register_numba_kernel", "run_chain", "trusted", "untested"]

TESTED: dict[str, tuple[int, int]] = {"pymc": (6, 4), "pytensor": (3, 3)}
"""The (major, minor) release of each library whose internals the engine was tested with."""

STATS = {
    "diverging": "diverging",
    "depth": "tree_depth",
    "tree_size": "n_steps",
    "mean_tree_accept": "acceptance_rate",
    "step_size": "step_size",
    "step_size_bar": "step_size_bar",
    "energy": "energy",
    "energy_error": "energy_error",
    "max_energy_error": "max_energy_error",
    "model_logp": "lp",
    "reached_max_treedepth": "reached_max_treedepth",
}
"""PyMC's NUTS statistics kept for each draw (its internal names), by the names ArviZ uses (as ``pm.sample``
renames them)."""

_warned: list[str] = []
"""The warning once given in this process (empty until then)."""


def installed() -> dict[str, str]:
    """The installed version of each library in :data:`TESTED`."""
    return {"pymc": pm.__version__, "pytensor": pytensor.__version__}


def untested(versions: dict[str, str] | None = None) -> list[str]:
    """``"name version"`` of each library installed at a release other than the tested one.

    Parameters
    ----------
    versions : dict of str to str, optional
        Library name to version string (by default :func:`installed`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> untested({"pymc": "6.4.0", "pytensor": "3.3.8"})
    []
    >>> untested({"pymc": "6.5.0rc1", "pytensor": "3.3.8"})
    ['pymc 6.5.0rc1']
    """
    return [f"{name} {version}" for name, version in (installed() if versions is None else versions).items()
            if _minor(version) != TESTED[name]]


def trusted() -> bool:
    """Whether the installed PyMC and PyTensor are the releases whose internals were tested.

    When they are not, warn once (a :class:`UserWarning`, naming the versions) and return False: the caller
    keeps to the public API.
    """
    found = untested()
    if found and not _warned:
        tested = " and ".join(f"{name} {major}.{minor}.x" for name, (major, minor) in TESTED.items())
        message = (f"plausible's MCMC engine was tested with {tested}, and {', '.join(found)} is installed: it "
                   "samples through pm.sample instead of its own chain loop (the same draws, slower; a large "
                   "set's analysts' noise model runs in one NUTS step instead of two blocks, which gives other "
                   "draws of the same posterior, about half as fast). To get the fast path back, install the "
                   "tested releases or a plausible that was tested with yours.")
        _warned.append(message)
        warnings.warn(message, UserWarning, stacklevel=2)
    return not found


def logp_and_gradient(step: Any) -> Callable[[NDArray[np.float64]], tuple[Any, NDArray[np.float64]]]:
    """The NUTS step's compiled log-density and gradient, of the value variables raveled and concatenated."""
    function: Callable[[NDArray[np.float64]], tuple[Any, NDArray[np.float64]]] = step._logp_dlogp_func
    return function


class _Function:
    """What PyMC's HMC reads of the compiled log density it is given (``logp_dlogp_func``)."""

    _raveled_inputs = True
    dtype = "float64"
    trust_input = True

    def __init__(self, function: Callable[[NDArray[np.float64]], tuple[Any, NDArray[np.float64]]],
                 shared: dict[Any, Any]) -> None:
        self._pytensor_function = function
        self._extra_vars_shared = shared

    def __call__(self, q: NDArray[np.float64]) -> tuple[Any, NDArray[np.float64]]:
        return self._pytensor_function(q)


def nuts_on(model: pm.Model, variables: list[Any],
            function: Callable[[NDArray[np.float64]], tuple[Any, NDArray[np.float64]]], shared: dict[Any, Any],
            **options: Any) -> Any:
    """PyMC's NUTS step on ``variables`` (value variables of ``model``) with a log density given as a function.

    Parameters
    ----------
    model : pymc.Model
    variables : list
        The block's value variables.
    function : callable
        Their values raveled and concatenated -> (log density, gradient).
    shared : dict
        Every other value variable -> an object with ``set_value(value, borrow)``, which the step calls
        with the chain's current value of that variable before each of its moves.
    **options
        ``pm.NUTS``'s (potential, target_accept, rng, initial_point).
    """
    return pm.NUTS(vars=variables, model=model, logp_dlogp_func=_Function(function, shared), **options)


def initial_state(step: Any) -> Any:
    """The step's state before any chain (its adaptation included), to restart every chain from."""
    return step.sampling_state


def run_chain(step: Any, state: Any, start: dict[str, NDArray[np.float64]], rng: np.random.Generator, *,
              tune: int, draws: int, names: list[str], report: Callable[[int], None],
              every: int, second_prefix: str = "second_") -> tuple[dict[str, NDArray[np.float64]],
                                                                 dict[str, NDArray[Any]]]:
    """One chain, as ``pm.sample`` drives a step for one chain (its ``_iter_sample``), tuning discarded.

    For a ``CompoundStep`` (several NUTS steps, one per block of variables), each statistic is that of its
    first step, except ``model_logp`` (its last step's, at the end of the iteration), ``diverging`` (any
    step's) and ``tree_size`` (the leapfrog steps of all its steps); with two steps, the second's statistics
    of :data:`SECOND_STATS` are kept as well, their names prefixed with ``second_prefix``.

    Parameters
    ----------
    step : pymc.NUTS
    state
        What :func:`initial_state` gave; the step is reset to it first.
    start : dict of str to ndarray
        The starting point, by value variable.
    rng : numpy.random.Generator
        The chain's generator (as ``pm.sample`` hands it to the chain).
    tune, draws : int
    names : list of str
        The value variables to keep.
    report : callable
        Called with the iterations done, every ``every`` iterations and at the end.
    every : int
    second_prefix : str
        See above.

    Returns
    -------
    values : dict of str to ndarray
        Each value variable, shape (draws, *shape).
    stats : dict of str to ndarray
        The statistics of :data:`STATS` by ArviZ name, shape (draws,).

    Raises
    ------
    RuntimeError
        When an adapted mass matrix could not be factorised during tuning (PyMC keeps the previous factor
        and says nothing, which would leave the chain's momentum and its kinetic energy inconsistent).
    """
    step.sampling_state = state
    step.setup_chain(rng, tune, draws)
    methods = getattr(step, "methods", [step])
    step.tune = tune > 0
    step.reset_tuning()
    step.iter_count = 0
    point = start
    values = {name: np.empty((draws, *np.shape(point[name]))) for name in names}
    kept: dict[str, list[Any]] = {key: [] for key in STATS}
    second: dict[str, list[Any]] = {key: [] for key in SECOND_STATS} if len(methods) == 2 else {}
    iterations = tune + draws
    for i in range(iterations):
        if i == tune:
            step.stop_tuning()
        point, stats = step.step(point)
        if i >= tune:
            for name in names:
                values[name][i - tune] = point[name]
            for key, store in kept.items():
                store.append(_statistic(stats, key))
            for key, store in second.items():
                store.append(stats[1][key])
        if (i + 1) % every == 0 or i + 1 == iterations:
            report(i + 1)
    for method in methods:  # a failed factorisation of an adapted mass matrix would otherwise go unsaid
        error = getattr(getattr(method, "potential", None), "_chol_error", None)
        if error is not None:
            raise RuntimeError(f"the mass matrix adapted during tuning is not positive definite: {error}")
    out = {STATS[key]: np.asarray(store) for key, store in kept.items()}
    out.update({second_prefix + SECOND_STATS[key]: np.asarray(store) for key, store in second.items()})
    return values, out


SECOND_STATS = {"depth": "tree_depth", "tree_size": "n_steps", "mean_tree_accept": "acceptance_rate",
                "step_size": "step_size", "reached_max_treedepth": "reached_max_treedepth",
                "diverging": "diverging", "max_energy_error": "max_energy_error"}
"""For a ``CompoundStep`` of two NUTS steps, the second step's statistics kept too (under a prefix)."""


def _statistic(stats: list[dict[str, Any]], key: str) -> Any:
    """One statistic of an iteration from its steps' statistics (see :func:`run_chain`)."""
    if len(stats) == 1 or key not in ("model_logp", "diverging", "tree_size"):
        return stats[0][key]
    if key == "model_logp":
        return stats[-1][key]
    if key == "diverging":
        return any(bool(s[key]) for s in stats)
    return sum(int(s[key]) for s in stats)


def register_numba_kernel(op_type: type, kernel: Callable[..., Any]) -> None:
    """Have PyTensor's numba backend run ``kernel`` for every node of ``op_type``.

    With the tested PyTensor, through ``register_funcify_default_op_cache_key``: the compiled graph gets a
    cache key from the Op's type and props, and is cached on disk. Otherwise through the public
    ``numba_funcify``, without a cache key: the same numbers, the graph compiled again in each process.
    """
    from pytensor.link.numba.dispatch.basic import numba_funcify

    def dispatch(op: Any, node: Any = None, **kwargs: Any) -> Callable[..., Any]:
        return kernel

    if _minor(installed()["pytensor"]) == TESTED["pytensor"]:
        from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

        register_funcify_default_op_cache_key(op_type)(dispatch)  # type: ignore[no-untyped-call]
    else:
        numba_funcify.register(op_type)(dispatch)


def _minor(version: str) -> tuple[int, int] | None:
    """(major, minor) of a version string; None when it does not start with them."""
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None
