"""The installed tool's version, recorded in every saved result and briefing."""

from __future__ import annotations

import functools

__all__ = ["tool_version"]


@functools.cache
def tool_version() -> str:
    """The version of the installed ``plausible`` distribution (``0+unknown`` in a source tree never installed).

    Looked up on demand: ``importlib.metadata`` costs ~80 ms at import, too much for the fast path.

    Examples
    --------
    >>> tool_version() != ""
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("plausible")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"
