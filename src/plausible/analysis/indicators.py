"""Indicators: what a future observable event would tell us, and which to collect next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from plausible.model.entities import HypothesisSet, Indicator

__all__ = [
    "IndicatorValue",
    "indicator_likelihoods",
    "indicator_probability",
    "indicator_values",
    "value_of_information",
]


def _entropy(p: NDArray[np.float64]) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def indicator_probability(probabilities: NDArray[np.float64], likelihoods: NDArray[np.float64]) -> float:
    r"""Predicted probability that the indicator's event happens: :math:`\sum_k P(H_k) P(I \mid H_k)`.

    Examples
    --------
    >>> round(indicator_probability(np.array([0.25, 0.75]), np.array([0.8, 0.2])), 12)
    0.35
    """
    return float(np.dot(probabilities, likelihoods))


def value_of_information(probabilities: NDArray[np.float64], likelihoods: NDArray[np.float64]) -> float:
    r"""Expected reduction of the set's entropy (bits) from observing whether the event happens.

    :math:`H(p) - [q H(p \mid I) + (1 - q) H(p \mid \neg I)]` with :math:`q` the indicator's predicted
    probability: the mutual information between the hypothesis and the indicator, so never negative,
    and zero when the indicator is equally likely under every hypothesis.

    Examples
    --------
    >>> value_of_information(np.array([0.5, 0.5]), np.array([0.3, 0.3]))
    0.0
    >>> round(value_of_information(np.array([0.5, 0.5]), np.array([0.99, 0.01])), 3)
    0.919
    """
    q = indicator_probability(probabilities, likelihoods)
    expected = 0.0
    for weight, lik in ((q, likelihoods), (1.0 - q, 1.0 - likelihoods)):
        if weight > 0:
            expected += weight * _entropy(probabilities * lik / weight)
    return max(_entropy(probabilities) - expected, 0.0)


@dataclass(frozen=True)
class IndicatorValue:
    """An indicator's predicted probability and value of information for the current posterior."""

    id: str
    text: str
    probability: float
    value_of_information: float


def indicator_values(hs: HypothesisSet, probabilities: NDArray[np.float64]) -> list[IndicatorValue]:
    """Every indicator of a set, most informative first ("what to collect next")."""
    out = [
        IndicatorValue(ind.id, ind.text, indicator_probability(probabilities, indicator_likelihoods(hs, ind)),
                       value_of_information(probabilities, indicator_likelihoods(hs, ind)))
        for ind in hs.indicators
    ]
    return sorted(out, key=lambda v: -v.value_of_information)


def indicator_likelihoods(hs: HypothesisSet, indicator: Indicator) -> NDArray[np.float64]:
    """P(indicator | H_k) in the set's hypothesis order (band means; NA cells at the others' prior mean)."""
    values = np.array([indicator.likelihoods[h].mean for h in hs.hypothesis_ids], dtype=np.float64)
    na = np.array([indicator.likelihoods[h].not_applicable for h in hs.hypothesis_ids])
    if na.any() and (~na).any():
        prior = np.array([h.prior for h in hs.hypotheses])
        values[na] = np.dot(prior[~na], values[~na]) / prior[~na].sum()
    return values
