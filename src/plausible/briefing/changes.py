"""What changed since a previous state, and why: the biggest moves and the new reports that drove them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from plausible.briefing.record import Record, RecordedSet
from plausible.engines.posterior import Posterior

__all__ = ["MOVE_THRESHOLD", "Basis", "Changes", "Move", "compare"]

Basis = Literal["latest-day", "date", "last"]
"""What the briefing compares with: the state before the latest reporting day (default), before a given
date, or the previous ``brief -o`` run."""

MOVE_THRESHOLD = 0.01
"""A hypothesis whose probability moved less than this (one point) is not listed as a move."""

MAX_MOVES = 4
MAX_DRIVERS = 5


@dataclass(frozen=True)
class Move:
    """One hypothesis' probability before and after (``before`` is None for a hypothesis new since then)."""

    hypothesis: str
    title: str
    before: float | None
    after: float

    @property
    def change(self) -> float:
        """After minus before (the whole probability for a new hypothesis)."""
        return self.after - (self.before or 0.0)


@dataclass(frozen=True)
class Changes:
    """The "what changed" section of one set.

    ``drivers`` are the new reports, ranked by the size of their weight of evidence (decibans, from the
    current posterior) for ``driver_hypothesis``, the hypothesis that moved most.
    """

    basis: Basis
    since: dt.date | None
    available: bool
    note: str | None
    previous: RecordedSet | None
    baseline_method: str | None
    leader_before: str | None
    moves: tuple[Move, ...]
    new_items: tuple[str, ...]
    removed_items: tuple[str, ...]
    driver_hypothesis: str | None
    drivers: tuple[tuple[str, float], ...]


def _drivers(post: Posterior, new_items: tuple[str, ...], hypothesis: str | None) -> tuple[tuple[str, float], ...]:
    if hypothesis is None or not new_items:
        return ()
    k = post.hypothesis_ids.index(hypothesis)
    index = {item: j for j, item in enumerate(post.item_ids)}
    weights = [(item, float(post.weights[index[item], k])) for item in new_items if item in index]
    weights.sort(key=lambda pair: -abs(pair[1]))
    return tuple(weights[:MAX_DRIVERS])


def _moves(post: Posterior, before: dict[str, float], titles: dict[str, str]) -> tuple[Move, ...]:
    moves = [Move(h, titles.get(h, h), before.get(h), p) for h, p in post.probabilities.items()]
    moves.sort(key=lambda m: -abs(m.change))
    return tuple(m for m in moves if abs(m.change) >= MOVE_THRESHOLD - 1e-12)[:MAX_MOVES]


def compare(
    post: Posterior,
    titles: dict[str, str],
    basis: Basis,
    *,
    since: dt.date | None = None,
    baseline: Callable[[dt.date], Posterior] | None = None,
    record: Record | None = None,
) -> Changes:
    """Compare a posterior with a baseline state.

    Parameters
    ----------
    post : Posterior
        The current posterior.
    titles : dict
        Hypothesis titles by id.
    basis : {"latest-day", "date", "last"}
    since : datetime.date, optional
        For ``latest-day`` and ``date``: the baseline uses the reports dated strictly before it.
    baseline : callable, optional
        ``baseline(date)`` returns the posterior on the reports before ``date`` (the same engine).
    record : Record, optional
        For ``last``: the record of the previous briefing.

    Returns
    -------
    Changes
    """
    if basis == "last":
        return _compare_with_record(post, titles, record or Record({}, exists=False))
    assert since is not None and baseline is not None
    before = baseline(since)
    new_items = tuple(i for i in post.item_ids if i not in set(before.item_ids))
    moves = _moves(post, before.probabilities, titles)
    driver = moves[0].hypothesis if moves else None
    return Changes(basis, since, True, None, None, before.method, before.leading if before.item_ids else None,
                   moves, new_items, (), driver, _drivers(post, new_items, driver))


def _compare_with_record(post: Posterior, titles: dict[str, str], record: Record) -> Changes:
    def unavailable(note: str) -> Changes:
        return Changes("last", None, False, note, None, None, None, (), (), (), None, ())

    if not record.exists:
        return unavailable("No previous briefing is recorded in this workspace (a briefing written with -o "
                           "records its state in .plausible/last-brief.json), so there is nothing to compare with.")
    if record.problem is not None:
        return unavailable(f"The record of the previous briefing (.plausible/last-brief.json) could not be read "
                           f"({record.problem}); the next briefing written with -o replaces it.")
    previous = record.sets.get(post.set_id)
    if previous is None:
        return unavailable(f"The previous briefing did not cover the set {post.set_id}.")
    current = set(post.item_ids)
    new_items = tuple(i for i in post.item_ids if i not in set(previous.items))
    removed = tuple(i for i in previous.items if i not in current)
    moves = _moves(post, previous.probabilities, titles)
    driver = moves[0].hypothesis if moves else None
    leader_before = max(previous.probabilities, key=lambda h: previous.probabilities[h]) \
        if previous.probabilities else None
    return Changes("last", None, True, None, previous, previous.method, leader_before, moves, new_items, removed,
                   driver, _drivers(post, new_items, driver))

