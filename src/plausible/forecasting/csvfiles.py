"""Forecasts as CSV: ``forecasts/*.csv`` files of an exercise and the files ``plausible forecasts import`` reads.

Columns (a header line first; any order)::

    forecaster,question,date,probability[,option][,kind][,rationale]

* ``forecaster``: an id; ``question``: a question id of the exercise; ``date``: the day the forecast was made,
  ``YYYY-MM-DD``; ``probability``: a number in [0, 1] or a percentage (``70%``).
* ``option`` (optional column): the option the probability is for. A binary question needs one row, the
  probability of yes (``option`` empty or ``yes``; a ``no`` row may be added if the two sum to 1). A categorical
  or ordered question needs one row per option, summing to 1.
* ``kind`` (optional column): ``human`` (default when empty or absent), ``model``, ``market`` or ``baseline``;
  the same on every row of a forecaster.
* ``rationale`` (optional column): free text, not scored.

A file may hold several forecasters, but each forecaster's forecasts live in one file (CSV or YAML).
Every problem is reported as ``path:line: message``, the line being the file's line (the header is line 1); a
problem repeated on many rows is reported once, at its first row, with the number of rows it affects.

The checks run on whole columns (pyarrow reads the file; NumPy checks and assembles the arrays), so a file of
hundreds of thousands of rows is read without one Python object per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plausible.core.errors import Problem
from plausible.core.names import ID_PATTERN, did_you_mean
from plausible.forecasting.exercise import RESERVED_FORECASTERS
from plausible.forecasting.schema import ForecasterKind, parse_probability

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "CsvForecasts", "QuestionColumns", "SUM_TOLERANCE",
           "forecasts_csv", "parse_forecasts_csv"]

REQUIRED_COLUMNS = ("forecaster", "question", "date", "probability")
"""Columns every forecasts CSV has."""

OPTIONAL_COLUMNS = ("option", "kind", "rationale")
"""Columns a forecasts CSV may have."""

SUM_TOLERANCE = 1e-6
"""How far a forecast's probabilities may sum from 1."""

_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class QuestionColumns:
    """What checking forecasts needs to know of an exercise's questions, as arrays by question code.

    ``resolved`` holds the resolution day's ordinal, or the largest int64 for an unresolved question; ``known``
    also holds the ids of questions that have problems of their own (their forecasts are skipped quietly).
    """

    ids: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    kinds: tuple[str, ...]
    closes: NDArray[np.int64]
    resolved: NDArray[np.int64]
    known: frozenset[str]

    @property
    def widths(self) -> NDArray[np.intp]:
        """Number of options of each question."""
        return np.array([len(o) for o in self.options] or [2], np.intp)[:len(self.options)]


@dataclass
class CsvForecasts:
    """The valid forecasts of one CSV file, as columns (question codes index :class:`QuestionColumns`)."""

    path: str
    forecasters: tuple[str, ...]
    forecaster: NDArray[np.intp]
    question: NDArray[np.intp]
    made: NDArray[np.int64]
    probabilities: NDArray[np.float64]
    kinds: dict[str, ForecasterKind] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)


def parse_forecasts_csv(raw: bytes, shown: str, questions: QuestionColumns
                        ) -> tuple[CsvForecasts | None, list[Problem]]:
    """Read and check a forecasts CSV.

    Parameters
    ----------
    raw : bytes
        The file's bytes (UTF-8).
    shown : str
        The file as named in messages.
    questions : QuestionColumns

    Returns
    -------
    CsvForecasts or None
        The forecasts without problems (None when the file cannot be read at all).
    list of Problem
        Every problem found.
    """
    return _Reader(shown, questions).read(raw)


