"""The optional ``workspace.yaml`` at a workspace's root: title, author, organisation, classification, caveats.

It describes the workspace for its briefings and is no input of any number: it is read when a briefing is
built (and by ``validate``), not with the evidence, and it is not part of the inputs hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from plausible.core.errors import InputError, Problem
from plausible.core.limits import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from plausible.model.schema.workspace import WorkspaceFile

__all__ = ["METADATA_NAMES", "read_metadata"]

METADATA_NAMES = ("workspace.yaml", "workspace.yml")
"""The file's accepted names, at the workspace's root."""


def read_metadata(root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> WorkspaceFile | None:
    """Read and validate ``workspace.yaml`` at ``root``; None when there is none.

    Raises
    ------
    InputError
        With every problem of the file as ``workspace.yaml:line: message``, or when both names exist.
    """
    found = [root / name for name in METADATA_NAMES if (root / name).is_file()]
    if not found:
        return None
    if len(found) > 1:
        raise InputError([Problem(found[1].name, None, f"a second workspace description (first: "
                                  f"{found[0].name}); keep one")])
    from plausible.io.yamlio import read_yaml
    from plausible.model.schema import WorkspaceFile, validate_document

    doc = read_yaml(found[0], found[0].name, max_bytes=max_bytes)
    result = validate_document(doc, WorkspaceFile, "a workspace description")
    if result.problems or result.model is None:
        raise InputError(result.problems or [doc.problem((), "could not be read")])
    return result.model
