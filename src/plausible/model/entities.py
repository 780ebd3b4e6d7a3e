"""The typed, cross-checked things a workspace holds: hypotheses, sources, evidence items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from plausible.core.types import Relevance
from plausible.model.scales import Judgment, ModelSpec, Reliability

__all__ = ["Analyst", "Hypothesis", "HypothesisSet", "Indicator", "Item", "Source", "items_as_of",
           "reported_after_today"]


@dataclass(frozen=True)
class Analyst:
    """One analyst: the judgments are on the items (``Item.judged``), the priors on the sets."""

    id: str
    name: str
    weight: float = 1.0
    role: str | None = None
    path: str | None = None
    """The analyst's file, or None for the lead without one."""
    rationales: dict[str, str] = field(default_factory=dict)
    """Why the analyst reads an item so, by item id."""


@dataclass(frozen=True)
class Hypothesis:
    """One answer to a set's question, with its normalised prior."""

    id: str
    title: str
    prior: float
    description: str | None = None
    catch_all: bool = False
    rationale: str | None = None
    """Why this prior (as written)."""


@dataclass(frozen=True)
class Indicator:
    """A future event and its likelihood under each hypothesis."""

    id: str
    text: str
    likelihoods: dict[str, Judgment]


@dataclass(frozen=True)
class HypothesisSet:
    """A question with mutually exclusive answers, and the model that scores evidence for it."""

    id: str
    question: str
    hypotheses: tuple[Hypothesis, ...]
    model: ModelSpec
    path: str
    indicators: tuple[Indicator, ...] = ()
    exhaustive: bool = False
    description: str | None = None
    priors_by_analyst: dict[str, tuple[float, ...]] = field(default_factory=dict)
    """Each analyst's normalised priors (the hypothesis file's are the lead's); the hypotheses hold their pool."""

    @property
    def hypothesis_ids(self) -> tuple[str, ...]:
        """The hypotheses' ids, in file order."""
        return tuple(h.id for h in self.hypotheses)


@dataclass(frozen=True)
class Source:
    """A source of reports and its prior reliability."""

    id: str
    name: str
    reliability: Reliability
    kind: str | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class Item:
    """One report, placed in the workspace's trajectory order.

    ``likelihoods`` holds the resolved judgments per set, including those an item inherits from the
    other reports of its origin; ``ratings`` keeps the text the analyst wrote (for the ACH matrix).
    """

    id: str
    summary: str
    source: str
    reported: dt.date
    path: str
    line: int | None
    observed: dt.date | None = None
    credibility: int | None = None
    origin: str | None = None
    relevance: Relevance | None = None
    quote: str | None = None
    url: str | None = None
    rationale: str | None = None
    supersedes: tuple[str, ...] = ()
    likelihoods: dict[str, dict[str, Judgment]] = field(default_factory=dict)
    ratings: dict[str, dict[str, str]] = field(default_factory=dict)
    independent_of: tuple[str, ...] = ()
    """Items of the same source reviewed as independent reports (no double-counting warning for the pair)."""
    analyst: str = "lead"
    """Who judged the likelihoods written in the item (its or its file's ``analyst:`` key)."""
    judged: dict[str, dict[str, dict[str, Judgment]]] = field(default_factory=dict)
    """Each analyst's judgments per set: ``{set: {analyst: {hypothesis: judgment}}}``; ``likelihoods`` is their pool."""
    document: str | None = None
    """The report the quote is taken from when it is not the case's seed text (title, publisher, date)."""

    @property
    def event(self) -> str:
        """The underlying event: the origin when given, else the item itself."""
        return self.origin if self.origin is not None else f"item:{self.id}"


def items_as_of(items: list[Item], day: dt.date | None = None) -> list[Item]:
    """The items an analyst had on ``day``: reported on or before it, less those its corrections supersede.

    ``items`` are every item ever written, superseded ones included, in trajectory order. A correction
    reported after ``day`` does not yet apply, so the item it corrects still counts. Without ``day``: every
    item less those any correction supersedes (the workspace as it stands).

    Examples
    --------
    >>> first = Item("a", "A", "s", dt.date(2015, 6, 1), "e.yaml", 1)
    >>> fixed = Item("b", "B", "s", dt.date(2015, 6, 9), "f.yaml", 1, supersedes=("a",))
    >>> [i.id for i in items_as_of([first, fixed], dt.date(2015, 6, 5))]
    ['a']
    >>> [i.id for i in items_as_of([first, fixed])]
    ['b']
    """
    known = items if day is None else [item for item in items if item.reported <= day]
    superseded = {target for item in known for target in item.supersedes}
    return [item for item in known if item.id not in superseded]


def reported_after_today(item_id: str, reported: dt.date, today: dt.date) -> str:
    """The message for an item reported after today: a typo, or an expected event that is no evidence yet.

    An event's own date goes in ``observed``, which comes before ``reported`` (an event is reported after it
    happens), so the advice does not send a future date there.

    Examples
    --------
    >>> reported_after_today("a", dt.date(2026, 12, 25), dt.date(2026, 1, 1))[:60]
    "item 'a' is reported on 2026-12-25, after today (2026-01-01)"
    """
    return (f"item {item_id!r} is reported on {reported}, after today ({today}); evidence must have been "
            "reported already: correct the date if it is a typo, and for an event you expect, add an indicator "
            "to the hypothesis set (`indicators:`) and record an item once the event is reported")
