"""Tables written to CSV or Parquet, atomically: the ``--csv`` and ``--parquet`` exports of the command line.

A table is a list of rows (dicts) and its columns, each with a type, so that CSV and Parquet say the same:
CSV through the standard library (floats at full precision, the shortest text that reads back exactly; a
missing value is an empty field), Parquet through pyarrow, imported only when a Parquet file is asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from plausible.core.errors import UsageError
from plausible.io.atomic import write_atomic

__all__ = ["ColumnType", "TableFormat", "write_table"]

ColumnType = Literal["string", "float", "int", "date", "bool"]
"""The type of an exported column (Parquet: string, float64, int64, date32, bool)."""

TableFormat = Literal["csv", "parquet"]

Cell = str | float | int | bool | dt.date | None


def write_table(path: str | os.PathLike[str], columns: Mapping[str, ColumnType],
                rows: Sequence[Mapping[str, Cell]], kind: TableFormat) -> Path:
    """Write ``rows`` (each with every column of ``columns``) as CSV or Parquet to ``path``, atomically.

    Parameters
    ----------
    path : str or PathLike
        The file to write; its folder must exist.
    columns : mapping of str to {"string", "float", "int", "date", "bool"}
        The columns in order, with their types.
    rows : sequence of mapping
        One mapping per row; None is a missing value.
    kind : {"csv", "parquet"}

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    UsageError
        When the file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = write_table(f"{folder}/t.csv", {"h": "string", "p": "float"}, [{"h": "a", "p": 0.1}], "csv")
    >>> path.read_text().splitlines()
    ['h,p', 'a,0.1']
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    names = list(columns)
    if kind == "csv":
        return write_atomic(target, _csv_text(names, rows))
    return write_atomic(target, _parquet_bytes(columns, rows))


def _csv_text(names: list[str], rows: Sequence[Mapping[str, Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_cell(row[name]) for name in names])
    return buffer.getvalue()


def _csv_cell(value: Cell) -> str | float | int | bool | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _parquet_bytes(columns: Mapping[str, ColumnType], rows: Sequence[Mapping[str, Cell]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "float": pa.float64(), "int": pa.int64(), "date": pa.date32(),
             "bool": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind in columns.items()])
    table = pa.Table.from_pylist([dict(row) for row in rows], schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())
