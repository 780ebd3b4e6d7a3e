"""The classic ACH view: PARC ACH 2.0's consistency matrix and (weighted) inconsistency scores.

PARC counts only inconsistency: I = 1, II = 2 (CC, C, N and NA count 0). The weighted score multiplies
each count by the item's credibility and relevance weights (Low = 1/sqrt(2), Medium = 1, High = sqrt(2)).

Sign convention (as PARC displays them): the **weighted** score is reported as a negative number (more
negative = more evidence against the hypothesis); the **unweighted** score is the positive count.
The hypothesis with the weighted score closest to 0 is the least contradicted.

Cells written as numbers or verbal terms are rated by the model's ACH band their value falls in, a shared edge
going to the less extreme rating (0.80 is C, 0.55 is N, 0.45 N, 0.20 I): a derived rating, marked as such.
A cell that several analysts judged shows their log pool (:mod:`plausible.model.pooling`), the value the
engines use, rated the same way whatever form each analyst wrote (letter, word or number): a derived
rating, marked as pooled too. A cell judged by one analyst shows that analyst's judgment. The inconsistency
scores are computed from the ratings shown.
Admiralty credibility maps to PARC's credibility as 1-2 High, 3 and 6 (or none) Medium, 4-5 Low.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from plausible.core.types import AchRating, Relevance
from plausible.model.entities import HypothesisSet, Item
from plausible.model.scales import ModelSpec

__all__ = ["AchMatrix", "ach_matrix", "inconsistency_scores", "rating_of"]

WEIGHTS = {"low": 1 / math.sqrt(2), "medium": 1.0, "high": math.sqrt(2)}
INCONSISTENCY = {"I": 1, "II": 2}


def rating_of(text: str, mean: float, spec: ModelSpec) -> tuple[str, bool]:
    """The ACH rating of a cell and whether it was derived from a number or term.

    A derived rating is the model's ACH band that holds the cell's value, by the edge rule of
    :func:`plausible.model.scales.name_band` (the one the words use: 0.80 is C, as it is "likely").

    Examples
    --------
    >>> spec = ModelSpec()
    >>> rating_of("II", 0.12, spec), rating_of("likely", 0.68, spec), rating_of("0.3", 0.3, spec)
    (('II', False), ('C', True), ('I', True))
    >>> rating_of("0.8", 0.8, spec)
    ('C', True)
    """
    if text.strip() in AchRating.__members__:
        return text.strip(), False
    return spec.rating_for(mean), True


def credibility_level(credibility: int | None) -> str:
    """PARC's credibility level for an Admiralty credibility grade."""
    if credibility in (1, 2):
        return "high"
    if credibility in (4, 5):
        return "low"
    return "medium"


def inconsistency_scores(rows: list[tuple[str, str, str]]) -> tuple[float, int]:
    """PARC's weighted and unweighted inconsistency for rows of (credibility, relevance, rating).

    Examples
    --------
    >>> w, u = inconsistency_scores([("high", "high", "II"), ("medium", "low", "I"), ("low", "low", "I"),
    ...                              ("high", "medium", "C")])
    >>> round(w, 5), u
    (-5.20711, 4)
    """
    weighted = -sum(INCONSISTENCY.get(r, 0) * WEIGHTS[c] * WEIGHTS[v] for c, v, r in rows)
    unweighted = sum(INCONSISTENCY.get(r, 0) for _, _, r in rows)
    return weighted, unweighted


@dataclass(frozen=True)
class AchMatrix:
    """Items x hypotheses ratings, with each hypothesis' inconsistency scores."""

    hypothesis_ids: tuple[str, ...]
    rows: list[dict[str, object]]
    weighted: dict[str, float]
    unweighted: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        """The ``ach`` part of ``plausible analyze --json``."""
        return {"hypotheses": list(self.hypothesis_ids), "rows": self.rows,
                "weighted_inconsistency": self.weighted, "inconsistency": self.unweighted,
                "sign_convention": "weighted is negative (PARC); unweighted is the positive count of I=1, II=2"}

    def to_csv(self) -> str:
        """The matrix as CSV: item, credibility, relevance, then one rating column per hypothesis."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["item", "credibility", "relevance", *self.hypothesis_ids])
        for row in self.rows:
            ratings = row["ratings"]
            assert isinstance(ratings, dict)
            writer.writerow([row["item"], row["credibility"], row["relevance"],
                             *(ratings[h] for h in self.hypothesis_ids)])
        writer.writerow(["weighted inconsistency", "", "", *(f"{self.weighted[h]:.5f}" for h in self.hypothesis_ids)])
        writer.writerow(["inconsistency", "", "", *(self.unweighted[h] for h in self.hypothesis_ids)])
        return buffer.getvalue()


def ach_matrix(hs: HypothesisSet, items: list[Item]) -> AchMatrix:
    """The ACH matrix of the items bearing on a set, each cell read as the engines read it.

    Each row lists its ``ratings`` by hypothesis, the hypotheses whose rating is ``derived`` from a number, a
    verbal term or a pool, and those whose cell is ``pooled`` from several analysts' judgments.
    """
    rows: list[dict[str, object]] = []
    per_hypothesis: dict[str, list[tuple[str, str, str]]] = {h: [] for h in hs.hypothesis_ids}
    for item in items:
        cred = credibility_level(item.credibility)
        rel = (item.relevance or Relevance.MEDIUM).value
        ratings, derived, pooled = {}, [], []
        for h in hs.hypothesis_ids:
            judgment = item.likelihoods[hs.id][h]
            if judgment.pooled:
                rating, was_derived = hs.model.rating_for(judgment.mean), True
                pooled.append(h)
            else:  # the one analyst's judgment: its own text (the item's text is the lead's, who may say NA)
                rating, was_derived = rating_of(judgment.label or item.ratings[hs.id][h], judgment.mean, hs.model)
            ratings[h] = rating
            if was_derived:
                derived.append(h)
            per_hypothesis[h].append((cred, rel, rating))
        rows.append({"item": item.id, "credibility": cred, "relevance": rel, "ratings": ratings, "derived": derived,
                     "pooled": pooled})
    weighted, unweighted = {}, {}
    for h, cells in per_hypothesis.items():
        weighted[h], unweighted[h] = inconsistency_scores(cells)
    return AchMatrix(hs.hypothesis_ids, rows, weighted, unweighted)
