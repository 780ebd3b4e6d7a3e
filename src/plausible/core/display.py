"""How numbers are shown to a reader, the same in the terminal and in briefings."""

from __future__ import annotations

__all__ = ["percent"]


def percent(p: float) -> str:
    """A probability as a percentage: one decimal below 10%, none from 10% up.

    Examples
    --------
    >>> percent(0.44498), percent(0.0737), percent(0.0996), percent(1.0)
    ('44%', '7.4%', '10%', '100%')
    """
    value = 100.0 * p
    return f"{value:.1f}%" if value < 9.95 else f"{value:.0f}%"
