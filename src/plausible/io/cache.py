r"""A disposable, size-bounded cache of parsed and validated files, and of whole workspaces, keyed by content hash.

Parsing and validating YAML dominates loading a large workspace; an analyst's files rarely change
between runs. When none has changed, the workspace built from them is served whole (its key: every file's
path and content hash), without importing the parser or the file schemas.

Where
    The platform's user cache folder, ``platformdirs.user_cache_dir("plausible")``: ``~/.cache/plausible`` on
    Linux (``$XDG_CACHE_HOME/plausible`` when that is set), ``~/Library/Caches/plausible`` on macOS,
    ``%LOCALAPPDATA%\plausible\Cache`` on Windows; ``PLAUSIBLE_CACHE_DIR`` overrides it. Never the
    workspace: a workspace comes from outside, and a cache entry is a pickle, which must only ever be one this
    user's own runs wrote.
Layout
    ``<cache>/parsed/f<format>-<build>/<key>``: one folder per cache format and build of plausible (a
    fingerprint of its source files, so an upgrade, or an edit of a development checkout, starts a new
    folder); one file per entry, named by the SHA-256 of its key (the file's bytes, how it is named in
    messages, how it is validated).
Bound
    ``PLAUSIBLE_CACHE_MAX_MB`` mebibytes (default :data:`DEFAULT_MAX_MB`, 256 MiB) over all folders. A hit
    marks its entry as used (its modification time); a process's first write, and any write that takes
    the size it knows of past the bound, runs an eviction pass (:func:`evict`): folders of other builds
    unused for :data:`STALE_AFTER_DAYS` days and files of older layouts are removed, then, while the
    cache is over the bound, the least recently used entries of every build until it is at 80 % of it.
    Concurrent runs can overshoot the bound briefly; the next pass brings it back.
Failures
    The cache is an optimisation: an entry that is missing, truncated, corrupt or unreadable is a miss (and
    the next write replaces it), and a cache that cannot be written is skipped. It never fails a command.

Set ``PLAUSIBLE_CACHE=0`` to turn it off; delete the folder at any time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MAX_MB", "STALE_AFTER_DAYS", "cache_folder", "cache_root", "cached", "evict", "max_bytes",
           "store"]

DEFAULT_MAX_MB = 256
"""Default bound on the cache's size, in MiB (``PLAUSIBLE_CACHE_MAX_MB`` overrides it)."""

STALE_AFTER_DAYS = 7
"""Folders of other builds of plausible unused for this long are removed by the eviction pass.

Not at once: two installs used in turn (a tool install and a project's environment, two checkouts) would
otherwise empty each other's cache on every run.
"""

_FORMAT = "2"  # 2: one folder per build, bounded; 1: one flat folder
_LOW_WATER = 0.8  # an eviction pass brings the cache down to this share of the bound
_ENTRIES = "parsed"

# Bytes in the cache as this process last knew it (after its last eviction pass, plus what it wrote since),
# by entries folder; absent: no pass yet in this process.
_known_size: dict[Path, int] = {}


