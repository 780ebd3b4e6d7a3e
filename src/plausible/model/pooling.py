"""Pooling several analysts' judgments: the weighted geometric mean per cell (a logarithmic pool).

A cell is one likelihood P(item | hypothesis) or one prior. Each analyst who judged it contributes the point
value of the judgment (a number as written, a band at its Beta mean) with the analyst's weight; an ``NA`` is
no judgment. One analyst's judgment passes through untouched (the same object), so a workspace with one
analyst computes exactly what it did before analysts existed. See docs/model.md, "Several analysts".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from plausible.model.scales import Judgment

__all__ = ["pool_judgments", "pool_priors", "pool_row", "view_row"]

Row = Mapping[str, Judgment]
"""One analyst's judgments of one item for one set, by hypothesis."""


def pool_judgments(judgments: Mapping[str, Judgment], weights: Mapping[str, float]) -> Judgment | None:
    """The log pool of one cell judged by several analysts (None when nobody judged it).

    Parameters
    ----------
    judgments : mapping
        Analyst id to that analyst's judgment of the cell.
    weights : mapping
        Analyst id to weight (missing analysts weigh 1).

    Returns
    -------
    Judgment or None
        The only judgment when one analyst judged the cell; else a point at
        ``exp(sum_a w_a ln lambda_a / sum_a w_a)`` over the analysts who did not say NA, marked ``pooled``; an
        NA when all said NA.

    Examples
    --------
    >>> a, b = Judgment(0.8, label="0.8"), Judgment(0.2, label="0.2")
    >>> round(pool_judgments({"a": a, "b": b}, {}).mean, 12)
    0.4
    >>> round(pool_judgments({"a": a, "b": b}, {"a": 3.0}).mean, 12)  # (0.8^3 * 0.2)^(1/4)
    0.565685424949
    >>> pool_judgments({"a": a}, {}) is a
    True
    """
    given = {a: j for a, j in judgments.items() if not j.not_applicable}
    if not given:
        return next(iter(judgments.values()), None)
    if len(given) == 1:
        return next(iter(given.values()))
    total = 0.0
    weight = 0.0
    for analyst in sorted(given):  # a fixed order: the pool does not depend on the order of the files
        w = weights.get(analyst, 1.0)
        total += w * math.log(given[analyst].mean)
        weight += w
    return Judgment(math.exp(total / weight), label="pooled", pooled=True)


def pool_row(rows: Mapping[str, Row], weights: Mapping[str, float]) -> dict[str, Judgment]:
    """The log pool of one item's judgments for one set, cell by cell; cells nobody judged are left out.

    Examples
    --------
    >>> rows = {"a": {"x": Judgment(0.9), "y": Judgment(0.1)}, "b": {"x": Judgment(0.4)}}
    >>> {h: round(j.mean, 12) for h, j in pool_row(rows, {}).items()}
    {'x': 0.6, 'y': 0.1}
    """
    cells: dict[str, dict[str, Judgment]] = {}
    for analyst, row in rows.items():
        for hid, judgment in row.items():
            cells.setdefault(hid, {})[analyst] = judgment
    pooled = {hid: pool_judgments(given, weights) for hid, given in cells.items()}
    return {hid: j for hid, j in pooled.items() if j is not None}


def view_row(rows: Mapping[str, Row], weights: Mapping[str, float], analyst: str) -> dict[str, Judgment]:
    """One analyst's view of an item: that analyst's judgments where given (not NA), the others' pool elsewhere.

    A cell the analyst rated NA and nobody else judged stays NA (it has to be in the row, as every cell is).

    Examples
    --------
    >>> rows = {"a": {"x": Judgment(0.9), "y": Judgment(0.1)}, "b": {"x": Judgment(0.4)}}
    >>> {h: round(j.mean, 12) for h, j in view_row(rows, {}, "b").items()}
    {'x': 0.4, 'y': 0.1}
    >>> alone = {"a": {"x": Judgment(0.9), "y": Judgment(0.5, not_applicable=True)}}
    >>> {h: j.not_applicable for h, j in view_row(alone, {}, "a").items()}
    {'x': False, 'y': True}
    """
    own_row = rows.get(analyst, {})
    own = {hid: j for hid, j in own_row.items() if not j.not_applicable}
    others = pool_row({a: row for a, row in rows.items() if a != analyst}, weights)
    return {**own_row, **others, **own}


def pool_priors(priors: Mapping[str, Sequence[float]], weights: Mapping[str, float]) -> tuple[float, ...]:
    """The normalised log pool of several analysts' normalised priors of one set.

    Examples
    --------
    >>> [round(p, 12) for p in pool_priors({"a": (0.8, 0.2), "b": (0.2, 0.8)}, {})]
    [0.5, 0.5]
    >>> pool_priors({"lead": (0.7, 0.3)}, {})
    (0.7, 0.3)
    """
    if len(priors) == 1:
        return tuple(next(iter(priors.values())))
    analysts = sorted(priors)
    weight = sum(weights.get(a, 1.0) for a in analysts)
    size = len(priors[analysts[0]])
    logs = [sum(weights.get(a, 1.0) * math.log(priors[a][k]) for a in analysts) / weight for k in range(size)]
    top = max(logs)
    raw = [math.exp(v - top) for v in logs]
    total = sum(raw)
    return tuple(v / total for v in raw)
