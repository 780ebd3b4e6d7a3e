"""``plausible portfolio``: every set of many workspaces on Dask distributed (run), and the overview (brief).

Dask and pyarrow are imported when one of these commands runs, never by the others.

Exit codes of ``portfolio run``: 0 every set computed or up to date; 2 a workspace or set failed (each is
listed with its ``path:line`` messages, and the others were computed); 130 interrupted by Ctrl-C (finished
results are kept).
"""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from plausible.cli.app import AsOfOption, JsonOption, MethodOption, app, command, emit_json, err, parse_date
from plausible.cli.progress import ProgressLine
from plausible.core.types import Method

__all__ = ["portfolio_app"]

portfolio_app = typer.Typer(
    name="portfolio",
    help="A portfolio of questions: every set of many workspaces, computed on Dask distributed, and its overview.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(portfolio_app)

EXIT_FAILED, EXIT_INTERRUPTED = 2, 130


class PortfolioProgress(ProgressLine):
    """The progress line of a portfolio run: sets done of those to compute, failures, time left."""

    def __init__(self) -> None:
        super().__init__("portfolio", "sets")
        self.failed = 0

    def report(self, done: int, total: int, failed: int) -> None:
        """Record (sets done, sets to compute, failures so far)."""
        self.failed = failed
        self(done, total)

    def _text(self) -> str:
        text = super()._text()
        if self.failed:
            text += f", {self.failed:,} failed"
        if self.started is not None and 0 < self.done < self.total:
            left = (time.perf_counter() - self.started) / self.done * (self.total - self.done)
            text += f", about {left:.0f} s left"
        return text


@portfolio_app.command("run")
@command
def run(
    roots: Annotated[list[Path], typer.Argument(metavar="ROOT...", help="Workspaces, or folders holding them.")],
    out: Annotated[Path, typer.Option("--out", help="The results folder (a Parquet dataset).")],
    method: MethodOption = Method.EXACT,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes of the embedded local cluster.", min=1,
                                 show_default="one per CPU")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", metavar="ADDRESS",
                                 help="Use the Dask cluster at this scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", metavar="GLOB", help="Do not search folders matching GLOB "
                                       "(name or path under a root); repeatable.")
    ] = None,
    as_of: AsOfOption = None,
    analyses: Annotated[
        bool, typer.Option("--analyses", help="Also compute leader stability and flip distance per set.")
    ] = False,
    draws: Annotated[int | None, typer.Option(help="MCMC draws per chain (default: model file).", min=1)] = None,
    tune: Annotated[int | None, typer.Option(help="MCMC tuning steps per chain.", min=0)] = None,
    chains: Annotated[int | None, typer.Option(help="MCMC chains (run one after another in a worker).", min=1)] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (same seed, same numbers).", min=0)] = None,
    json_output: JsonOption = False,
) -> None:
    """Compute every set of every workspace under ROOT... that has no up-to-date result in --out."""
    from plausible.core.errors import UsageError
    from plausible.portfolio.runner import run_portfolio

    if workers is not None and scheduler is not None:
        raise UsageError("--workers sizes the embedded cluster; with --scheduler the cluster is already sized")
    options: dict[str, Any] = {k: v for k, v in {"draws": draws, "tune": tune, "chains": chains,
                                                 "seed": seed}.items() if v is not None}
    if options and method is not Method.MCMC:
        raise UsageError(f"{', '.join('--' + k for k in options)} only applies with --method mcmc")
    from plausible.portfolio.discovery import find_workspaces

    if not find_workspaces(roots, exclude or ()):
        raise UsageError(f"no workspace (a folder holding hypotheses/) under {', '.join(map(str, roots))}")
    line = PortfolioProgress()
    summary = run_portfolio(roots, out, method=method, options=options, as_of=parse_date(as_of, "--as-of"),
                            exclude=exclude or (), workers=workers, scheduler=scheduler, analyses=analyses,
                            progress=line.report)
    if line.started is not None:
        line.close()
    for failure in summary.failed:
        where = failure.workspace + ("" if failure.set_id is None else f" (set {failure.set_id})")
        err(f"failed: {where}")
        for message in failure.messages:
            err(f"  {message}")
    if json_output:
        emit_json(summary.to_dict())
    else:
        err(f"{summary.computed:,} computed, {summary.skipped:,} up to date, {len(summary.failed):,} failed, "
            f"in {summary.workspaces:,} workspaces ({summary.seconds:.1f} s); results in {summary.out}")
    if summary.interrupted:
        err("interrupted: the results that had arrived are kept; run again to finish")
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED)


@portfolio_app.command("brief")
@command
def brief(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The results folder of `portfolio run`.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the overview here: .html (one self-contained page) "
                                  "or .md.", show_default="Markdown on standard output")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """One overview of every set in DIR: leader, probability in ICD 203 words, move since the previous result."""
    import datetime as dt

    from plausible.core.errors import UsageError
    from plausible.core.version import tool_version
    from plausible.io.atomic import write_atomic
    from plausible.portfolio.overview import overview_rows, render_overview_html, render_overview_markdown
    from plausible.portfolio.store import Store

    store = Store(folder)
    if not store.files():
        raise UsageError(f"{folder}: no portfolio results here; compute them with `plausible portfolio run ROOT "
                         f"--out {folder}`")
    rows = overview_rows(store)
    if json_output:
        emit_json({"sets": [r.to_dict() for r in rows]})
        return
    now, version = dt.datetime.now(dt.UTC), tool_version()
    if output is None:
        print(render_overview_markdown(rows, generated=now, version=version), end="")
        return
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise UsageError(f"{output}: the overview is written as .html or .md")
    text = (render_overview_markdown if suffix == ".md" else render_overview_html)(rows, generated=now,
                                                                                   version=version)
    err(f"wrote the overview of {len(rows):,} sets to {write_atomic(output, text)}")
