"""Closing the loop: record a question's resolution, and feed an indicator's outcome back as new evidence.

``resolutions.yaml`` is not an evidence file: it is rewritten atomically (appending keeps its comments). An
indicator question's outcome becomes a NEW evidence file ``evidence/resolutions/<date>-<exercise>-<question>.yaml``
with one item whose likelihoods for the indicator's set are the indicator's as written (outcome yes) or their
complements (outcome no: a term or rating becomes the one naming the mirrored band, so MCMC keeps its
uncertainty; a number p becomes 1 - p), cited to the source ``exercise-resolution``, with the resolution's note
in its rationale. Existing evidence files are never edited: a corrected
resolution (``force``) adds a new file whose item supersedes the earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from plausible.core.errors import InputError, UsageError
from plausible.forecasting.exercise import Exercise, Question, Resolution
from plausible.forecasting.loading import load_exercise
from plausible.forecasting.schema import ResolutionsFile
from plausible.io.atomic import write_atomic
from plausible.io.yamlio import parse_yaml
from plausible.model.scales import Judgment, ModelSpec
from plausible.model.schema import did_you_mean, validate_document
from plausible.workspace import Workspace, load_workspace

__all__ = ["RESOLUTION_SOURCE", "ResolveResult", "resolve_question"]

RESOLUTION_SOURCE = "exercise-resolution"
"""The source that resolution evidence cites; it must be declared in evidence/sources.yaml."""

_SOURCE_HINT = "{id: exercise-resolution, name: Resolved forecasting questions, reliability: A}"


@dataclass(frozen=True)
class ResolveResult:
    """What :func:`resolve_question` did.

    ``changed`` is False when the same resolution was already recorded (and its evidence, if any, written).
    ``evidence_file`` is the new evidence file, if one was written; ``set_id`` the set it updates, and
    ``before``/``after`` that set's posterior (exact engine) without and with the new evidence.
    """

    exercise: str
    question: str
    outcome: str
    resolved: dt.date
    changed: bool
    resolutions_file: Path
    evidence_file: Path | None = None
    set_id: str | None = None
    replaced: Resolution | None = None
    before: dict[str, float] | None = None
    after: dict[str, float] | None = None


def resolve_question(
    exercise: str | os.PathLike[str],
    question_id: str,
    outcome: str,
    *,
    date: dt.date | None = None,
    workspace: str | os.PathLike[str] = ".",
    force: bool = False,
    note: str | None = None,
) -> ResolveResult:
    """Record that a question resolved, and write the evidence an indicator's outcome carries.

    Parameters
    ----------
    exercise : str or PathLike
        The exercise's name under ``exercises/`` (or its folder).
    question_id : str
    outcome : str
        One of the question's options (binary: yes or no).
    date : datetime.date, optional
        The resolution day (default: today). Evidence written is reported on this day.
    workspace : str or PathLike
    force : bool
        Replace an existing, different resolution.
    note : str, optional
        How it was resolved (kept in resolutions.yaml, and in the rationale of the evidence item it writes).

    Returns
    -------
    ResolveResult

    Raises
    ------
    UsageError
        Unknown question or outcome, a different resolution already recorded (without ``force``), forecasts made
        after the resolution day, the evidence file already there, or the source ``exercise-resolution`` missing.
    InputError
        When the exercise or workspace files are invalid.
    """
    root = Path(workspace)
    ex = load_exercise(exercise, root)
    question = ex.questions.get(question_id)
    if question is None:
        raise UsageError(f"unknown question {question_id!r}{did_you_mean(question_id, ex.questions)} (questions of "
                         f"{ex.name}: {', '.join(ex.questions)})")
    outcome = _checked_outcome(question, outcome)
    day = date or dt.date.today()
    late = [f for f in ex.forecasts_for(question.id) if f.made > day]
    if late:
        raise UsageError(f"{len(late)} forecast(s) of {question.id!r} were made after {day} (the latest on "
                         f"{late[-1].made} by {late[-1].forecaster}); a question cannot resolve before it was forecast")
    previous = ex.resolutions.get(question.id)
    same = previous is not None and previous.outcome == outcome and previous.resolved == day
    if previous is not None and not same and not force:
        raise UsageError(f"question {question.id!r} is already resolved as {previous.outcome!r} on "
                         f"{previous.resolved}; pass --force to replace that resolution")
    ws = load_workspace(root) if question.indicator_id is not None else None
    evidence_path = _evidence_path(root, ex, question, day) if ws is not None else None
    if ws is not None and evidence_path is not None:
        if RESOLUTION_SOURCE not in ws.sources:
            raise UsageError(f"the source {RESOLUTION_SOURCE!r} is not declared: add {_SOURCE_HINT} to "
                             "evidence/sources.yaml, then run this again (evidence files are never edited for you)")
        if evidence_path.exists() and not same:
            raise UsageError(f"{evidence_path} already exists and evidence files are never edited; resolve with "
                             "another --date, or add a correcting evidence file by hand")
    resolutions_path = ex.root / "resolutions.yaml"
    if not same:
        entry = Resolution(question.id, outcome, day, note)
        write_atomic(resolutions_path, _resolutions_text(resolutions_path, entry, replace=previous is not None))
    if ws is None or evidence_path is None or evidence_path.exists():
        return ResolveResult(ex.name, question.id, outcome, day, not same, resolutions_path,
                             replaced=previous if not same else None)
    assert question.set_id is not None
    before = ws.posterior(question.set_id).probabilities
    after = _write_evidence(root, ws, ex, question, outcome, day, evidence_path, note).posterior(question.set_id)
    return ResolveResult(ex.name, question.id, outcome, day, True, resolutions_path, evidence_path,
                         question.set_id, previous if not same else None, before, after.probabilities)


def _checked_outcome(question: Question, outcome: str) -> str:
    text = outcome.strip()
    if question.is_binary:
        text = text.lower()
    if text not in question.options:
        hint = did_you_mean(text, question.options) or f"; options: {', '.join(question.options)}"
        raise UsageError(f"outcome {outcome!r} is not an option of question {question.id!r}{hint}")
    return text


def _evidence_path(root: Path, ex: Exercise, question: Question, day: dt.date) -> Path:
    return root / "evidence" / "resolutions" / f"{day.isoformat()}-{_slug(ex.name)}-{question.id}.yaml"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "exercise"


# --- resolutions.yaml ------------------------------------------------------------------------------------------


def _entry_lines(entry: Resolution, indent: str) -> list[str]:
    lines = [f"{indent}- question: {json.dumps(entry.question)}",
             f"{indent}  outcome: {json.dumps(entry.outcome)}",
             f"{indent}  resolved: {entry.resolved.isoformat()}"]
    if entry.note:
        lines.append(f"{indent}  note: {json.dumps(entry.note, ensure_ascii=False)}")
    return lines


def _resolutions_text(path: Path, entry: Resolution, *, replace: bool) -> str:
    """The new text of resolutions.yaml: the entry appended (comments kept), or the file rebuilt."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    existing = _read_resolutions(old, str(path))
    wanted = [r for r in existing if not (replace and r.question == entry.question)] + [entry]
    if existing and not replace:
        block = re.search(r"^resolutions:[ \t]*(#.*)?$", old, re.M)
        indent = re.search(r"^([ \t]*)- ", old[block.end():], re.M) if block is not None else None
        if indent is not None:
            text = old + ("" if old.endswith("\n") else "\n") + "\n".join(_entry_lines(entry, indent.group(1))) + "\n"
            if _read_resolutions(text, str(path)) == wanted:
                return text
    lead = []
    for line in old.splitlines():  # keep the leading comment block
        if not (line.startswith("#") or not line.strip()):
            break
        lead.append(line)
    if not any(line.strip() for line in lead):
        lead = ["# Resolutions of this exercise's questions, written by `plausible resolve` or by hand."]
    body = [line for r in wanted for line in _entry_lines(r, "  ")]
    return "\n".join([*lead, "resolutions:", *body]) + "\n"


