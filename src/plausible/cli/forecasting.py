"""Forecasting-exercise commands: score (the leaderboard) and resolve (record an outcome, feed it back)."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from plausible.cli.app import JsonOption, WorkspaceOption, app, command, emit_json, err
from plausible.core.errors import UsageError

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
    seed: Annotated[int, typer.Option(help="Seed of the skill model's sampler.", min=0)] = 20150616,
    bins: Annotated[int, typer.Option(help="Bins of the calibration table.", min=1)] = 10,
    pools: Annotated[
        str, typer.Option("--pools", metavar="none|mean,median,logit-mean,bayes",
                          help="Pooled forecasts to score: a comma list, or none to skip pooling "
                               "(bayes is --bayes's skill pool).")
    ] = "mean,median,logit-mean",
) -> None:
    """Score an exercise: every forecaster, plausible's model and the pooled forecasts (leaderboard)."""
    from plausible.forecasting.scoring import parse_pools, score_exercise

    chosen = parse_pools(pools)
    scores = score_exercise(exercise, workspace, bayes=bayes, seed=seed, bins=bins,
                            pools=(*chosen, "bayes") if bayes else chosen)
    if json_output:
        emit_json(scores.to_dict())
        return
    _leaderboard(scores)


def _leaderboard(scores: Any) -> None:
    from plausible.cli.layout import Col, Layout, Row, console, fit, title
    from plausible.core.display import score

    ex = scores.exercise
    resolved = len(ex.resolutions)
    out = console()
    title(out, f"{ex.title} — {resolved} of {len(ex.questions)} questions resolved")
    with_rps = any(f.rps is not None for f in scores.forecasters)
    cols = [Col("#"), Col("forecaster", "id"), Col("kind", "id"), Col("qs"), Col("Brier"), Col("log"),
            Col("Brier t-avg"), Col("½-Brier")]
    cols += [Col("RPS")] if with_rps else []
    rows = []
    for rank, f in enumerate(scores.forecasters, start=1):
        kind = "pool" if f.kind == "aggregate" else f.kind
        cells = [str(rank) if f.brier is not None else "", f.id, kind, str(f.questions), score(f.brier),
                 score(f.log), score(f.brier_time_averaged), score(f.half_brier)]
        cells += [score(f.rps)] if with_rps else []
        rows.append(Row(tuple(cells), style="bold" if f.kind == "model" else None))
    notes = [
        "Lower is better; qs: resolved questions scored. Brier: Brier's original sum over options (0–2) of the "
        "final forecast; log: −ln p(outcome), p clipped at 1e-15; t-avg: Good Judgment daily average of the Brier "
        "score from each forecaster's first forecast; ½-Brier: binary questions (0–1); RPS: ordered questions, "
        "unnormalised.",
    ]
    kinds = {f.kind for f in scores.forecasters}
    if "model" in kinds and any(f.id == "plausible" for f in scores.forecasters):
        notes.append("plausible: the model, forecasting from the evidence reported strictly before each forecast day.")
    if kinds & {"market", "baseline"}:
        notes.append("Forecasters of kind market and baseline are scored but not pooled.")
    if "aggregate" not in kinds and scores.pools:
        notes.append("No pooled forecasts: no forecaster of a pooled kind (human, model) to combine.")
    if any(f.id == "bayes-pool" for f in scores.forecasters):
        notes.append("bayes-pool: the forecaster-skill model (PyMC), binary questions only: compare its ½-Brier.")
    if scores.extremizing is not None:
        notes.append(f"logit-mean: extremizing a = {scores.extremizing:.2f} by maximum likelihood "
                     "(each question scored with a fitted on the others).")
    layouts = [Layout(tuple(cols), tuple(rows), boxed, tuple(notes)) for boxed in (True, False)]
    fit(out, layouts, keys=2)


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
