"""``plausible analyze``: the analyst's diagnostics for one set, as one result object."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.analysis.ach import AchMatrix, ach_matrix
from plausible.analysis.double_counting import DoubleCount, double_counting
from plausible.analysis.fragility import FlipDistance, LeaderStability, flip_distance, leader_stability
from plausible.analysis.indicators import IndicatorValue, indicator_values
from plausible.analysis.sensitivity import Sensitivity, sensitivity
from plausible.engines.exact import exact_posterior
from plausible.engines.posterior import DECIBANS_PER_NAT, Posterior

if TYPE_CHECKING:
    import pandas as pd

    from plausible.workspace import Workspace

__all__ = ["Analysis", "analyze", "diagnosticity"]


def diagnosticity(
    increments: NDArray[np.float64], prior: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""How well each item separates the hypotheses.

    Returns the largest pairwise log-likelihood ratio (decibans) and the expected information (bits):
    the mutual information between the hypothesis (at its prior) and whether the report is received,
    with :math:`P(\text{report}_j \mid H_k) = e^{\ell_{jk}}` (for a report of a corroborated event, its
    probability given the event's earlier reports).

    Examples
    --------
    >>> spread, info = diagnosticity(np.log([[0.5, 0.5], [0.9, 0.1]]), np.array([0.5, 0.5]))
    >>> spread.round(2).tolist(), info.round(3).tolist()
    ([0.0, 9.54], [0.0, 0.531])
    """
    spread = (increments.max(axis=1) - increments.min(axis=1)) * DECIBANS_PER_NAT
    p = np.clip(np.exp(increments), 1e-300, 1.0)
    mean = p @ prior

    def entropy(q: NDArray[np.float64]) -> NDArray[np.float64]:
        q = np.clip(q, 1e-300, 1.0)
        r = np.clip(1.0 - q, 1e-300, 1.0)
        out: NDArray[np.float64] = -(q * np.log2(q) + r * np.log2(r))
        return out

    info: NDArray[np.float64] = np.maximum(entropy(mean) - entropy(p) @ prior, 0.0)
    return spread, info


@dataclass(frozen=True)
class Analysis:
    """Everything ``plausible analyze`` reports for one set."""

    posterior: Posterior
    spread: NDArray[np.float64]
    information: NDArray[np.float64]
    sensitivity: Sensitivity
    indicators: list[IndicatorValue]
    ach: AchMatrix
    flip: FlipDistance
    stability: LeaderStability
    double_counting: list[DoubleCount]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``plausible analyze``: weights, linchpins, indicators, ACH scores, diagnosticity, stress tests.

        Keys: ``set``, ``weights``, ``leave_one_out``, ``linchpins``, ``indicators``, ``ach``,
        and ``probabilities``, ``diagnosticity``, ``source_stress``, ``prior_sensitivity``, ``flip`` (the
        smallest change of judgments that changes the leader, and per challenger), ``leader_stability`` (each
        hypothesis' share of the imprecision draws in which it leads, and its probability's interval),
        ``double_counting`` (warnings about evidence that may be counted twice, each with its fix).
        """
        post = self.posterior
        hids = post.hypothesis_ids

        def probs(p: NDArray[np.float64]) -> dict[str, float]:
            return {h: float(v) for h, v in zip(hids, p, strict=True)}

        return {
            "set": post.set_id,
            "probabilities": probs(post.probability),
            "weights": [{"item": item, "hypothesis": h, "decibans": float(post.weights[j, k])}
                        for j, item in enumerate(post.item_ids) for k, h in enumerate(hids)],
            "diagnosticity": [{"item": item, "max_log_ratio_db": float(self.spread[j]),
                               "expected_information_bits": float(self.information[j])}
                              for j, item in enumerate(post.item_ids)],
            "leave_one_out": [{"item": item, "probabilities": probs(self.sensitivity.leave_one_out[j])}
                              for j, item in enumerate(post.item_ids)],
            "linchpins": self.sensitivity.linchpins,
            "source_stress": [{"source": s, "probabilities": probs(p)}
                              for s, p in self.sensitivity.source_stress.items()],
            "prior_sensitivity": {"given": probs(post.probability),
                                  "uniform": probs(self.sensitivity.uniform_prior)},
            "indicators": [{"id": v.id, "text": v.text, "probability": v.probability,
                            "value_of_information": v.value_of_information} for v in self.indicators],
            "ach": self.ach.to_dict(),
            "flip": self.flip.to_dict(),
            "leader_stability": self.stability.to_dict(),
            "double_counting": [w.to_dict() for w in self.double_counting],
        }

    def __repr__(self) -> str:
        post = self.posterior
        return (f"<Analysis of {post.set_id}: {len(post.item_ids)} reports, "
                f"{len(self.sensitivity.linchpins)} linchpins, {len(self.indicators)} indicators, "
                f"{len(self.double_counting)} double-counting warnings>")

    def _repr_html_(self) -> str:
        from plausible.core.notebook import html_block

        post = self.posterior
        lead = post.leading
        lines = [f"leading: {post.title(lead)} ({post.probabilities[lead]:.1%}, exact engine)",
                 f"linchpins: {', '.join(self.sensitivity.linchpins) or 'none'}",
                 f"{len(self.double_counting)} double-counting warnings; the table: each report's weight of "
                 "evidence (decibans) for each hypothesis and its diagnosticity"]
        frame = self.weights_frame()
        frame.columns = [post.title(str(c)) if c in post.hypothesis_ids else str(c) for c in frame.columns]
        return html_block(f"Analysis of {post.set_id}", lines, frame, "{:.2f}")

    def weights_frame(self) -> pd.DataFrame:
        """Items x hypotheses weights of evidence (decibans), with diagnosticity columns."""
        import pandas as pd

        frame = pd.DataFrame(self.posterior.weights, index=pd.Index(list(self.posterior.item_ids), name="item"),
                             columns=list(self.posterior.hypothesis_ids))
        frame["max_log_ratio_db"] = self.spread
        frame["expected_information_bits"] = self.information
        return frame


def analyze(ws: Workspace, set_id: str) -> Analysis:
    """Weights, diagnosticity, sensitivity, fragility, indicators and the ACH matrix of a set (exact engine).

    Parameters
    ----------
    ws : Workspace
    set_id : str

    Returns
    -------
    Analysis
    """
    hs = ws.hypothesis_set(set_id)
    items = ws.items_for(set_id)
    compiled = ws.compiled(set_id)
    post = replace(exact_posterior(compiled, ws.inputs_hash), labels=ws.labels(set_id))
    spread, info = diagnosticity(post.increments, compiled.prior)
    return Analysis(post, spread, info, sensitivity(compiled, post.probability),
                    indicator_values(hs, post.probability), ach_matrix(hs, items),
                    flip_distance(ws, set_id), leader_stability(compiled), double_counting(hs, items))
