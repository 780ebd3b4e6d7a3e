"""Several analysts: each one's bottom line, the pool, and the disagreements that move the answer.

For each item that more than one analyst judged, two numbers (see docs/model.md, "Several analysts"):

- ``spread_db``: the spread (max − min) over those analysts of the item's weight of evidence for the pooled
  leader L, ``10 log10(λ_L / λ̄)`` with λ̄ the pooled-prior-weighted mean of the other hypotheses' λ, each
  analyst's row read as in their own view (their cells where given, the others' pool elsewhere);
- ``leader_range``: the lowest and highest posterior of L when that item alone takes each analyst's row
  and every other item keeps the pool (exact engine).

Ranked by the width of ``leader_range``: the top is what to discuss first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from plausible.engines.exact import log_likelihood, softmax
from plausible.model.entities import Item
from plausible.model.pooling import view_row
from plausible.workspace import Workspace

__all__ = ["AnalystLine", "AnalystsReport", "Disagreement", "analysts_report", "judging_analysts", "rationale"]


@dataclass(frozen=True)
class AnalystLine:
    """One analyst's bottom line: the set's posterior in that analyst's view."""

    id: str
    name: str
    weight: float
    probabilities: dict[str, float]
    leader: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        return {"id": self.id, "name": self.name, "weight": self.weight, "probabilities": self.probabilities,
                "leader": self.leader}


@dataclass(frozen=True)
class Disagreement:
    """An item the analysts read differently, and what that does to the pooled leader."""

    item: str
    spread_db: float
    leader_range: tuple[float, float]
    woe_db: dict[str, float]
    """Each analyst's weight of evidence of the item for the pooled leader (dB)."""
    leader_probability: dict[str, float]
    """The pooled leader's posterior when this item alone takes each analyst's judgment."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        return {"item": self.item, "spread_db": self.spread_db, "leader_range": list(self.leader_range),
                "woe_db": self.woe_db, "leader_probability": self.leader_probability}


@dataclass(frozen=True)
class AnalystsReport:
    """Every analyst's posterior of a set, the pooled posterior, and the consequential disagreements."""

    set_id: str
    analysts: tuple[AnalystLine, ...]
    pooled: dict[str, float]
    leader: str
    disagreements: tuple[Disagreement, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``plausible analysts SET --json``."""
        return {"set": self.set_id, "analysts": [a.to_dict() for a in self.analysts], "pooled": self.pooled,
                "leader": self.leader, "disagreements": [d.to_dict() for d in self.disagreements]}


def judging_analysts(ws: Workspace, set_id: str) -> list[str]:
    """The analysts who judged an item of the set or stated their own priors for it, in id order.

    Examples
    --------
    >>> from importlib import resources
    >>> from plausible.workspace import load_workspace
    >>> judging_analysts(load_workspace(str(resources.files("plausible.data") / "example")), "plant-outage")
    ['lead', 'sam']
    """
    hs = ws.hypothesis_set(set_id)
    found = {a for a in hs.priors_by_analyst if a != "lead" or ("lead" in ws.analysts and ws.analysts["lead"].path)}
    for item in ws.items_for(set_id):
        found.update(item.judged.get(set_id, {}))
    return sorted(found)


def rationale(ws: Workspace, analyst: str, item: Item) -> str | None:
    """Why ``analyst`` reads ``item`` so: the analyst file's rationale, else the item's own if it is theirs."""
    entry = ws.analysts.get(analyst)
    if entry is not None and item.id in entry.rationales:
        return entry.rationales[item.id]
    return item.rationale if item.analyst == analyst else None


def analysts_report(ws: Workspace, set_id: str) -> AnalystsReport:
    """Each analyst's posterior, the pool, and the items ranked by consequential disagreement (exact engine).

    Examples
    --------
    >>> from importlib import resources
    >>> from plausible.workspace import load_workspace
    >>> report = analysts_report(load_workspace(str(resources.files("plausible.data") / "example")), "plant-outage")
    >>> [(a.id, a.leader) for a in report.analysts], report.leader
    ([('lead', 'cyber-attack'), ('sam', 'cyber-attack')], 'cyber-attack')
    >>> [d.item for d in report.disagreements]
    ['gazette-hmi-screens', 'forum-claim']
    """
    pooled = ws.posterior(set_id)
    hids = pooled.hypothesis_ids
    leader = pooled.leading
    lines = []
    for analyst in judging_analysts(ws, set_id):
        post = ws.view_of(analyst).posterior(set_id)
        entry = ws.analysts[analyst]
        lines.append(AnalystLine(analyst, entry.name, entry.weight,
                                 dict(zip(hids, map(float, post.probability), strict=True)), post.leading))
    return AnalystsReport(set_id, tuple(lines), dict(zip(hids, map(float, pooled.probability), strict=True)),
                          leader, tuple(_disagreements(ws, set_id, leader)))


def _disagreements(ws: Workspace, set_id: str, leader: str) -> list[Disagreement]:
    compiled = ws.compiled(set_id)
    hids = compiled.hypothesis_ids
    top = hids.index(leader)
    prior = compiled.prior
    log_prior = np.log(prior)
    weights = {a: entry.weight for a, entry in ws.analysts.items()}
    others = [k for k in range(len(hids)) if k != top]
    seen_events: set[int] = set()
    found = []
    for j, item in enumerate(ws.items_for(set_id)):
        rows = item.judged.get(set_id, {})
        event = int(compiled.event_of[j])
        if len(rows) < 2 or event in seen_events:
            continue
        seen_events.add(event)
        woe: dict[str, float] = {}
        probability: dict[str, float] = {}
        for analyst in sorted(rows):
            view = view_row(rows, weights, analyst)
            lam_row = np.array([view[h].mean if h in view else compiled.lam[event, k] for k, h in enumerate(hids)])
            lam_row = np.where(compiled.lam_na[event], compiled.lam[event], lam_row)
            rest = float(np.dot(prior[others], lam_row[others]) / prior[others].sum())
            woe[analyst] = 10.0 * math.log10(float(lam_row[top]) / rest)
            lam = compiled.lam.copy()
            lam[event] = lam_row
            probability[analyst] = float(softmax(log_likelihood(compiled, lam=lam) + log_prior)[top])
        found.append(Disagreement(item.id, max(woe.values()) - min(woe.values()),
                                  (min(probability.values()), max(probability.values())), woe, probability))
    found.sort(key=lambda d: (-(d.leader_range[1] - d.leader_range[0]), -d.spread_db, d.item))
    return found
