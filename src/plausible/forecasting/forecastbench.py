"""``plausible exercise import-forecastbench``: an exercise from ForecastBench's question and resolution sets.

ForecastBench (Karger et al., "ForecastBench: A Dynamic Benchmark of AI Forecasting Capabilities", ICLR 2025;
data under CC BY-SA 4.0) publishes question sets (``{"forecast_due_date", "questions": [...]}``) and resolution
sets (``{"resolutions": [...]}``). A question is kept when

* its source is a prediction market or forecasting platform (:data:`MARKET_SOURCES`; dataset questions ask
  about several horizons at once and are left out),
* its id is text (combination questions have a list of ids) and its (source, id) pair occurs once,
* exactly one resolution entry has its (source, id), with ``resolved: true`` and ``resolved_to`` 0 or 1,
* it has the market's probability at the freeze date (``freeze_datetime_value``, in [0, 1]), and it did not
  resolve before that day.

Each kept question becomes a binary question with id ``<source>-<id>`` (unique per pair; the id at the source
is kept exactly as text in ``source_id``), closing on the forecast due date; its resolution is recorded with the
resolution date; the market's freeze-date probability becomes a forecast of the forecaster ``market`` (kind
``market``, so the pools leave it out) in ``forecasts/market.csv``. Every question left out is counted under its
reason. No baseline is created: a base rate computed on these same questions would know their outcomes (it is
look-ahead); declare baselines yourself (``plausible forecasts import``, kind ``baseline``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plausible.core.errors import InputError, Problem, UsageError
from plausible.core.names import ID_PATTERN
from plausible.forecasting.csvfiles import REQUIRED_COLUMNS, forecasts_csv
from plausible.forecasting.loading import load_exercise
from plausible.workspace import Workspace

__all__ = ["MARKET_FORECASTER", "MARKET_SOURCES", "ForecastBenchImport", "import_forecastbench"]

MARKET_SOURCES = ("manifold", "metaculus", "polymarket", "infer")
"""ForecastBench sources whose questions are markets or forecasting platforms (the others are datasets)."""

MARKET_FORECASTER = "market"
"""The forecaster id of the markets' freeze-date probabilities."""


@dataclass(frozen=True)
class ForecastBenchImport:
    """What an import made: the exercise, the questions kept and the ones skipped, counted by reason."""

    name: str
    folder: Path
    questions: int
    skipped: dict[str, int]
    due: dt.date


@dataclass(frozen=True)
class _Kept:
    id: str
    source: str
    source_id: str
    text: str
    description: str
    made: dt.date
    probability: float
    outcome: str
    resolved: dt.date


def import_forecastbench(
    questions_path: str | os.PathLike[str],
    resolutions_path: str | os.PathLike[str],
    workspace: Workspace | str | os.PathLike[str] = ".",
    *,
    name: str | None = None,
) -> ForecastBenchImport:
    """Build ``exercises/<name>/`` from a ForecastBench question set and resolution set.

    Parameters
    ----------
    questions_path, resolutions_path : str or PathLike
        The question set (e.g. ``2024-07-21-human.json``) and its resolution set.
    workspace : Workspace or str or PathLike
        Where ``exercises/`` is (created if missing).
    name : str, optional
        The exercise's name; default ``forecastbench-<forecast due date>``.

    Returns
    -------
    ForecastBenchImport

    Raises
    ------
    InputError
        When a file is not JSON of the expected shape (``path:line: message``).
    UsageError
        When the exercise exists already, or no question can be kept.
    """
    root = workspace.root if isinstance(workspace, Workspace) else Path(workspace)
    question_set = _read_json(Path(questions_path), "questions")
    resolution_set = _read_json(Path(resolutions_path), "resolutions")
    due = _day(question_set.get("forecast_due_date"))
    if due is None:
        raise InputError([Problem(str(questions_path), 1, "no `forecast_due_date` (YYYY-MM-DD) in the question set")])
    name = name or f"forecastbench-{due.isoformat()}"
    if not ID_PATTERN.match(name):
        raise UsageError(f"--name {name!r} is not a valid exercise name: use letters, digits and single '-', '_' "
                         "or '.' between them")
    folder = root / "exercises" / name
    if folder.exists():
        raise UsageError(f"{folder} exists already; choose another --name or move it aside (nothing was written)")
    kept, skipped = _select(question_set["questions"], resolution_set["resolutions"], due)
    if not kept:
        raise UsageError(f"no question could be kept from {questions_path} (skipped: {_listing(skipped)})")
    _write(folder, kept, due, Path(questions_path).name, Path(resolutions_path).name, skipped)
    try:
        load_exercise(folder, root)
    except InputError:
        shutil.rmtree(folder)
        raise
    return ForecastBenchImport(name, folder, len(kept), dict(skipped), due)


def _read_json(path: Path, key: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), None, "not UTF-8 text; expected a ForecastBench JSON file")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(str(path), exc.lineno, f"not valid JSON: {exc.msg}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise InputError([Problem(str(path), 1, f"expected a JSON object with a `{key}` list (a ForecastBench "
                                  f"{'question' if key == 'questions' else 'resolution'} set)")])
    return data


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _probability(value: Any) -> float | None:
    try:
        p = float(value)
    except (TypeError, ValueError):
        return None
    return p if math.isfinite(p) and 0.0 <= p <= 1.0 else None


