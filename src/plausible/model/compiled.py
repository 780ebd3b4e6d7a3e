"""A hypothesis set compiled to arrays: what every engine computes on.

For a set with hypotheses k = 1..K, its reports j = 1..N (items bearing on the set, in trajectory order)
describe events g = 1..G (an origin, or the item itself), from sources s = 1..S.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress, count, repeat
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
    analyst_ids : tuple of str
        The A analysts who judged the set, when there are several (empty when one analyst judged it all:
        the MCMC engine then models the judgments as they are, see docs/model.md "Several analysts").
    analyst_weight : ndarray, shape (A,)
        Each analyst's weight.
    judged_mean : ndarray, shape (A, G, K)
        Each analyst's own judgment of each cell (number as written, band at its Beta mean); NaN where the
        analyst gave none or said NA.
    judged_alpha, judged_beta : ndarray, shape (A, G, K)
        Beta parameters of the analysts' banded judgments; NaN for numbers and where ``judged_mean`` is NaN.
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
    analyst_ids: tuple[str, ...] = ()
    analyst_weight: FloatArray = field(default_factory=lambda: _frozen(np.zeros(0)))
    judged_mean: FloatArray = field(default_factory=lambda: _frozen(np.zeros((0, 0, 0))))
    judged_alpha: FloatArray = field(default_factory=lambda: _frozen(np.zeros((0, 0, 0))))
    judged_beta: FloatArray = field(default_factory=lambda: _frozen(np.zeros((0, 0, 0))))

    @property
    def n_items(self) -> int:
        """Number of reports N."""
        return len(self.item_ids)

    def rho_effective(self, rho: FloatArray | None = None) -> FloatArray:
        """Each report's reliability: its source's (``rho``, default the prior means) times its factor."""
        return (self.rho if rho is None else rho)[self.source_of] * self.factor


def compile_set(hs: HypothesisSet, items: list[Item], sources: dict[str, Source],
                analyst_weights: Mapping[str, float] | None = None) -> CompiledSet:
    """Compile a set and the items bearing on it (in trajectory order) into arrays.

    Parameters
    ----------
    hs : HypothesisSet
    items : list of Item
        Items with likelihoods for ``hs``, in trajectory order.
    sources : dict
        The workspace's sources. A source graded A–F takes the grade's prior from the set's model.
    analyst_weights : mapping, optional
        Each analyst's weight (1 for analysts it omits). When given and more than one analyst judged the set,
        each analyst's own judgments are compiled too (for the MCMC engine's noise model); without it, only
        their pool (``lam`` and the bands).

    Returns
    -------
    CompiledSet

    Notes
    -----
    No Python code runs per cell or per item: C-level ``map`` passes collect every event's judgments, one
    sort groups the cells by judgment object (terms, ratings and repeated numbers are shared objects), each
    distinct judgment is read once, and the arrays are filled from those values by fancy indexing.
    ``tests/test_compiled.py`` checks the result byte for byte against a per-cell reference.
    """
    hids = hs.hypothesis_ids
    n, k = len(items), len(hids)
    prior = np.array([h.prior for h in hs.hypotheses], dtype=np.float64)
    # Events and sources are numbered in order of first report; an event takes its first report's likelihoods.
    event_keys = [item.event for item in items]
    event_index = _first_seen_index(event_keys)
    first_report = dict(zip(reversed(event_keys), reversed(items), strict=True))  # the earliest report wins
    event_rows = list(map(first_report.__getitem__, event_index))
    source_keys = list(map(_SOURCE, items))
    source_index = _first_seen_index(source_keys)
    credibility = list(map(_CREDIBILITY, items))
    factor_of = {c: hs.model.credibility_factor(c) for c in set(credibility)}
    event_of = np.fromiter(map(event_index.__getitem__, event_keys), np.int64, n)
    source_of = np.fromiter(map(source_index.__getitem__, source_keys), np.int64, n)
    factor = np.fromiter(map(factor_of.__getitem__, credibility), np.float64, n)
    # Every cell's judgment, row by row (C-level passes: no Python code runs per cell).
    rows = map(operator.itemgetter(hs.id), map(_LIKELIHOODS, event_rows))
    cells = list(chain.from_iterable(map(operator.itemgetter(*hids), rows)) if k > 1
                 else map(operator.itemgetter(*hids), rows))
    # Judgments are shared objects (one per term, rating or repeated number): group the cells by object
    # identity with one sort, and read each distinct judgment once.
    index, representative = _group_by_identity(cells)
    distinct = list(map(cells.__getitem__, representative.tolist()))
    mean_of = np.fromiter(map(_MEAN, distinct), np.float64, len(distinct))
    na_of = np.fromiter(map(_NOT_APPLICABLE, distinct), np.bool_, len(distinct))
    alpha_of, beta_of = _beta_parameters(distinct, na_of)
    index = index.reshape(len(event_rows), k)
    lam, alpha, beta, na = mean_of[index], alpha_of[index], beta_of[index], na_of[index]
    lam = fill_not_applicable(lam, na, prior) if na.any() else lam
    # A grade is read in the set's own model (its `reliability` table); numbers and Beta priors are as written.
    given = [sources[s].reliability for s in source_index]
    read = [r if r.grade is None else hs.model.reliability(r.grade) for r in given]
    rho = np.array([r.mean for r in read], dtype=np.float64)
    rho_alpha = np.array([np.nan if r.alpha is None else r.alpha for r in read], dtype=np.float64)
    rho_beta = np.array([np.nan if r.beta is None else r.beta for r in read], dtype=np.float64)
    arrays = [prior, event_of, source_of, factor, lam, alpha, beta, na, rho, rho_alpha, rho_beta]
    for array in arrays:  # compiled sets are shared (memoised per workspace): nobody may change them
        array.flags.writeable = False
    return CompiledSet(
        hs.id, hids, prior, tuple(map(_ID, items)), event_of, source_of, factor,
        lam, alpha, beta, na, tuple(source_index), rho, rho_alpha, rho_beta,
        *_analyst_arrays(hs, event_rows, analyst_weights),
    )


def _frozen(array: FloatArray) -> FloatArray:
    array.flags.writeable = False
    return array


def _analyst_arrays(hs: HypothesisSet, rows: list[Item], weights: Mapping[str, float] | None) -> tuple[
        tuple[str, ...], FloatArray, FloatArray, FloatArray, FloatArray]:
    """Each analyst's own judgments of the events' cells, when more than one analyst judged the set.

    With one analyst (the common case), or without weights, nothing is built: the defaults (no analyst, empty
    arrays).
    """
    judged = [item.judged.get(hs.id, {}) for item in rows] if weights is not None else []
    analysts = sorted({a for by in judged for a, row in by.items() if any(not j.not_applicable for j in row.values())})
    if weights is None or len(analysts) < 2:
        return (), _frozen(np.zeros(0)), *(_frozen(np.zeros((0, 0, 0))) for _ in range(3))  # type: ignore[return-value]
    shape = (len(analysts), len(rows), len(hs.hypotheses))
    mean, alpha, beta = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    column = {h: k for k, h in enumerate(hs.hypothesis_ids)}
    for a, analyst in enumerate(analysts):
        for g, by in enumerate(judged):
            for hid, judgment in by.get(analyst, {}).items():
                if judgment.not_applicable or hid not in column:
                    continue
                k = column[hid]
                mean[a, g, k] = judgment.mean
                if judgment.alpha is not None and judgment.beta is not None:
                    alpha[a, g, k], beta[a, g, k] = judgment.alpha, judgment.beta
    weight = np.array([weights.get(a, 1.0) for a in analysts], dtype=np.float64)
    return tuple(analysts), _frozen(weight), _frozen(mean), _frozen(alpha), _frozen(beta)


_SOURCE = operator.attrgetter("source")
_CREDIBILITY = operator.attrgetter("credibility")
_LIKELIHOODS = operator.attrgetter("likelihoods")
_ID = operator.attrgetter("id")
_MEAN = operator.attrgetter("mean")
_NOT_APPLICABLE = operator.attrgetter("not_applicable")
_ALPHA = operator.attrgetter("alpha")
_BETA = operator.attrgetter("beta")
_IS_GIVEN = partial(operator.is_not, None)


def _beta_parameters(judgments: list[Any], not_applicable: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Alpha and beta of each judgment: NaN for points (alpha None) and NA judgments.

    Only the banded judgments' values are converted (converting None to NaN is numpy's slow path).
    """
    alpha, beta = np.full(len(judgments), np.nan), np.full(len(judgments), np.nan)
    alphas = list(map(_ALPHA, judgments))
    banded = np.fromiter(map(operator.is_not, alphas, repeat(None)), np.bool_, len(judgments))
    if banded.any():
        alpha[banded] = list(filter(_IS_GIVEN, alphas))
        beta[banded] = list(map(_BETA, compress(judgments, banded)))
    alpha[not_applicable], beta[not_applicable] = np.nan, np.nan
    return alpha, beta


