"""Evidence that may be counted twice: warnings of ``analyze`` (not validation errors), each with its fix.

Two reports of one event count once only when they share an ``origin`` (docs/model.md); two items that
report one event without it count as two independent confirmations. The checks here flag likely cases:

- two items of the **same source** with the **same observed date** (only when both give one), or whose
  **quotes share** :data:`SHARED_WORDS` or more consecutive words, and which are not in one origin group,
  unless one lists the other in ``independent_of`` (the analyst reviewed the pair);
- a hypothesis' **prior rationale** that names an evidence item or quotes one (:data:`SHARED_WORDS` words of its
  quote): the evidence then counts once in the prior and again as an item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from plausible.model.entities import HypothesisSet, Item

__all__ = ["SHARED_WORDS", "DoubleCount", "double_counting", "shared_run"]

SHARED_WORDS = 8
"""Quotes sharing this many consecutive words are taken to be one text."""

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class DoubleCount:
    """One warning: what may be counted twice, why, and the fix."""

    kind: str
    """``same-date``, ``shared-quote`` or ``prior-rationale``."""
    items: tuple[str, ...]
    message: str
    fix: str

    def to_dict(self) -> dict[str, object]:
        """``{"kind", "items", "message", "fix"}``."""
        return {"kind": self.kind, "items": list(self.items), "message": self.message, "fix": self.fix}


def shared_run(a: str, b: str, length: int = SHARED_WORDS) -> str | None:
    """The first run of ``length`` consecutive words two texts share (case and punctuation ignored), or None.

    Words are runs of letters, digits and apostrophes; the run returned is the first in ``a``.

    Examples
    --------
    >>> shared_run("The North is suffering a drought that could hit food production.",
    ...            "KCNA says: the north is suffering a drought that could hit food output")
    'the north is suffering a drought that could'
    >>> shared_run("one two three", "one two three") is None
    True
    """
    words_a, words_b = _WORD.findall(a.lower()), _WORD.findall(b.lower())
    runs = {tuple(words_b[i : i + length]) for i in range(len(words_b) - length + 1)}
    for i in range(len(words_a) - length + 1):
        if tuple(words_a[i : i + length]) in runs:
            return " ".join(words_a[i : i + length])
    return None


def _reviewed(a: Item, b: Item) -> bool:
    return b.id in a.independent_of or a.id in b.independent_of


def _pair_fix(a: Item, b: Item) -> str:
    return (f"if they report one event, give both `origin: <event-id>` so it counts once (corroboration needs "
            f"distinct sources); if they are independent reports, add `independent_of: [{a.id}]` to {b.id!r} "
            "(a recorded file is not edited: add the key on a correction that `supersedes` the item)")


def double_counting(hs: HypothesisSet, items: list[Item]) -> list[DoubleCount]:
    """Warnings about evidence that may be counted twice in one set.

    Parameters
    ----------
    hs : HypothesisSet
    items : list of Item
        The items bearing on the set.

    Returns
    -------
    list of DoubleCount

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2015, 6, 17)
    >>> a = Item("a", "A", "kcna", day, "e.yaml", 1, observed=day)
    >>> b = Item("b", "B", "kcna", day, "e.yaml", 5, observed=day)
    >>> from plausible.model.scales import ModelSpec
    >>> [w.kind for w in double_counting(HypothesisSet("q", "?", (), ModelSpec(), "q.yaml"), [a, b])]
    ['same-date']
    """
    out: list[DoubleCount] = []
    by_source: dict[str, list[Item]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    for source, group in by_source.items():
        for a, b in combinations(group, 2):
            if (a.origin is not None and a.origin == b.origin) or _reviewed(a, b):
                continue
            if a.observed is not None and a.observed == b.observed:
                out.append(DoubleCount(
                    "same-date", (a.id, b.id),
                    f"items {a.id!r} and {b.id!r} are both from {source!r} and observed on {a.observed}, but are not "
                    "in one origin group: the same event may be counted twice",
                    _pair_fix(a, b)))
                continue
            run = None if a.quote is None or b.quote is None else shared_run(a.quote, b.quote)
            if run is not None:
                out.append(DoubleCount(
                    "shared-quote", (a.id, b.id),
                    f"items {a.id!r} and {b.id!r} are both from {source!r} and their quotes share \"{run}\", but "
                    "they are not in one origin group: one text may be counted twice",
                    _pair_fix(a, b)))
    for h in hs.hypotheses:
        if not h.rationale:
            continue
        for item in items:
            named = re.search(rf"(?<![\w-]){re.escape(item.id)}(?![\w-])", h.rationale) is not None
            run = None if named or item.quote is None else shared_run(h.rationale, item.quote)
            if named or run is not None:
                how = "names" if named else f"quotes (\"{run}\")"
                out.append(DoubleCount(
                    "prior-rationale", (item.id,),
                    f"the prior rationale of {h.id!r} in {hs.id!r} {how} evidence item {item.id!r}: that evidence "
                    "counts in the prior and again as an item",
                    f"base the prior of {h.id!r} on what was known before the evidence (base rates, history) and "
                    f"leave {item.id!r} to its likelihoods, or drop the item if the prior already accounts for it"))
    return out
