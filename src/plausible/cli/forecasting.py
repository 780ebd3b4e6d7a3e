"""Forecasting-exercise commands: score (the leaderboard) and resolve (record an outcome, feed it back)."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plausible.cli.app import JsonOption, WorkspaceOption, app, command, emit_json, err, load, warn_all
from plausible.cli.exports import (
    LEADERBOARD_COLUMNS,
    QUESTION_SCORE_COLUMNS,
    CsvOption,
    ParquetOption,
    export,
    leaderboard_rows,
    question_score_rows,
)
from plausible.core.errors import InputError, UsageError

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = ["exercise_app", "forecasts_app", "import_forecastbench", "import_forecasts", "resolve", "score"]


@app.command()
@command
def score(
    exercise: Annotated[str, typer.Argument(metavar="EXERCISE", help="Exercise name (folder in exercises/).")],
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    bayes: Annotated[
        bool, typer.Option("--bayes", help="Also pool with the Bayesian forecaster-skill model (PyMC; slower).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the skill model's sampler and of --compare's bootstrap.",
                                      min=0)] = 20150616,
    bins: Annotated[int, typer.Option(help="Bins of the calibration table, the Murphy terms and --plot.",
                                      min=1)] = 10,
    pools: Annotated[
        str, typer.Option("--pools", metavar="none|mean,median,logit-mean,bayes",
                          help="Pooled forecasts to score: a comma list, or none to skip pooling "
                               "(bayes is --bayes's skill pool).")
    ] = "mean,median,logit-mean",
    pool_kinds: Annotated[
        str, typer.Option("--pool-kinds", metavar="KINDS",
                          help="Kinds of forecaster the pools combine: a comma list of human, model, market, "
                               "baseline.")
    ] = "human,model",
    rank_on: Annotated[
        str, typer.Option("--rank-on", metavar="common|all",
                          help="Rank on the questions every forecaster answered (common), or each forecaster on "
                               "their own (all).")
    ] = "common",
    reference: Annotated[
        str | None, typer.Option("--reference", metavar="ID",
                                 help="Add skill scores (1 - score/score of ID) on the questions both answered.")
    ] = None,
    compare: Annotated[
        tuple[str, str] | None, typer.Option("--compare", metavar="A B",
                                             help="Paired comparison of two forecasters on the questions both "
                                                  "answered, with a bootstrap interval.")
    ] = None,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples of --compare.", min=1)] = 10_000,
    by: Annotated[
        str, typer.Option("--by", metavar="forecaster|question",
                          help="The table: the leaderboard (forecaster) or every question's scores (question); "
                               "--csv and --parquet write the same table.")
    ] = "forecaster",
    csv: CsvOption = None,
    parquet: ParquetOption = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", metavar="FILE", help="Also draw the reliability diagram (counts per "
                                  "bin) to FILE (.svg or .png).", show_default=False)
    ] = None,
) -> None:
    """Score an exercise: every forecaster, plausible's model and the pooled forecasts (leaderboard)."""
    from plausible.forecasting.scoring import parse_pool_kinds, parse_pools, score_exercise

    by, rank_on = by.lower(), rank_on.lower()  # choices are case-insensitive, as everywhere
    if by not in ("forecaster", "question"):
        raise UsageError(f"--by: unknown table {by!r}; choose forecaster or question")
    if plot is not None and plot.suffix.lower() not in (".svg", ".png"):
        raise UsageError(f"--plot {plot}: the file must end in .svg or .png")
    chosen = parse_pools(pools)
    kinds = parse_pool_kinds(pool_kinds)
    ws = _workspace_of_exercises(workspace)
    scores = score_exercise(exercise, workspace if ws is None else ws, bayes=bayes, seed=seed, bins=bins,
                            pools=(*chosen, "bayes") if bayes else chosen, pool_kinds=sorted(kinds),
                            rank_on=rank_on, reference=reference)
    comparisons = []
    if compare is not None:
        from plausible.forecasting.comparison import compare as paired

        comparisons = paired(scores.table, compare[0], compare[1], seed=seed, resamples=resamples)
    if by == "question":
        export("the scores per question", QUESTION_SCORE_COLUMNS, question_score_rows(scores), csv, parquet)
    else:
        export("the leaderboard", LEADERBOARD_COLUMNS, leaderboard_rows(scores), csv, parquet)
    if plot is not None:
        from plausible.forecasting.reliability_plot import write_reliability_diagram

        err(f"wrote the reliability diagram to {write_reliability_diagram(scores, plot)}")
    if scores.extremizing_warning:
        err(f"warning: the extremizing factor is {scores.extremizing_warning}")
    if json_output:
        emit_json({**scores.to_dict(), "comparison": [c.to_dict() for c in comparisons] or None})
        return
    from plausible.cli.leaderboard import comparison_lines, leaderboard, question_breakdown

    if by == "question":
        question_breakdown(scores)
    else:
        leaderboard(scores)
    for line in comparison_lines(comparisons):
        print(line)


