"""``plausible init``: scaffold a small working example workspace, with the JSON Schemas its files name.

Every YAML file it creates starts with ``# yaml-language-server: $schema=<relative path>`` pointing at
``schemas/<kind>.schema.json`` in the workspace, so that editors with the YAML language server (VS Code's YAML
extension, and others) check the file as it is typed. The line is a YAML comment: the tool ignores it.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from plausible.core.errors import UsageError
from plausible.io.atomic import write_atomic
from plausible.model.scales import builtin_model_text

__all__ = ["SCHEMA_FOLDER", "all_schemas", "scaffold", "schema_line", "write_schemas"]

SCHEMA_FOLDER = "schemas"
"""Where ``init`` writes the JSON Schemas, relative to the workspace root."""


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
    model = schema_line("model", Path("models") / "default.yaml") + builtin_model_text()
    created.append(write_atomic(directory / "models" / "default.yaml", model))
    created.extend(write_schemas(directory / SCHEMA_FOLDER))
    return created


def all_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every kind of workspace and exercise file, keyed by kind (``plausible schema``)."""
    from plausible.forecasting.schema import json_schemas as exercise_schemas
    from plausible.model.schema import json_schemas

    return {**json_schemas(), **exercise_schemas()}


def write_schemas(folder: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every kind of file into ``folder`` (created if needed).

    Returns
    -------
    list of Path
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    return [write_atomic(folder / f"{kind}.schema.json", json.dumps(body, indent=2) + "\n")
            for kind, body in all_schemas().items()]


def schema_line(kind: str, relative: Path) -> str:
    r"""The editor's schema line for a file at ``relative`` (from the workspace root) of the given kind.

    Examples
    --------
    >>> schema_line("evidence", Path("evidence/2024/03-02.yaml"))
    '# yaml-language-server: $schema=../../schemas/evidence.schema.json\n'
    """
    up = "../" * (len(relative.parts) - 1)
    return f"# yaml-language-server: $schema={up}{SCHEMA_FOLDER}/{kind}.schema.json\n"


def _walk(node: Traversable, prefix: Path) -> list[tuple[Path, Traversable]]:
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            out.extend(_walk(child, prefix / child.name))
        elif child.name.endswith(".yaml"):
            out.append((prefix / child.name, child))
    return out
