"""The typer application, shared options, and the mapping of errors to exit codes.

Exit codes: 0 success, 2 bad input (a clear message, no traceback), 1 internal error.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

from plausible.core.errors import InputError, PlausibleError, Problem, UsageError
from plausible.core.types import Method

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = [
    "AnalystNoiseOption",
    "AsOfOption",
    "ChainsOption",
    "CoresOption",
    "DrawsOption",
    "IntervalOption",
    "SamplerOption",
    "SeedOption",
    "TargetAcceptOption",
    "TuneOption",
    "JsonOption",
    "MethodOption",
    "WorkspaceOption",
    "app",
    "command",
    "emit_json",
    "err",
    "given_options",
    "load",
    "parse_date",
    "warn_all",
    "with_as_of",
]

_ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
"""The base of the command-line parser's errors (typer's bundled click exports only BadParameter by name)."""


def _plain(message: str) -> str:
    """A parser message without pydantic's wording ("Value error, ...", "Input should be ...").

    Examples
    --------
    >>> _plain("Invalid value for '--method' / '-m': Value error, 'foo' is not one of 'exact', 'mcmc'.")
    "Invalid value for '--method' / '-m': 'foo' is not one of 'exact', 'mcmc'."
    >>> _plain("Invalid value for '--draws': Input should be greater than or equal to 1")
    "Invalid value for '--draws': must be greater than or equal to 1"
    """
    return message.replace("Value error, ", "").replace("Input should be ", "must be ")


def _restyled(exc: Any) -> Any:
    """A parser error that prints as every other error does: ``error: ...`` (the parser writes ``Error: ...``)."""
    if isinstance(getattr(exc, "message", None), str):
        exc.message = _plain(exc.message)
    show = exc.show

    def lower_case_show(file: Any = None) -> None:
        buffer = io.StringIO()
        show(buffer)
        text = buffer.getvalue()
        prefix = "Error: "
        text = "error: " + text[len(prefix):] if text.startswith(prefix) else text.replace("\n" + prefix, "\nerror: ")
        (file or sys.stderr).write(text)

    exc.show = lower_case_show
    return exc


class _Group(TyperGroup):
    """The command group, whose argument errors print as ``error: ...`` like the tool's own."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except _ClickException as exc:
            raise _restyled(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _ClickException as exc:
            raise _restyled(exc) from None


app = typer.Typer(
    cls=_Group,
    name="plausible",
    help="Bayesian analysis of competing hypotheses: evidence files in, calibrated plausibility out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (typer's, for bash, zsh, fish, PowerShell)
    rich_markup_mode=None,
)

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace folder.", show_default="current folder")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON to stdout.")]
MethodOption = Annotated[
    Method, typer.Option("--method", "-m", help="exact (closed form) or mcmc (PyMC).", case_sensitive=False)
]
DrawsOption = Annotated[int | None, typer.Option(help="MCMC draws per chain (default: model file).", min=1)]
TuneOption = Annotated[int | None, typer.Option(help="MCMC tuning steps per chain.", min=0)]
ChainsOption = Annotated[int | None, typer.Option(help="MCMC chains.", min=1)]
SeedOption = Annotated[int | None, typer.Option(help="MCMC random seed (same seed, same numbers).", min=0)]
SamplerOption = Annotated[str | None, typer.Option(help="MCMC sampler: pymc (NUTS) or nutpie (any case; nutpie is an "
                                                           "optional install: pip install nutpie).")]
TargetAcceptOption = Annotated[float | None, typer.Option(help="NUTS target acceptance rate.")]
IntervalOption = Annotated[float | None, typer.Option(help="Credible interval level, e.g. 0.9 (MCMC).")]
CoresOption = Annotated[
    int | None, typer.Option(help="Parallel MCMC chains (default: one per chain, up to the CPU count).", min=1)
]
AnalystNoiseOption = Annotated[
    bool | None,
    typer.Option("--analyst-noise/--no-analyst-noise", help="MCMC with several analysts: model each judgment as a "
                 "noisy reading of a latent likelihood, with a noise scale learned per analyst (the default, or the "
                 "model file's analyst_noise); --no-analyst-noise pools the judgments per cell, which samples "
                 "faster.", show_default=False),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Use only the evidence reported on or before DATE (YYYY-MM-DD); "
                 "corrections count once reported.", show_default="all evidence"),
]

P = ParamSpec("P")
R = TypeVar("R")


def parse_date(text: str | None, option: str) -> dt.date | None:
    """The date an option names, or None when it was not given.

    Raises
    ------
    UsageError
        When ``text`` is not a date.
    """
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; expected YYYY-MM-DD, e.g. 2015-06-20") from None


def load(workspace: Path, *, as_of: str | None = None, max_file_size: int | None = None) -> Workspace:
    """Load a workspace for a command: ``--as-of`` parsed, and the append-only check's warnings added.

    Raises
    ------
    InputError
        When a file is invalid.
    UsageError
        When ``as_of`` is not a date.
    """
    from dataclasses import replace

    from plausible.tracking.integrity import append_only_warnings
    from plausible.workspace import load_workspace

    sized = {} if max_file_size is None else {"max_file_size": max_file_size}
    ws = load_workspace(workspace, as_of=parse_date(as_of, "--as-of"), **sized)
    edited = append_only_warnings(ws.root, ws.files)
    return replace(ws, warnings=[*ws.warnings, *edited]) if edited else ws


def given_options(**options: Any) -> dict[str, Any]:
    """The MCMC options given on the command line (None: not given), the sampler's name in lower case."""
    given = {k: v for k, v in options.items() if v is not None}
    if isinstance(given.get("sampler"), str):
        given["sampler"] = given["sampler"].lower()
    return given


def with_as_of(data: dict[str, Any], as_of: dt.date | None) -> dict[str, Any]:
    """A command's JSON, saying which day's evidence it rests on when ``--as-of`` was given."""
    return data if as_of is None else {**data, "as_of": as_of.isoformat()}


def err(message: str) -> None:
    """Print a line to stderr."""
    print(message, file=sys.stderr)


def warn_all(warnings: list[Problem]) -> None:
    """Print warnings to stderr, one per line."""
    for warning in warnings:
        err(f"warning: {warning}")


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON with a trailing newline; a NaN or infinite number becomes null."""
    sys.stdout.write(json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def command[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that our errors become clear messages and exit codes, never tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except InputError as exc:
            for problem in exc.problems:
                err(str(problem))
            for note in exc.notes:
                err(f"note: {note}")
            n = len(exc.problems)
            err(f"{n} problem{'s' if n != 1 else ''} found; nothing was changed.")
            raise typer.Exit(exc.exit_code) from None
        except PlausibleError as exc:
            err(f"error: {exc}")
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:  # a bug: say so plainly, keep the traceback for whoever reports it
            err(f"internal error: {type(exc).__name__}: {exc}")
            if os.environ.get("PLAUSIBLE_DEBUG"):
                traceback.print_exc()
            else:
                err("This is a bug in plausible. Rerun with PLAUSIBLE_DEBUG=1 to see the traceback and report it.")
            raise typer.Exit(1) from None

    return wrapper
