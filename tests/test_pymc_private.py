"""PyMC's and PyTensor's internals behind a version check (plausible.engines._pymc_private).

On a release other than the tested one the engine must warn once and keep to the public API: the chains
through ``pm.sample``, giving the draws the chain loop gives, and a valid posterior.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pm = pytest.importorskip("pymc")

import pytensor  # noqa: E402
from pytensor.graph.basic import Apply  # noqa: E402
from pytensor.graph.op import Op  # noqa: E402
from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key  # noqa: E402

from plausible.engines import _pymc_private as private  # noqa: E402
from plausible.engines import chains  # noqa: E402
from plausible.testing import synthetic_workspace  # noqa: E402
from plausible.workspace import load_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def untested_pymc(monkeypatch: pytest.MonkeyPatch) -> str:
    """The module sees a PyMC minor release it was not tested with (and has not warned yet)."""
    major, minor = private.TESTED["pymc"]
    version = f"{major}.{minor + 1}.0"
    monkeypatch.setattr(private, "installed", lambda: {"pymc": version, "pytensor": pytensor.__version__})
    monkeypatch.setattr(private, "_warned", [])
    return version


def _beta_model():  # type: ignore[no-untyped-def]
    with pm.Model() as model:
        pm.Beta("rho", alpha=np.array([2.0, 5.0, 1.5]), beta=np.array([3.0, 1.0, 1.5]), shape=3)
    return model, {"rho_logodds__": np.array([0.1, 0.5, -0.2])}


def test_the_installed_releases_are_the_tested_ones() -> None:
    """The suite runs on the locked versions, so the fast path is the one tested here."""
    assert private.untested() == []
    assert private.trusted()


@pytest.mark.parametrize("lock", sorted((ROOT / "requirements").glob("lock-py*.txt")), ids=lambda p: p.name)
def test_the_tested_range_is_the_locks(lock: Path) -> None:
    """TESTED names the major.minor of the PyMC and PyTensor every lock pins: refresh one, update the other."""
    for name, tested in private.TESTED.items():
        match = re.search(rf"^{name}==(\d+)\.(\d+)\.", lock.read_text(), re.M)
        assert match, f"{lock.name} pins no {name}"
        assert (int(match.group(1)), int(match.group(2))) == tested, f"{lock.name}: {name} {match.group()}"


def test_a_version_is_untested_when_its_major_or_minor_differs() -> None:
    (pm_major, pm_minor), (pt_major, pt_minor) = private.TESTED["pymc"], private.TESTED["pytensor"]
    tested = {"pymc": f"{pm_major}.{pm_minor}.7", "pytensor": f"{pt_major}.{pt_minor}.0"}
    assert private.untested(tested) == []
    assert private.untested({**tested, "pymc": f"{pm_major + 1}.{pm_minor}.0"}) == [f"pymc {pm_major + 1}.{pm_minor}.0"]
    assert private.untested({**tested, "pytensor": f"{pt_major}.{pt_minor + 1}.0"}) == [
        f"pytensor {pt_major}.{pt_minor + 1}.0"]
    assert private.untested({**tested, "pymc": "main"}) == ["pymc main"]


def test_an_untested_release_warns_once_and_the_chains_run_through_pm_sample(
        untested_pymc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same step, starts and generators through pm.sample: the chain loop's draws and statistics."""
    model, centre = _beta_model()
    options = {"draws": 40, "tune": 60, "chains": 2, "cores": 1, "target_accept": 0.9, "seed": 9}
    monkeypatch.setattr(private, "installed", lambda: {"pymc": pm.__version__, "pytensor": pytensor.__version__})
    loop = chains.run_nuts(model, centre, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(private, "installed", lambda: {"pymc": untested_pymc, "pytensor": pytensor.__version__})

    def internal(*args: object, **kwargs: object) -> None:
        raise AssertionError("an internal PyMC API was used on an untested release")

    monkeypatch.setattr(private, "run_chain", internal)
    monkeypatch.setattr(private, "logp_and_gradient", internal)
    seen: list[tuple[int, int]] = []
    with pytest.warns(UserWarning, match=rf"pymc {re.escape(untested_pymc)} is installed: it samples through "
                                         r"pm\.sample"):
        public = chains.run_nuts(model, centre, **options, progress=lambda done, total: seen.append((done, total)))  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = chains.run_nuts(model, centre, **options)  # type: ignore[arg-type]  # warned once is enough

    # pm.sample takes the starts through the log-odds transform and back (1e-16 apart), so the draws agree to
    # rounding, not bit for bit; every discrete decision of the trajectories is the same.
    for run in (public, again):
        np.testing.assert_allclose(run.values["rho_logodds__"], loop.values["rho_logodds__"], rtol=1e-8, atol=1e-12)
        assert run.stats.keys() == loop.stats.keys()
        for key in ("n_steps", "diverging", "tree_depth", "reached_max_treedepth"):
            np.testing.assert_array_equal(run.stats[key], loop.stats[key])
        for key in ("step_size", "step_size_bar", "lp", "energy", "energy_error", "acceptance_rate"):
            np.testing.assert_allclose(run.stats[key], loop.stats[key], rtol=1e-8, atol=1e-12)
    assert public.values["rho_logodds__"].shape == (2, 40, 3)
    assert seen[0] == (0, 200) and seen[-1] == (200, 200)


def test_on_an_untested_release_the_engine_gives_the_same_posterior(tmp_path: Path, untested_pymc: str) -> None:
    """End to end, on the evidence operation: a valid posterior, the one the fast path gives."""
    workspace = load_workspace(synthetic_workspace(tmp_path, 11, n_items=12, origin_fraction=0.4))
    options = {"method": "mcmc", "draws": 50, "tune": 50, "chains": 2, "seed": 5}
    with pytest.warns(UserWarning, match="pm.sample instead of its own chain loop"):
        public = workspace.posterior("question", **options)  # type: ignore[arg-type]
    private._warned.clear()
    fast_versions = {"pymc": pm.__version__, "pytensor": pytensor.__version__}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(private, "installed", lambda: fast_versions)
        fast = workspace.posterior("question", **options)  # type: ignore[arg-type]
    assert public.probability.sum() == pytest.approx(1.0, abs=1e-9)
    assert ((public.interval[:, 0] <= public.probability) & (public.probability <= public.interval[:, 1])).all()
    np.testing.assert_allclose(public.probability, fast.probability, rtol=1e-8)
    np.testing.assert_allclose(public.interval, fast.interval, rtol=1e-8)
    for key in ("r_hat", "ess_bulk", "ess_tail"):
        assert getattr(public.diagnostics, key) == pytest.approx(getattr(fast.diagnostics, key), rel=1e-6)
    assert public.diagnostics.divergences == fast.diagnostics.divergences


def test_on_an_untested_release_the_noise_model_runs_in_one_step_with_the_same_fallback(
        tmp_path: Path, untested_pymc: str) -> None:
    """The two blocks need PyMC's internals: on another release the noise model is sampled by one NUTS step
    through ``pm.sample``, the draws ``noise_blocks: off`` gives on the fast path."""
    workspace = load_workspace(synthetic_workspace(tmp_path, 11, n_items=12, n_analysts=3))
    options = {"method": "mcmc", "draws": 40, "tune": 40, "chains": 2, "seed": 5}
    with pytest.warns(UserWarning, match="pm.sample instead of its own chain loop"):
        public = workspace.posterior("question", noise_blocks="on", **options)  # type: ignore[arg-type]
    assert public.draws.posterior.attrs["sampler"] == "NUTS" and public.analysts
    private._warned.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(private, "installed", lambda: {"pymc": pm.__version__, "pytensor": pytensor.__version__})
        joint = workspace.posterior("question", noise_blocks="off", **options)  # type: ignore[arg-type]
    np.testing.assert_allclose(public.probability, joint.probability, rtol=1e-8)


def test_a_failed_factorisation_of_an_adapted_mass_matrix_stops_the_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyMC keeps the previous factor and says nothing; the chain loop raises instead."""
    from pymc.step_methods.hmc.quadpotential import QuadPotentialDiagAdapt

    update = QuadPotentialDiagAdapt.update

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        update(self, *args, **kwargs)
        self._chol_error = np.linalg.LinAlgError("Matrix is not positive definite")

    monkeypatch.setattr(QuadPotentialDiagAdapt, "update", failing)
    model, centre = _beta_model()
    with pytest.raises(RuntimeError, match="not positive definite"):
        chains.run_nuts(model, centre, draws=5, tune=5, chains=1, cores=1, target_accept=0.9, seed=1)


class _Twice(Op):
    __props__ = ()

    def make_node(self, x):  # type: ignore[no-untyped-def]
        x = pytensor.tensor.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):  # type: ignore[no-untyped-def]
        output_storage[0][0] = 2 * inputs[0]


def _kernel(x):  # type: ignore[no-untyped-def]
    return 2 * x


@pytest.mark.parametrize("tested", [True, False])
def test_the_kernel_runs_in_numba_cached_only_on_the_tested_pytensor(tested: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tested: registered with a cache key (compiled once, on disk). Untested: the public dispatcher, no key."""
    import numba

    twice = type(f"Twice{tested}", (_Twice,), {})  # a fresh Op type for each registration
    major, minor = private.TESTED["pytensor"]
    version = f"{major}.{minor}.0" if tested else f"{major}.{minor + 1}.0"
    monkeypatch.setattr(private, "installed", lambda: {"pymc": pm.__version__, "pytensor": version})
    kernel = numba.njit(_kernel)
    private.register_numba_kernel(twice, kernel)
    op = twice()
    x = pytensor.tensor.dvector("x")
    function, key = numba_funcify_and_cache_key(op, node=op.make_node(x))
    assert function is kernel
    assert (key is not None) == tested
    compiled = pytensor.function([x], op(x), mode="NUMBA")
    np.testing.assert_array_equal(compiled(np.array([1.0, 2.5])), [2.0, 5.0])
