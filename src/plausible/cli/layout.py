"""Tables that fit the terminal: never a number, an id or a header cut.

A table is described as columns (:class:`Col`) and rows of strings. Numbers and ids never wrap: their
column is as wide as the widest cell and its header. Text (titles, questions) wraps at spaces, down to the
narrowest width its column accepts, and never narrower than its longest word, which is never broken. A
command offers its layouts from the widest to the most compact, and :func:`fit` prints the first one whose
narrowest rendering fits the console width (``COLUMNS`` when set, as rich reads it). When even the most
compact does not fit, :func:`pages` splits its value columns over several tables, each repeating the key
columns, and the layout's notes follow the last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["Col", "Layout", "Row", "console", "fit", "fits", "pages", "title"]

Kind = Literal["number", "id", "text"]


@dataclass(frozen=True)
class Col:
    """A column: its header, what it holds, and for text the narrowest width it may wrap to."""

    header: str
    kind: Kind = "number"
    wrap_to: int = 16
    style: str | None = None


@dataclass(frozen=True)
class Row:
    """A row of cells; ``section`` rows (a heading such as a date) are dim and may stand alone."""

    cells: tuple[str, ...]
    style: str | None = None


@dataclass(frozen=True)
class Layout:
    """Columns and rows, drawn with a frame (``boxed``) or compactly (space-separated, no frame)."""

    cols: tuple[Col, ...]
    rows: tuple[Row, ...]
    boxed: bool = True
    notes: tuple[str, ...] = field(default=())

    def table(self, *, probe: bool = False) -> Table:
        """The rich table; ``probe``: text columns held to their narrowest width, to measure the minimum."""
        table = (Table(box=box.HEAVY_HEAD) if self.boxed
                 else Table(box=None, pad_edge=False, collapse_padding=True))
        for j, col in enumerate(self.cols):
            widest = max(cell_len(line) for text in (col.header, *(row.cells[j] for row in self.rows))
                         for line in text.splitlines() or [""])
            if col.kind == "text":  # wraps; the probe holds it to the narrowest width it accepts
                longest_word = max((cell_len(word) for row in self.rows for word in row.cells[j].split()), default=0)
                narrowest = min(widest, max(col.wrap_to, cell_len(col.header), longest_word))
                table.add_column(col.header, overflow="fold", style=col.style, min_width=narrowest,
                                 max_width=narrowest if probe else None)
            else:  # exactly as wide as its widest cell (a measurement would not count leading spaces)
                table.add_column(col.header, justify="right" if col.kind == "number" else "left", no_wrap=True,
                                 overflow="ellipsis", min_width=widest, style=col.style)
        for row in self.rows:
            table.add_row(*row.cells, style=row.style)
        return table


def console() -> Console:
    """The console of the command's output (its width from ``COLUMNS`` or the terminal)."""
    return Console()


def fits(out: Console, layout: Layout) -> bool:
    """Whether ``layout`` can be drawn within the console's width without cutting a number, id or header."""
    unbounded = out.options.update_width(1_000_000)  # a measurement is capped at the width it is given
    return Measurement.get(out, unbounded, layout.table(probe=True)).minimum <= out.width


def title(out: Console, text: str) -> None:
    """Print a table's title above it, wrapped at spaces (a rich table title would be cut to the table)."""
    out.print(Text(text, style="table.title"), overflow="fold")


def fit(out: Console, layouts: Sequence[Layout], *, keys: int = 1) -> None:
    """Print the first of ``layouts`` that fits; else the last one split into :func:`pages`."""
    for layout in layouts:
        if fits(out, layout):
            _print(out, layout)
            return
    for page in pages(out, layouts[-1], keys=keys):
        _print(out, page)


def _print(out: Console, layout: Layout) -> None:
    out.print(layout.table())
    for note in layout.notes:
        out.print(note, style="dim", overflow="fold")


def pages(out: Console, layout: Layout, *, keys: int = 1) -> list[Layout]:
    """Split ``layout`` into tables that fit: each keeps the first ``keys`` columns and some of the others.

    A value column too wide to share a table with the key columns gets a table of its own; a terminal too
    narrow even for that (narrower than the key columns and one value column) gets the cells shortened by rich.
    """
    chosen: list[list[int]] = []
    for j in range(keys, len(layout.cols)):
        if chosen and fits(out, _subset(layout, keys, [*chosen[-1], j])):
            chosen[-1].append(j)
        else:
            chosen.append([j])
    split = [_subset(layout, keys, columns) for columns in chosen]
    return [*split[:-1], Layout(split[-1].cols, split[-1].rows, layout.boxed, layout.notes)] if split else []


def _subset(layout: Layout, keys: int, columns: list[int]) -> Layout:
    kept = [*range(keys), *columns]
    rows = tuple(Row(tuple(row.cells[j] for j in kept), row.style) for row in layout.rows)
    return Layout(tuple(layout.cols[j] for j in kept), rows, layout.boxed)