def _group_by_identity(objects: list[Any]) -> tuple[IntArray, IntArray]:
    """Number the distinct objects of a list (by identity): each one's number, and one position of each.

    Numbers follow the order of the objects' ids, not of first appearance; nothing depends on it.

    Examples
    --------
    >>> a, b = object(), object()
    >>> number, position = _group_by_identity([a, b, a, a])
    >>> numbers = number.tolist()
    >>> [n == numbers[0] for n in numbers], sorted(number[position].tolist())
    ([True, False, True, True], [0, 1])
    """
    ids = np.array(list(map(id, objects)), dtype=np.uint64)  # distinct while the list holds the objects
    order = np.argsort(ids)
    ids = ids[order]
    new = np.empty(len(ids), dtype=bool)
    new[:1] = True
    np.not_equal(ids[1:], ids[:-1], out=new[1:])
    number = np.empty(len(ids), dtype=np.int64)
    number[order] = np.cumsum(new) - 1
    return number, order[new]


def _first_seen_index(keys: list[str]) -> dict[str, int]:
    """Each distinct key's number, in order of first appearance."""
    return dict(zip(dict.fromkeys(keys), count()))


def fill_not_applicable(lam: FloatArray, na: NDArray[np.bool_], prior: FloatArray) -> FloatArray:
    """Set NA cells to the prior-weighted mean of the row's other cells, so they carry no weight.

    A row rated NA throughout carries no weight at all (every cell 0.5). Rows are the last axis, so a stack
    of likelihood tables (draws × events × hypotheses) is filled the same way.

    Examples
    --------
    >>> fill_not_applicable(np.array([[0.8, 0.2, 0.5]]), np.array([[False, False, True]]),
    ...                     np.array([0.25, 0.25, 0.5])).round(3).tolist()
    [[0.8, 0.2, 0.5]]
    """
    weights = np.where(na, 0.0, prior)
    total = weights.sum(axis=-1, keepdims=True)
    weighted = (weights * np.where(na, 0.0, lam)).sum(axis=-1, keepdims=True)
    mean = np.divide(weighted, total, out=np.full_like(weighted, 0.5), where=total > 0)
    return np.where(na, mean, lam)
