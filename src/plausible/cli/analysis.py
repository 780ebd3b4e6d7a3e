"""Commands that show how evidence moved the answer: history and analyze."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

from pathlib import Path
from typing import Annotated

import typer

from plausible.cli.app import (
    AsOfOption,
    JsonOption,
    WorkspaceOption,
    app,
    command,
    emit_json,
    err,
    load,
    warn_all,
    with_as_of,
)
from plausible.cli.exports import (
    ANALYSIS_COLUMNS,
    HISTORY_COLUMNS,
    CsvOption,
    ParquetOption,
    analysis_rows,
    export,
    history_rows,
)

__all__ = ["analysts_command", "analyze_command", "history"]

SetArgument = Annotated[str, typer.Argument(metavar="SET", help="Hypothesis set id (file stem in hypotheses/).")]


@app.command()
@command
def history(
    set_id: SetArgument,
    by: Annotated[str, typer.Option("--by", help="One step per item, per file, or per reporting date.")] = "item",
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    as_of: AsOfOption = None,
    csv: CsvOption = None,
    parquet: ParquetOption = None,
) -> None:
    """The posterior of SET after each item (or file, or date) in reported order; the last is the posterior."""
    from plausible.analysis.trajectory import trajectory

    ws = load(workspace, as_of=as_of)
    result = trajectory(ws, set_id, by.lower())  # type: ignore[arg-type]
    if json_output:
        emit_json(with_as_of(result.to_dict(), ws.as_of))
    else:
        warn_all(ws.warnings)
        from plausible.cli.render import history_table

        history_table(ws, result)
    export("the history", HISTORY_COLUMNS, history_rows(result), csv, parquet)


@app.command("analyze")
@command
def analyze_command(
    set_id: SetArgument,
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    as_of: AsOfOption = None,
    csv: CsvOption = None,
    parquet: ParquetOption = None,
) -> None:
    """Weights of evidence, linchpins, source and prior stress, flip distance, leader stability, indicators, ACH."""
    from plausible.analysis.report import analyze

    ws = load(workspace, as_of=as_of)
    result = analyze(ws, set_id)
    if json_output:
        emit_json(with_as_of(result.to_dict(), ws.as_of))
    else:
        warn_all(ws.warnings)
        for warning in result.double_counting:  # analysis warnings: not validation problems
            err(f"warning: {warning.message}. Fix: {warning.fix}")
        from plausible.cli.render import analysis_report

        analysis_report(ws, result)
    export("the analysis", ANALYSIS_COLUMNS, analysis_rows(ws, result), csv, parquet)


@app.command("analysts")
@command
def analysts_command(
    set_id: SetArgument,
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Each analyst's posterior of SET, the pool, and the items whose disagreement moves the leader most."""
    from plausible.analysis.analysts import analysts_report

    ws = load(workspace, as_of=as_of)
    result = analysts_report(ws, set_id)
    if json_output:
        emit_json(with_as_of(result.to_dict(), ws.as_of))
        return
    warn_all(ws.warnings)
    from plausible.cli.render import analysts_tables

    analysts_tables(ws, result)
