"""What day it is: the machine's local date, or the one ``PLAUSIBLE_TODAY`` names (for tests and replays)."""

from __future__ import annotations

import datetime as dt
import os

from plausible.core.errors import UsageError

__all__ = ["TODAY_VARIABLE", "today"]

TODAY_VARIABLE = "PLAUSIBLE_TODAY"
"""Environment variable that overrides today's date (``YYYY-MM-DD``)."""


def today() -> dt.date:
    """Today's date: the machine's local date unless :data:`TODAY_VARIABLE` sets another.

    Raises
    ------
    UsageError
        When the variable is set but is not a date.

    Examples
    --------
    >>> import os
    >>> os.environ[TODAY_VARIABLE] = "2015-06-24"
    >>> today()
    datetime.date(2015, 6, 24)
    >>> del os.environ[TODAY_VARIABLE]
    """
    given = os.environ.get(TODAY_VARIABLE, "").strip()
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise UsageError(f"{TODAY_VARIABLE}={given!r} is not a date; expected YYYY-MM-DD") from None