def cache_root() -> Path:
    """The folder of plausible's caches: ``PLAUSIBLE_CACHE_DIR``, else the platform's user cache folder."""
    override = os.environ.get("PLAUSIBLE_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs  # only here: a few ms, and a command with caching off never needs it

    return Path(platformdirs.user_cache_dir("plausible", appauthor=False))


def cache_folder() -> Path | None:
    """The folder of this build's entries, or None when caching is turned off (``PLAUSIBLE_CACHE=0``)."""
    if os.environ.get("PLAUSIBLE_CACHE", "1") == "0":
        return None
    return cache_root() / _ENTRIES / _build_folder()


def max_bytes() -> int:
    """The bound on the cache's size in bytes: ``PLAUSIBLE_CACHE_MAX_MB`` MiB, else :data:`DEFAULT_MAX_MB`.

    A value that is not a non-negative number is ignored (the default applies).
    """
    try:
        megabytes = float(os.environ.get("PLAUSIBLE_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    if not 0 <= megabytes < float("inf"):
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * 2**20)


@functools.cache
def _code_fingerprint() -> str:
    """Identifies this build of plausible: the size and time of each of its source and data files.

    (Not the version string: looking it up imports importlib.metadata, ~80 ms on every command; and a
    development checkout changes without its version changing.)
    """
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    stats = []
    for folder, _, names in os.walk(package):  # os.walk and one stat per file: ~4x faster than Path.rglob
        for name in names:
            if name.endswith((".py", ".yaml")):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                stats.append((os.path.relpath(path, package), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(repr(sorted(stats)).encode()).hexdigest()


def _build_folder() -> str:
    return f"f{_FORMAT}-{_code_fingerprint()[:16]}"


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cached(*parts: str) -> Any:
    """The object stored under these key parts, or None (missing, unreadable, corrupt or turned off).

    A hit marks the entry as recently used, for the eviction pass.
    """
    folder = cache_folder()
    if folder is None:
        return None
    path = folder / _key(*parts)
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)
    except Exception:  # a corrupt pickle can raise almost anything: it is only a miss
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return value


def store(value: Any, *parts: str) -> None:
    """Store ``value`` under these key parts; a cache that cannot be written is silently skipped.

    The write is atomic (a concurrent reader sees the old entry or the new one), and may run an eviction
    pass (see the module's description).
    """
    folder = cache_folder()
    if folder is None:
        return
    from plausible.core.errors import PlausibleError
    from plausible.io.atomic import write_atomic

    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # entries are pickles: this user's only
        folder.mkdir(exist_ok=True)
        write_atomic(folder / _key(*parts), payload)
    except (OSError, PlausibleError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return  # the cache is an optimisation: never fail a command over it
    entries = folder.parent
    size = _known_size.get(entries)
    limit = max_bytes()
    if size is None or size + len(payload) > limit:
        evict(limit)
    else:
        _known_size[entries] = size + len(payload)


def evict(limit: int | None = None, *, now: float | None = None) -> int:
    """Run an eviction pass over the cache; returns its size in bytes afterwards.

    Removes the folders of other builds whose newest entry is older than :data:`STALE_AFTER_DAYS` days and
    any file of an older layout; then, if the cache (all builds) is larger than ``limit``, removes the least
    recently used entries (oldest modification time; a hit updates it) until it is at 80 % of ``limit``.
    Files that vanish or cannot be removed meanwhile (another run, permissions) are passed over.

    Parameters
    ----------
    limit : int, optional
        The bound in bytes; default :func:`max_bytes`.
    now : float, optional
        The current time (seconds since the epoch), for the staleness of other builds.

    Returns
    -------
    int
        The bytes left in the cache's entries (0 when caching is off or there is no cache).
    """
    folder = cache_folder()
    if folder is None:
        return 0
    limit = max_bytes() if limit is None else limit
    now = time.time() if now is None else now
    stale_before = now - STALE_AFTER_DAYS * 86400
    entries_root = folder.parent
    entries: list[tuple[float, int, str]] = []  # (last used, size, path) of every entry kept so far
    try:
        children = list(os.scandir(entries_root))
    except OSError:
        return 0
    for child in children:
        try:
            if not child.is_dir(follow_symlinks=False):
                os.unlink(child.path)  # the flat layout of format 1, or a stray file
                continue
            found = _scan(child.path)
        except OSError:
            continue
        if child.name != folder.name and (not found or max(used for used, _, _ in found) < stale_before):
            shutil.rmtree(child.path, ignore_errors=True)  # another build's, unused for a long time
            continue
        entries.extend(found)
    total = sum(size for _, size, _ in entries)
    if total > limit:
        entries.sort()
        target = int(limit * _LOW_WATER)
        for _, size, path in entries:
            if total <= target:
                break
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:
                continue  # still there (permissions, or open on Windows): still counted
            total -= size
    _known_size[entries_root] = total
    return total


def _scan(folder: str) -> list[tuple[float, int, str]]:
    found = []
    with os.scandir(folder) as listing:
        for entry in listing:
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((stat.st_mtime, stat.st_size, entry.path))
    return found
