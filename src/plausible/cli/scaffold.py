"""``plausible init``: scaffold a small working example workspace."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from plausible.core.errors import UsageError
from plausible.io.atomic import write_atomic
from plausible.model.scales import builtin_model_text

__all__ = ["scaffold"]


def scaffold(directory: Path) -> list[Path]:
    """Create an example workspace in ``directory`` (which must not exist, or be empty).

    Parameters
    ----------
    directory : Path

    Returns
    -------
    list of Path
        The files created.

    Raises
    ------
    UsageError
        When the folder exists and is not empty (nothing is overwritten).
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} exists and is not an empty folder; choose a new folder (nothing was changed)")
    created = []
    template = resources.files("plausible.data").joinpath("example")
    for relative, source in _walk(template, Path()):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        created.append(write_atomic(target, source.read_bytes()))
    (directory / "models").mkdir(parents=True, exist_ok=True)
    created.append(write_atomic(directory / "models" / "default.yaml", builtin_model_text()))
    return created


def _walk(node: Traversable, prefix: Path) -> list[tuple[Path, Traversable]]:
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            out.extend(_walk(child, prefix / child.name))
        elif child.name.endswith(".yaml"):
            out.append((prefix / child.name, child))
    return out
