"""Every third-party module the package imports is declared in pyproject.toml, with bounds where they matter."""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"plausible", "tests"}

RUNTIME_ONLY = {
    "arviz": "the saved draws are an ArviZ DataTree; users analyse them with ArviZ (tests/test_arviz.py)",
    "h5netcdf": "xarray's engine for --save, chosen by name",
    "h5py": "h5netcdf's backend",
}
"""Declared dependencies that the package does not import by name, and why they are declared."""

UPPER_BOUNDED = ("pymc", "pytensor", "numpy", "pydantic", "arviz")
"""Libraries whose next major release may break the engine: declared below it."""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return _normalise(match.group())


def _project() -> dict[str, object]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert isinstance(project, dict)
    return project


def _declared() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The dependencies and each extra's, as {normalised name: requirement}."""
    project = _project()
    main = {_name(r): r for r in project["dependencies"]}  # type: ignore[attr-defined]
    extras = {extra: {_name(r): r for r in reqs} for extra, reqs in project["optional-dependencies"].items()}  # type: ignore[attr-defined]
    return main, extras


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if any(isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names):
            return True
    return False


def third_party_imports(source: str) -> Iterator[tuple[str, int, bool]]:
    """(top-level module, line, optional) of every absolute import, at any depth (functions included).

    ``optional`` is true for an import inside ``try: ... except ImportError`` (a feature that asks for an
    extra when its package is missing).
    """

    def visit(node: ast.AST, optional: bool) -> Iterator[tuple[str, int, bool]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno, optional
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno, optional
        if isinstance(node, ast.Try) and _catches_import_error(node):
            for child in node.body:
                yield from visit(child, True)
            for part in (*node.handlers, *node.orelse, *node.finalbody):
                yield from visit(part, optional)
            return
        for child in ast.iter_child_nodes(node):
            yield from visit(child, optional)

    for module, line, optional in visit(ast.parse(source), False):
        if module not in sys.stdlib_module_names and module not in FIRST_PARTY:
            yield module, line, optional


@functools.cache
def _installed() -> dict[str, list[str]]:
    return packages_distributions()  # reads every installed distribution's file list: once


def _distributions(module: str) -> set[str]:
    """The distributions that provide an import name (the name itself when nothing installed provides it)."""
    return {_normalise(d) for d in _installed().get(module, [module])}


def _undeclared(folder: Path, allowed: set[str], allowed_optional: set[str]) -> list[str]:
    missing = []
    for path in sorted(folder.rglob("*.py")):
        for module, line, optional in third_party_imports(path.read_text()):
            if not _distributions(module) & (allowed_optional if optional else allowed):
                missing.append(f"{path.relative_to(ROOT)}:{line}: {module} ({', '.join(sorted(_distributions(module)))})")
    return missing


def test_every_import_of_the_package_is_a_declared_dependency() -> None:
    main, extras = _declared()
    any_extra = set(main).union(*extras.values())
    assert _undeclared(ROOT / "src" / "plausible", set(main), any_extra) == []


def test_every_import_of_the_tests_is_declared_for_them() -> None:
    main, extras = _declared()
    assert _undeclared(ROOT / "tests", set(main) | set(extras["test"]), set(main).union(*extras.values())) == []


def test_every_dependency_is_imported_or_says_why_not() -> None:
    main, _ = _declared()
    imported = set()
    for path in (ROOT / "src" / "plausible").rglob("*.py"):
        for module, _line, _optional in third_party_imports(path.read_text()):
            imported |= _distributions(module)
    assert set(main) - imported == set(RUNTIME_ONLY)


@pytest.mark.parametrize("name", UPPER_BOUNDED)
def test_the_engines_libraries_are_bounded_below_their_next_major(name: str) -> None:
    main, _ = _declared()
    assert re.search(r"<\s*\d+(,|$)", main[name]), f"{main[name]!r} needs an upper bound at the next major release"
    assert re.search(r">=\s*\d", main[name]), f"{main[name]!r} needs a lower bound"


def test_the_scan_finds_imports_inside_functions_and_tells_optional_ones() -> None:
    """The scanner itself: a function-level import counts, one under ``except ImportError`` is optional."""
    source = """
import os
import numpy as np
from scipy.special import expit
from . import sibling
from plausible.core import errors

def later():
    import leftpad.inner
    try:
        import nutpie
    except ImportError:
        import numpy as fallback
    if True:
        from xarray import DataTree
"""
    found = sorted(third_party_imports(source))
    assert found == [("leftpad", 9, False), ("numpy", 3, False), ("numpy", 13, False), ("nutpie", 11, True),
                     ("scipy", 4, False), ("xarray", 15, False)]


def test_an_undeclared_import_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text("import numpy\n\ndef f():\n    import scipy.special\n")
    assert _undeclared(package, {"numpy"}, {"numpy"}) == ["pkg/mod.py:4: scipy (scipy)"]


# --- the locks: requirements/lock-pyX.Y.txt, what ./run installs ------------------------------------------


LOCKS = sorted((ROOT / "requirements").glob("lock-py*.txt"))


def _pins(lock: Path) -> dict[str, str]:
    """{normalised name: version} of a lock's ``name==version`` lines (their markers dropped)."""
    pins = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if match:
            pins[_normalise(match.group(1))] = match.group(2)
    return pins


def test_there_is_a_lock_for_every_python_run_may_pick() -> None:
    assert [lock.name for lock in LOCKS] == ["lock-py3.12.txt", "lock-py3.13.txt"]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_lock_pins_what_pyproject_declares_within_its_bounds(lock: Path) -> None:
    """A bound changed in pyproject.toml without a refresh of the locks fails here, not in ./run's pip."""
    from packaging.requirements import Requirement

    pins = _pins(lock)
    project = _project()
    for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]:  # type: ignore[index]
        requirement = Requirement(spec)
        name = _normalise(requirement.name)
        assert name in pins, f"{lock.name} pins no {name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{lock.name}: {name}=={pins[name]} is outside {spec!r}"


def test_the_running_environment_is_its_pythons_lock() -> None:
    """The tests run on the versions the lock records (./run installs them with pip -c)."""
    from importlib.metadata import PackageNotFoundError, version

    lock = ROOT / "requirements" / f"lock-py{sys.version_info[0]}.{sys.version_info[1]}.txt"
    if not lock.exists():
        pytest.skip(f"no lock for Python {sys.version_info[0]}.{sys.version_info[1]}")
    main, extras = _declared()
    pins = _pins(lock)
    installed = {}
    for name in sorted(set(main) | set(extras["test"])):
        try:
            installed[name] = version(name)
        except PackageNotFoundError:
            installed[name] = "missing"
    assert installed == {name: pins[name] for name in installed}
