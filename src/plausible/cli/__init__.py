"""The command-line interface (``plausible ...`` and ``python -m plausible ...``).

Every command answers someone waiting at a prompt, so the command modules import only what their
signatures need, and each command imports its own machinery when it runs. They do without
``from __future__ import annotations``: typer evaluates every command's signature at startup, and from
strings that costs ~25 ms a run; evaluated once at definition it is nearly free.
"""

from __future__ import annotations

import gc
import sys

import plausible.cli.analysis
import plausible.cli.briefing
import plausible.cli.core
import plausible.cli.evolution
import plausible.cli.forecasting
import plausible.cli.portfolio  # noqa: F401 - these imports register the commands
from plausible.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI.

    After a command that loaded PyMC, the interpreter's teardown spent ~1 s in its last garbage
    collections, going over PyTensor's compiled graphs and numba's state (longer than some commands). So
    in that case every object is frozen out of the collector's reach first (:func:`gc.freeze`, public and
    documented), and the program then exits as usual: exit handlers, flushed streams, exit code and message
    of ``SystemExit`` unchanged. That leaves ~0.1 s of teardown (0.8-1.6 s without), against ~0.04 s when
    the process ended itself with ``os._exit`` after running the exit handlers through the private
    ``atexit._run_exitfuncs``.
    """
    try:
        app(prog_name="plausible")  # not "python -m plausible" in help and usage, however it was started
    finally:
        if "pymc" in sys.modules:
            gc.freeze()