@app.command()
@command
def resolve(
    exercise: Annotated[str, typer.Argument(metavar="EXERCISE", help="Exercise name (folder in exercises/).")],
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="Question id.")],
    outcome: Annotated[str, typer.Argument(metavar="OUTCOME", help="The option that happened (binary: yes/no).")],
    date: Annotated[
        str | None, typer.Option("--date", help="Resolution day YYYY-MM-DD.", show_default="today")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing, different resolution.")] = False,
    note: Annotated[str | None, typer.Option(
        "--note", help="How it was resolved (kept in resolutions.yaml, and in the rationale of the evidence an "
        "indicator's resolution writes).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Record a question's outcome; an indicator's outcome also becomes a new evidence file for its set."""
    from plausible.forecasting.resolve import resolve_question

    day = _date(date) if date is not None else None
    result = resolve_question(exercise, question, outcome, date=day, workspace=workspace, force=force, note=note)
    if json_output:
        emit_json({
            "exercise": result.exercise, "question": result.question, "outcome": result.outcome,
            "resolved": result.resolved.isoformat(), "changed": result.changed,
            "resolutions_file": str(result.resolutions_file),
            "evidence_file": None if result.evidence_file is None else str(result.evidence_file),
            "set": result.set_id, "before": result.before, "after": result.after,
        })
        return
    if not result.changed:
        print(f"{result.question} is already resolved as {result.outcome!r} on {result.resolved}; nothing changed.")
        return
    verb = "replaced" if result.replaced is not None else "recorded"
    print(f"{verb}: {result.question} resolved {result.outcome!r} on {result.resolved} ({result.resolutions_file})")
    if result.evidence_file is not None and result.before is not None and result.after is not None:
        print(f"wrote new evidence {result.evidence_file}; {result.set_id} now:")
        for hid, p in sorted(result.after.items(), key=lambda pair: -pair[1]):
            print(f"  {hid:<24} {100 * result.before[hid]:5.1f}% -> {100 * p:5.1f}%")
    elif result.evidence_file is None:
        err("no evidence written: only a question on an indicator of a hypothesis set feeds back into the model")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--date {text!r} is not a date written YYYY-MM-DD") from None


forecasts_app = typer.Typer(help="Forecasts of an exercise: import them from CSV.", no_args_is_help=True,
                            rich_markup_mode=None)
exercise_app = typer.Typer(help="Forecasting exercises: build one from a public question set.", no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(forecasts_app, name="forecasts")
app.add_typer(exercise_app, name="exercise")


@forecasts_app.command("import")
@command
def import_forecasts(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="CSV: forecaster, question, date, probability "
                                         "[, option] [, kind].")],
    exercise: Annotated[str, typer.Option("--exercise", "-e", metavar="NAME", help="Exercise name (folder in "
                                          "exercises/).")],
    workspace: WorkspaceOption = Path("."),
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the forecasts of forecasters already in the exercise.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Import forecasts from a CSV file into an exercise: one checked file forecasts/<forecaster>.csv each."""
    from plausible.forecasting.importing import import_forecasts as run

    result = run(file, exercise, workspace, replace=replace)
    if json_output:
        emit_json({"exercise": result.exercise, "forecasts": result.forecasts,
                   "files": {who: str(p) for who, p in result.files.items()},
                   "replaced": {who: str(p) for who, p in result.replaced.items()}})
        return
    print(f"imported {result.forecasts} forecasts into exercise {result.exercise}:")
    for who, path in result.files.items():
        note = f" (replacing {result.replaced[who]})" if who in result.replaced else ""
        print(f"  {who}: {path}{note}")


@exercise_app.command("import-forecastbench")
@command
def import_forecastbench(
    questions: Annotated[Path, typer.Argument(metavar="QUESTIONS.json", help="A ForecastBench question set.")],
    resolutions: Annotated[Path, typer.Argument(metavar="RESOLUTIONS.json", help="Its resolution set.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Exercise name.", show_default="forecastbench-<due date>")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
) -> None:
    """Build an exercise from ForecastBench: its resolved binary market questions, the market as a forecaster."""
    from plausible.forecasting.forecastbench import import_forecastbench as run

    result = run(questions, resolutions, workspace, name=name)
    if json_output:
        emit_json({"exercise": result.name, "folder": str(result.folder), "questions": result.questions,
                   "forecast_due_date": result.due.isoformat(), "skipped": result.skipped})
        return
    print(f"wrote exercise {result.name} ({result.folder}): {result.questions} questions, the market's forecast of "
          "each at the freeze date")
    total = sum(result.skipped.values())
    print(f"skipped {total} question{'s' if total != 1 else ''}:")
    for reason, count in sorted(result.skipped.items(), key=lambda pair: -pair[1]):
        print(f"  {count:5d}  {reason}")
    print(f"next: plausible score {result.name}")


def _workspace_of_exercises(workspace: Path) -> "Workspace | None":
    """The workspace whose evidence feeds the model's forecasts, its warnings shown as every command shows them.

    None when the folder holds exercises alone, or when a file is invalid: the exercise then reports what it
    needs of the workspace.
    """
    if not (workspace / "hypotheses").is_dir():
        return None
    try:
        ws = load(workspace)
    except InputError:
        return None
    warn_all(ws.warnings)
    return ws

