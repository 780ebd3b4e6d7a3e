"""The result of an engine: probabilities, intervals, per-item weights of evidence, diagnostics."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from plausible.core.display import percent
from plausible.core.errors import UsageError
from plausible.core.notebook import html_block
from plausible.core.types import Method

if TYPE_CHECKING:
    import pandas as pd

    from plausible.model.scales import ModelSpec

__all__ = ["DECIBANS_PER_NAT", "AnalystNoise", "Diagnostics", "Labels", "Posterior", "SourceReliability"]

DECIBANS_PER_NAT = 10.0 / math.log(10.0)
"""One natural-log unit of evidence in decibans (10 log10)."""


@dataclass(frozen=True)
class SourceReliability:
    """A source's reliability before and after the evidence (MCMC only learns it)."""

    source: str
    prior_mean: float
    posterior_mean: float
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class AnalystNoise:
    """An analyst's noise scale learned by the MCMC engine (probit scale; see docs/model.md "Several analysts")."""

    analyst: str
    posterior_mean: float
    interval: tuple[float, float]


@dataclass(frozen=True)
class Diagnostics:
    """How far an MCMC run can be trusted: worst R-hat, smallest bulk and tail ESS, divergent transitions.

    Attributes
    ----------
    r_hat, ess_bulk, ess_tail : float
        Over the sampled reliabilities and the hypotheses' probabilities (NaN where undefined, e.g. one chain).
    divergences : int
    warnings : tuple of str
        Plain-language warnings where a diagnostic falls short of its threshold.
    note : str or None
        Why there is nothing to diagnose, when nothing was sampled.
    """

    r_hat: float
    ess_bulk: float
    ess_tail: float
    divergences: int
    warnings: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (``warnings`` as a list; ``note`` only when there is one)."""
        out: dict[str, Any] = {"r_hat": self.r_hat, "ess_bulk": self.ess_bulk, "ess_tail": self.ess_tail,
                               "divergences": self.divergences, "warnings": list(self.warnings)}
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Labels:
    """What a posterior's ids stand for: the hypotheses' titles, the reports' summaries, the model's words.

    The engines compute on arrays; :meth:`plausible.Workspace.posterior` attaches these so that a result shows
    itself in a notebook without a second lookup.
    """

    titles: dict[str, str]
    """Hypothesis titles by id."""
    summaries: dict[str, str]
    """Report summaries by item id."""
    spec: ModelSpec | None = None
    """The set's model, whose likelihood scale puts probabilities into words."""


