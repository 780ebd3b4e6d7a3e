"""How results show themselves in a notebook: a one-line ``repr`` and a small HTML block (``_repr_html_``).

Jupyter calls ``_repr_html_`` on the last value of a cell; the block is a heading, a few plain lines and
pandas' own HTML table (escaped by pandas), so a result is readable without a second lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["html_block"]


def html_block(heading: str, lines: Sequence[str] = (), frame: pd.DataFrame | None = None,
               float_format: str = "{:.3f}") -> str:
    """A heading, plain lines and a table as one HTML fragment; every string is escaped.

    Examples
    --------
    >>> html_block("Posterior <x>", ["29 reports"])
    '<div class="plausible"><strong>Posterior &lt;x&gt;</strong><br>29 reports</div>'
    """
    parts = [f"<strong>{escape(heading)}</strong>", *(escape(line) for line in lines)]
    table = "" if frame is None else frame.to_html(float_format=float_format.format, na_rep="–", border=0)
    return f'<div class="plausible">{"<br>".join(parts)}{table}</div>'
