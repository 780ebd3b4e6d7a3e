"""Loading an exercise: find its files, validate each, cross-check them (and the workspace's sets), all at once.

Every problem is reported as ``path:line: message`` with a did-you-mean where one helps, in one
:class:`~plausible.core.errors.InputError`, like the rest of a workspace.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from plausible.core.errors import InputError, Problem, UsageError
from plausible.forecasting.csvfiles import SUM_TOLERANCE, CsvForecasts, QuestionColumns, parse_forecasts_csv
from plausible.forecasting.exercise import (
    BINARY_OPTIONS,
    RESERVED_FORECASTERS,
    Exercise,
    Forecast,
    ForecastTable,
    Question,
    Resolution,
)
from plausible.forecasting.schema import (
    ExerciseFile,
    ForecasterKind,
    ForecastsFile,
    ForecastSpec,
    QuestionKind,
    QuestionSpec,
    ResolutionsFile,
)
from plausible.io.yamlio import DEFAULT_MAX_BYTES, Location, YamlDocument, read_yaml
from plausible.model.crosscheck import Parsed
from plausible.model.schema import did_you_mean, validate_document
from plausible.workspace import Workspace, load_workspace

__all__ = ["RESERVED_FORECASTERS", "SUM_TOLERANCE", "exercise_folder", "forecast_files", "load_exercise",
           "question_columns"]

M = TypeVar("M", bound=BaseModel)


def exercise_folder(name: str | os.PathLike[str], workspace_root: Path) -> Path:
    """The folder of an exercise: ``<workspace>/exercises/<name>``, or ``name`` itself if it is an exercise folder.

    Raises
    ------
    UsageError
        When there is no such exercise, naming the exercises there are.
    """
    text = os.fspath(name)
    candidate = workspace_root / "exercises" / text
    if (candidate / "exercise.yaml").is_file():
        return candidate
    if (Path(text) / "exercise.yaml").is_file():
        return Path(text)
    base = workspace_root / "exercises"
    known = sorted(p.name for p in base.iterdir() if (p / "exercise.yaml").is_file()) if base.is_dir() else []
    raise UsageError(f"exercise {text!r} not found: expected {candidate / 'exercise.yaml'}"
                     f"{did_you_mean(text, known)} (exercises here: {', '.join(known) or 'none'})")


def load_exercise(
    name: str | os.PathLike[str],
    workspace: Workspace | str | os.PathLike[str] = ".",
    *,
    max_file_size: int = DEFAULT_MAX_BYTES,
) -> Exercise:
    """Load and validate an exercise of a workspace.

    Parameters
    ----------
    name : str or PathLike
        The exercise's folder name under ``exercises/`` (or the path of an exercise folder).
    workspace : Workspace or str or PathLike
        The workspace (loaded only when a question refers to a hypothesis set or an indicator).
    max_file_size : int
        Files larger than this many bytes are refused.

    Returns
    -------
    Exercise

    Raises
    ------
    InputError
        Listing every problem in every file of the exercise, each as ``path:line: message``.
    UsageError
        When there is no such exercise.
    """
    root = workspace.root if isinstance(workspace, Workspace) else Path(workspace)
    folder = exercise_folder(name, root)
    checker = _Checker(root.resolve(), max_file_size)
    exercise_file = checker.parse(folder / "exercise.yaml", ExerciseFile, "an exercise file", "questions")
    resolutions_path = folder / "resolutions.yaml"
    resolutions_file = (checker.parse(resolutions_path, ResolutionsFile, "a resolutions file", "resolutions")
                        if resolutions_path.is_file() else None)
    yaml_paths, csv_paths = forecast_files(folder / "forecasts")
    yaml_files = [
        parsed for path in yaml_paths
        if (parsed := checker.parse(path, ForecastsFile, "a forecasts file", "forecasts")) is not None
    ]
    if exercise_file is None:  # without the questions, the other files cannot be cross-checked
        raise InputError(checker.problems)
    ws = checker.workspace_for(exercise_file, workspace)
    questions = checker.questions(exercise_file, ws)
    resolutions = checker.resolutions(resolutions_file, questions) if resolutions_file is not None else {}
    csv_files = [read for path in csv_paths
                 if (read := checker.parse_csv(path, questions, resolutions)) is not None]
    forecasts, kinds = checker.forecasts(yaml_files, csv_files, questions, resolutions)
    if checker.problems:
        raise InputError(checker.problems)
    where = {checker.shown(path): path for path in (*yaml_paths, *csv_paths)}
    files = {who: where[shown] for who, shown in checker.owners.items() if shown in where}
    return Exercise(folder.resolve().name, folder, exercise_file.model.title, questions, forecasts, resolutions,
                    exercise_file.model.description, checker.hashes, kinds, files)


def forecast_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The forecasts files of an exercise's ``forecasts/`` folder: YAML files and CSV files, each sorted by name."""
    if not folder.is_dir():
        return [], []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return ([p for p in files if p.name.lower().endswith((".yaml", ".yml"))],
            [p for p in files if p.name.lower().endswith(".csv")])


