"""A hypothesis set compiled to arrays: what every engine computes on.

For a set with hypotheses k = 1..K, its reports j = 1..N (items bearing on the set, in trajectory order)
describe events g = 1..G (an origin, or the item itself), from sources s = 1..S.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plausible.model.entities import HypothesisSet, Item, Source

__all__ = ["CompiledSet", "compile_set"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class CompiledSet:
    """Arrays for one hypothesis set.

    Attributes
    ----------
    hypothesis_ids : tuple of str
        K hypotheses.
    prior : ndarray, shape (K,)
        Normalised prior.
    item_ids : tuple of str
        N reports in trajectory order.
    event_of : ndarray of int, shape (N,)
        Event index of each report, numbered in order of first report.
    source_of : ndarray of int, shape (N,)
        Source index of each report.
    factor : ndarray, shape (N,)
        Credibility factor of each report (multiplies its source's reliability).
    lam : ndarray, shape (G, K)
        Point likelihoods P(event | hypothesis): numbers as written, bands at their Beta means, NA cells
        at the prior-weighted mean of the event's other cells.
    lam_alpha, lam_beta : ndarray, shape (G, K)
        Beta parameters of banded cells; NaN for points and NA cells.
    lam_na : ndarray of bool, shape (G, K)
        Cells rated NA (not applicable).
    source_ids : tuple of str
        S sources, in order of first report.
    rho : ndarray, shape (S,)
        Prior mean reliability of each source.
    rho_alpha, rho_beta : ndarray, shape (S,)
        Beta prior of each source's reliability; NaN where the reliability is a fixed number.
    """

    set_id: str
    hypothesis_ids: tuple[str, ...]
    prior: FloatArray
    item_ids: tuple[str, ...]
    event_of: IntArray
    source_of: IntArray
    factor: FloatArray
    lam: FloatArray
    lam_alpha: FloatArray
    lam_beta: FloatArray
    lam_na: NDArray[np.bool_]
    source_ids: tuple[str, ...]
    rho: FloatArray
    rho_alpha: FloatArray
    rho_beta: FloatArray

    @property
    def n_items(self) -> int:
        """Number of reports N."""
        return len(self.item_ids)

    def rho_effective(self, rho: FloatArray | None = None) -> FloatArray:
        """Each report's reliability: its source's (``rho``, default the prior means) times its factor."""
        return (self.rho if rho is None else rho)[self.source_of] * self.factor


def compile_set(hs: HypothesisSet, items: list[Item], sources: dict[str, Source]) -> CompiledSet:
    """Compile a set and the items bearing on it (in trajectory order) into arrays.

    Parameters
    ----------
    hs : HypothesisSet
    items : list of Item
        Items with likelihoods for ``hs``, in trajectory order.
    sources : dict
        The workspace's sources.

    Returns
    -------
    CompiledSet
    """
    hids = hs.hypothesis_ids
    prior = np.array([h.prior for h in hs.hypotheses], dtype=np.float64)
    events: dict[str, int] = {}
    source_index: dict[str, int] = {}
    event_rows: list[Item] = []
    event_of, source_of, factor = [], [], []
    for item in items:
        if item.event not in events:
            events[item.event] = len(events)
            event_rows.append(item)
        event_of.append(events[item.event])
        source_of.append(source_index.setdefault(item.source, len(source_index)))
        factor.append(hs.model.credibility_factor(item.credibility))
    shape = (len(event_rows), len(hids))
    # Judgments repeat (one object per term or number), so each distinct one is read once.
    pick = operator.itemgetter(*hids)
    distinct: dict[int, int] = {}
    judgments: list[Any] = []
    codes = []
    for item in event_rows:
        row = pick(item.likelihoods[hs.id])
        for j in (row if len(hids) > 1 else (row,)):
            code = distinct.get(id(j))
            if code is None:
                code = distinct[id(j)] = len(judgments)
                judgments.append(j)
            codes.append(code)
    index = np.array(codes, dtype=np.int64).reshape(shape)
    lam = np.array([j.mean for j in judgments], dtype=np.float64)[index] if judgments else np.zeros(shape)
    na = np.array([j.not_applicable for j in judgments], dtype=bool)[index] if judgments else np.zeros(shape, bool)
    # Beta parameters of banded cells; NaN for points (alpha is None) and NA cells.
    alpha = np.array([j.alpha for j in judgments], dtype=np.float64)[index] if judgments else np.zeros(shape)
    beta = np.array([j.beta for j in judgments], dtype=np.float64)[index] if judgments else np.zeros(shape)
    alpha[na], beta[na] = np.nan, np.nan
    lam = fill_not_applicable(lam, na, prior)
    ordered_sources = [sources[s] for s in source_index]
    rho = np.array([s.reliability.mean for s in ordered_sources], dtype=np.float64)
    rho_alpha = np.array([np.nan if s.reliability.alpha is None else s.reliability.alpha for s in ordered_sources])
    rho_beta = np.array([np.nan if s.reliability.beta is None else s.reliability.beta for s in ordered_sources])
    arrays = [prior, np.array(event_of, dtype=np.int64), np.array(source_of, dtype=np.int64),
              np.array(factor, dtype=np.float64), lam, alpha, beta, na, rho, rho_alpha.astype(np.float64),
              rho_beta.astype(np.float64)]
    for array in arrays:  # compiled sets are shared (memoised per workspace): nobody may change them
        array.flags.writeable = False
    prior, event_of_a, source_of_a, factor_a, lam, alpha, beta, na, rho, rho_alpha, rho_beta = arrays
    return CompiledSet(
        hs.id, hids, prior, tuple(i.id for i in items), event_of_a, source_of_a, factor_a,
        lam, alpha, beta, na, tuple(source_index), rho, rho_alpha, rho_beta,
    )


def fill_not_applicable(lam: FloatArray, na: NDArray[np.bool_], prior: FloatArray) -> FloatArray:
    """Set NA cells to the prior-weighted mean of the row's other cells, so they carry no weight.

    A row rated NA throughout carries no weight at all (every cell 0.5).

    Examples
    --------
    >>> fill_not_applicable(np.array([[0.8, 0.2, 0.5]]), np.array([[False, False, True]]),
    ...                     np.array([0.25, 0.25, 0.5])).round(3).tolist()
    [[0.8, 0.2, 0.5]]
    """
    weights = np.where(na, 0.0, prior)
    total = weights.sum(axis=1, keepdims=True)
    mean = np.divide((weights * np.where(na, 0.0, lam)).sum(axis=1, keepdims=True), total,
                     out=np.full_like(total, 0.5), where=total > 0)
    return np.where(na, mean, lam)
