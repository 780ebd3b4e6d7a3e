"""How fragile is the answer: the flip distance of a set's judgments, and the leader's stability under them.

**Flip distance.** A likelihood judgment is one cell (event × hypothesis). A *step* moves one cell to the
adjacent term of the scale it was written in (:meth:`plausible.model.scales.ModelSpec.ladder`): the next
ACH rating or verbal term, and for a number the adjacent ICD 203 term's value (that band's Beta mean, as
the exact engine uses it). ``NA`` cells do not step; a cell at the end of its scale steps one way only.
The flip distance is the smallest number of steps after which another hypothesis is *strictly* above the
old leader (by more than :data:`FLIP_TOLERANCE` in log-probability, so that rounding cannot make a flip).

The search is exact. The log posterior of H_k is ln π_k + Σ_g ln P(reports_g | H_k), and each event's term
depends only on that event's cells, so for a challenger c the margin over the leader L moves by a sum of
per-event gains. For each event and each s, the best gain with exactly s steps inside the event is taken over
every combination of s steps of its cells (all hypotheses' cells: the average a_g = Σ π_k λ_gk couples them);
a max-plus knapsack then combines the events exactly over the budget. The depth s runs from 1 up to
:data:`FLIP_SEARCH_DEPTH`; the first depth at which a challenger overtakes the leader is its exact distance
(``exact: true``). To keep large sets fast, from two steps on an event is first given an upper bound on its
gain (:func:`_gain_bound`, which holds although a couples the cells: each event term increases with its own
cell and with a, so the bound takes each at its extreme, apart) and is evaluated exactly only if that bound,
plus the most the other events can add with the rest of the budget, could exceed the margin; an entry that
cannot is never part of a flip. If even those events exceed :data:`FLIP_CANDIDATE_BUDGET` step combinations
the search stops at the depth reached. Beyond it a greedy search (each round the single step that gains
most) gives an upper bound (``exact: false``). Every returned set of changes is applied to the judgments and
the posterior recomputed by the engine before it is reported: it is accepted only if the leader really
changes.

A change names the item whose judgments the engine uses for the event (its first report). For an origin
group the judgments are the group's, written once on one of its items: that is where to change them.

**Several analysts.** When a set's judgments come from several analysts (``analysts/<id>.yaml``), each cell's
value is the weighted geometric mean of the analysts who judged it (:mod:`plausible.model.pooling`), and a step
changes ONE analyst's judgment in one cell, along that analyst's own scale ladder (as above: the adjacent term of
the scale that analyst wrote in); the pooled value is then recomputed. ``NA`` judgments do not step. The search
stays exact: with the event's other cells fixed, the margin of a challenger over the leader is monotone in one
cell's value (directly for their own cells, through a for the others), so with s steps in one cell only the most
extreme pooled value reachable in each direction matters. Rung +s of a pooled cell is the largest pooled value
reachable with s up-steps spread over its analysts (each within the ends of their own ladder), rung −s the
smallest with s down-steps; each rung records the analysts' steps that reach it, and a change is reported per
analyst (``analyst`` in the change), so one cell's s steps may be several analysts' changes, and the step count
is always the number of single-analyst steps. With one analyst nothing of this arises and the changes name no
analyst.

**Leader stability.** Every banded judgment (verbal term, ACH rating) is drawn from its Beta and every
Beta-graded source reliability from its prior, the distributions the MCMC engine uses; the exact posterior
is computed for each draw (vectorised over draws), and each hypothesis' share of the draws in which it leads
is its ``leader_stability``, with the central interval of its probability. Seeded: the same seed gives the
same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.core.display import likelihood
from plausible.engines.exact import log_likelihood_increments, softmax
from plausible.model.compiled import CompiledSet, FloatArray, IntArray, fill_not_applicable
from plausible.model.entities import Item
from plausible.model.pooling import pool_judgments
from plausible.model.scales import Judgment, ModelSpec

if TYPE_CHECKING:
    from plausible.workspace import Workspace

__all__ = [
    "FLIP_CANDIDATE_BUDGET",
    "FLIP_SEARCH_DEPTH",
    "FLIP_TOLERANCE",
    "Change",
    "Flip",
    "FlipDistance",
    "JudgmentLadder",
    "LeaderStability",
    "flip_distance",
    "flip_distance_of",
    "judgment_ladder",
    "leader_stability",
]

FLIP_SEARCH_DEPTH = 4
"""Exact search up to this many steps (fewer if :data:`FLIP_CANDIDATE_BUDGET` stops it)."""

FLIP_CANDIDATE_BUDGET = 3_000_000
"""Most step combinations (events left by the bounds × combinations inside one event) evaluated at one depth."""

FLIP_TOLERANCE = 1e-9
"""A challenger overtakes the leader when its log posterior is above the leader's by more than this."""

GREEDY_ROUNDS = 500
"""Most steps the greedy upper bound takes before it gives up (the answer is then "no flip found")."""

STABILITY_DRAWS = 4000
"""Draws of ``leader_stability`` by default; fewer (not under :data:`STABILITY_MIN_DRAWS`) when the set has so many
imprecise judgments that draws × (banded cells + graded sources) would pass :data:`STABILITY_VARIATES`."""
STABILITY_MIN_DRAWS = 500
STABILITY_VARIATES = 20_000_000
STABILITY_SEED = 20150616
STABILITY_LEVEL = 0.9
_MAX_RUNG = 6  # the longest built-in scale has 7 terms: at most 6 steps from one end to the other
_DRAW_CHUNK = 4_000_000  # draws × cells evaluated at once by leader_stability


