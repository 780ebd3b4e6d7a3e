"""The ``brief`` command: a briefing on one or more hypothesis sets, as Markdown or self-contained HTML."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import sys
from pathlib import Path
from typing import Annotated

import typer

from plausible.cli.app import (
    AnalystNoiseOption,
    AsOfOption,
    ChainsOption,
    CoresOption,
    DrawsOption,
    IntervalOption,
    MethodOption,
    SamplerOption,
    SeedOption,
    TargetAcceptOption,
    TuneOption,
    WorkspaceOption,
    app,
    command,
    err,
    given_options,
    load,
    parse_date,
    warn_all,
)
from plausible.core.errors import UsageError
from plausible.core.types import Method

__all__ = ["brief"]

FORMATS = ("md", "html")


def _format(chosen: str | None, output: Path | None) -> str:
    if chosen is None:
        return "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "md"
    value = {"markdown": "md"}.get(chosen.lower(), chosen.lower())
    if value not in FORMATS:
        raise UsageError(f"unknown format {chosen!r}; expected md or html")
    return value


@app.command()
@command
def brief(
    set_ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="SET", help="Hypothesis sets to brief (default: every set).", show_default=False),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option("--format", "-f", help="md (Markdown) or html (one self-contained page).",
                     show_default="md, or html for an -o file ending in .html"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (Markdown figures go to <stem>-figures/ beside it) "
                     "and record the briefing in the ledger for --since-last (unless --no-record).",
                     show_default="stdout"),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="With -o, record the briefing in the ledger, as what "
                           "--since-last compares with; --no-record writes a scratch copy that leaves the ledger "
                           "alone.")
    ] = True,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Say what changed since DATE (the assessment on the reports "
                     "dated before it).", show_default="the latest reporting day"),
    ] = None,
    since_last: Annotated[
        bool, typer.Option("--since-last", help="Say what changed since the previous briefing written with -o (the "
                           "ledger's last briefing entry).")
    ] = False,
    method: MethodOption = Method.EXACT,
    workspace: WorkspaceOption = Path("."),
    draws: DrawsOption = None,
    tune: TuneOption = None,
    chains: ChainsOption = None,
    seed: SeedOption = None,
    sampler: SamplerOption = None,
    target_accept: TargetAcceptOption = None,
    interval: IntervalOption = None,
    cores: CoresOption = None,
    analyst_noise: AnalystNoiseOption = None,
    as_of: AsOfOption = None,
) -> None:
    """A briefing: bottom line, hypotheses, what changed, key evidence, linchpins, indicators, sources, method."""
    kind = _format(format_, output)
    day = parse_date(since, "--since")
    if day is not None and since_last:
        raise UsageError("--since and --since-last are alternatives: give one of them")
    mcmc = given_options(draws=draws, tune=tune, chains=chains, seed=seed, sampler=sampler,
                         target_accept=target_accept, interval=interval, cores=cores, analyst_noise=analyst_noise)
    if mcmc and method != Method.MCMC:
        raise UsageError(f"{', '.join('--' + k.replace('_', '-') for k in mcmc)} only apply with --method mcmc")

    if output is not None and not output.parent.is_dir():  # before any work
        raise UsageError(f"cannot write {output}: folder {output.parent} does not exist")

    from plausible.briefing import briefing_entry, build_briefing, render_html, render_markdown

    ws = load(workspace, as_of=as_of)
    warn_all(ws.warnings)
    briefing = build_briefing(ws, set_ids or None, method=method, since=day, since_last=since_last,
                              mcmc_options=mcmc or None)
    warn_all(list(briefing.warnings))
    for sb in briefing.sets:
        for warning in sb.posterior.warnings:
            err(f"warning: {sb.set_id}: {warning}")

    if output is None:
        text = render_html(briefing) if kind == "html" else render_markdown(briefing).text
        sys.stdout.write(text)
        return

    from plausible.io.atomic import write_atomic

    if kind == "html":
        write_atomic(output, render_html(briefing))
    else:
        folder = f"{output.stem}-figures"
        rendered = render_markdown(briefing, figures=folder)
        (output.parent / folder).mkdir(exist_ok=True)
        for relative, data in rendered.files.items():
            write_atomic(output.parent / relative, data)
        write_atomic(output, rendered.text)
        err(f"wrote {len(rendered.files)} figures to {output.parent / folder}")
    err(f"wrote {output}")
    if not record:
        err("not recorded in the ledger (--no-record): --since-last still compares with the previous recorded briefing")
        return
    from plausible.tracking.briefings import record_briefing
    from plausible.tracking.ledger import ledger_path

    try:
        notes = record_briefing(ws.root, briefing_entry(ws, briefing))
    except (UsageError, OSError) as exc:
        err(f"warning: the briefing was written, but it could not be recorded in the ledger for --since-last: {exc}")
    else:
        warn_all(list(notes))
        err(f"recorded the briefing in {ledger_path(ws.root)} (for --since-last; --no-record skips this)")
