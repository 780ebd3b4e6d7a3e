"""Limits on what plausible reads, shared by the readers and the command line.

This module imports nothing, so that the command line, and a workspace served from the parse cache, know
the limits without loading the YAML reader.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Files larger than this are refused (configurable per call, and by ``--max-file-size``)."""
