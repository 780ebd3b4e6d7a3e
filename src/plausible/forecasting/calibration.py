r"""Calibration of probability forecasts of binary events: Murphy's decomposition and a calibration table.

For N forecasts :math:`f_i` of binary outcomes :math:`o_i`, grouped into K groups of :math:`n_k` forecasts with
mean forecast :math:`\bar f_k` and observed frequency :math:`\bar o_k`, and overall frequency :math:`\bar o`:

.. math::

    \mathrm{BS} = \frac1N \sum_i (f_i - o_i)^2
      = \underbrace{\frac1N \sum_k n_k (\bar f_k - \bar o_k)^2}_{\text{reliability}}
      - \underbrace{\frac1N \sum_k n_k (\bar o_k - \bar o)^2}_{\text{resolution}}
      + \underbrace{\bar o (1 - \bar o)}_{\text{uncertainty}}
      + \underbrace{\frac1N \sum_k \sum_{i \in k} (f_i - \bar f_k)^2}_{\text{within-bin variance}}
      - \underbrace{\frac2N \sum_k \sum_{i \in k} (f_i - \bar f_k)(o_i - \bar o_k)}_{\text{within-bin covariance}}

(Murphy 1973; the two within-bin terms from Stephenson, Coelho and Jolliffe 2008, *Weather and Forecasting*
23, 752–757). Grouped by distinct forecast values the within-bin terms vanish and the three-term decomposition
is exact; grouped into probability bins, all five terms make it exact. BS here is the half-Brier (0–1) per
binary event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["CalibrationRow", "MurphyDecomposition", "binary_events", "calibration_table", "murphy_decomposition"]


@dataclass(frozen=True)
class MurphyDecomposition:
    """The terms of the Brier score's decomposition.

    ``brier = reliability - resolution + uncertainty + within_bin_variance - within_bin_covariance`` holds
    exactly. ``bins`` is None when forecasts are grouped by their distinct values (the within-bin terms are then 0).
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float = 0.0
    within_bin_covariance: float = 0.0
    bins: int | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        """The terms by name (JSON-ready)."""
        return {"brier": self.brier, "reliability": self.reliability, "resolution": self.resolution,
                "uncertainty": self.uncertainty, "within_bin_variance": self.within_bin_variance,
                "within_bin_covariance": self.within_bin_covariance, "bins": self.bins}


@dataclass(frozen=True)
class CalibrationRow:
    """One bin of a calibration table (reliability diagram data)."""

    lower: float
    upper: float
    mean_forecast: float
    observed_frequency: float
    count: int

    def to_dict(self) -> dict[str, float | int | list[float]]:
        """The row as JSON-ready data."""
        return {"bin": [self.lower, self.upper], "mean_forecast": self.mean_forecast,
                "observed_frequency": self.observed_frequency, "count": self.count}


def murphy_decomposition(forecasts: ArrayLike, outcomes: ArrayLike, bins: int | None = None) -> MurphyDecomposition:
    """Murphy's decomposition of the half-Brier score, exact or binned.

    Parameters
    ----------
    forecasts : array_like, shape (N,)
        Probabilities of the event, in [0, 1].
    outcomes : array_like of {0, 1}, shape (N,)
    bins : int, optional
        Group into this many equal-width bins of [0, 1] (the last bin includes 1) and add the two
        within-bin terms. Default: group by distinct forecast values (exact, no within-bin terms).

    Returns
    -------
    MurphyDecomposition

    Examples
    --------
    Forecasts 0.1, 0.5 and 0.9, four times each:

    >>> f = np.repeat([0.1, 0.5, 0.9], 4)
    >>> o = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0]
    >>> d = murphy_decomposition(f, o)
    >>> [round(x, 6) for x in (d.brier, d.reliability, d.resolution, d.uncertainty)]
    [0.223333, 0.015, 0.041667, 0.25]
    """
    f, o = _checked(forecasts, outcomes)
    if bins is None:
        _, groups = np.unique(f, return_inverse=True)
    else:
        if bins < 1:
            raise ValueError(f"bins must be a positive integer, got {bins}")
        groups = _bin_index(f, bins)
    return _decompose(f, o, groups.astype(np.intp), bins)


