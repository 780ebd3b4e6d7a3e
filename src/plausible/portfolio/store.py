"""The results store: a Parquet dataset in one folder, one file per written batch, and a record of each run.

One row per (workspace, set, hypothesis, run). ``pandas.read_parquet(DIR)`` and DuckDB's
``read_parquet('DIR/*.parquet')`` read it; the run records live in ``DIR/_runs/`` (a name Parquet readers skip),
and temporary files start with a dot (skipped too), so a reader never sees half a batch. Only the client
writes, so a task that Dask retried cannot add a second row.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plausible.core.errors import UsageError
from plausible.io.atomic import write_atomic

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["COLUMNS", "Store", "new_run_id"]

COLUMNS = ("workspace", "set", "hypothesis", "probability", "interval_low", "interval_high", "method",
           "inputs_hash", "tool_version", "as_of", "run_id", "computed_at")
"""The columns every row has (the store holds more: see :func:`schema`)."""

RUNS = "_runs"


def schema() -> pa.Schema:
    """The store's Parquet schema: :data:`COLUMNS`, then what the overview needs."""
    import pyarrow as pa

    return pa.schema([
        ("workspace", pa.string()), ("set", pa.string()), ("hypothesis", pa.string()),
        ("probability", pa.float64()), ("interval_low", pa.float64()), ("interval_high", pa.float64()),
        ("method", pa.string()), ("inputs_hash", pa.string()), ("tool_version", pa.string()),
        ("as_of", pa.date32()), ("run_id", pa.string()), ("computed_at", pa.timestamp("us", tz="UTC")),
        ("question", pa.string()), ("prior", pa.float64()), ("term", pa.string()), ("evidence", pa.int32()),
        ("interval_level", pa.float64()), ("r_hat", pa.float64()), ("ess_bulk", pa.float64()),
        ("divergences", pa.int32()), ("leader_share", pa.float64()), ("flip_steps", pa.int32()),
        ("settings", pa.string()), ("seconds", pa.float64()), ("confidence", pa.string()),
        ("confidence_criteria", pa.string()),
    ])


def new_run_id(now: dt.datetime) -> str:
    """A run id that sorts by time, to the microsecond: ``20261130T091500.123456Z-1a2b3c``.

    Two runs started in the same second still sort in the order they started (``Store.runs`` and the
    overview's "change since the previous run" rely on it).

    >>> import datetime as dt
    >>> a = new_run_id(dt.datetime(2026, 11, 30, 9, 15, 0, 900_000))
    >>> b = new_run_id(dt.datetime(2026, 11, 30, 9, 15, 0, 100_001))
    >>> a[:23], b < a
    ('20261130T091500.900000Z', True)
    """
    return f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{os.urandom(3).hex()}"


@dataclass
class Store:
    """A results folder.

    Parameters
    ----------
    folder : Path
        Created when first written.
    """

    folder: Path

    def files(self) -> list[Path]:
        """The batch files, in name order (run id, then batch number)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.parquet") if not p.name.startswith((".", "_")))

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every row (an empty frame with the store's columns when there is none)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = self.files()
        if not files:
            empty = schema().empty_table()
            table = empty if columns is None else empty.select(columns)
        else:
            table = pa.concat_tables([pq.read_table(path, columns=columns, schema=schema()) for path in files])
        frame: pd.DataFrame = table.to_pandas()
        return frame

    def latest_keys(self) -> dict[tuple[str, str, str], str]:
        """The inputs hash of each (workspace, set, method)'s most recent result."""
        frame = self.read(["workspace", "set", "method", "inputs_hash", "run_id", "computed_at"])
        if frame.empty:
            return {}
        frame = frame.sort_values(["computed_at", "run_id"]).drop_duplicates(["workspace", "set", "method"],
                                                                                keep="last")
        return {(w, s, m): h for w, s, m, h in zip(frame["workspace"], frame["set"], frame["method"],
                                                   frame["inputs_hash"], strict=True)}

    def write_batch(self, run_id: str, number: int, rows: list[dict[str, Any]]) -> Path:
        """Write one batch of rows as one Parquet file, atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=schema())
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return write_atomic(self.folder / f"part-{run_id}-{number:06d}.parquet", buffer.getvalue())

    def write_run(self, run_id: str, record: dict[str, Any]) -> Path:
        """Write (or rewrite) a run's record: its options, counts and failures."""
        folder = self.folder / RUNS
        folder.mkdir(parents=True, exist_ok=True)
        return write_atomic(folder / f"{run_id}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    def runs(self) -> list[dict[str, Any]]:
        """Every run's record, oldest first."""
        folder = self.folder / RUNS
        if not folder.is_dir():
            return []
        out = []
        for path in sorted(folder.glob("*.json")):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise UsageError(f"{path}: not a run record ({exc})") from None
        return out