@dataclass(frozen=True)
class Change:
    """One cell's change, ``before`` and ``after`` as they would be written (a number stays a number)."""

    item: str
    hypothesis: str
    before: str
    after: str
    value_before: float
    value_after: float
    steps: int
    numeric: bool
    """Whether the analyst wrote a number: it then steps to the adjacent ICD 203 term's value."""
    analyst: str | None = None
    """Whose judgment changes, when the set has several analysts (None with one: the values are the cell's)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"item", "hypothesis", "from", "to", "steps", "term"}``: numbers for a number, else the terms.

        With several analysts ``"analyst"`` names whose judgment it is (``from`` and ``to`` are that analyst's).
        """
        out: dict[str, Any] = {"item": self.item, "hypothesis": self.hypothesis}
        if self.analyst is not None:
            out["analyst"] = self.analyst
        if self.numeric:
            out.update({"from": self.value_before, "to": self.value_after, "steps": self.steps, "term": self.after})
        else:
            out.update({"from": self.before, "to": self.after, "steps": self.steps})
        return out

    def describe(self) -> str:
        """``item / hypothesis: from → to`` in words (``item / hypothesis, analyst: from → to`` with several).

        Examples
        --------
        >>> Change("kcna-1", "h1", "0.55", "unlikely", 0.55, 0.3193, 1, True).describe()
        'kcna-1 / h1: 0.55 → 0.319 (unlikely)'
        >>> Change("kcna-1", "h1", "0.5", "almost no chance", 0.5, 0.02678, 3, True).describe()
        'kcna-1 / h1: 0.5 → 0.027 (almost no chance)'
        >>> Change("kcna-1", "h1", "likely", "very likely", 0.68, 0.88, 1, False, "bo").describe()
        'kcna-1 / h1, bo: likely → very likely'
        """
        after = f"{likelihood(self.value_after)} ({self.after})" if self.numeric else self.after
        who = "" if self.analyst is None else f", {self.analyst}"
        return f"{self.item} / {self.hypothesis}{who}: {self.before} → {after}"


@dataclass(frozen=True)
class Flip:
    """The fewest steps found that put ``target`` above the leader, and what they do."""

    target: str
    steps: int | None
    exact: bool
    new_leader: str | None
    changes: tuple[Change, ...]
    probability: FloatArray | None
    """The posterior after the changes (None when no flip was found)."""

    @property
    def leads(self) -> bool:
        """Whether the target itself leads after the changes."""
        return self.new_leader == self.target

    def to_dict(self, hypothesis_ids: tuple[str, ...]) -> dict[str, Any]:
        """``{"steps", "exact", "new_leader", "changes", "probabilities"}`` (steps None: no flip found)."""
        return {"steps": self.steps, "exact": self.exact, "new_leader": self.new_leader,
                "changes": [c.to_dict() for c in self.changes],
                "probabilities": None if self.probability is None else
                {h: float(p) for h, p in zip(hypothesis_ids, self.probability, strict=True)}}


@dataclass(frozen=True)
class FlipDistance:
    """The smallest flip of a set, and for each other hypothesis the fewest steps that put it above the leader."""

    hypothesis_ids: tuple[str, ...]
    leader: str
    smallest: Flip
    challengers: tuple[Flip, ...]
    depth: int
    """The exact search's depth: distances up to it are exact."""

    def to_dict(self) -> dict[str, Any]:
        """The ``flip`` key of ``analyze --json``: the smallest flip, the leader, the depth, each challenger."""
        out = self.smallest.to_dict(self.hypothesis_ids)
        out["leader"] = self.leader
        out["search_depth"] = self.depth
        out["challengers"] = [{"hypothesis": f.target, "leads": f.leads, **f.to_dict(self.hypothesis_ids)}
                              for f in self.challengers]
        return out


Rungs = tuple[tuple[tuple[str, Judgment], ...], int]
"""A scale, lowest term first, as ``(label, judgment)`` pairs, and the written judgment's place on it."""

Moves = tuple[tuple[str, int], ...]
"""The single-analyst steps of one pooled rung: ``(analyst, offset along that analyst's ladder)`` each."""


@dataclass(frozen=True)
class JudgmentLadder:
    """Each cell's scale as values: ``values[g, k, R + o]`` is the cell after ``o`` steps (NaN: no such step)."""

    values: FloatArray
    labels: list[list[Rungs | None]]
    writer: tuple[str, ...]
    """The item whose judgments each event uses (its first report)."""
    analysts: list[list[dict[str, Rungs]]] | None = None
    """With several analysts: each cell's ladder per analyst who judged it (not NA); None with one analyst."""
    moves: list[list[dict[int, Moves]]] | None = None
    """With several analysts: for each cell and offset o, the analysts' steps that give ``values[g, k, R + o]``."""


def _extreme_moves(rungs: Mapping[str, Rungs], weights: Mapping[str, float], steps: int, sign: int) -> Moves | None:
    """The ``steps`` single-analyst steps in direction ``sign`` that move a cell's log pool furthest, or None.

    Each analyst steps along their own ladder within its ends; the log pool is Σ w ln λ / Σ w, so the best
    split of the steps maximises sign × Σ_a w_a (ln λ_a' − ln λ_a), a small knapsack over the analysts (sorted,
    ties to the first found). None when the analysts' ladders do not have ``steps`` steps that way between them.

    Examples
    --------
    >>> spec = ModelSpec()
    >>> rungs = {"a": spec.ladder("likely", spec.judgment("likely")), "b": spec.ladder("CC", spec.judgment("CC"))}
    >>> _extreme_moves(rungs, {}, 1, 1), _extreme_moves(rungs, {}, 2, -1)
    ((('a', 1),), (('a', -2),))
    """
    best: dict[int, tuple[float, Moves]] = {0: (0.0, ())}
    for analyst in sorted(rungs):
        scale, place = rungs[analyst]
        weight = weights.get(analyst, 1.0)
        room = len(scale) - 1 - place if sign > 0 else place
        base = math.log(scale[place][1].mean)
        grown: dict[int, tuple[float, Moves]] = {}
        for used, (score, moves) in best.items():
            for n in range(0, min(room, steps - used) + 1):
                value = score + sign * weight * (math.log(scale[place + sign * n][1].mean) - base) if n else score
                known = grown.get(used + n)
                if known is None or value > known[0]:
                    grown[used + n] = (value, (*moves, (analyst, sign * n)) if n else moves)
        best = grown
    found = best.get(steps)
    return None if found is None else found[1]


