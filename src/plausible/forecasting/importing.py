"""``plausible forecasts import FILE.csv --exercise NAME``: forecasts from a CSV file into an exercise's files.

The file is checked whole against the exercise (columns as in :mod:`plausible.forecasting.csvfiles`, every
problem as ``path:line: message``) before anything is written. Each forecaster in it gets the file
``forecasts/<forecaster>.csv``. A forecaster who already has forecasts in the exercise is refused unless
``replace`` is given, and then its old file is replaced (and named in the result); a file holding other
forecasters too is never rewritten. Each file is written atomically (temporary file, then rename); if writing
fails part-way, the files written are removed and the previous ones put back. What is written is what was
checked: the rows were validated against the exercise, and probabilities are written in their shortest exact
form (``repr``), so reading the files back gives the same numbers (a test checks the scores are unchanged).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plausible.core.errors import InputError, Problem, UsageError
from plausible.forecasting.csvfiles import REQUIRED_COLUMNS, CsvForecasts, forecasts_csv, parse_forecasts_csv
from plausible.forecasting.exercise import Exercise
from plausible.forecasting.loading import load_exercise, question_columns
from plausible.forecasting.schema import ForecasterKind
from plausible.io.atomic import write_atomic
from plausible.workspace import Workspace

__all__ = ["ImportResult", "forecaster_csv", "import_forecasts"]


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote.

    Attributes
    ----------
    exercise : str
    files : dict
        The file written for each forecaster.
    replaced : dict
        For each forecaster whose earlier forecasts were replaced, the file they were in.
    forecasts : int
        Forecasts imported (a categorical forecast of several rows counts once).
    """

    exercise: str
    files: dict[str, Path]
    replaced: dict[str, Path]
    forecasts: int


def forecaster_csv(ex: Exercise, parsed: CsvForecasts, code: int) -> str:
    """The CSV text of one forecaster's forecasts (one row per binary forecast, one per option otherwise).

    Binary forecasts (the common, large case) are written column-wise; probabilities in their shortest exact form.
    """
    mine = np.flatnonzero(parsed.forecaster == code)
    who = parsed.forecasters[code]
    questions = list(ex.questions.values())
    kind = parsed.kinds.get(who, ForecasterKind.HUMAN).value
    binary = np.array([q.is_binary for q in questions], bool)
    if np.all(binary[parsed.question[mine]]):
        days = {int(d): dt.date.fromordinal(int(d)).isoformat() for d in np.unique(parsed.made[mine])}
        ids = [q.id for q in questions]
        lines = [f"{who},{ids[q]},{days[d]},{p!r},{kind}" for q, d, p in
                 zip(parsed.question[mine].tolist(), parsed.made[mine].tolist(),
                     parsed.probabilities[mine, 0].tolist(), strict=True)]
        return ",".join((*REQUIRED_COLUMNS, "kind")) + "\n" + "".join(line + "\n" for line in lines)
    rows: dict[str, list[object]] = {name: [] for name in (*REQUIRED_COLUMNS, "option", "kind")}
    for i in mine:
        question = questions[int(parsed.question[i])]
        day = dt.date.fromordinal(int(parsed.made[i])).isoformat()
        options = question.options[:1] if question.is_binary else question.options
        for j, option in enumerate(options):
            for name, value in zip(rows, (who, question.id, day, float(parsed.probabilities[i, j]),
                                          "" if question.is_binary else option, kind), strict=True):
                rows[name].append(value)
    return forecasts_csv(rows, [*REQUIRED_COLUMNS, "option", "kind"])


def import_forecasts(
    path: str | os.PathLike[str],
    exercise: str | os.PathLike[str],
    workspace: Workspace | str | os.PathLike[str] = ".",
    *,
    replace: bool = False,
) -> ImportResult:
    """Import the forecasts of a CSV file into an exercise.

    Parameters
    ----------
    path : str or PathLike
        The CSV file (columns forecaster, question, date, probability, and optionally option and kind).
    exercise : str or PathLike
        The exercise's name under ``exercises/`` (or its folder).
    workspace : Workspace or str or PathLike
    replace : bool
        Replace the forecasts of forecasters who already have a file in the exercise.

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        Every problem of the CSV file, as ``path:line: message`` (nothing is written).
    UsageError
        When the file cannot be read, or a forecaster already has forecasts and ``replace`` is not given.
    """
    source = Path(path)
    ex = load_exercise(exercise, workspace)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    parsed, problems = parse_forecasts_csv(raw, str(source), question_columns(ex.questions, ex.resolutions))
    if problems or parsed is None:
        raise InputError(problems or [Problem(str(source), None, "no forecasts could be read")])
    present = sorted({parsed.forecasters[int(c)] for c in np.unique(parsed.forecaster)})
    if not present:
        raise InputError([Problem(str(source), None, "the file has a header but no forecasts")])
    folder = ex.root / "forecasts"
    targets = {who: folder / f"{who}.csv" for who in present}
    replaced = {who: ex.forecaster_files[who] for who in present if who in ex.forecaster_files}
    _check_replacing(ex, present, targets, replaced, replace)
    texts = {who: forecaster_csv(ex, parsed, parsed.forecasters.index(who)) for who in present}
    previous = {p: p.read_bytes() for p in {*replaced.values(), *targets.values()} if p.is_file()}
    folder.mkdir(exist_ok=True)
    try:
        for who in present:
            write_atomic(targets[who], texts[who])
        for who, old in replaced.items():
            if old != targets[who]:
                old.unlink()
    except BaseException:
        for who in present:
            if targets[who] not in previous:
                targets[who].unlink(missing_ok=True)
        for old, data in previous.items():
            write_atomic(old, data)
        raise
    return ImportResult(ex.name, targets, replaced, len(parsed.forecaster))


def _check_replacing(ex: Exercise, present: list[str], targets: dict[str, Path], replaced: dict[str, Path],
                     replace: bool) -> None:
    shared = {who: path for who, path in replaced.items()
              if any(other != who and file == path for other, file in ex.forecaster_files.items())}
    if shared:
        raise UsageError("; ".join(f"{who}'s forecasts are in {path}, which holds other forecasters too"
                                   for who, path in shared.items())
                         + ": edit that file, or move these forecasters out of it, before importing")
    taken = {who: targets[who] for who in present
             if targets[who].exists() and targets[who] not in ex.forecaster_files.values()}
    if taken:
        raise UsageError("; ".join(f"{path} exists and does not hold {who}'s forecasts" for who, path in
                                   taken.items()) + ": move it aside first")
    if replaced and not replace:
        listing = ", ".join(f"{who} ({path.name})" for who, path in replaced.items())
        raise UsageError(f"forecasters already in exercise {ex.name!r}: {listing}; nothing was written. Give "
                         "--replace to replace their forecasts with the file's, or remove them from the file")
