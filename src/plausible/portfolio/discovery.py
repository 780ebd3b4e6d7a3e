"""Finding the workspaces under some folders: a folder holding ``hypotheses/`` is one, and is not descended."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from plausible.core.errors import UsageError

__all__ = ["find_workspaces", "is_workspace"]


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` is a workspace root (it holds a ``hypotheses/`` folder)."""
    return (folder / "hypotheses").is_dir()


def find_workspaces(roots: Iterable[str | os.PathLike[str]], exclude: Sequence[str] = ()) -> list[Path]:
    """Every workspace at or under ``roots``, resolved, each once, in path order.

    A root that is a workspace is taken as it is; below a root, descent stops at each workspace root (its
    own folders, test fixtures included, are not searched). Hidden folders are skipped, and so is any
    folder whose name or path relative to its root matches one of the ``exclude`` globs.

    Raises
    ------
    UsageError
        When a root is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for sub in ("a/hypotheses", "a/tests/fixture/hypotheses", "b/c/hypotheses", "old/d/hypotheses"):
    ...         (Path(tmp) / sub).mkdir(parents=True)
    ...     [p.relative_to(Path(tmp).resolve()).as_posix() for p in find_workspaces([tmp], exclude=["old"])]
    ['a', 'b/c']
    """
    found: dict[Path, None] = {}
    for given in roots:
        root = Path(given)
        if not root.is_dir():
            raise UsageError(f"{root}: not a folder (portfolio roots are folders holding workspaces)")
        root = root.resolve()
        if is_workspace(root):
            found[root] = None
            continue
        for folder, subfolders, _files in os.walk(root):
            here = Path(folder)
            keep = []
            for name in sorted(subfolders):
                path = here / name
                relative = path.relative_to(root).as_posix()
                if name.startswith(".") or any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(relative, g)
                                               for g in exclude):
                    continue
                if is_workspace(path):
                    found[path] = None
                else:
                    keep.append(name)
            subfolders[:] = keep
    return sorted(found)