def forecasts_csv(rows: Mapping[str, Sequence[object]], columns: Sequence[str]) -> str:
    """The text of a forecasts CSV from columns of equal length (floats written exactly, shortest form).

    Examples
    --------
    >>> print(forecasts_csv({"forecaster": ["coin"], "question": ["q1"], "date": ["2024-07-21"],
    ...                      "probability": [0.5], "kind": ["baseline"]},
    ...                     ["forecaster", "question", "date", "probability", "kind"]), end="")
    forecaster,question,date,probability,kind
    coin,q1,2024-07-21,0.5,baseline
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    values = [[repr(float(v)) if isinstance(v, float | np.floating) else str(v) for v in rows[c]] for c in columns]
    writer.writerows(zip(*values, strict=True))
    return out.getvalue()


class _Reader:
    """One file's checks; ``problems`` collects what is wrong, ``bad`` the rows that cannot be used."""

    def __init__(self, shown: str, questions: QuestionColumns) -> None:
        self.shown = shown
        self.q = questions
        self.problems: list[Problem] = []
        self.lines: NDArray[np.int64] = np.empty(0, np.int64)
        self.bad: NDArray[np.bool_] = np.empty(0, bool)
        self._probability_column: Any = None

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.shown, line, message))

    def report(self, rows: NDArray[np.bool_], message: str) -> None:
        """One message for rows that share a problem, at the first; the rows are set aside."""
        where = np.flatnonzero(rows)
        if where.size == 0:
            return
        more = f" (and {where.size - 1} more row{'s' if where.size > 2 else ''} from line "
        more += f"{self.lines[where[1]]})" if where.size > 1 else ""
        self.problem(int(self.lines[where[0]]), message + (more if where.size > 1 else ""))
        self.bad |= rows

    def each_value(self, codes: NDArray[np.intp], values: list[str],
                   check: Callable[[str], str | None]) -> None:
        """Report, once per distinct value, the rows whose value ``check`` finds wrong (it returns a message)."""
        for code, value in enumerate(values):
            message = check(value)
            if message is not None:
                self.report(codes == code, message)

    # --- reading ---------------------------------------------------------------------------------------------

    def read(self, raw: bytes) -> tuple[CsvForecasts | None, list[Problem]]:
        text_start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        header_end = raw.find(b"\n", text_start)
        header_bytes = raw[text_start:header_end if header_end >= 0 else len(raw)]
        try:
            names = [n.strip() for n in next(csv.reader([header_bytes.decode("utf-8").rstrip("\r")]), [])]
        except UnicodeDecodeError:
            self.problem(1, "the header is not UTF-8 text; save the file as UTF-8")
            return None, self.problems
        if not self._header(names):
            return None, self.problems
        columns = self._columns(raw[text_start:], names)
        if columns is None:
            return None, self.problems
        checked = self._check(columns)
        self.problems.sort(key=lambda problem: problem.line or 0)
        return checked, self.problems

    def _header(self, names: list[str]) -> bool:
        expected = ",".join(REQUIRED_COLUMNS)
        if not any(names):
            self.problem(1, f"empty file: expected a header line {expected}[,option][,kind]")
            return False
        allowed = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        for name in names:
            if name not in allowed:
                self.problem(1, f"unknown column {name!r}{did_you_mean(name, allowed)} (columns: {expected}, "
                             f"and optionally {', '.join(OPTIONAL_COLUMNS)})")
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(1, f"column {name!r} appears twice")
        missing = [n for n in REQUIRED_COLUMNS if n not in names]
        if missing:
            self.problem(1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header "
                         f"needs {expected})")
        return not self.problems

    def _columns(self, raw: bytes, names: list[str]) -> dict[str, tuple[NDArray[np.intp], list[str]]] | None:
        """Each column dictionary-encoded: codes per row and the distinct (trimmed) values."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        invalid: list[tuple[int | None, int, int, str]] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(raw),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            self.problem(None, f"cannot read as CSV: {exc}")
            return None
        physical = [line.rstrip(b"\r").decode("utf-8", "replace") for line in raw.split(b"\n")] if invalid else []
        searched_from = 1
        for number, expected, actual, text in invalid:
            if number is None:  # pyarrow does not always know the row: find the line it read
                found = next((i for i in range(searched_from, len(physical)) if physical[i] == text), None)
                number = None if found is None else found + 1
                searched_from = found + 1 if found is not None else searched_from
            self.problem(number, f"expected {expected} values (one per column), got {actual}")
        if invalid:
            return None
        n = table.num_rows
        if b"\n\n" in raw or b"\n\r\n" in raw:  # blank lines are skipped: map rows to the lines they are on
            kept = [i + 1 for i, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")) if line.strip()]
            self.lines = np.array(kept[1:n + 1], np.int64)
        else:
            self.lines = np.arange(2, n + 2, dtype=np.int64)
        self.bad = np.zeros(n, dtype=bool)
        out = {}
        for name in names:
            encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(pa.concat_arrays(table.column(name).chunks)))
            out[name] = (_numpy(encoded.indices, np.int32).astype(np.intp),
                         [str(v) for v in encoded.dictionary.to_pylist()])
        self._probability_column = table.column("probability")
        return out

    # --- checks ----------------------------------------------------------------------------------------------

    def _check(self, columns: dict[str, tuple[NDArray[np.intp], list[str]]]) -> CsvForecasts | None:
        who_codes, who = columns["forecaster"]
        self.each_value(who_codes, who, _forecaster_problem)
        kinds = self._kinds(columns.get("kind"), who_codes, who)
        q_of_value = self._questions(*columns["question"])
        question = q_of_value[columns["question"][0]] if q_of_value.size else np.empty(0, np.intp)
        made = self._dates(*columns["date"])
        probability = self._probabilities()
        option = self._options(columns.get("option"), question)
        self._after_close(question, made)
        keep = ~self.bad
        forecasts = self._assemble(who_codes[keep], question[keep], made[keep], option[keep], probability[keep],
                                   np.flatnonzero(keep), who)
        present, first_rows = np.unique(who_codes, return_index=True)
        first_line = {who[c]: int(self.lines[r]) for c, r in zip(present.tolist(), first_rows.tolist(), strict=True)}
        if forecasts is None:
            return None
        f_code, q_code, day, p = forecasts
        return CsvForecasts(self.shown, tuple(who), f_code, q_code, day, p,
                            {w: kinds[w] for w in who if w in kinds}, first_line)

    def _kinds(self, column: tuple[NDArray[np.intp], list[str]] | None, who_codes: NDArray[np.intp],
               who: list[str]) -> dict[str, ForecasterKind]:
        if column is None:
            return {w: ForecasterKind.HUMAN for w in who}
        codes, values = column
        choices = [k.value for k in ForecasterKind]
        parsed = [ForecasterKind(v) if v in choices else (ForecasterKind.HUMAN if v == "" else None) for v in values]
        self.each_value(codes, values, lambda v: None if v in choices or v == "" else
                        f"unknown kind {v!r}: choose {', '.join(choices)}{did_you_mean(v, choices)}")
        out: dict[str, ForecasterKind] = {}
        pairs, first = np.unique(who_codes.astype(np.int64) * (len(values) + 1) + codes, return_index=True)
        declared: dict[int, list[int]] = {}
        for pair, row in zip(pairs.tolist(), first.tolist(), strict=True):  # once per (forecaster, kind) written
            w, code = divmod(pair, len(values) + 1)
            if parsed[code] is not None:
                declared.setdefault(w, []).append(row)
        for w, rows in declared.items():
            kinds = {parsed[int(codes[r])] for r in rows}
            first_row = min(rows)
            first_kind = parsed[int(codes[first_row])]
            if len(kinds) > 1:
                mine = who_codes == w
                self.report(mine & (np.array([parsed[int(c)] for c in range(len(values))], dtype=object)[codes]
                                    != first_kind),
                            f"forecaster {who[w]!r} is declared of kind {first_kind} on its first row and of another "
                            "kind here; a forecaster has one kind")
            out[who[w]] = first_kind if first_kind is not None else ForecasterKind.HUMAN
        return out

    def _questions(self, codes: NDArray[np.intp], values: list[str]) -> NDArray[np.intp]:
        index = {q: i for i, q in enumerate(self.q.ids)}
        out = np.full(len(values), -1, np.intp)
        for code, value in enumerate(values):
            if value in index:
                out[code] = index[value]
            elif value in self.q.known:
                self.bad |= codes == code  # the question has problems of its own
            else:
                self.report(codes == code, f"unknown question {value!r}{did_you_mean(value, self.q.known)} "
                            "(questions are listed in exercise.yaml)")
        return out

    def _dates(self, codes: NDArray[np.intp], values: list[str]) -> NDArray[np.int64]:
        ordinals = np.zeros(len(values), np.int64)
        for code, value in enumerate(values):
            try:
                ordinals[code] = dt.date.fromisoformat(value).toordinal()
            except ValueError:
                self.report(codes == code, f"invalid date {value!r}: expected the day the forecast was made, "
                            "written YYYY-MM-DD")
        return ordinals[codes] if codes.size else np.empty(0, np.int64)

    def _probabilities(self) -> NDArray[np.float64]:
        import pyarrow as pa
        import pyarrow.compute as pc

        column = pc.utf8_trim_whitespace(pa.concat_arrays(self._probability_column.chunks))
        try:
            values = _numpy(pc.cast(column, pa.float64()), np.float64).copy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = None
        if values is not None and np.all(np.isfinite(values) & (values >= 0.0) & (values <= 1.0)):
            return values
        encoded = pc.dictionary_encode(column)
        codes = _numpy(encoded.indices, np.int32).astype(np.intp)
        parsed = np.zeros(len(encoded.dictionary), np.float64)
        for code, value in enumerate(encoded.dictionary.to_pylist()):
            try:
                parsed[code] = parse_probability(value)
            except ValueError as exc:
                self.report(codes == code, str(exc))
        return parsed[codes] if codes.size else np.empty(0)

    def _options(self, column: tuple[NDArray[np.intp], list[str]] | None,
                 question: NDArray[np.intp]) -> NDArray[np.intp]:
        """The option index of each row (yes, index 0, for a binary question's row without an option)."""
        binary = np.array([k == "binary" for k in self.q.kinds] or [True], bool)
        if column is None:
            many = (question >= 0) & ~self.bad & ~binary[np.maximum(question, 0)]
            for q in np.unique(question[many]):
                self.report(many & (question == q), f"question {self.q.ids[q]!r} is {self.q.kinds[q]}: add an "
                            f"`option` column and give one row per option ({', '.join(self.q.options[q])})")
            return np.zeros(question.size, np.intp)
        codes, values = column
        out = np.zeros(question.size, np.intp)
        pair = question.astype(np.int64) * (len(values) + 1) + codes
        usable = (question >= 0) & ~self.bad
        keys, inverse = np.unique(pair[usable], return_inverse=True)
        index = np.zeros(keys.size, np.intp)
        wrong: list[tuple[int, str]] = []
        for i, key in enumerate(keys.tolist()):  # once per (question, option) written, not per row
            q, code = divmod(key, len(values) + 1)
            value, options = values[code], self.q.options[q]
            if value == "" and binary[q]:
                index[i] = 0
            elif value in options:
                index[i] = options.index(value)
            elif value == "":
                wrong.append((key, f"question {self.q.ids[q]!r} is {self.q.kinds[q]}: say which option each row is "
                                   f"for ({', '.join(options)})"))
            else:
                wrong.append((key, f"{value!r} is not an option of question {self.q.ids[q]!r}"
                                   f"{did_you_mean(value, options)} (options: {', '.join(options)})"))
        out[usable] = index[inverse]
        for key, message in wrong:
            self.report(usable & (pair == key), message)
        return out

    def _after_close(self, question: NDArray[np.intp], made: NDArray[np.int64]) -> None:
        usable = (question >= 0) & ~self.bad
        q = np.maximum(question, 0)
        for limit, what in ((self.q.closes, "closed"), (self.q.resolved, "resolved")):
            late = usable & (made > limit[q])
            for key in np.unique(question[late]):
                rows = late & (question == key)
                day = dt.date.fromordinal(int(made[np.flatnonzero(rows)[0]]))
                self.report(rows, f"forecast of {self.q.ids[key]!r} made on {day}, after the question {what} on "
                            f"{dt.date.fromordinal(int(limit[key]))}")
            usable &= ~late

    def _assemble(self, who: NDArray[np.intp], question: NDArray[np.intp], made: NDArray[np.int64],
                  option: NDArray[np.intp], probability: NDArray[np.float64], rows: NDArray[np.intp],
                  names: list[str]) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.int64],
                                             NDArray[np.float64]] | None:
        """Rows grouped into forecasts (forecaster, question, day), checked whole, as arrays."""
        widths = self.q.widths
        k = int(widths.max()) if widths.size else 2
        order = np.lexsort((option, made, question, who))
        who, question, made, option, rows = who[order], question[order], made[order], option[order], rows[order]
        probability = probability[order]
        n = who.size
        if n == 0:
            return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.int64), np.empty((0, k))
        same = np.zeros(n, bool)
        same[1:] = (who[1:] == who[:-1]) & (question[1:] == question[:-1]) & (made[1:] == made[:-1])
        repeated = np.zeros(n, bool)
        repeated[1:] = same[1:] & (option[1:] == option[:-1])
        line = self.lines[rows]
        for i in np.flatnonzero(repeated):
            first = i - 1
            while repeated[first]:
                first -= 1
            day = dt.date.fromordinal(int(made[i]))
            self.problem(int(line[i]), f"duplicate row: {names[who[i]]!r} already gave "
                         f"{self.q.options[question[i]][option[i]]!r} of {self.q.ids[question[i]]!r} a probability on "
                         f"{day} (line {line[first]}); keep one per day")
        group = np.cumsum(~same) - 1
        groups = int(group[-1]) + 1
        p = np.zeros((groups, k))
        given = np.zeros((groups, k), bool)
        p[group, option] = probability
        given[group, option] = True
        start = np.flatnonzero(~same)
        g_question = question[start]
        g_width = widths[g_question]
        binary = np.array([kind == "binary" for kind in self.q.kinds], bool)[g_question]
        count = given.sum(axis=1)
        only_yes = binary & (count == 1) & given[:, 0]
        only_no = binary & (count == 1) & given[:, 1]
        p[only_yes, 1] = 1.0 - p[only_yes, 0]
        p[only_no, 0] = 1.0 - p[only_no, 1]
        complete = only_yes | only_no | (count == g_width)
        total = p.sum(axis=1)
        wrong_sum = complete & (np.abs(total - 1.0) > SUM_TOLERANCE)
        ok = np.ones(groups, bool)
        ok[np.unique(group[repeated])] = False
        for g in np.flatnonzero(~complete & ok):
            missing = [o for j, o in enumerate(self.q.options[g_question[g]]) if not given[g, j]]
            self.problem(int(line[start[g]]), f"probabilities missing for {', '.join(map(repr, missing))} of "
                         f"question {self.q.ids[g_question[g]]!r} on {dt.date.fromordinal(int(made[start[g]]))}; "
                         "give every option a row (0 is allowed)")
        for g in np.flatnonzero(wrong_sum & ok):
            self.problem(int(line[start[g]]), f"probabilities of {self.q.ids[g_question[g]]!r} on "
                         f"{dt.date.fromordinal(int(made[start[g]]))} sum to {total[g]:.6g}, not 1 (tolerance "
                         f"{SUM_TOLERANCE:g}); they are a forecast over options that exclude each other")
        ok &= complete & ~wrong_sum
        if self.problems:
            return None
        return who[start][ok], g_question[ok], made[start][ok], p[ok]


def _numpy(array: Any, dtype: type[np.generic]) -> NDArray[Any]:
    """A pyarrow array without nulls as a NumPy view of its data buffer.

    ``Array.to_numpy`` would import pandas (about a second cold), which nothing else here needs.
    """
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset:array.offset + len(array)]


def _forecaster_problem(value: str) -> str | None:
    if not ID_PATTERN.match(value):
        return (f"{value!r} is not a valid forecaster id: use letters, digits and single '-', '_' or '.' between "
                "them (kebab-case such as 'analyst-a')")
    if value in RESERVED_FORECASTERS:
        return (f"forecaster id {value!r} is reserved for the model and the pooled forecasts "
                f"({', '.join(sorted(RESERVED_FORECASTERS))}); choose another")
    return None
