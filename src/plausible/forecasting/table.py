"""Dated forecasts as columns: the data every score, pool and export of an exercise is computed from.

An exercise of 500,000 forecasts is a handful of arrays, not 500,000 objects. A :class:`ForecastTable` holds
one row per forecast:

* ``forecaster``, ``question``: integer codes into the table's ``forecasters`` and ``questions`` ids;
* ``made``: the day the forecast was made, as a proleptic Gregorian ordinal (``datetime.date.toordinal``);
* ``probabilities``: shape (rows, K) with K the largest number of options of any question; a question with
  fewer options has its probabilities in the first ``widths[question]`` columns and zeros after them (zeros
  leave Brier sums, cumulative sums and means unchanged; code that takes logs masks them).

Rows are kept sorted by forecaster, question and day. :class:`Forecast` is the one-row view, for code that
reads a few forecasts at a time (the model's forecasts, resolving a question, tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import NDArray

__all__ = ["Forecast", "ForecastTable"]


@dataclass(frozen=True, eq=False)
class Forecast:
    """One dated forecast: a probability for each of the question's options, in option order.

    Compared by identity (it holds an array); compare ``probabilities`` with NumPy.
    """

    forecaster: str
    question: str
    made: dt.date
    probabilities: NDArray[np.float64]

    def probability_of(self, option_index: int) -> float:
        """The probability given to one option."""
        return float(self.probabilities[option_index])


@dataclass(frozen=True, eq=False)
class ForecastTable:
    """Dated forecasts as columns (see the module docstring for the layout).

    Attributes
    ----------
    forecasters : tuple of str
        Forecaster ids; ``forecaster`` holds indices into it.
    questions : tuple of str
        Question ids (the exercise's order); ``question`` holds indices into it.
    widths : ndarray of int, shape (questions,)
        Number of options of each question.
    forecaster, question : ndarray of int, shape (rows,)
    made : ndarray of int64, shape (rows,)
        Ordinal days.
    probabilities : ndarray of float64, shape (rows, K)

    Examples
    --------
    >>> t = ForecastTable.from_forecasts(
    ...     [Forecast("ana", "rain", dt.date(2024, 1, 2), np.array([0.7, 0.3]))], ("rain",), np.array([2]))
    >>> len(t), t.forecasters, next(iter(t)).probability_of(0)
    (1, ('ana',), 0.7)
    """

    forecasters: tuple[str, ...]
    questions: tuple[str, ...]
    widths: NDArray[np.intp]
    forecaster: NDArray[np.intp]
    question: NDArray[np.intp]
    made: NDArray[np.int64]
    probabilities: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.forecaster.size)

    @overload
    def __getitem__(self, key: int) -> Forecast: ...

    @overload
    def __getitem__(self, key: str) -> list[Forecast]: ...

    def __getitem__(self, key: int | str) -> Forecast | list[Forecast]:
        """Row ``key`` as a :class:`Forecast` (negative counts from the end).

        Given a forecaster's id instead, that forecaster's rows (empty if none), as in ``scores.series["mean"]``.
        """
        if isinstance(key, str):
            code = self.forecasters.index(key) if key in self.forecasters else -1
            return [self.row(int(r)) for r in np.flatnonzero(self.forecaster == code)]
        i = key
        if not -len(self) <= i < len(self):
            raise IndexError(f"row {i} of a table of {len(self)} forecasts")
        return self.row(i % len(self))

    def __iter__(self) -> Iterator[Forecast]:
        for i in range(len(self)):
            yield self.row(i)

    def row(self, i: int) -> Forecast:
        """Row ``i`` as a :class:`Forecast` (its probabilities trimmed to the question's options)."""
        q = int(self.question[i])
        return Forecast(self.forecasters[int(self.forecaster[i])], self.questions[q],
                        dt.date.fromordinal(int(self.made[i])),
                        self.probabilities[i, :int(self.widths[q])].copy())

    @classmethod
    def empty(cls, questions: Sequence[str], widths: NDArray[np.intp]) -> ForecastTable:
        """A table without rows over these questions."""
        k = int(widths.max()) if widths.size else 2
        return cls((), tuple(questions), widths, np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.int64),
                   np.empty((0, k)))

    @classmethod
    def from_forecasts(cls, forecasts: Sequence[Forecast], questions: Sequence[str],
                       widths: NDArray[np.intp]) -> ForecastTable:
        """A table of a few :class:`Forecast` objects (sorted on the way)."""
        if not forecasts:
            return cls.empty(questions, widths)
        who = tuple(sorted({f.forecaster for f in forecasts}))
        f_code = {w: i for i, w in enumerate(who)}
        q_code = {q: i for i, q in enumerate(questions)}
        probabilities = np.zeros((len(forecasts), int(widths.max())))
        for i, f in enumerate(forecasts):
            probabilities[i, :f.probabilities.size] = f.probabilities
        return cls(who, tuple(questions), widths, np.array([f_code[f.forecaster] for f in forecasts], np.intp),
                   np.array([q_code[f.question] for f in forecasts], np.intp),
                   np.array([f.made.toordinal() for f in forecasts], np.int64), probabilities).sorted()

    @classmethod
    def concat(cls, tables: Sequence[ForecastTable], forecasters: Sequence[str] | None = None) -> ForecastTable:
        """Tables over the same questions as one, forecaster codes following ``forecasters``.

        ``forecasters`` (default: each table's ids in turn, without repeats) fixes the order of the codes,
        and so of the rows. The tables must not share a forecaster.
        """
        if not tables:
            raise ValueError("nothing to concatenate")
        first = tables[0]
        order = list(forecasters) if forecasters is not None else list(
            dict.fromkeys(w for t in tables for w in t.forecasters))
        code = {w: i for i, w in enumerate(order)}
        k = max(t.probabilities.shape[1] for t in tables)
        parts = []
        for t in tables:
            if t.questions != first.questions:
                raise ValueError("tables over different questions")
            remap = np.array([code[w] for w in t.forecasters] or [0], np.intp)
            padded = np.zeros((len(t), k))
            padded[:, :t.probabilities.shape[1]] = t.probabilities
            parts.append((remap[t.forecaster], t.question, t.made, padded))
        return cls(tuple(order), first.questions, first.widths,
                   np.concatenate([p[0] for p in parts]).astype(np.intp), np.concatenate([p[1] for p in parts]),
                   np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts])).sorted()

    def sorted(self) -> ForecastTable:
        """The rows sorted by forecaster code, question code and day (stable)."""
        f, q, d = self.forecaster, self.question, self.made
        same_f, same_q = f[1:] == f[:-1], q[1:] == q[:-1]
        if np.all((f[1:] > f[:-1]) | (same_f & ((q[1:] > q[:-1]) | (same_q & (d[1:] >= d[:-1]))))):
            return self  # already in order (tables concatenated in code order are): no sort
        return self.take(np.lexsort((d, q, f)))

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> ForecastTable:
        """The rows selected by an index or a mask (same ids and codes)."""
        return ForecastTable(self.forecasters, self.questions, self.widths, self.forecaster[rows],
                             self.question[rows], self.made[rows], self.probabilities[rows])

    def of_forecasters(self, ids: Sequence[str]) -> ForecastTable:
        """The rows of these forecasters (codes unchanged)."""
        wanted = np.array([w in set(ids) for w in self.forecasters] or [False], dtype=bool)
        return self.take(wanted[self.forecaster] if len(self) else np.empty(0, np.intp))

    def present(self) -> list[str]:
        """The ids of the forecasters that have at least one row, in code order."""
        return [self.forecasters[i] for i in np.unique(self.forecaster)]

    def long(self) -> dict[str, NDArray[np.generic]]:
        """One entry per forecast and option (the columns of a CSV export).

        Keys forecaster, question, made, option and probability; ``option`` is the option's position in the
        question's options.
        """
        k = self.probabilities.shape[1]
        mask = np.arange(k)[None, :] < self.widths[self.question][:, None]
        rows, option = np.nonzero(mask)
        return {"forecaster": self.forecaster[rows], "question": self.question[rows], "made": self.made[rows],
                "option": option, "probability": self.probabilities[rows, option]}
