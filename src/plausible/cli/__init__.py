"""The command-line interface (``plausible ...`` and ``python -m plausible ...``)."""

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
