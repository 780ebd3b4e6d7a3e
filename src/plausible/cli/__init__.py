"""The command-line interface (``plausible ...`` and ``python -m plausible ...``).

Every command answers someone waiting at a prompt, so the command modules import only what their
signatures need, and each command imports its own machinery when it runs. They do without
``from __future__ import annotations``: typer evaluates every command's signature at startup, and from
strings that costs ~25 ms a run; evaluated once at definition it is nearly free.
"""

from __future__ import annotations

import atexit
import os
import sys

import plausible.cli.analysis
import plausible.cli.briefing
import plausible.cli.core
import plausible.cli.evolution
import plausible.cli.forecasting  # noqa: F401 - these imports register the commands
from plausible.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI.

    After a command that loaded PyMC, the interpreter's own teardown (freeing compiled graphs and the LLVM
    state behind them) takes ~0.75 s, longer than some commands. Everything is written by then, so in that
    case the exit handlers run, the streams are flushed, and the process ends without the teardown.
    """
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if "pymc" not in sys.modules:
        raise SystemExit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what SystemExit does with a message
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code or 0)
