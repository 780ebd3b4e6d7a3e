"""The ``--csv FILE`` and ``--parquet FILE`` exports of posterior, history and analyze.

One design for every command: the file holds one tidy table (one row per observation, one column per
variable, the same columns in CSV and Parquet), the columns named and typed below and documented in
docs/exports.md; values are those of the command's ``--json`` at full precision.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plausible.cli.app import err

if TYPE_CHECKING:
    from plausible.analysis.report import Analysis
    from plausible.analysis.trajectory import Trajectory
    from plausible.engines.posterior import Posterior
    from plausible.io.tables import Cell, ColumnType
    from plausible.workspace import Workspace

__all__ = [
    "ANALYSIS_COLUMNS",
    "CsvOption",
    "HISTORY_COLUMNS",
    "POSTERIOR_COLUMNS",
    "ParquetOption",
    "analysis_rows",
    "export",
    "history_rows",
    "posterior_rows",
]

CsvOption = Annotated[
    Path | None, typer.Option("--csv", metavar="FILE", help="Also write the result as a CSV table to FILE "
                              "(columns: docs/exports.md).", show_default=False)
]
ParquetOption = Annotated[
    Path | None, typer.Option("--parquet", metavar="FILE", help="Also write the result as a Parquet table to FILE "
                              "(columns: docs/exports.md).", show_default=False)
]

POSTERIOR_COLUMNS: dict[str, ColumnType] = {
    "set": "string", "hypothesis": "string", "title": "string", "prior": "float", "probability": "float",
    "interval_low": "float", "interval_high": "float", "interval_level": "float", "method": "string",
    "evidence": "int", "inputs_hash": "string",
}
HISTORY_COLUMNS: dict[str, ColumnType] = {
    "set": "string", "by": "string", "step": "int", "label": "string", "reported": "date", "items": "string",
    "superseded": "string", "hypothesis": "string", "probability": "float",
}
ANALYSIS_COLUMNS: dict[str, ColumnType] = {
    "set": "string", "item": "string", "source": "string", "reported": "date", "hypothesis": "string",
    "weight_db": "float", "leave_one_out": "float", "max_log_ratio_db": "float",
    "expected_information_bits": "float", "rating": "string", "rating_derived": "bool", "rating_pooled": "bool",
    "credibility": "string", "relevance": "string",
}


def export(what: str, columns: dict[str, ColumnType], rows: list[dict[str, Cell]], csv: Path | None,
           parquet: Path | None) -> None:
    """Write the table to the files asked for (nothing when neither was), saying so on stderr."""
    from plausible.io.tables import write_table

    for path, kind in ((csv, "csv"), (parquet, "parquet")):
        if path is not None:
            err(f"wrote {what} ({len(rows)} rows) to {write_table(path, columns, rows, kind)}")  # type: ignore[arg-type]


def posterior_rows(ws: Workspace, post: Posterior) -> list[dict[str, Cell]]:
    """One row per hypothesis, in the set's order: prior, posterior, its interval (MCMC; else empty)."""
    titles = {h.id: h.title for h in ws.hypothesis_set(post.set_id).hypotheses}
    rows: list[dict[str, Cell]] = []
    for k, h in enumerate(post.hypothesis_ids):
        low, high = (None, None) if post.interval is None else (float(post.interval[k, 0]),
                                                                float(post.interval[k, 1]))
        rows.append({"set": post.set_id, "hypothesis": h, "title": titles[h], "prior": float(post.prior[k]),
                     "probability": float(post.probability[k]), "interval_low": low, "interval_high": high,
                     "interval_level": post.interval_level if post.interval is not None else None,
                     "method": str(post.method), "evidence": len(post.item_ids), "inputs_hash": post.inputs_hash})
    return rows


def history_rows(traj: Trajectory) -> list[dict[str, Cell]]:
    """One row per step and hypothesis; step 0 is the prior (no label, date or items)."""
    rows: list[dict[str, Cell]] = []
    for k, h in enumerate(traj.hypothesis_ids):
        rows.append({"set": traj.set_id, "by": traj.by, "step": 0, "label": None, "reported": None, "items": None,
                     "superseded": None, "hypothesis": h, "probability": float(traj.prior[k])})
    for n, step in enumerate(traj.steps, start=1):
        for k, h in enumerate(traj.hypothesis_ids):
            rows.append({"set": traj.set_id, "by": traj.by, "step": n, "label": step.label,
                         "reported": step.reported, "items": " ".join(step.items),
                         "superseded": " ".join(step.superseded), "hypothesis": h,
                         "probability": float(step.probability[k])})
    return rows


def analysis_rows(ws: Workspace, analysis: Analysis) -> list[dict[str, Cell]]:
    """One row per item and hypothesis: weight of evidence, leave-one-out posterior, diagnosticity, ACH cell."""
    post = analysis.posterior
    items = {item.id: item for item in ws.items}
    cells = {row["item"]: row for row in analysis.ach.rows}
    rows: list[dict[str, Cell]] = []
    for j, item_id in enumerate(post.item_ids):
        item = items[item_id]
        ach = cells[item_id]
        ratings, derived, pooled = ach["ratings"], ach["derived"], ach["pooled"]
        assert isinstance(ratings, dict) and isinstance(derived, list) and isinstance(pooled, list)
        for k, h in enumerate(post.hypothesis_ids):
            rows.append({"set": post.set_id, "item": item_id, "source": item.source, "reported": item.reported,
                         "hypothesis": h, "weight_db": float(post.weights[j, k]),
                         "leave_one_out": float(analysis.sensitivity.leave_one_out[j, k]),
                         "max_log_ratio_db": float(analysis.spread[j]),
                         "expected_information_bits": float(analysis.information[j]), "rating": str(ratings[h]),
                         "rating_derived": h in derived, "rating_pooled": h in pooled,
                         "credibility": str(ach["credibility"]), "relevance": str(ach["relevance"])})
    return rows