def question_columns(questions: dict[str, Question], resolutions: dict[str, Resolution],
                     known: set[str] | frozenset[str] | None = None) -> QuestionColumns:
    """The questions as the arrays that checking CSV forecasts needs (``known``: ids with problems too)."""
    never = np.iinfo(np.int64).max
    return QuestionColumns(
        tuple(questions), tuple(q.options for q in questions.values()),
        tuple(q.kind.value for q in questions.values()),
        np.array([q.closes.toordinal() for q in questions.values()], np.int64),
        np.array([resolutions[q].resolved.toordinal() if q in resolutions else never for q in questions], np.int64),
        frozenset(known if known is not None else questions))


@dataclass
class _Checker:
    """Parses an exercise's files and cross-checks them, collecting every problem."""

    root: Path
    max_file_size: int
    problems: list[Problem] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    known_questions: set[str] = field(default_factory=set)
    owners: dict[str, str] = field(default_factory=dict)
    columns: QuestionColumns | None = None

    def shown(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def parse(self, path: Path, model: type[M], what: str, entries: str) -> Parsed[M] | None:
        shown = self.shown(path)
        try:
            doc = read_yaml(path, shown, max_bytes=self.max_file_size)
        except InputError as exc:
            self.problems.extend(exc.problems)
            return None
        self.hashes[shown] = doc.sha256
        result = validate_document(doc, model, what, entries=entries)
        self.problems.extend(result.problems)
        if result.model is None:
            return None
        return Parsed(doc, result.model, result.kept, result.dropped)

    def workspace_for(self, parsed: Parsed[ExerciseFile], workspace: Workspace | str | os.PathLike[str]
                      ) -> Workspace | None:
        """The workspace, loaded only when a question refers to a set or an indicator."""
        if not any(q.set is not None or q.indicator is not None for q in parsed.model.questions):
            return None
        if isinstance(workspace, Workspace):
            return workspace
        try:
            return load_workspace(workspace, max_file_size=self.max_file_size)
        except InputError as exc:
            self.problems.extend(exc.problems)
            return None

    # --- questions -----------------------------------------------------------------------------------------

    def questions(self, parsed: Parsed[ExerciseFile], ws: Workspace | None) -> dict[str, Question]:
        doc = parsed.doc
        self.known_questions.update(i for _, i in parsed.dropped_ids)
        first: dict[str, int | None] = {}
        out: dict[str, Question] = {}
        if not parsed.model.questions and not parsed.dropped:
            self.problems.append(doc.problem(("questions",), "an exercise needs at least one question"))
        for position, spec in zip(parsed.kept, parsed.model.questions, strict=True):
            loc: Location = ("questions", position)
            self.known_questions.add(spec.id)
            if spec.id in first:
                self.problems.append(doc.problem((*loc, "id"), f"duplicate question id {spec.id!r} (first at "
                                                 f"line {first[spec.id]})"))
                continue
            first[spec.id] = doc.line_of((*loc, "id"))
            question = self._question(doc, loc, spec, ws)
            if question is not None:
                out[spec.id] = question
        return out

    def _question(self, doc: YamlDocument, loc: Location, spec: QuestionSpec, ws: Workspace | None
                  ) -> Question | None:
        before = len(self.problems)
        set_id = spec.set
        if set_id is not None and ws is not None and set_id not in ws.sets:
            self.problems.append(doc.problem((*loc, "set"), f"unknown hypothesis set {set_id!r}"
                                             f"{did_you_mean(set_id, ws.sets)} (sets are the files in hypotheses/)"))
            return None
        if spec.indicator is not None:
            set_id = self._indicator_set(doc, loc, spec, ws)
            if spec.kind is not QuestionKind.BINARY:
                self.problems.append(doc.problem((*loc, "kind"), f"question {spec.id!r} asks whether indicator "
                                                 f"{spec.indicator!r} happens, so its kind is binary, not "
                                                 f"{spec.kind.value}"))
        if spec.kind is QuestionKind.BINARY:
            options: tuple[str, ...] = BINARY_OPTIONS
            if spec.options is not None and sorted(spec.options) != sorted(BINARY_OPTIONS):
                self.problems.append(doc.problem((*loc, "options"), f"question {spec.id!r} is binary: its options "
                                                 "are yes and no; remove `options` or make it categorical"))
            if spec.set is not None and spec.indicator is None:
                self.problems.append(doc.problem((*loc, "set"), f"question {spec.id!r} is binary but names set "
                                                 f"{spec.set!r} without an `indicator`: a question about the set "
                                                 "itself is categorical (or ordered), its options the hypotheses"))
        else:
            options = self._options(doc, loc, spec, ws)
        if len(self.problems) > before or (ws is None and set_id is not None):
            return None
        return Question(spec.id, spec.text, spec.kind, options, spec.closes, set_id, spec.indicator, spec.source,
                        spec.source_id)

    def _indicator_set(self, doc: YamlDocument, loc: Location, spec: QuestionSpec, ws: Workspace | None
                       ) -> str | None:
        if ws is None:
            return spec.set
        indicator = spec.indicator or ""
        candidates = [spec.set] if spec.set is not None else list(ws.sets)
        holders = [s for s in candidates if any(ind.id == indicator for ind in ws.sets[s].indicators)]
        if len(holders) == 1:
            return holders[0]
        if len(holders) > 1:
            self.problems.append(doc.problem((*loc, "indicator"), f"indicator {indicator!r} belongs to several "
                                             f"sets ({', '.join(holders)}); say which with `set:`"))
            return None
        known = {ind.id for s in candidates for ind in ws.sets[s].indicators}
        where = f"set {spec.set!r}" if spec.set is not None else "any hypothesis set"
        self.problems.append(doc.problem((*loc, "indicator"), f"unknown indicator {indicator!r}: not an indicator "
                                         f"of {where}{did_you_mean(indicator, known)}"))
        return None

    def _options(self, doc: YamlDocument, loc: Location, spec: QuestionSpec, ws: Workspace | None
                 ) -> tuple[str, ...]:
        hypotheses = ws.sets[spec.set].hypothesis_ids if ws is not None and spec.set is not None else None
        if spec.set is not None and ws is None:
            return ()  # the workspace did not load: its own problems are reported
        if spec.options is None:
            if hypotheses is not None:
                return hypotheses
            self.problems.append(doc.problem(loc, f"question {spec.id!r} is {spec.kind.value}: list its `options`"))
            return ()
        options = tuple(spec.options)
        seen: set[str] = set()
        for i, option in enumerate(options):
            if option in seen:
                self.problems.append(doc.problem((*loc, "options", i), f"duplicate option {option!r}"))
            seen.add(option)
        if len(seen) < 2:
            self.problems.append(doc.problem((*loc, "options"), f"question {spec.id!r} needs at least two options"))
        if hypotheses is not None:
            meant: set[str] = set()  # hypotheses a mistyped option was probably meant to be
            for i, option in enumerate(options):
                if option not in hypotheses:
                    hint = did_you_mean(option, hypotheses)
                    meant.update(hint.split("'")[1:2])
                    self.problems.append(doc.problem((*loc, "options", i), f"option {option!r} is not a hypothesis "
                                                     f"of set {spec.set!r}{hint}"))
            missing = [h for h in hypotheses if h not in seen and h not in meant]
            if missing:
                self.problems.append(doc.problem((*loc, "options"), f"options leave out hypotheses of set "
                                                 f"{spec.set!r}: {', '.join(missing)}; the options of a question on "
                                                 "a set are all its hypotheses (omit `options` to take them all)"))
        return options

    # --- resolutions ---------------------------------------------------------------------------------------

    def resolutions(self, parsed: Parsed[ResolutionsFile], questions: dict[str, Question]
                    ) -> dict[str, Resolution]:
        doc = parsed.doc
        first: dict[str, int | None] = {}
        out: dict[str, Resolution] = {}
        for position, spec in zip(parsed.kept, parsed.model.resolutions, strict=True):
            loc: Location = ("resolutions", position)
            if not self._known(doc, (*loc, "question"), spec.question):
                continue
            if spec.question in first:
                self.problems.append(doc.problem((*loc, "question"), f"question {spec.question!r} is resolved twice "
                                                 f"(first at line {first[spec.question]})"))
                continue
            first[spec.question] = doc.line_of((*loc, "question"))
            question = questions.get(spec.question)
            if question is None:
                continue  # known, but with problems of its own
            if spec.outcome not in question.options:
                hint = did_you_mean(spec.outcome, question.options) or (
                    "; write yes or no" if question.is_binary else f"; options: {', '.join(question.options)}")
                self.problems.append(doc.problem((*loc, "outcome"), f"outcome {spec.outcome!r} is not an option of "
                                                 f"question {spec.question!r}{hint}"))
                continue
            out[spec.question] = Resolution(spec.question, spec.outcome, spec.resolved, spec.note)
        return out

    # --- forecasts -----------------------------------------------------------------------------------------

    def parse_csv(self, path: Path, questions: dict[str, Question], resolutions: dict[str, Resolution]
                  ) -> CsvForecasts | None:
        shown = self.shown(path)
        try:
            size = path.stat().st_size
            if size > self.max_file_size:
                self.problems.append(Problem(shown, None, f"file is {size:,} bytes, over the limit of "
                                             f"{self.max_file_size:,}; split it into smaller files (one per "
                                             "forecaster) or raise the limit (--max-file-size)"))
                return None
            raw = path.read_bytes()
        except OSError as exc:
            self.problems.append(Problem(shown, None, f"cannot read file: {exc.strerror or exc}"))
            return None
        self.hashes[shown] = hashlib.sha256(raw).hexdigest()
        if self.columns is None:
            self.columns = question_columns(questions, resolutions, self.known_questions)
        parsed, problems = parse_forecasts_csv(raw, shown, self.columns)
        self.problems.extend(problems)
        return parsed

    def forecasts(self, files: list[Parsed[ForecastsFile]], csv_files: list[CsvForecasts],
                  questions: dict[str, Question], resolutions: dict[str, Resolution]
                  ) -> tuple[ForecastTable, dict[str, ForecasterKind]]:
        owners = self.owners
        kinds: dict[str, ForecasterKind] = {}
        out: list[Forecast] = []
        for parsed in files:
            doc, who = parsed.doc, parsed.model.forecaster
            if who in RESERVED_FORECASTERS:
                reserved = ", ".join(sorted(RESERVED_FORECASTERS))
                self.problems.append(doc.problem(("forecaster",), f"forecaster id {who!r} is reserved for the "
                                                 f"model and the pooled forecasts ({reserved}); choose another"))
                continue
            if who in owners:
                self.problems.append(doc.problem(("forecaster",), f"forecaster {who!r} also has the file "
                                                 f"{owners[who]}; put one forecaster's forecasts in one file"))
                continue
            owners[who] = doc.path
            kinds[who] = parsed.model.kind
            made: dict[tuple[str, object], int | None] = {}
            for position, spec in zip(parsed.kept, parsed.model.forecasts, strict=True):
                loc: Location = ("forecasts", position)
                if not self._known(doc, (*loc, "question"), spec.question):
                    continue
                key = (spec.question, spec.made)
                if key in made:
                    self.problems.append(doc.problem((*loc, "made"), f"a second forecast of {spec.question!r} made on "
                                                     f"{spec.made} (first at line {made[key]}); keep one per day"))
                    continue
                made[key] = doc.line_of((*loc, "made"))
                question = questions.get(spec.question)
                if question is None:
                    continue
                forecast = self._forecast(doc, loc, who, spec, question, resolutions.get(question.id))
                if forecast is not None:
                    out.append(forecast)
        widths = np.array([len(q.options) for q in questions.values()], np.intp)
        tables = [ForecastTable.from_forecasts(out, tuple(questions), widths)]
        for csv_file in csv_files:
            for who in csv_file.forecasters:
                if who in owners:
                    self.problems.append(Problem(csv_file.path, csv_file.first_line.get(who), f"forecaster {who!r} "
                                                 f"also has the file {owners[who]}; put one forecaster's forecasts "
                                                 "in one file"))
                owners.setdefault(who, csv_file.path)
            kinds.update(csv_file.kinds)
            tables.append(ForecastTable(csv_file.forecasters, tuple(questions), widths, csv_file.forecaster,
                                        csv_file.question, csv_file.made, csv_file.probabilities))
        return ForecastTable.concat(tables, sorted(owners)), kinds

    def _forecast(self, doc: YamlDocument, loc: Location, who: str, spec: ForecastSpec, question: Question,
                  resolution: Resolution | None) -> Forecast | None:
        before = len(self.problems)
        if spec.made > question.closes:
            self.problems.append(doc.problem((*loc, "made"), f"forecast of {question.id!r} made on {spec.made}, after "
                                             f"the question closed on {question.closes}"))
        elif resolution is not None and spec.made > resolution.resolved:
            self.problems.append(doc.problem((*loc, "made"), f"forecast of {question.id!r} made on {spec.made}, after "
                                             f"the question resolved on {resolution.resolved}"))
        vector: np.ndarray | None = None
        if question.is_binary:
            if spec.probabilities is not None:
                self.problems.append(doc.problem((*loc, "probabilities"), f"question {question.id!r} is binary: give "
                                                 "`probability: p` (the probability of yes), not `probabilities`"))
            elif spec.probability is None:
                self.problems.append(doc.problem(loc, f"missing `probability` (of yes) for binary question "
                                                 f"{question.id!r}"))
            else:
                vector = np.array([spec.probability, 1.0 - spec.probability])
        elif spec.probability is not None:
            self.problems.append(doc.problem((*loc, "probability"), f"question {question.id!r} is "
                                             f"{question.kind.value}: give `probabilities: {{option: p, ...}}` for "
                                             f"its options ({', '.join(question.options)})"))
        elif spec.probabilities is None:
            self.problems.append(doc.problem(loc, f"missing `probabilities` for {question.kind.value} question "
                                             f"{question.id!r} (options: {', '.join(question.options)})"))
        else:
            vector = self._vector(doc, loc, spec.probabilities, question)
        if vector is None or len(self.problems) > before:
            return None
        return Forecast(who, question.id, spec.made, vector.astype(np.float64))

    def _vector(self, doc: YamlDocument, loc: Location, given: dict[str, float], question: Question
                ) -> np.ndarray | None:
        where = (*loc, "probabilities")
        ok = True
        for option in given:
            if option not in question.options:
                ok = False
                self.problems.append(doc.problem((*where, option), f"{option!r} is not an option of question "
                                                 f"{question.id!r}{did_you_mean(option, question.options)}"))
        missing = [o for o in question.options if o not in given]
        if missing and ok:
            self.problems.append(doc.problem(where, f"probabilities missing for {', '.join(map(repr, missing))}; "
                                             "give every option a probability (0 is allowed)"))
            return None
        total = sum(given.values())
        if ok and abs(total - 1.0) > SUM_TOLERANCE:
            self.problems.append(doc.problem(where, f"probabilities sum to {total:.6g}, not 1 (tolerance "
                                             f"{SUM_TOLERANCE:g}); they are a forecast over options that exclude "
                                             "each other"))
            return None
        return np.array([given[o] for o in question.options], dtype=np.float64) if ok else None

    def _known(self, doc: YamlDocument, loc: Location, question_id: str) -> bool:
        if question_id in self.known_questions:
            return True
        self.problems.append(doc.problem(loc, f"unknown question {question_id!r}"
                                         f"{did_you_mean(question_id, self.known_questions)} (questions are listed "
                                         "in exercise.yaml)"))
        return False