def _pooled_cell(judged: Mapping[str, Judgment], model: ModelSpec, weights: Mapping[str, float]) -> tuple[
        dict[str, Rungs], dict[int, tuple[Moves, float]]]:
    """One cell's analysts' ladders, and per offset (-R..R, 0 left out) the analysts' steps and the pooled value."""
    rungs: dict[str, Rungs] = {}
    for analyst, judgment in sorted(judged.items()):
        own = model.ladder(judgment.label, judgment)
        if own is not None:
            rungs[analyst] = own
    out: dict[int, tuple[Moves, float]] = {}
    if not rungs:
        return rungs, out
    for sign in (-1, 1):
        for steps in range(1, _MAX_RUNG + 1):
            moves = _extreme_moves(rungs, weights, steps, sign)
            if moves is None:
                break
            stepped = {a: rungs[a][0][rungs[a][1]][1] for a in rungs}
            for analyst, off in moves:
                scale, place = rungs[analyst]
                stepped[analyst] = scale[place + off][1]
            pooled = pool_judgments(stepped, weights)
            assert pooled is not None
            out[sign * steps] = (moves, pooled.mean)
    return rungs, out


def judgment_ladder(compiled: CompiledSet, items: list[Item], model: ModelSpec,
                    weights: Mapping[str, float] | None = None) -> JudgmentLadder:
    """The steps each cell of a compiled set can take, from the text the analyst(s) wrote.

    Parameters
    ----------
    compiled : CompiledSet
    items : list of Item
        The set's items in trajectory order (those ``compiled`` was built from).
    model : ModelSpec
        The set's model (its scales).
    weights : mapping, optional
        The analysts' weights. When given and the set's items were judged by several analysts, a step moves one
        analyst's judgment and the cell is pooled again (see the module notes); otherwise a step moves the cell
        as written.

    Returns
    -------
    JudgmentLadder
        Each cell's values after -6..+6 steps, and the item that wrote each event's judgments.

    Examples
    --------
    >>> from plausible.testing import synthetic_workspace
    >>> import tempfile
    >>> from plausible.workspace import load_workspace
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ws = load_workspace(synthetic_workspace(d, 3, n_items=3))
    ...     ladder = judgment_ladder(ws.compiled("question"), ws.items_for("question"),
    ...                              ws.hypothesis_set("question").model)
    >>> ladder.values.shape[2]
    13
    """
    g_count, k_count = compiled.lam.shape
    first = np.full(g_count, -1, dtype=np.int64)
    first[compiled.event_of[::-1]] = np.arange(compiled.n_items)[::-1]
    set_id, hids = compiled.set_id, compiled.hypothesis_ids
    values = np.full((g_count, k_count, 2 * _MAX_RUNG + 1), np.nan)
    labels: list[list[tuple[tuple[tuple[str, Judgment], ...], int] | None]] = []
    seen: dict[tuple[str, int], tuple[tuple[tuple[str, Judgment], ...], int] | None] = {}
    if weights is not None and len({a for item in items for a in item.judged.get(set_id, {})}) > 1:
        return _pooled_ladder(compiled, items, model, weights, first)
    for g in range(g_count):
        item = items[int(first[g])]
        row: list[tuple[tuple[tuple[str, Judgment], ...], int] | None] = []
        for k, h in enumerate(hids):
            text, judgment = item.ratings[set_id][h], item.likelihoods[set_id][h]
            key = (text, id(judgment))
            if key not in seen:
                seen[key] = model.ladder(text, judgment)
            rungs = seen[key]
            row.append(rungs)
            if rungs is None:
                continue
            scale, place = rungs
            for i, (_, rung) in enumerate(scale):
                if abs(i - place) <= _MAX_RUNG:
                    values[g, k, _MAX_RUNG + i - place] = rung.mean
        labels.append(row)
    return JudgmentLadder(values, labels, tuple(compiled.item_ids[int(j)] for j in first))


def _pooled_ladder(compiled: CompiledSet, items: list[Item], model: ModelSpec, weights: Mapping[str, float],
                   first: IntArray) -> JudgmentLadder:
    """:func:`judgment_ladder` of a set with several analysts: rung ±s is the most extreme pool s steps reach."""
    g_count, k_count = compiled.lam.shape
    set_id, hids = compiled.set_id, compiled.hypothesis_ids
    values = np.full((g_count, k_count, 2 * _MAX_RUNG + 1), np.nan)
    labels: list[list[Rungs | None]] = []
    analysts: list[list[dict[str, Rungs]]] = []
    moves: list[list[dict[int, Moves]]] = []
    for g in range(g_count):
        rows = items[int(first[g])].judged.get(set_id, {})
        label_row: list[Rungs | None] = []
        analyst_row: list[dict[str, Rungs]] = []
        move_row: list[dict[int, Moves]] = []
        for k, h in enumerate(hids):
            given = {a: row[h] for a, row in rows.items() if h in row and not row[h].not_applicable}
            rungs, reach = _pooled_cell(given, model, weights) if not compiled.lam_na[g, k] else ({}, {})
            label_row.append(None)
            analyst_row.append(rungs)
            move_row.append({o: m for o, (m, _) in reach.items()})
            if rungs:
                values[g, k, _MAX_RUNG] = compiled.lam[g, k]
                for o, (_, value) in reach.items():
                    values[g, k, _MAX_RUNG + o] = value
        labels.append(label_row)
        analysts.append(analyst_row)
        moves.append(move_row)
    return JudgmentLadder(values, labels, tuple(compiled.item_ids[int(j)] for j in first), analysts, moves)


