"""The command-line interface (``plausible ...`` and ``python -m plausible ...``).

Every command answers someone waiting at a prompt, so the command modules import only what their
signatures need, and each command imports its own machinery when it runs. They do without
``from __future__ import annotations``: typer evaluates every command's signature at startup, and from
strings that costs ~25 ms a run; evaluated once at definition it is nearly free.
"""

from __future__ import annotations

import plausible.cli.analysis
import plausible.cli.briefing
import plausible.cli.core
import plausible.cli.evolution
import plausible.cli.forecasting  # noqa: F401 - these imports register the commands
from plausible.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI."""
    app()
