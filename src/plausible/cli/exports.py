"""The ``--csv FILE`` and ``--parquet FILE`` exports of posterior, history, analyze and score.

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
    from plausible.forecasting.results import ExerciseScores
    from plausible.io.tables import Cell, ColumnType
    from plausible.workspace import Workspace

__all__ = [
    "ANALYSIS_COLUMNS",
    "CsvOption",
    "HISTORY_COLUMNS",
    "LEADERBOARD_COLUMNS",
    "POSTERIOR_COLUMNS",
    "ParquetOption",
    "QUESTION_SCORE_COLUMNS",
    "analysis_rows",
    "export",
    "history_rows",
    "leaderboard_rows",
    "posterior_rows",
    "question_score_rows",
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

_SCORES: dict[str, ColumnType] = {
    "brier": "float", "log": "float", "brier_time_averaged": "float", "half_brier": "float", "rps": "float",
    "rps_normalised": "float",
}
LEADERBOARD_COLUMNS: dict[str, ColumnType] = {
    "exercise": "string", "rank_on": "string", "rank": "int", "forecaster": "string", "kind": "string",
    "answered": "int", "resolved": "int", "questions": "int", **_SCORES, "reliability": "float",
    "resolution": "float", "uncertainty": "float", "bins": "int", "reference": "string",
    "skill_questions": "int", "brier_skill": "float", "log_skill": "float",
}
QUESTION_SCORE_COLUMNS: dict[str, ColumnType] = {
    "exercise": "string", "question": "string", "outcome": "string", "forecaster": "string", "kind": "string",
    "probability_of_outcome": "float", "forecasts": "int", "days": "int", **_SCORES,
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


def leaderboard_rows(scores: ExerciseScores) -> list[dict[str, Cell]]:
    """One row per forecaster, in the leaderboard's order.

    Its means on the ranking's questions, coverage, binned Murphy terms (own questions) and skill against the
    reference (when one was given).
    """
    ranking = scores.ranking
    assert ranking is not None
    rows: list[dict[str, Cell]] = []
    rank = 0
    for f in ranking.rows:
        rank += f.brier is not None
        binned = scores.calibration[f.id].binned if f.id in scores.calibration else None
        skill = scores.skill.get(f.id) if scores.skill is not None else None
        rows.append({
            "exercise": scores.exercise.name, "rank_on": ranking.on, "rank": rank if f.brier is not None else None,
            "forecaster": f.id, "kind": f.kind,
            "answered": ranking.answered.get(f.id, 0), "resolved": ranking.resolved, "questions": f.questions,
            **{name: getattr(f, name) for name in _SCORES},
            "reliability": None if binned is None else binned.reliability,
            "resolution": None if binned is None else binned.resolution,
            "uncertainty": None if binned is None else binned.uncertainty, "bins": scores.bins,
            "reference": scores.reference, "skill_questions": None if skill is None else skill.questions,
            "brier_skill": None if skill is None else skill.brier, "log_skill": None if skill is None else skill.log,
        })
    return rows


def question_score_rows(scores: ExerciseScores) -> list[dict[str, Cell]]:
    """One row per (question, forecaster) scored, questions in the exercise's order, forecasters in code order."""
    import numpy as np

    ex, t = scores.exercise, scores.table
    outcomes = [ex.resolutions[q].outcome if q in ex.resolutions else None for q in t.questions]
    index = np.array([t.options[q].index(o) if o is not None else 0 for q, o in enumerate(outcomes)], np.intp)
    p = t.final[np.arange(len(t)), index[t.question]].tolist() if len(t) else []
    order = np.lexsort((t.forecaster, t.question)).tolist()
    columns = {name: t.scores[name].tolist() for name in _SCORES}
    kinds = list(t.kinds)
    question, forecaster = t.question.tolist(), t.forecaster.tolist()
    forecasts, days = t.forecasts.tolist(), t.days.tolist()
    rows: list[dict[str, Cell]] = []
    for i in order:
        q, f = question[i], forecaster[i]
        row: dict[str, Cell] = {"exercise": ex.name, "question": t.questions[q], "outcome": outcomes[q],
                                "forecaster": t.forecasters[f], "kind": kinds[f], "probability_of_outcome": p[i],
                                "forecasts": forecasts[i], "days": days[i]}
        row.update({name: (None if v != v else v) for name in _SCORES for v in (columns[name][i],)})
        rows.append(row)
    return rows