class _Events:
    """Each event's distinct sources (a source counts once, at its most credible report), padded to (G, M)."""

    def __init__(self, compiled: CompiledSet) -> None:
        g_count = compiled.lam.shape[0]
        n_sources = len(compiled.source_ids)
        key = compiled.event_of * n_sources + compiled.source_of
        pairs, inverse = np.unique(key, return_inverse=True)
        factor = np.zeros(len(pairs))
        np.maximum.at(factor, inverse, compiled.factor)
        event, source = pairs // n_sources, pairs % n_sources
        counts = np.bincount(event, minlength=g_count)
        width = max(int(counts.max(initial=0)), 1)
        slot = np.arange(len(pairs)) - np.concatenate(([0], np.cumsum(counts)[:-1]))[event]
        self.source = np.zeros((g_count, width), dtype=np.int64)
        self.factor = np.zeros((g_count, width))
        self.present = np.zeros((g_count, width), dtype=bool)
        self.source[event, slot], self.factor[event, slot], self.present[event, slot] = source, factor, True

    def reliability(self, rho: FloatArray) -> FloatArray:
        """Reliabilities of each event's distinct sources, shape (..., G, M), for rho of shape (..., S)."""
        out: FloatArray = rho[..., self.source] * self.factor
        return out


def event_log_likelihood(lam: FloatArray, a: FloatArray, r: FloatArray, present: NDArray[np.bool_]) -> FloatArray:
    """Ln P(reports_g | H_k) of whole events, from their likelihood rows and distinct sources' reliabilities.

    P = λ Π_i (r_i + (1 − r_i) a) + (1 − λ) Π_i (1 − r_i) a (docs/model.md), over the sources ``present``.

    Parameters
    ----------
    lam : ndarray, shape (..., K)
        Likelihood rows (NA cells already filled).
    a : ndarray, shape (...)
        Each row's noise rate Σ π λ.
    r, present : ndarray, shape (..., M)
        Reliabilities of the event's distinct sources and which slots hold one.

    Returns
    -------
    ndarray, shape (..., K)

    Examples
    --------
    One report of reliability 1 is plain Bayes:

    >>> event_log_likelihood(np.array([[0.8, 0.2]]), np.array([0.5]), np.array([[1.0]]),
    ...                      np.array([[True]])).round(4).tolist()
    [[-0.2231, -1.6094]]
    """
    with np.errstate(divide="ignore"):
        truthful = np.where(present, np.log(r + (1.0 - r) * a[..., None]), 0.0).sum(axis=-1)
        noise = np.where(present, np.log1p(-r) + np.log(a)[..., None], 0.0).sum(axis=-1)
        if truthful.size and truthful.min() > -700.0:  # T = e^truthful is a normal float: one log is enough
            out: FloatArray = np.log(lam * np.exp(truthful)[..., None] + (1.0 - lam) * np.exp(noise)[..., None])
        else:
            out = np.logaddexp(np.log(lam) + truthful[..., None], np.log1p(-lam) + noise[..., None])
    return out


@lru_cache(maxsize=32)
def _step_combinations(k: int, d: int) -> tuple[IntArray, IntArray]:
    """Every way to take exactly ``d`` steps over ``k`` cells: (cells, offsets), shape (C, d), rows padded.

    A row names distinct cells with nonzero offsets whose absolute values sum to ``d``; a row with fewer
    than ``d`` cells repeats its first (cell, offset), which sets the same value twice.

    Examples
    --------
    >>> cells, offsets = _step_combinations(3, 1)
    >>> len(cells), sorted(offsets[:, 0].tolist()) == [-1, -1, -1, 1, 1, 1]
    (6, True)
    >>> len(_step_combinations(7, 3)[0])  # the L1 sphere of radius 3 in 7 dimensions
    462
    """
    cells_out: list[list[int]] = []
    offs_out: list[list[int]] = []
    for m in range(1, min(d, k) + 1):
        parts = [p for p in product(range(1, d + 1), repeat=m) if sum(p) == d]
        for chosen in combinations(range(k), m):
            for sizes in parts:
                for signs in product((-1, 1), repeat=m):
                    offs = [s * z for s, z in zip(signs, sizes, strict=True)]
                    cells_out.append(list(chosen) + [chosen[0]] * (d - m))
                    offs_out.append(offs + [offs[0]] * (d - m))
    cells = np.array(cells_out, dtype=np.int64).reshape(-1, d)
    offsets = np.array(offs_out, dtype=np.int64).reshape(-1, d)
    cells.flags.writeable = offsets.flags.writeable = False  # shared by the cache
    return cells, offsets


def _combination_count(k: int, d: int) -> int:
    from math import comb

    return sum(comb(k, m) * comb(d - 1, m - 1) * 2**m for m in range(1, min(d, k) + 1))


@dataclass
class _Problem:
    compiled: CompiledSet
    ladder: JudgmentLadder
    events: _Events
    r: FloatArray
    base: FloatArray  # (G, K) event log-likelihoods
    total: FloatArray  # (K,) log posterior (unnormalised)
    leader: int

    def rows(self, events: IntArray, lam_rows: FloatArray) -> FloatArray:
        """Event log-likelihoods of changed rows of the given events."""
        na = self.compiled.lam_na[events]
        some = na.any(axis=1)
        if some.any():
            lam_rows = lam_rows.copy()
            lam_rows[some] = fill_not_applicable(lam_rows[some], na[some], self.compiled.prior)
        return event_log_likelihood(lam_rows, lam_rows @ self.compiled.prior, self.r[events],
                                    self.events.present[events])

    def gains(self, events: IntArray, lam_rows: FloatArray, reference: FloatArray) -> FloatArray:
        """Change of each hypothesis' margin over the leader when the events' rows become ``lam_rows``."""
        delta = self.rows(events, lam_rows) - reference
        out: FloatArray = delta - delta[:, [self.leader]]
        return out


