"""Evidence files are append-only: a recorded file that was changed or deleted is a warning on every run.

A file is *recorded* when ``plausible update`` wrote its content hash into the ledger, and, in a workspace
inside a git repository, when it is committed (present in ``HEAD``). It stays recorded as first written: the
warning repeats on every command until the file is restored byte for byte, and restoring it silences it.
The correction path is a new evidence file whose items list the corrected ones in ``supersedes``.

The registry ``evidence/sources.yaml`` is not evidence and may be edited. This module reads the ledger with
the standard library only (no pydantic): it runs on every command, and ``posterior`` must stay fast.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from plausible.core.errors import Problem

__all__ = ["LEDGER_FILE", "REGISTRY", "append_only_warnings", "first_recorded"]

LEDGER_FILE = ".plausible/ledger.jsonl"
"""Where the ledger lives, relative to the workspace root."""

REGISTRY = "evidence/sources.yaml"
"""The source registry: under ``evidence/`` but edited in place, so not append-only."""


def append_only_warnings(root: Path, files: dict[str, str]) -> list[Problem]:
    """Warnings for the recorded evidence files that were changed or deleted since they were recorded.

    Parameters
    ----------
    root : Path
        The workspace folder.
    files : dict
        SHA-256 of every input file now, by path relative to ``root`` (``Workspace.files``).

    Returns
    -------
    list of Problem
        One per changed or deleted file (``path: message``), sorted by path.
    """
    out: dict[str, Problem] = {}
    for path, sha in first_recorded(root / LEDGER_FILE).items():
        if not _is_evidence(path):
            continue
        if path not in files:
            out[path] = Problem(path, None, "this evidence file was recorded by `plausible update` and has since "
                                "been deleted; restore it (evidence is append-only: a correction is a new file "
                                "whose items `supersedes` the old ones)")
        elif files[path] != sha:
            out[path] = Problem(path, None, "this evidence file was changed after `plausible update` recorded it; "
                                "restore it as recorded (evidence is append-only: a correction is a new file "
                                "whose items `supersedes` the old ones)")
    for path, state in _changed_since_commit(root).items():
        if _is_evidence(path) and path not in out:
            what = "deleted" if state == "deleted" else "changed"
            out[path] = Problem(path, None, f"this evidence file is committed in git and has been {what} since; "
                                f"restore it (`git checkout HEAD -- {path}`): evidence is append-only, a correction "
                                "is a new file whose items `supersedes` the old ones")
    return [out[path] for path in sorted(out)]


def first_recorded(ledger: Path) -> dict[str, str]:
    r"""The content hash each file had when the ledger first recorded it (unreadable lines are skipped).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "l.jsonl").write_text('{"files": {"a": "1"}}\n{"files": {"a": "2", "b": "3"}}\n')
    >>> first_recorded(folder / "l.jsonl")
    {'a': '1', 'b': '3'}
    """
    try:
        text = ledger.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    first: dict[str, str] = {}
    for line in text.splitlines():
        try:
            files = json.loads(line).get("files")
        except (ValueError, AttributeError):
            continue  # the ledger's own reader reports unreadable lines
        if isinstance(files, dict):
            for path, sha in files.items():
                if isinstance(path, str) and isinstance(sha, str):
                    first.setdefault(path, sha)
    return first


def _is_evidence(path: str) -> bool:
    return path.startswith("evidence/") and path != REGISTRY and path.endswith((".yaml", ".yml"))


def _changed_since_commit(root: Path) -> dict[str, str]:
    """Tracked files under ``evidence/`` that differ from ``HEAD`` (staged or not), by path relative to ``root``.

    Empty when ``root`` is not inside a git repository, git is not installed, or the repository has no commit.
    """
    if not (root / "evidence").is_dir():
        return {}
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", "status", "--porcelain=v1", "-z", "--untracked-files=no",
             "--no-renames", "--", "evidence"],
            cwd=root, capture_output=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0:
        return {}
    prefix = _prefix(root)
    if prefix is None:
        return {}
    out: dict[str, str] = {}
    for entry in done.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) < 4:
            continue
        state, path = entry[:2], entry[3:]
        if not path.startswith(prefix):
            continue
        out[path[len(prefix):]] = "deleted" if "D" in state else "changed"
    return out


def _prefix(root: Path) -> str | None:
    """The workspace's folder relative to its repository's top, as git writes paths (``""`` at the top)."""
    try:
        done = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None
