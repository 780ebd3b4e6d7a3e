"""The scoring rules' arithmetic, on arrays already checked: the kernels under :mod:`plausible.forecasting.scores`.

``p`` is an (N, K) array of forecasts whose rows sum to 1, ``o`` the (N,) option indices that happened. The
checked functions of :mod:`~plausible.forecasting.scores` validate and call these; code that has validated its
input itself (the exercise scorer) calls them directly.

>>> import numpy as np
>>> brier(np.array([[0.1, 0.9]]), np.array([1])).round(6).tolist()
[0.02]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["PROBABILITY_FLOOR", "brier", "log", "rps", "standing"]

PROBABILITY_FLOOR = 1e-15
"""The log score clips probabilities to [PROBABILITY_FLOOR, 1] before taking the log."""


def brier(p: NDArray[np.float64], o: NDArray[np.intp]) -> NDArray[np.float64]:
    r"""Brier's multi-category score :math:`\sum_k (p_k - o_k)^2` of each row; ``o`` the index that happened."""
    onehot = np.zeros_like(p)
    onehot[np.arange(p.shape[0]), o] = 1.0
    out: NDArray[np.float64] = ((p - onehot) ** 2).sum(axis=1)
    return out


def log(p: NDArray[np.float64], o: NDArray[np.intp]) -> NDArray[np.float64]:
    r"""The log score :math:`-\ln \max(p_o, \text{floor})` of each row, in nats."""
    chosen = np.clip(p[np.arange(p.shape[0]), o], PROBABILITY_FLOOR, 1.0)
    out: NDArray[np.float64] = -np.log(chosen)
    return out


def rps(p: NDArray[np.float64], o: NDArray[np.intp]) -> NDArray[np.float64]:
    """The unnormalised ranked probability score of each row (options in scale order)."""
    cumulative = np.cumsum(p, axis=1)[:, :-1]
    observed = (np.arange(p.shape[1] - 1)[None, :] >= o[:, None]).astype(np.float64)
    out: NDArray[np.float64] = ((cumulative - observed) ** 2).sum(axis=1)
    return out


def standing(days: NDArray[np.int64], last: int) -> NDArray[np.int64]:
    """Days each forecast made on ordinal day ``days[i]`` stands until ordinal day ``last`` inclusive."""
    until = np.minimum(np.append(days[1:], last + 1), last + 1)
    out: NDArray[np.int64] = np.clip(until - days, 0, None)
    return out