def _read_resolutions(text: str, shown: str) -> list[Resolution]:
    if not text.strip():
        return []
    doc = parse_yaml(text, shown)
    if doc.data is None:
        return []
    result = validate_document(doc, ResolutionsFile, "a resolutions file")
    if result.model is None:
        raise InputError(result.problems)
    return [Resolution(r.question, r.outcome, r.resolved, r.note) for r in result.model.resolutions]


# --- evidence ----------------------------------------------------------------------------------------------------


def _write_evidence(root: Path, ws: Workspace, ex: Exercise, question: Question, outcome: str, day: dt.date,
                    path: Path, note: str | None = None) -> Workspace:
    """Write the new evidence file and return the workspace reloaded with it."""
    assert question.set_id is not None and question.indicator_id is not None
    hs = ws.hypothesis_set(question.set_id)
    indicator = next(ind for ind in hs.indicators if ind.id == question.indicator_id)
    cells = {hid: _resolved_cell(hs.model, indicator.likelihoods[hid], outcome == "yes") for hid in hs.hypothesis_ids}
    prefix = f"{_slug(ex.name)}-{question.id}-resolved-"
    earlier = [item.id for item in ws.items if item.id.startswith(prefix)]
    item_id = f"{prefix}{day.isoformat()}"
    summary = f"Resolved {outcome}: {indicator.text}"
    rationale = f"Resolution of exercise question {question.id} ({ex.title})" + (f": {note}" if note else ".")
    lines = [
        f"# Written by `plausible resolve {ex.name} {question.id} {outcome} --date {day}`.",
        f"# Question {question.id!r} of exercise {ex.name!r} is indicator {indicator.id!r} of hypothesis set "
        f"{hs.id!r};",
        "# the item carries the indicator's likelihoods P(event | hypothesis) as written"
        + (" (it happened)." if outcome == "yes" else ", complemented (it did not happen): a term or rating by the "
           "one naming the mirrored band, a number p by 1 - p."),
        *(f"# {hid}: no term or rating of the model names the complement of {indicator.likelihoods[hid].label!r} "
          f"{list(indicator.likelihoods[hid].band or ())}: written as the number 1 - p (p its mean)"
          for hid, (_, band_lost) in cells.items() if band_lost),
        "# Evidence files are never edited: a corrected resolution adds a new file that supersedes this item.",
        "items:",
        f"  - id: {item_id}",
        f"    summary: {json.dumps(summary, ensure_ascii=False)}",
        f"    source: {RESOLUTION_SOURCE}",
        f"    reported: {day.isoformat()}",
        f"    rationale: {json.dumps(rationale, ensure_ascii=False)}",
    ]
    if earlier:
        lines.append(f"    supersedes: [{', '.join(earlier)}]")
    lines += ["    likelihoods:", f"      {hs.id}:"]
    lines += [f"        {hid}: {text}" for hid, (text, _) in cells.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "\n".join(lines) + "\n")
    try:
        return load_workspace(root)
    except InputError:
        path.unlink(missing_ok=True)  # our own new file: remove it rather than leave the workspace broken
        raise


def _resolved_cell(spec: ModelSpec, judgment: Judgment, happened: bool) -> tuple[str, bool]:
    """One cell of a resolution's likelihoods, as YAML text, and whether a band had to become a number.

    The indicator's own form is kept where it can be: its term, rating or NA as written (it happened); the term or
    rating of the mirrored band, or NA again (it did not). A number p stays a number, complemented to 1 - p; so
    does a band that no term or rating mirrors (True: the band is lost, its mean kept).
    """
    if judgment.not_applicable:
        return json.dumps(judgment.label or "NA"), False
    if judgment.band is not None:
        named = judgment.label if happened else spec.complement(judgment)
        if named:
            return json.dumps(named, ensure_ascii=False), False
        return repr(round(1.0 - judgment.mean, 12)), True
    value = judgment.mean if happened else round(1.0 - judgment.mean, 12)
    return repr(float(min(max(value, 1e-6), 1.0 - 1e-6))), False
