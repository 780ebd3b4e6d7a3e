"""Core commands: validate, posterior, sets, init, schema."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plausible.cli.app import (
    AnalystNoiseOption,
    AsOfOption,
    ChainsOption,
    CoresOption,
    DrawsOption,
    IntervalOption,
    JsonOption,
    MethodOption,
    SamplerOption,
    SeedOption,
    TargetAcceptOption,
    TuneOption,
    WorkspaceOption,
    app,
    command,
    emit_json,
    err,
    given_options,
    load,
    warn_all,
    with_as_of,
)
from plausible.cli.exports import POSTERIOR_COLUMNS, CsvOption, ParquetOption, export, posterior_rows
from plausible.core.display import count
from plausible.core.errors import InputError, Problem, UsageError
from plausible.core.limits import DEFAULT_MAX_BYTES
from plausible.core.types import Method
from plausible.io.atomic import write_atomic

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = ["init", "posterior", "schema", "sets", "validate"]

MaxSizeOption = Annotated[
    int, typer.Option("--max-file-size", help="Refuse workspace files larger than this many bytes.", min=1)
]


@app.command()
@command
def validate(
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    max_file_size: MaxSizeOption = DEFAULT_MAX_BYTES,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings are errors (exit 2): for an analysis repository's own CI.")
    ] = False,
) -> None:
    """Check every workspace file, exercises included; exit 0 when valid, 2 with `path:line: message` lines."""
    exercises = sorted(path.parent for path in (workspace / "exercises").glob("*/exercise.yaml"))
    problems: list[Problem] = []
    notes: list[str] = []
    ws = None
    if (workspace / "hypotheses").is_dir() or not exercises:  # a workspace of exercises alone is valid
        try:
            ws = load(workspace, max_file_size=max_file_size)
        except InputError as exc:
            problems.extend(exc.problems)
            notes.extend(exc.notes)
    from plausible.workspace.metadata import read_metadata

    try:
        read_metadata(workspace, max_bytes=max_file_size)
    except InputError as exc:
        problems.extend(exc.problems)
    loaded = []
    if exercises:
        from plausible.forecasting.loading import load_exercise

        for folder in exercises:
            try:
                loaded.append(load_exercise(folder, ws or workspace, max_file_size=max_file_size))
            except InputError as exc:  # a question's set may repeat the workspace's own problems: say each once
                problems.extend(p for p in exc.problems if p not in problems)
    warnings = list(ws.warnings) if ws is not None else []
    if strict:
        problems.extend(warnings)
        warnings = []
    if problems:
        if json_output:
            emit_json({"valid": False, "problems": [_problem_dict(p) for p in problems],
                       "warnings": [_problem_dict(p) for p in warnings], "notes": notes})
            raise typer.Exit(2)
        warn_all(warnings)
        raise InputError(problems, notes)
    used = {} if ws is None else {set_id: len(ws.items_for(set_id)) for set_id in ws.sets}
    superseded = 0 if ws is None else len(ws.all_items) - len(ws.items)
    summary = {"exercises": [{"name": ex.name, "questions": len(ex.questions), "forecasts": len(ex.forecasts),
                              "resolved": len(ex.resolutions)} for ex in loaded]}
    if json_output:
        emit_json({"valid": True, "problems": [], "warnings": [_problem_dict(p) for p in warnings],
                   "sets": list(used), "sources": 0 if ws is None else len(ws.sources),
                   "items": 0 if ws is None else len(ws.items), "superseded": superseded, "items_per_set": used,
                   **summary})
        return
    warn_all(warnings)
    if ws is not None:
        print(f"ok: {count(len(ws.sets), 'hypothesis set')}, {count(len(ws.sources), 'source')}, "
              f"{count(len(ws.items), 'evidence item')} in use"
              + (f", {count(len(warnings), 'warning')}" if warnings else ""))
        print(f"  and {count(superseded, 'item')} superseded by corrections, not counted")
        for set_id, n in used.items():  # so that an item left out of a set shows
            print(f"  {set_id}: uses {n} of the {count(len(ws.items), 'item')}")
        if len(ws.analysts) > 1:
            print(f"  analysts: {', '.join(ws.analysts)} (judgments pooled per cell; see `plausible analysts SET`)")
    else:
        print("ok: no hypotheses/ folder (a workspace of forecasting exercises)")
    for ex in loaded:
        print(f"  exercise {ex.name}: {count(len(ex.questions), 'question')}, "
              f"{count(len(ex.forecasts), 'forecast')}, {len(ex.resolutions)} resolved")


def _problem_dict(problem: Problem) -> dict[str, object]:
    return {"path": problem.path, "line": problem.line, "message": problem.message}


@app.command()
@command
def posterior(
    set_id: Annotated[str, typer.Argument(metavar="SET", help="Hypothesis set id (file stem in hypotheses/).")],
    method: MethodOption = Method.EXACT,
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    draws: DrawsOption = None,
    tune: TuneOption = None,
    chains: ChainsOption = None,
    seed: SeedOption = None,
    sampler: SamplerOption = None,
    target_accept: TargetAcceptOption = None,
    interval: IntervalOption = None,
    cores: CoresOption = None,
    analyst_noise: AnalystNoiseOption = None,
    save: Annotated[Path | None, typer.Option(help="Save the MCMC draws (ArviZ DataTree) to this netCDF file.")] = None,
    as_of: AsOfOption = None,
    analyst: Annotated[
        str | None, typer.Option("--analyst", help="One analyst's view: their judgments where given, the pool of "
                                 "the others' elsewhere (default: every analyst pooled).")
    ] = None,
    csv: CsvOption = None,
    parquet: ParquetOption = None,
) -> None:
    """Posterior plausibility of each hypothesis of SET given all evidence (or that reported by --as-of)."""
    ws = load(workspace, as_of=as_of)
    if analyst is not None:
        if set_id in ws.sets and not _judged_by(ws, analyst, set_id):
            err(f"warning: analyst {analyst!r} gave no likelihood and no prior for set {set_id!r}: their view is the "
                "pool of the others'")
        ws = ws.view_of(analyst)
    given = given_options(draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                          target_accept=target_accept, interval=interval, analyst_noise=analyst_noise)
    if method == Method.MCMC:
        from plausible.cli.progress import ProgressLine

        result = ws.posterior(set_id, method, progress=None if json_output else ProgressLine(), cores=cores, **given)
    else:
        if given or save is not None:
            raise UsageError(f"{', '.join('--' + k.replace('_', '-') for k in given) or '--save'} only applies "
                             "with --method mcmc")
        result = ws.posterior(set_id, method)
    for warning in result.warnings:
        err(f"warning: {warning}")
    if json_output:
        data = {**result.to_dict(), "prior_from": list(ws.prior_from(set_id))}
        emit_json(data if analyst is None else {**data, "analyst": analyst})
    else:
        warn_all(ws.warnings)
        from plausible.cli.render import posterior_table

        posterior_table(ws, result)
        if analyst is not None:
            err(f"the view of analyst {analyst!r}: their judgments where given, the others' pool elsewhere")
    export("the posterior", POSTERIOR_COLUMNS, posterior_rows(ws, result), csv, parquet)
    if save is not None:  # after the answer is shown, so a failed save loses nothing
        from plausible.io.atomic import save_datatree

        err(f"saved draws to {save_datatree(result.draws, save)}")


@app.command()
@command
def sets(workspace: WorkspaceOption = Path("."), json_output: JsonOption = False, as_of: AsOfOption = None) -> None:
    """List the hypothesis sets with their leading hypothesis (exact engine)."""
    ws = load(workspace, as_of=as_of)
    rows = []
    for set_id, hs in ws.sets.items():
        post = ws.posterior(set_id)
        rows.append({"set": set_id, "question": hs.question, "hypotheses": len(hs.hypotheses),
                     "evidence": len(post.item_ids), "leading": post.leading,
                     "probability": post.probabilities[post.leading]})
    if json_output:
        emit_json(with_as_of({"sets": rows}, ws.as_of))
        return
    warn_all(ws.warnings)
    from plausible.cli.render import sets_table

    sets_table(rows)


@app.command()
@command
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to create (must be new or empty).")],
) -> None:
    """Create a small working example workspace in DIR."""
    from plausible.cli.scaffold import scaffold

    created = scaffold(directory)
    print(f"created workspace {directory} ({len(created)} files); try: plausible posterior "
          f"{_first_set(directory)} -w {directory}")


def _first_set(directory: Path) -> str:
    return sorted(p.stem for p in (directory / "hypotheses").glob("*.yaml"))[0]


@app.command()
@command
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder to write <kind>.schema.json files into (created if "
                                  "missing).")
    ] = None,
) -> None:
    """Export the JSON Schema of every kind of workspace and exercise file (for editors that check YAML as you type)."""
    from plausible.forecasting.schema import json_schemas as exercise_schemas
    from plausible.model.schema import json_schemas

    schemas = {**json_schemas(), **exercise_schemas()}
    if output is None:
        emit_json(schemas)
        return
    if output.exists() and not output.is_dir():
        raise UsageError(f"cannot write schemas into {output}: it is a file, not a folder")
    output.mkdir(parents=True, exist_ok=True)
    for kind, body in schemas.items():
        write_atomic(output / f"{kind}.schema.json", json.dumps(body, indent=2) + "\n")
    err(f"wrote {len(schemas)} schemas to {output}")


_ENGINE_LIBRARIES = ("pymc", "pytensor", "numpy", "arviz")
"""The libraries whose versions decide the MCMC engine's numbers (see requirements/lock-py*.txt)."""


def _print_version(value: bool) -> None:
    if not value:
        return
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in _ENGINE_LIBRARIES)
    print(f"plausible {installed('plausible')} (Python {platform.python_version()}; {libraries})")
    raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True,
                           help="Print the version of plausible and of the libraries of its engine, and exit.")
    ] = False,
) -> None:
    """Bayesian analysis of competing hypotheses: evidence files in, calibrated plausibility out."""


def _judged_by(ws: "Workspace", analyst: str, set_id: str) -> bool:
    """Whether ``analyst`` gave the set a likelihood of some item or their own prior (the lead's: the set file's)."""
    from plausible.analysis.analysts import judging_analysts

    return analyst in ws.sets[set_id].priors_by_analyst or analyst in judging_analysts(ws, set_id)

