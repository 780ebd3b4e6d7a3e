"""Ids and the names an analyst may mistype: the id pattern and did-you-mean suggestions.

Kept free of pydantic and YAML, so that paths which only look names up (a workspace served from the
parse cache, an unknown set on the command line) import neither.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["ID_PATTERN", "did_you_mean"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
"""An id: letters and digits with single ``-``, ``_`` or ``.`` between them."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close.

    Examples
    --------
    >>> did_you_mean("kcan", ["kcna", "nk-news"])
    "; did you mean 'kcna'?"
    >>> did_you_mean("zzz", ["kcna"])
    ''
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean {close[0]!r}?" if close else ""