@dataclass(frozen=True, kw_only=True)
class Posterior:
    """Posterior plausibility of the hypotheses of one set.

    Attributes
    ----------
    set_id : str
    method : {"exact", "mcmc"}
    hypothesis_ids : tuple of str
    prior : ndarray, shape (K,)
    probability : ndarray, shape (K,)
    item_ids : tuple of str
        The reports used, in trajectory order.
    increments : ndarray, shape (N, K)
        Each report's contribution to ln P(reports | H_k) (at point values for the weights).
    interval : ndarray, shape (K, 2), or None
        Credible interval of each probability (MCMC only).
    interval_level : float or None
    diagnostics : Diagnostics or None
        The MCMC run's diagnostics (None for the exact engine).
    sources : tuple of SourceReliability
    inputs_hash : str
        Hash of every input file: the same hash and seed give the same numbers.
    draws : object
        The ArviZ DataTree of the MCMC run, or None.
    as_of : datetime.date or None
        When given, only the items reported on or before this date were used.
    leader_probability : ndarray, shape (K,), or None
        MCMC only: the share of posterior draws in which each hypothesis has the highest conditional
        probability P(H | reports, ρ), i.e. the posterior probability that it leads.
    analysts : tuple of AnalystNoise
        MCMC with several analysts: each analyst's learned noise scale.
    labels : Labels or None
        Titles, summaries and the model's probability words (set by :meth:`plausible.Workspace.posterior`).
    """

    set_id: str
    method: Method
    hypothesis_ids: tuple[str, ...]
    prior: NDArray[np.float64]
    probability: NDArray[np.float64]
    item_ids: tuple[str, ...]
    increments: NDArray[np.float64]
    interval: NDArray[np.float64] | None = None
    interval_level: float | None = None
    diagnostics: Diagnostics | None = None
    sources: tuple[SourceReliability, ...] = ()
    inputs_hash: str = ""
    draws: Any = None
    as_of: dt.date | None = None
    leader_probability: NDArray[np.float64] | None = None
    analysts: tuple[AnalystNoise, ...] = ()
    labels: Labels | None = None

    def __repr__(self) -> str:
        lead = self.leading
        p = float(self.probability[self.hypothesis_ids.index(lead)])
        day = "" if self.as_of is None else f", as of {self.as_of.isoformat()}"
        return (f"<Posterior {self.set_id} ({self.method}, {len(self.item_ids)} reports{day}): "
                f"{self.title(lead)!r} leads at {percent(p)}>")

    def _repr_html_(self) -> str:
        day = "" if self.as_of is None else f"; as of {self.as_of.isoformat()}"
        lines = [f"{self.method} engine, {len(self.item_ids)} reports{day}", *self.warnings]
        return html_block(f"Posterior of {self.set_id}", lines, self.to_frame())

    def title(self, hypothesis: str) -> str:
        """The title of a hypothesis (its id when the posterior carries no labels)."""
        return hypothesis if self.labels is None else self.labels.titles.get(hypothesis, hypothesis)

    @property
    def probabilities(self) -> dict[str, float]:
        """Probability of each hypothesis, by id."""
        return {h: float(p) for h, p in zip(self.hypothesis_ids, self.probability, strict=True)}

    @property
    def intervals(self) -> dict[str, tuple[float, float] | None]:
        """Credible interval of each hypothesis' probability (None for the exact engine)."""
        if self.interval is None:
            return dict.fromkeys(self.hypothesis_ids)
        return {h: (float(lo), float(hi)) for h, (lo, hi) in zip(self.hypothesis_ids, self.interval, strict=True)}

    @property
    def warnings(self) -> tuple[str, ...]:
        """The engine's warnings about this result (none from the exact engine)."""
        return () if self.diagnostics is None else self.diagnostics.warnings

    @property
    def leading(self) -> str:
        """The most probable hypothesis."""
        return self.hypothesis_ids[int(np.argmax(self.probability))]

    @property
    def weights(self) -> NDArray[np.float64]:
        r"""Weight of evidence of each item for each hypothesis, in decibans, centred per item.

        :math:`w_{jk} = 10 \log_{10} e \,(\ell_{jk} - \bar\ell_j)` where :math:`\ell_{jk}` is the item's
        increment of ln P(reports | H_k). Then
        :math:`\mathrm{softmax}(\ln\pi + \sum_j w_j \ln 10 / 10)` is the exact engine's posterior.
        """
        centred = self.increments - self.increments.mean(axis=1, keepdims=True)
        out: NDArray[np.float64] = centred * DECIBANS_PER_NAT
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per hypothesis: title, prior, probability, its term in words, interval bounds.

        Returns
        -------
        pandas.DataFrame
            Indexed by hypothesis id; ``title`` and ``term`` (the model's likelihood-scale word for the
            probability, e.g. "likely") when the posterior carries labels, ``interval_low`` and
            ``interval_high`` with MCMC.
        """
        import pandas as pd

        columns: dict[str, Any] = {}
        if self.labels is not None:
            columns["title"] = [self.title(h) for h in self.hypothesis_ids]
        columns.update({"prior": self.prior, "probability": self.probability})
        if self.labels is not None and self.labels.spec is not None:
            spec = self.labels.spec
            columns["term"] = [spec.describe(float(p)) for p in self.probability]
        frame = pd.DataFrame(columns, index=pd.Index(list(self.hypothesis_ids), name="hypothesis"))
        if self.interval is not None:
            frame["interval_low"] = self.interval[:, 0]
            frame["interval_high"] = self.interval[:, 1]
        return frame

    def weights_frame(self) -> pd.DataFrame:
        """:attr:`weights` labelled: reports (rows) by hypotheses (columns), in decibans.

        Returns
        -------
        pandas.DataFrame
            Rows indexed by ``(item, summary)``, columns by ``(hypothesis, title)`` (summaries and titles are
            the ids when the posterior carries no labels). ``frame.droplevel("title", axis=1)`` keeps the ids.
        """
        import pandas as pd

        summaries = {} if self.labels is None else self.labels.summaries
        rows = pd.MultiIndex.from_arrays([list(self.item_ids), [summaries.get(i, i) for i in self.item_ids]],
                                         names=["item", "summary"])
        columns = pd.MultiIndex.from_arrays([list(self.hypothesis_ids),
                                             [self.title(h) for h in self.hypothesis_ids]],
                                            names=["hypothesis", "title"])
        return pd.DataFrame(self.weights, index=rows, columns=columns)

    def to_datatree(self) -> Any:
        """The MCMC run as ArviZ's ``xarray.DataTree`` (``posterior``, ``sample_stats``, ``interval`` groups).

        What PyMC users expect: ``arviz.summary(post.to_datatree())``, ``arviz.plot_dist(...)``.

        Raises
        ------
        UsageError
            For the exact engine, which draws nothing.
        """
        if self.draws is None:
            raise UsageError(f"the {self.method} engine draws nothing: there is no DataTree (use method='mcmc')")
        return self.draws

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``plausible posterior --json``."""
        intervals = self.intervals
        out: dict[str, Any] = {
            "set": self.set_id,
            "method": self.method,
            "evidence": len(self.item_ids),
            "hypotheses": [
                {
                    "id": h,
                    "probability": float(p),
                    "interval": None if intervals[h] is None else list(intervals[h] or ()),
                    "prior": float(pi),
                }
                for h, p, pi in zip(self.hypothesis_ids, self.probability, self.prior, strict=True)
            ],
            "diagnostics": {} if self.diagnostics is None else self.diagnostics.to_dict(),
            "inputs_hash": self.inputs_hash,
        }
        if self.interval_level is not None:
            out["interval_level"] = self.interval_level
        if self.leader_probability is not None:
            out["leader_probability"] = {h: float(p) for h, p in zip(self.hypothesis_ids, self.leader_probability,
                                                                     strict=True)}
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
        if self.sources:
            out["sources"] = [
                {"id": s.source, "prior_mean": s.prior_mean, "posterior_mean": s.posterior_mean,
                 "interval": None if s.interval is None else list(s.interval)}
                for s in self.sources
            ]
        if self.analysts:
            out["analyst_noise"] = [{"id": a.analyst, "posterior_mean": a.posterior_mean, "interval": list(a.interval)}
                                    for a in self.analysts]
        return out