def calibration_table(forecasts: ArrayLike, outcomes: ArrayLike, bins: int = 10) -> list[CalibrationRow]:
    """Mean forecast, observed frequency and count in each non-empty equal-width bin of [0, 1].

    Examples
    --------
    >>> rows = calibration_table([0.1, 0.12, 0.9], [0, 1, 1], bins=5)
    >>> [(r.lower, r.upper, round(r.mean_forecast, 3), r.observed_frequency, r.count) for r in rows]
    [(0.0, 0.2, 0.11, 0.5, 2), (0.8, 1.0, 0.9, 1.0, 1)]
    """
    f, o = _checked(forecasts, outcomes)
    if bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins}")
    index = _bin_index(f, bins)
    rows = []
    for k in range(bins):
        members = index == k
        count = int(members.sum())
        if count:
            rows.append(CalibrationRow(round(k / bins, 12), round((k + 1) / bins, 12), float(f[members].mean()),
                                       float(o[members].mean()), count))
    return rows


def binary_events(probabilities: NDArray[np.float64], outcome: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One forecast over K options as K binary events "option k happens" (one-vs-rest).

    Their half-Brier scores sum to the forecast's original Brier score. A binary question's forecast
    ``[p, 1 - p]`` is used as its one event (yes), so that binary questions are not counted twice.

    Examples
    --------
    >>> f, o = binary_events(np.array([0.2, 0.5, 0.3]), 1)
    >>> f.tolist(), o.tolist()
    ([0.2, 0.5, 0.3], [0.0, 1.0, 0.0])
    """
    if probabilities.size == 2:
        return probabilities[:1].copy(), np.array([1.0 if outcome == 0 else 0.0])
    happened = np.zeros_like(probabilities)
    happened[outcome] = 1.0
    return probabilities.copy(), happened


# --- kernels -------------------------------------------------------------------------------------------------


def _bin_index(f: NDArray[np.float64], bins: int) -> NDArray[np.intp]:
    out: NDArray[np.intp] = np.minimum((f * bins).astype(np.intp), bins - 1)
    return out


def _decompose(f: NDArray[np.float64], o: NDArray[np.float64], groups: NDArray[np.intp],
               bins: int | None) -> MurphyDecomposition:
    n = f.size
    count = np.bincount(groups).astype(np.float64)
    used = count > 0
    mean_f = np.bincount(groups, weights=f)[used] / count[used]
    mean_o = np.bincount(groups, weights=o)[used] / count[used]
    count = count[used]
    compact = np.cumsum(used) - 1  # group number -> position among non-empty groups
    g = compact[groups]
    base = o.mean()
    reliability = float((count * (mean_f - mean_o) ** 2).sum() / n)
    resolution = float((count * (mean_o - base) ** 2).sum() / n)
    within_variance = float(((f - mean_f[g]) ** 2).sum() / n)
    within_covariance = float(2.0 * ((f - mean_f[g]) * (o - mean_o[g])).sum() / n)
    return MurphyDecomposition(float(((f - o) ** 2).mean()), reliability, resolution, float(base * (1.0 - base)),
                               within_variance, within_covariance, bins)


def _checked(forecasts: ArrayLike, outcomes: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    f = np.asarray(forecasts, dtype=np.float64)
    o = np.asarray(outcomes, dtype=np.float64)
    if f.ndim != 1 or f.shape != o.shape or f.size == 0:
        raise ValueError(f"expected two non-empty vectors of one length, got shapes {f.shape} and {o.shape}")
    if np.any((f < 0) | (f > 1)) or not np.all((o == 0) | (o == 1)):
        raise ValueError("forecasts must lie in [0, 1] and outcomes be 0 or 1")
    return f, o
