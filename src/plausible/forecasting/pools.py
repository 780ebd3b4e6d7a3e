r"""Pooled forecasts of a whole exercise at once: who stands on which day, and the mean, median and logit pools.

A pool forecasts a question on every day one of the pooled forecasters forecast it, combining the forecasts
*standing* that day (each forecaster's latest made on or before it). Forecast i of a forecaster stands on the
question's pool days from its own day up to, not including, the forecaster's next forecast of the question: a
contiguous run of pool days. Expanding every forecast into its run gives the *cells* (pool day, forecast) — the
exact input of every pool, in O(cells) NumPy work. With a bounded number of forecasters per question the cells
grow linearly with the questions.

The arithmetic is that of :mod:`plausible.forecasting.aggregation` (which pools one stack at a time); the
functions here apply it to all pool days together and agree with it to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.forecasting.aggregation import LOGIT_FLOOR
from plausible.forecasting.table import ForecastTable

__all__ = ["PoolDays", "final_rows", "logit_pools", "mean_pools", "median_pools", "pool_days", "softmax_rows"]

_DAY_SPAN = 4_000_000
"""Larger than any ordinal day (31 December 9999 is 3,652,059): question * span + day orders pool days."""


@dataclass(frozen=True)
class PoolDays:
    """The pool days of every question and the forecasts standing on each.

    Attributes
    ----------
    question, made : ndarray, shape (days,)
        Each pool day's question code and ordinal day, sorted by question then day.
    cell_day, cell_row : ndarray, shape (cells,)
        For each (pool day, standing forecast) pair, the pool day's index and the forecast's row in the table.
    """

    question: NDArray[np.intp]
    made: NDArray[np.int64]
    cell_day: NDArray[np.intp]
    cell_row: NDArray[np.intp]

    def __len__(self) -> int:
        return int(self.question.size)

    @property
    def counts(self) -> NDArray[np.float64]:
        """The number of forecasts standing on each pool day."""
        out: NDArray[np.float64] = np.bincount(self.cell_day, minlength=len(self)).astype(np.float64)
        return out


def _next_in_group(table: ForecastTable) -> NDArray[np.bool_]:
    """Whether row i + 1 is the same forecaster's next forecast of the same question (rows sorted)."""
    same = np.zeros(len(table), bool)
    same[:-1] = (table.forecaster[1:] == table.forecaster[:-1]) & (table.question[1:] == table.question[:-1])
    return same