def _select(questions: list[Any], resolutions: list[Any], due: dt.date) -> tuple[list[_Kept], Counter[str]]:
    entries: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in resolutions:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("source"), str):
            entries.setdefault((entry["source"], entry["id"]), []).append(entry)
    pairs = Counter((q.get("source"), q.get("id")) for q in questions
                    if isinstance(q, dict) and isinstance(q.get("id"), str))
    kept: list[_Kept] = []
    skipped: Counter[str] = Counter()
    for q in questions:
        reason, item = _keep(q, entries, pairs, due)
        if item is None:
            skipped[reason] += 1
        else:
            kept.append(item)
    return kept, skipped


def _keep(q: Any, entries: dict[tuple[str, str], list[dict[str, Any]]], pairs: Counter[tuple[Any, Any]],
          due: dt.date) -> tuple[str, _Kept | None]:
    if not isinstance(q, dict) or not isinstance(q.get("source"), str):
        return "not a question entry (no source)", None
    source, source_id = q["source"], q.get("id")
    if source not in MARKET_SOURCES:
        return "dataset question (not a market or platform question)", None
    if not isinstance(source_id, str):
        return "id is not text (a combination question)", None
    if pairs[(source, source_id)] > 1:
        return "(source, id) occurs more than once in the question set", None
    qid = f"{source}-{source_id}"
    if not ID_PATTERN.match(qid):
        return "id has characters an exercise id cannot hold", None
    found = entries.get((source, source_id), [])
    if not found:
        return "no resolution entry", None
    if len(found) > 1:
        return "several resolution entries", None
    entry = found[0]
    if entry.get("resolved") is not True:
        return "not resolved (resolved: false)", None
    if entry.get("resolved_to") not in (0, 1) or isinstance(entry.get("resolved_to"), bool):
        return "resolved_to is not 0 or 1", None
    probability, made, resolved = _probability(q.get("freeze_datetime_value")), _day(q.get("freeze_datetime")), \
        _day(entry.get("resolution_date"))
    if probability is None or made is None:
        return "no market probability at the freeze date", None
    if resolved is None:
        return "no resolution date", None
    if resolved < made or made > due:
        return "resolved before the freeze date, or frozen after the due date", None
    text = str(q.get("question") or "").strip()
    if not text:
        return "no question text", None
    described = [str(q.get(k)).strip() for k in ("resolution_criteria", "background", "url")
                 if q.get(k) and str(q.get(k)).strip() not in ("", "N/A")]
    outcome = "yes" if entry["resolved_to"] == 1 else "no"
    return "", _Kept(qid, source, source_id, text, "\n\n".join(described), made, probability, outcome, resolved)


def _listing(skipped: Counter[str]) -> str:
    return "; ".join(f"{reason}: {n}" for reason, n in skipped.most_common()) or "none"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _write(folder: Path, kept: list[_Kept], due: dt.date, questions_name: str, resolutions_name: str,
           skipped: Counter[str]) -> None:
    """Write the exercise into a temporary folder beside ``folder``, then rename it into place."""
    title = f"ForecastBench market questions of {due.isoformat()}"
    description = (f"Imported by `plausible exercise import-forecastbench` from {questions_name} and "
                   f"{resolutions_name}: {len(kept)} resolved binary market questions; the forecaster `market` is "
                   "each market's probability at the freeze date. Skipped: " + _listing(skipped) + ". Data: "
                   "ForecastBench, Forecasting Research Institute (Karger et al., ICLR 2025), CC BY-SA 4.0.")
    exercise = ["# ForecastBench questions (CC BY-SA 4.0, Forecasting Research Institute), imported by plausible.",
                f"title: {_quoted(title)}", f"description: {_quoted(description)}", "questions:"]
    for k in kept:
        exercise += [f"  - id: {k.id}", f"    text: {_quoted(k.text)}", "    kind: binary",
                     f"    closes: {due.isoformat()}", f"    source: {_quoted(k.source)}",
                     f"    source_id: {_quoted(k.source_id)}"]
        if k.description:
            exercise.append(f"    description: {_quoted(k.description)}")
    resolutions = ["# Outcomes from the ForecastBench resolution set.", "resolutions:"]
    resolutions += [f"  - {{question: {k.id}, outcome: {k.outcome}, resolved: {k.resolved.isoformat()}}}"
                    for k in kept]
    market = forecasts_csv({"forecaster": [MARKET_FORECASTER] * len(kept), "question": [k.id for k in kept],
                            "date": [k.made.isoformat() for k in kept], "probability": [k.probability for k in kept],
                            "kind": ["market"] * len(kept)}, [*REQUIRED_COLUMNS, "kind"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (staging / "forecasts").mkdir()
        (staging / "exercise.yaml").write_text("\n".join(exercise) + "\n", encoding="utf-8")
        (staging / "resolutions.yaml").write_text("\n".join(resolutions) + "\n", encoding="utf-8")
        (staging / "forecasts" / f"{MARKET_FORECASTER}.csv").write_text(market, encoding="utf-8")
        staging.chmod(0o755)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
