"""The package's layers, checked over the source: imports flow one way, and no module imports itself in a circle.

Every ``import`` and ``from ... import`` counts, wherever it stands (module level, inside a function, under
``TYPE_CHECKING``): a function-level import still makes the lower layer depend on the upper one. The layers
are drawn in ``docs/architecture.md``; this file is where they are enforced.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "plausible"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core", "data"),
    ("io",),
    ("model",),
    ("engines",),
    ("workspace", "testing"),
    ("analysis", "tracking"),
    ("forecasting",),
    ("briefing",),
    ("portfolio",),
    ("cli",),
    ("__init__", "__main__"),
)
"""Bottom to top. A module may import from its own layer's folders and from the layers below it; folders
that share a layer (e.g. ``analysis`` and ``tracking``) are independent of each other."""

RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path) -> str:
    """``plausible.engines.exact`` for ``root/engines/exact.py``; a package is named by its folder."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(["plausible", *parts])


def imports_of(name: str, source: str, known: set[str]) -> set[str]:
    """The ``plausible`` modules a module's source imports, wherever the import statement stands.

    ``from package import submodule`` imports the submodule (the package's ``__init__`` runs first whatever
    is imported, so that edge is not counted); ``from package import name`` imports the package.
    """
    package = name if name.count(".") == 0 else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    return {m for m in found if m == "plausible" or m.startswith("plausible.")} & known


def top(module: str) -> str:
    """The layer folder (or top-level module) a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def violations(sources: dict[str, str], known: set[str]) -> list[str]:
    """Every import that points up a layer or across independent folders of one layer."""
    out = []
    for name, source in sorted(sources.items()):
        here = top(name)
        for target in sorted(imports_of(name, source, known)):
            there = top(target)
            if there == here:
                continue
            if RANK[there] > RANK[here] or (RANK[there] == RANK[here]):
                out.append(f"{name} imports {target}: {there} is not below {here}")
    return out


def cycles(sources: dict[str, str], known: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), a package's ``__init__`` counted as a module."""
    graph = {name: sorted(imports_of(name, source, known) - {name}) for name, source in sources.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def package_sources() -> dict[str, str]:
    return {module_name(path, PACKAGE): path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}


def test_every_folder_and_top_level_module_has_a_layer() -> None:
    names = {top(name) for name in package_sources()}
    assert names <= set(RANK), f"not in LAYERS: {sorted(names - set(RANK))}"


def test_imports_flow_down_the_layers() -> None:
    sources = package_sources()
    assert violations(sources, set(sources)) == []


def test_no_import_cycles() -> None:
    sources = package_sources()
    assert cycles(sources, set(sources)) == []


@pytest.mark.parametrize(("module", "statement"), [
    ("plausible.engines.exact", "from plausible.workspace import load_workspace"),  # module level, upward
    ("plausible.model.scales", "def f():\n    from plausible.engines.mcmc import mcmc_posterior\n"),  # in a function
    ("plausible.io.cache", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import plausible.cli.app\n"),
    ("plausible.analysis.ach", "from plausible.tracking import ledger"),  # across one layer's folders
    ("plausible.engines.exact", "from ..workspace import loading"),  # relative
])
def test_the_check_fails_on_a_deliberate_upward_import(module: str, statement: str) -> None:
    sources = package_sources()
    sources[module] = sources[module] + "\n" + statement
    assert violations(sources, set(sources)), f"{statement!r} in {module} was not caught"


def test_the_cycle_check_fails_on_a_deliberate_cycle() -> None:
    sources = package_sources()
    sources["plausible.engines.structure"] += "\ndef f():\n    from plausible.engines import mcmc\n"
    found = cycles(sources, set(sources))
    assert any({"plausible.engines.structure", "plausible.engines.mcmc"} <= set(group) for group in found)


def test_the_public_surface_resolves_lazily_and_the_fast_path_stays_light() -> None:
    """Every name of ``plausible.__all__`` resolves; importing the package alone loads none of its layers."""
    import subprocess
    import sys

    code = ("import sys, plausible; loaded = sorted(m for m in sys.modules if m.startswith('plausible.')); "
            "heavy = [m for m in ('numpy', 'pymc') if m in sys.modules]; "
            "[getattr(plausible, n) for n in plausible.__all__]; print(loaded, heavy, 'pymc' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] [] False", done.stdout