def pool_days(table: ForecastTable) -> PoolDays:
    """The pool days of the table's questions and the cells standing on them.

    Parameters
    ----------
    table : ForecastTable
        The pooled forecasters' forecasts, sorted (as tables are).

    Examples
    --------
    Ana forecasts on days 1 and 5, Ben on day 3: pool days 1, 3, 5; Ana's first forecast stands on 1 and 3.

    >>> t = ForecastTable(("ana", "ben"), ("q",), np.array([2]), np.array([0, 0, 1]), np.array([0, 0, 0]),
    ...                   np.array([1, 5, 3]), np.array([[.6, .4], [.8, .2], [.3, .7]]))
    >>> d = pool_days(t)
    >>> d.made.tolist(), d.cell_day.tolist(), d.cell_row.tolist()
    ([1, 3, 5], [0, 1, 2, 1, 2], [0, 0, 1, 2, 2])
    """
    key = table.question.astype(np.int64) * _DAY_SPAN + table.made
    days = np.unique(key)
    start = np.searchsorted(days, key)
    same = _next_in_group(table)
    following = np.empty_like(key)
    following[:-1] = key[1:]
    end_of_question = (table.question.astype(np.int64) + 1) * _DAY_SPAN
    stop = np.searchsorted(days, np.where(same, following, end_of_question))
    counts = stop - start
    total = int(counts.sum())
    cell_row = np.repeat(np.arange(len(table), dtype=np.intp), counts)
    offset = np.arange(total, dtype=np.intp) - np.repeat(np.cumsum(counts) - counts, counts)
    cell_day = (np.repeat(start, counts) + offset).astype(np.intp)
    return PoolDays((days // _DAY_SPAN).astype(np.intp), days % _DAY_SPAN, cell_day, cell_row)


def final_rows(table: ForecastTable, last_day: NDArray[np.int64]) -> NDArray[np.intp]:
    """The rows standing on each question's last scored day: each forecaster's latest made on or before it.

    Parameters
    ----------
    table : ForecastTable
    last_day : ndarray of int64, shape (questions,)
        Ordinal last scored day of each question (a value below every day for unresolved questions).
    """
    on_time = table.made <= last_day[table.question]
    same = _next_in_group(table)
    next_on_time = np.zeros(len(table), bool)
    next_on_time[:-1] = on_time[1:]
    out: NDArray[np.intp] = np.flatnonzero(on_time & ~(same & next_on_time))
    return out


def _widths(table: ForecastTable, days: PoolDays) -> NDArray[np.intp]:
    out: NDArray[np.intp] = table.widths[days.question]
    return out


def mean_pools(table: ForecastTable, days: PoolDays) -> NDArray[np.float64]:
    """The linear pool (mean forecast) on every pool day, shape (days, K)."""
    k = table.probabilities.shape[1]
    counts = days.counts
    out = np.empty((len(days), k))
    for j in range(k):
        out[:, j] = np.bincount(days.cell_day, weights=table.probabilities[days.cell_row, j], minlength=len(days))
    out /= counts[:, None]
    return out


def median_pools(table: ForecastTable, days: PoolDays) -> NDArray[np.float64]:
    """The median of each option on every pool day, renormalised to sum to 1 (uniform if all medians are 0)."""
    k = table.probabilities.shape[1]
    counts = np.bincount(days.cell_day, minlength=len(days))
    first = np.cumsum(counts) - counts
    low, high = first + (counts - 1) // 2, first + counts // 2
    widths = _widths(table, days)
    out = np.empty((len(days), k))
    # With two options the second is 1 - the first, which floating point keeps monotone: the rows in the middle
    # of the first option's order are in the middle of the second's too. One sort serves both.
    order = np.lexsort((table.probabilities[days.cell_row, 0], days.cell_day))
    middle_low, middle_high = days.cell_row[order[low]], days.cell_row[order[high]]
    for j in range(k):
        out[:, j] = (table.probabilities[middle_low, j] + table.probabilities[middle_high, j]) / 2.0
    wide = widths > 2
    if np.any(wide):
        cells = wide[days.cell_day]
        for j in range(1, k):
            values = table.probabilities[days.cell_row[cells], j]
            ordered = values[np.lexsort((values, days.cell_day[cells]))]
            sub = np.flatnonzero(wide)
            sub_counts = counts[sub]
            sub_first = np.cumsum(sub_counts) - sub_counts
            out[sub, j] = (ordered[sub_first + (sub_counts - 1) // 2] + ordered[sub_first + sub_counts // 2]) / 2.0
    total = out.sum(axis=1)
    uniform = (np.arange(k)[None, :] < widths[:, None]) / widths[:, None]
    safe = np.where(total > 0, total, 1.0)
    out = np.where((total > 0)[:, None], out / safe[:, None], uniform)
    return out


def mean_logs(table: ForecastTable, groups: NDArray[np.intp], rows: NDArray[np.intp], n: int,
              widths: NDArray[np.intp]) -> NDArray[np.float64]:
    """Mean clipped log probability of each option over the ``rows`` of each group (padding: -inf)."""
    k = table.probabilities.shape[1]
    counts = np.bincount(groups, minlength=n).astype(np.float64)
    logs = np.log(np.clip(table.probabilities[rows], LOGIT_FLOOR, 1.0 - LOGIT_FLOOR))
    out = np.empty((n, k))
    for j in range(k):
        out[:, j] = np.bincount(groups, weights=logs[:, j], minlength=n)
    out /= counts[:, None]
    out[np.arange(k)[None, :] >= widths[:, None]] = -np.inf
    return out


def softmax_rows(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax; -inf entries (padding) get 0."""
    z = np.exp(x - x.max(axis=1, keepdims=True))
    out: NDArray[np.float64] = z / z.sum(axis=1, keepdims=True)
    return out


def logit_pools(table: ForecastTable, days: PoolDays, a: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""The extremized logit-mean pool :math:`\mathrm{softmax}(a_q \overline{\ln p})` on every pool day.

    ``a`` holds each question's extremizing factor (by question code).
    """
    widths = _widths(table, days)
    m = mean_logs(table, days.cell_day, days.cell_row, len(days), widths)
    padding = np.arange(m.shape[1])[None, :] >= widths[:, None]
    return softmax_rows(np.where(padding, -np.inf, a[days.question][:, None] * np.where(padding, 0.0, m)))
