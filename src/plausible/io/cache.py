"""A disposable cache of parsed and validated files, and of whole workspaces, keyed by content hash.

Parsing and validating YAML dominates loading a large workspace; an analyst's files rarely change
between runs. When none has changed, the workspace built from them is served whole (its key: every file's
path and content hash), without importing the parser or the file schemas. Entries live in the user's cache
folder (``$XDG_CACHE_HOME/plausible`` or ``~/.cache/plausible``), never in the workspace: a workspace comes
from outside, and a cache entry is a pickle, which must only ever be one this user's own runs wrote. The key
covers the file's bytes, how it is named in messages, how it is validated, and this build of plausible (its
files), so a stale entry cannot be hit.
Set ``PLAUSIBLE_CACHE=0`` to turn it off; delete the folder at any time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

__all__ = ["cache_folder", "cached", "store"]

_FORMAT = "1"


def cache_folder() -> Path | None:
    """The cache folder, or None when caching is turned off."""
    if os.environ.get("PLAUSIBLE_CACHE", "1") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plausible" / "parsed"


@functools.cache
def _code_fingerprint() -> str:
    """Identifies this build of plausible: the size and time of each of its source and data files.

    (Not the version string: looking it up imports importlib.metadata, ~80 ms on every command.)
    """
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # plausible/, not plausible/io/
    stats = []
    for folder, _, names in os.walk(package):  # os.walk and one stat per file: ~4x faster than Path.rglob
        for name in names:
            if name.endswith((".py", ".yaml")):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                stats.append((os.path.relpath(path, package), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(repr(sorted(stats)).encode()).hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join((_FORMAT, _code_fingerprint(), *parts)).encode()).hexdigest()


def cached(*parts: str) -> Any:
    """The object stored under these key parts, or None (missing, unreadable or turned off)."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        with open(folder / _key(*parts), "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(value: Any, *parts: str) -> None:
    """Store ``value`` under these key parts; a cache that cannot be written is silently skipped."""
    folder = cache_folder()
    if folder is None:
        return
    from plausible.core.errors import PlausibleError
    from plausible.io.atomic import write_atomic

    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / _key(*parts), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, PlausibleError, pickle.PicklingError):
        return  # the cache is an optimisation: never fail a command over it