def _problem(compiled: CompiledSet, ladder: JudgmentLadder) -> _Problem:
    events = _Events(compiled)
    r = events.reliability(compiled.rho)
    base = event_log_likelihood(compiled.lam, compiled.lam @ compiled.prior, r, events.present)
    total = np.log(compiled.prior) + base.sum(axis=0)
    return _Problem(compiled, ladder, events, r, base, total, int(np.argmax(total)))


def _best_at_depth(p: _Problem, d: int, events: IntArray | None = None) -> tuple[FloatArray, IntArray]:
    """Each event's best gain per challenger with exactly ``d`` steps inside it, and the combination that gives it.

    Every combination of ``d`` steps over the event's cells (all hypotheses: a couples them) is evaluated.
    Returns ``(best, choice)``, shape (len(events), K), for ``events`` (default all); ``choice`` indexes
    :func:`_step_combinations` (k, d), -1 where no combination fits (best -inf).
    """
    g_count, k_count = p.compiled.lam.shape
    chosen = np.arange(g_count) if events is None else events
    cells, offsets = _step_combinations(k_count, d)
    best = np.full((len(chosen), k_count), -np.inf)
    choice = np.full((len(chosen), k_count), -1, dtype=np.int64)
    if len(cells) == 0:
        return best, choice
    chunk = max(1, 400_000 // len(cells))
    for start in range(0, len(chosen), chunk):
        local = np.arange(start, min(len(chosen), start + chunk))
        gs = chosen[local]
        vals = p.ladder.values[gs[:, None, None], cells[None], _MAX_RUNG + offsets[None]]  # (n, C, d)
        valid = ~np.isnan(vals).any(axis=2)
        gi, ci = np.nonzero(valid)
        if gi.size == 0:
            continue
        rows = p.compiled.lam[gs[gi]].copy()
        rows[np.arange(gi.size)[:, None], cells[ci]] = vals[gi, ci]
        gain = p.gains(gs[gi], rows, p.base[gs[gi]])
        new_group = np.concatenate(([True], gi[1:] != gi[:-1]))
        starts = np.flatnonzero(new_group)
        group_best = np.maximum.reduceat(gain, starts, axis=0)
        segment = np.cumsum(new_group) - 1
        position = np.where(gain == group_best[segment], np.arange(gi.size)[:, None], gi.size)
        first = np.minimum.reduceat(position, starts, axis=0)
        target = local[gi[starts]]
        best[target] = group_best
        choice[target] = ci[first]
    return best, choice


def _gain_bound(p: _Problem, d: int) -> FloatArray:
    """An upper bound on each event's gain per challenger with ``d`` steps inside it, shape (G, K).

    It holds although a = Σ π λ couples the event's cells. ln P(reports_g | H_k) = ln(λ_k T(a) + (1 − λ_k) N(a))
    increases with λ_k (T ≥ N) and with a (T and N increase with a). Within d steps a cell stays inside the
    range of its ladder d rungs either way, and a moves by at most the sum of the d largest changes
    (π_k / W) |Δλ_k| of single cells (W the prior mass of the non-NA cells; an NA cell equals a). So the
    challenger's term is at most its value at its highest reachable λ and the highest a, and the leader's at
    least its value at its lowest λ and the lowest a, each taken apart.
    """
    c = p.compiled
    window = p.ladder.values[:, :, _MAX_RUNG - d : _MAX_RUNG + d + 1]
    na = c.lam_na | np.isnan(window).all(axis=2)
    with np.errstate(invalid="ignore"):
        high = np.where(na, c.lam, np.nanmax(np.where(np.isnan(window), -np.inf, window), axis=2))
        low = np.where(na, c.lam, np.nanmin(np.where(np.isnan(window), np.inf, window), axis=2))
    weight = np.where(c.lam_na, 0.0, c.prior)
    total = weight.sum(axis=1, keepdims=True)
    weight = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    change = weight * np.maximum(high - c.lam, c.lam - low)
    top = np.sort(change, axis=1)[:, -d:].sum(axis=1)
    a = c.lam @ c.prior
    a_high, a_low = np.minimum(a + top, 1.0), np.maximum(a - top, 1e-300)
    high = np.where(c.lam_na, a_high[:, None], high)
    low = np.where(c.lam_na, a_low[:, None], low)
    up = event_log_likelihood(high, a_high, p.r, p.events.present) - p.base
    down = event_log_likelihood(low, a_low, p.r, p.events.present) - p.base
    out: FloatArray = up - down[:, [p.leader]]
    out[:, p.leader] = 0.0
    return out


def _knapsack(tables: list[FloatArray], budget: int) -> tuple[FloatArray, IntArray, IntArray]:
    """Max-plus combination of per-event best gains over a step budget, exact.

    ``tables[s]`` is (G, K): each event's best gain with exactly s steps (``tables[0]`` is zero). Returns
    ``F`` (budget + 1, K), the best total gain with at most b steps, and the per-event choices to rebuild it:
    ``(F, useful events, choice (len(useful), budget + 1, K))``.
    """
    k_count = tables[0].shape[1]
    stacked = np.stack(tables[: budget + 1])  # (s, G, K)
    # A best solution spends its budget on at most `budget` events, and those that take s steps can be chosen
    # among the `budget` best events for s steps (exchange argument): the others never need to be considered.
    g_count = stacked.shape[1]
    if g_count > budget:
        top = np.argpartition(-stacked[1:], budget - 1, axis=1)[:, :budget, :]
        candidates = np.zeros(g_count, dtype=bool)
        candidates[top.ravel()] = True
    else:
        candidates = np.ones(g_count, dtype=bool)
    useful = np.flatnonzero(candidates & (stacked[1:] > 0).any(axis=(0, 2)))
    f = np.full((budget + 1, k_count), -np.inf)
    f[0] = 0.0
    f = np.maximum.accumulate(f, axis=0)
    choice = np.zeros((len(useful), budget + 1, k_count), dtype=np.int64)
    s_index = np.arange(budget + 1)
    for n, g in enumerate(useful):
        gain = stacked[:, g, :]  # (s, K)
        # candidate[b, s] = f[b - s] + gain[s]
        back = s_index[:, None] - s_index[None, :]
        ok = back >= 0
        cand = np.where(ok[:, :, None], f[np.clip(back, 0, None)] + gain[None, :, :], -np.inf)
        pick = np.argmax(cand, axis=1)
        f = np.take_along_axis(cand, pick[:, None, :], axis=1)[:, 0, :]
        choice[n] = pick
    return f, useful, choice


class _Verifier:
    """Applies changes to the judgments and recomputes the posterior with the engine itself."""

    def __init__(self, p: _Problem) -> None:
        self.p = p
        c = p.compiled
        self.rho = c.rho_effective()

    def check(self, changed: dict[tuple[int, int], int]) -> FloatArray | None:
        """The log posterior after the cells' offsets, or None if the leader does not change."""
        c = self.p.compiled
        lam = np.array(c.lam, copy=True)
        for (g, k), off in changed.items():
            lam[g, k] = self.p.ladder.values[g, k, _MAX_RUNG + off]
        if c.lam_na.any():
            lam = fill_not_applicable(lam, c.lam_na, c.prior)
        inc = log_likelihood_increments(c.prior, lam, self.rho, c.event_of, c.source_of)
        total: FloatArray = np.log(c.prior) + inc.sum(axis=0)
        others = np.delete(total, self.p.leader)
        return total if others.size and others.max() > total[self.p.leader] + FLIP_TOLERANCE else None


def _changes(p: _Problem, changed: dict[tuple[int, int], int]) -> tuple[Change, ...]:
    """The changes as written: per cell, or with several analysts per analyst (one cell may give several)."""
    out = []
    ladder = p.ladder
    for (g, k), off in sorted(changed.items()):
        if ladder.analysts is not None and ladder.moves is not None:
            for analyst, own in ladder.moves[g][k][off]:
                scale, place = ladder.analysts[g][k][analyst]
                before_text, before = scale[place]
                after_label, after = scale[place + own]
                out.append(Change(ladder.writer[g], p.compiled.hypothesis_ids[k], before_text, after_label,
                                  before.mean, after.mean, abs(own), before.is_point, analyst))
            continue
        rungs = p.ladder.labels[g][k]
        assert rungs is not None
        scale, place = rungs
        before_text, before = scale[place]
        after_label, after = scale[place + off]
        out.append(Change(p.ladder.writer[g], p.compiled.hypothesis_ids[k], before_text, after_label,
                          before.mean, after.mean, abs(off), before.is_point))
    return tuple(out)


def _exact(p: _Problem, depth: int, verify: _Verifier) -> tuple[
        dict[int, tuple[int, dict[tuple[int, int], int], FloatArray]], int]:
    """Exact distances ≤ depth per challenger, {c: (steps, cell offsets, log posterior after)}, and the depth reached.

    Depths whose every combination fits :data:`FLIP_CANDIDATE_BUDGET` are evaluated for every event. Deeper
    ones start from :func:`_gain_bound` and evaluate exactly only the events whose bound could still complete
    a flip: an entry whose bound plus the best the other events can add with the rest of the budget stays at
    or below the margin can never be part of a flip. If those events exceed the budget too, the search stops.
    """
    g_count, k_count = p.compiled.lam.shape
    margin = p.total[p.leader] - p.total
    tables: list[FloatArray] = [np.zeros((g_count, k_count))]
    choices: list[IntArray] = [np.zeros((g_count, k_count), np.int64)]
    exact_rows: list[NDArray[np.bool_]] = [np.ones(g_count, dtype=bool)]
    found: dict[int, tuple[int, dict[tuple[int, int], int], FloatArray]] = {}
    open_ = [c for c in range(k_count) if c != p.leader]
    reached = 0
    for d in range(1, depth + 1):
        full = d == 1  # deeper: bounds first, then only the events they cannot rule out
        if full:
            best, choice = _best_at_depth(p, d)
        else:
            best, choice = _gain_bound(p, d), np.full((g_count, k_count), -1, dtype=np.int64)
        tables.append(best)
        choices.append(choice)
        exact_rows.append(np.full(g_count, full))
        upper, _, _ = _knapsack(tables, d)
        for s in range(1, d + 1):
            if exact_rows[s].all():
                continue
            threshold = margin[open_] - upper[d - s, open_] - FLIP_TOLERANCE
            need = ~exact_rows[s] & (tables[s][:, open_] > threshold[None, :]).any(axis=1)
            if need.sum() * _combination_count(k_count, s) > FLIP_CANDIDATE_BUDGET:
                return found, reached
            rows = np.flatnonzero(need)
            if rows.size:
                tables[s][rows], choices[s][rows] = _best_at_depth(p, s, rows)
                exact_rows[s][rows] = True
        reached = d
        f, useful, picks = _knapsack(tables, d)
        for c in open_:
            if not f[d, c] > margin[c] + FLIP_TOLERANCE:
                continue
            b = d
            changed: dict[tuple[int, int], int] = {}
            for n in range(len(useful) - 1, -1, -1):
                s = int(picks[n, b, c])
                if s:
                    g = int(useful[n])
                    row = int(choices[s][g, c])
                    if not exact_rows[s][g] or row < 0:  # cannot happen (see above): a bound is never chosen
                        changed = {}
                        break
                    cells, offsets = _step_combinations(k_count, s)
                    for cell, off in zip(cells[row], offsets[row], strict=True):
                        changed[(g, int(cell))] = int(off)
                    b -= s
            total = verify.check(changed) if changed else None
            if total is not None:
                found[c] = (sum(abs(o) for o in changed.values()), changed, total)
        open_ = [c for c in open_ if c not in found]
        if not open_:
            break
    return found, reached


class _Greedy:
    """Upper bounds beyond the exact search: each round, the single step that raises a challenger's margin most."""

    def __init__(self, p: _Problem, verify: _Verifier) -> None:
        self.p, self.verify = p, verify
        g_count, k_count = p.compiled.lam.shape
        self.first = self._candidates(np.arange(g_count), p.compiled.lam, p.base, np.zeros((g_count, k_count),
                                                                                            dtype=np.int64))

    def _candidates(self, gs: IntArray, lam: FloatArray, current: FloatArray,
                    offset: IntArray) -> tuple[FloatArray, IntArray, IntArray]:
        """Gains of every single step of the events ``gs`` from the current state: (gain (n, 2K, K), cell, sign)."""
        k_count = lam.shape[1]
        cell = np.tile(np.repeat(np.arange(k_count), 2), len(gs))
        sign = np.tile(np.array([-1, 1] * k_count), len(gs))
        ev = np.repeat(gs, 2 * k_count)
        new = offset[ev, cell] + sign
        inside = np.abs(new) <= _MAX_RUNG
        vals = np.full(len(ev), np.nan)
        vals[inside] = self.p.ladder.values[ev[inside], cell[inside], _MAX_RUNG + new[inside]]
        ok = ~np.isnan(vals)
        rows = lam[ev].copy()
        rows[np.arange(len(ev)), cell] = np.where(ok, vals, rows[np.arange(len(ev)), cell])
        gain = np.where(ok[:, None], self.p.gains(ev, rows, current[ev]), -np.inf)
        return gain.reshape(len(gs), 2 * k_count, k_count), cell[: 2 * k_count], sign[: 2 * k_count]

    def run(self, c: int) -> tuple[int, dict[tuple[int, int], int], FloatArray] | None:
        """The greedy path for challenger ``c`` until it overtakes the leader, or None."""
        p = self.p
        g_count, k_count = p.compiled.lam.shape
        margin = p.total[p.leader] - p.total[c]
        lam = np.array(p.compiled.lam, copy=True)
        current = p.base.copy()
        offset = np.zeros((g_count, k_count), dtype=np.int64)
        gain, cell, sign = self.first
        column = gain[:, :, c]
        pick = np.argmax(column, axis=1)
        best = column[np.arange(g_count), pick]
        for _ in range(GREEDY_ROUNDS if g_count else 0):
            g = int(np.argmax(best))
            if not best[g] > 1e-12:
                return None
            k, step = int(cell[pick[g]]), int(sign[pick[g]])
            offset[g, k] += step
            lam[g, k] = p.ladder.values[g, k, _MAX_RUNG + offset[g, k]]
            margin -= best[g]
            gs = np.array([g])
            current[g] = p.rows(gs, lam[gs])[0]
            if margin < -FLIP_TOLERANCE:
                changed = {(int(a), int(b)): int(offset[a, b]) for a, b in zip(*np.nonzero(offset), strict=True)}
                total = self.verify.check(changed)
                if total is not None:
                    return sum(abs(o) for o in changed.values()), changed, total
            again = self._candidates(gs, lam, current, offset)[0][0, :, c]
            pick[g] = int(np.argmax(again))
            best[g] = again[pick[g]]
        return None


def flip_distance_of(compiled: CompiledSet, ladder: JudgmentLadder, depth: int | None = None) -> FlipDistance:
    """The flip distance of a compiled set, given each cell's steps (see the module notes).

    Parameters
    ----------
    compiled : CompiledSet
    ladder : JudgmentLadder
        From :func:`judgment_ladder`.
    depth : int, optional
        Exact search depth (default :data:`FLIP_SEARCH_DEPTH`; the search stops earlier when even the events
        its bounds leave exceed :data:`FLIP_CANDIDATE_BUDGET`).

    Returns
    -------
    FlipDistance
        Its ``depth`` is the depth the exact search reached.

    Examples
    --------
    >>> import tempfile
    >>> from plausible.testing import synthetic_workspace
    >>> from plausible.workspace import load_workspace
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ws = load_workspace(synthetic_workspace(d, 3, n_items=4))
    ...     c = ws.compiled("question")
    ...     ladder = judgment_ladder(c, ws.items_for("question"), ws.hypothesis_set("question").model)
    >>> result = flip_distance_of(c, ladder, depth=2)
    >>> result.depth, result.smallest.new_leader != result.leader, result.smallest.exact
    (2, True, True)
    """
    p = _problem(compiled, ladder)
    k_count = compiled.lam.shape[1]
    depth = FLIP_SEARCH_DEPTH if depth is None else depth
    verify = _Verifier(p)
    found, depth = _exact(p, depth, verify)
    hids = compiled.hypothesis_ids
    flips = []
    greedy: _Greedy | None = None
    for c in range(k_count):
        if c == p.leader:
            continue
        result = found.get(c)
        exact = result is not None
        if result is None:
            greedy = _Greedy(p, verify) if greedy is None else greedy
            result = greedy.run(c)
        if result is None:
            flips.append(Flip(hids[c], None, False, None, (), None))
            continue
        steps, changed, total = result
        flips.append(Flip(hids[c], steps, exact, hids[int(np.argmax(total))], _changes(p, changed), softmax(total)))
    ranked = sorted(flips, key=lambda f: (f.steps is None, f.steps or 0, not f.exact, -p.total[hids.index(f.target)]))
    none = Flip("", None, False, None, (), None)
    smallest = ranked[0] if ranked and ranked[0].steps is not None else none
    challengers = tuple(sorted(flips, key=lambda f: -p.total[hids.index(f.target)]))
    return FlipDistance(hids, hids[p.leader], smallest, challengers, depth)


def flip_distance(ws: Workspace, set_id: str, depth: int | None = None) -> FlipDistance:
    """The smallest number of judgment steps that changes a set's leading hypothesis (exact engine).

    With several analysts a step moves one analyst's judgment and the cell is pooled again (module notes); on
    one analyst's view (:meth:`Workspace.view_of`) the cells step as they stand there.

    Parameters
    ----------
    ws : Workspace
    set_id : str
    depth : int, optional
        Exact search depth (default :data:`FLIP_SEARCH_DEPTH`).

    Returns
    -------
    FlipDistance
        The smallest flip, and for each other hypothesis the fewest steps that put it above the leader.

    Examples
    --------
    The example workspace of ``plausible init``:

    >>> from importlib import resources
    >>> from plausible.workspace import load_workspace
    >>> result = flip_distance(load_workspace(str(resources.files("plausible.data") / "example")), "plant-outage")
    >>> result.leader, result.smallest.steps, result.smallest.exact, result.smallest.new_leader
    ('cyber-attack', 1, True, 'equipment-failure')
    """
    compiled = ws.compiled(set_id)
    weights = None if ws.viewed_by is not None else {a: entry.weight for a, entry in ws.analysts.items()}
    ladder = judgment_ladder(compiled, ws.items_for(set_id), ws.hypothesis_set(set_id).model, weights)
    return flip_distance_of(compiled, ladder, depth)


@dataclass(frozen=True)
class LeaderStability:
    """Each hypothesis' share of the imprecision draws in which it leads, and its probability's interval."""

    hypothesis_ids: tuple[str, ...]
    share: FloatArray
    interval: FloatArray
    """Shape (K, 2): the central ``level`` interval of each hypothesis' probability over the draws."""
    draws: int
    seed: int
    level: float
    imprecise: bool
    """Whether anything was drawn (a banded judgment or a Beta-graded source)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"share": {h: x}, "interval": {h: [low, high]}, "draws", "seed", "level"}``."""
        return {"share": {h: float(s) for h, s in zip(self.hypothesis_ids, self.share, strict=True)},
                "interval": {h: [float(lo), float(hi)] for h, (lo, hi) in zip(self.hypothesis_ids, self.interval,
                                                                             strict=True)},
                "draws": self.draws, "seed": self.seed, "level": self.level}


def leader_stability(compiled: CompiledSet, draws: int | None = None, seed: int = STABILITY_SEED,
                     level: float = STABILITY_LEVEL) -> LeaderStability:
    """How often each hypothesis leads when judgments and reliabilities vary as the analyst stated.

    Parameters
    ----------
    compiled : CompiledSet
    draws : int, optional
        Number of draws of (λ, ρ) (default :data:`STABILITY_DRAWS`, fewer for very large sets).
    seed : int
        Seed of the generator (the same seed gives the same result).
    level : float
        Mass of the central interval of each probability.

    Returns
    -------
    LeaderStability
        Per hypothesis, the share of the draws it leads and the interval of its probability.

    Examples
    --------
    >>> from plausible.testing import synthetic_compiled
    >>> result = leader_stability(synthetic_compiled(1, n_hypotheses=3, n_items=20, n_sources=3), draws=500)
    >>> round(float(result.share.sum()), 9), result.interval.shape
    (1.0, (3, 2))
    """
    events = _Events(compiled)
    rng = np.random.default_rng(seed)
    banded = ~np.isnan(compiled.lam_alpha)
    graded = ~np.isnan(compiled.rho_alpha)
    if draws is None:
        variates = int(banded.sum() + graded.sum())
        draws = max(STABILITY_MIN_DRAWS, min(STABILITY_DRAWS, STABILITY_VARIATES // max(variates, 1)))
    k_count = len(compiled.prior)
    g_count = compiled.lam.shape[0]
    log_prior = np.log(compiled.prior)
    chunk = max(1, _DRAW_CHUNK // max(1, g_count * k_count))
    probability = np.empty((draws, k_count))
    for start in range(0, draws, chunk):
        t = min(chunk, draws - start)
        lam = np.broadcast_to(compiled.lam, (t, *compiled.lam.shape)).copy()
        if banded.any():
            lam[:, banded] = rng.beta(compiled.lam_alpha[banded], compiled.lam_beta[banded],
                                      size=(t, int(banded.sum())))
            lam = np.clip(lam, 1e-12, 1.0 - 1e-12)
            if compiled.lam_na.any():
                lam = fill_not_applicable(lam, compiled.lam_na, compiled.prior)
        rho = np.broadcast_to(compiled.rho, (t, len(compiled.rho))).copy()
        if graded.any():
            rho[:, graded] = rng.beta(compiled.rho_alpha[graded], compiled.rho_beta[graded],
                                      size=(t, int(graded.sum())))
        ll = event_log_likelihood(lam, lam @ compiled.prior, events.reliability(rho), events.present)
        probability[start:start + t] = softmax(log_prior + ll.sum(axis=1))
    share = np.bincount(np.argmax(probability, axis=1), minlength=k_count) / max(draws, 1)
    tail = (1.0 - level) / 2.0
    interval = np.quantile(probability, [tail, 1.0 - tail], axis=0).T
    return LeaderStability(compiled.hypothesis_ids, share, interval, draws, seed, level,
                           bool(banded.any() or graded.any()))
