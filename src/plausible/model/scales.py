"""Scales as data: verbal terms, ACH ratings, source grades and credibility, read from a model file.

A judgment is either a point (a number the analyst wrote) or a band (a verbal term or ACH rating),
modelled as the Beta distribution whose mass matches the band (:func:`plausible.model.betafit.fit_beta_to_band`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from plausible.core.names import did_you_mean
from plausible.core.types import AchRating
from plausible.model.betafit import fit_beta_to_band

if TYPE_CHECKING:  # the file schemas (pydantic) are imported only where a model file is read
    from plausible.model.schema.fields import BetaSpec
    from plausible.model.schema.model import InferenceSettings, ModelFile

__all__ = ["Judgment", "ModelSpec", "Reliability", "ScaleBand", "builtin_model_text", "normalise_term"]


@dataclass(frozen=True)
class Judgment:
    """A probability judgment: a point, or a band modelled as Beta(alpha, beta).

    ``not_applicable`` marks the ACH rating NA, which carries no weight (see the engine).
    """

    mean: float
    alpha: float | None = None
    beta: float | None = None
    label: str = ""
    not_applicable: bool = False
    band: tuple[float, float] | None = None
    """The ``[low, high]`` the verbal term or rating names (None for a number)."""
    pooled: bool = False
    """True for the log pool of several analysts' judgments of one cell (:mod:`plausible.model.pooling`)."""

    @property
    def is_point(self) -> bool:
        """True for a number the analyst wrote (no uncertainty)."""
        return self.alpha is None


@dataclass(frozen=True)
class Reliability:
    """A source's reliability: a point in [0, 1] or a Beta prior; ``mean`` is what the exact engine uses."""

    mean: float
    alpha: float | None = None
    beta: float | None = None
    label: str = ""
    grade: str | None = None
    """The Admiralty grade it was given as (None for a number or a Beta prior): each set reads a grade in its
    own model (:meth:`ModelSpec.reliability`)."""


@dataclass(frozen=True)
class ScaleBand:
    """One band of a verbal probability scale: its terms (the first is the main one) and ``[low, high]``."""

    terms: tuple[str, ...]
    band: tuple[float, float]


def normalise_term(term: str) -> str:
    """Lower-case a verbal term and fold spaces, hyphens and underscores.

    Examples
    --------
    >>> normalise_term("Very-Likely")
    'very likely'
    """
    return re.sub(r"[\s_-]+", " ", term.strip().lower())


def builtin_model_text() -> str:
    """The text of the built-in default model file (the source of every default)."""
    return resources.files("plausible.data").joinpath("default-model.yaml").read_text(encoding="utf-8")


@cache
def _builtin_model() -> ModelFile:
    from plausible.io.yamlio import parse_yaml
    from plausible.model.schema.model import ModelFile

    return ModelFile.model_validate(parse_yaml(builtin_model_text(), "<built-in default model>").data)


@lru_cache(maxsize=1 << 16)
def _number_judgment(value: float) -> Judgment:
    """A number's judgment, memoised outside :class:`ModelSpec` (which is pickled into the workspace cache)."""
    return Judgment(float(value), label=f"{value:g}")


class ModelSpec:
    """A model specification with defaults filled in, and the fitted Beta of every term.

    It holds plain data only (no pydantic objects), so that a workspace served from the parse cache
    unpickles without importing the file schemas.

    Parameters
    ----------
    spec : ModelFile, optional
        The workspace's model file. Keys it leaves out take the built-in values; a table it gives
        (``scales``, ``ach_ratings``, ``reliability``, ``credibility``, ``inference``) merges over the built-in
        one: the entries given replace those of the same key (a scale is replaced whole), the others stay.
    name : str
        The model's name (its file name without ``.yaml``).

    Examples
    --------
    >>> spec = ModelSpec()
    >>> round(spec.judgment("likely").mean, 4), spec.judgment(0.7).mean
    (0.6807, 0.7)
    >>> spec.reliability("B").mean
    0.8
    """

    def __init__(self, spec: ModelFile | None = None, name: str = "default") -> None:
        base = _builtin_model()
        self.name = name

        def pick(key: str) -> Any:
            value = None if spec is None else getattr(spec, key)
            return getattr(base, key) if value is None else value

        def merged(key: str) -> dict[Any, Any]:
            # A table given in part merges over the built-in one: the entries given replace those of the same
            # key, the others keep their built-in values (docs/format.md, "Models").
            given = None if spec is None else getattr(spec, key)
            return {**getattr(base, key), **(given or {})}

        self.likelihood_scale: str = pick("likelihood_scale")
        self.band_mass: float = pick("band_mass")
        self.scales: dict[str, tuple[ScaleBand, ...]] = {
            scale: tuple(ScaleBand(tuple(entry.terms), entry.band) for entry in entries)
            for scale, entries in merged("scales").items()
        }
        given_inference = None if spec is None else spec.inference
        assert base.inference is not None  # the built-in model gives every key
        self._inference: dict[str, Any] = {
            **base.inference.model_dump(),
            **({} if given_inference is None else given_inference.model_dump(exclude_unset=True)),
        }
        self._grades: dict[str, tuple[float, float]] = {
            str(k): (v.alpha, v.beta) for k, v in merged("reliability").items()
        }
        self._credibility: dict[str, float] = merged("credibility")
        self._terms: dict[str, dict[str, Judgment]] = {
            scale: {
                normalise_term(term): self._band(entry.band, term)
                for entry in entries
                for term in entry.terms
            }
            for scale, entries in self.scales.items()
        }
        ratings = merged("ach_ratings")
        self._judged: dict[str, Judgment] = {}
        self._ratings: dict[str, Judgment] = {}
        for rating in AchRating:
            band = ratings.get(rating)
            self._ratings[rating.value] = (
                Judgment(0.5, label=rating.value, not_applicable=True) if band is None
                else self._band(band, rating.value)
            )

    @property
    def inference(self) -> InferenceSettings:
        """The MCMC settings (built on demand: only the sampling path needs them)."""
        from plausible.model.schema.model import InferenceSettings

        return InferenceSettings.model_validate(self._inference)

    def _band(self, band: tuple[float, float], label: str) -> Judgment:
        alpha, beta = _fit(band[0], band[1], self.band_mass)
        return Judgment(alpha / (alpha + beta), alpha, beta, label, band=(float(band[0]), float(band[1])))

    def problems(self) -> list[str]:
        """Inconsistencies in the specification itself (an unknown likelihood scale)."""
        if self.likelihood_scale not in self.scales:
            return [
                f"likelihood_scale {self.likelihood_scale!r} is not one of the scales "
                f"({', '.join(self.scales)}){did_you_mean(self.likelihood_scale, self.scales)}"
            ]
        return []

    def judgment(self, value: float | str) -> Judgment:
        """Turn a number, verbal term or ACH rating into a :class:`Judgment`.

        Raises
        ------
        ValueError
            For an unknown term, with a suggestion.
        """
        if isinstance(value, float | int):
            return _number_judgment(value)
        found = self._judged.get(value)
        if found is None:
            found = self._judged[value] = self._term_judgment(value)
        return found

    def _term_judgment(self, value: str) -> Judgment:
        rating = self._ratings.get(value.strip().upper())
        if rating is not None:
            return rating
        terms = self._terms.get(self.likelihood_scale, {})
        found = terms.get(normalise_term(value))
        if found is not None:
            return found
        raise ValueError(self._unknown_term(value))

    def scale_of(self, value: str) -> str | None:
        """The scale ``value`` is a term of when that is not the likelihood scale (None otherwise).

        Examples
        --------
        >>> ModelSpec().scale_of("probably not"), ModelSpec().scale_of("likely")
        ('kent', None)
        """
        key = normalise_term(value)
        if key in self._terms.get(self.likelihood_scale, {}):
            return None
        return next((scale for scale, terms in self._terms.items() if key in terms), None)

    def other_scale_message(self, terms: list[str], scale: str) -> str:
        """What is wrong with ``terms`` (one judgment row's) that belong to another ``scale``: one message."""
        quoted = ", ".join(map(repr, terms))
        verb = "is a term" if len(terms) == 1 else "are terms"
        return (f"{quoted} {verb} of the {scale} scale, but terms are read in the {self.likelihood_scale} scale "
                "(set likelihood_scale in the model file, or use a number)")

    def _unknown_term(self, value: str) -> str:
        key = normalise_term(value)
        other = self.scale_of(value)
        if other is not None:
            return self.other_scale_message([value], other)
        choices = [*self._terms.get(self.likelihood_scale, {}), *self._ratings]
        # A term written inside a longer phrase ("quite likely") is the one meant, whatever spelling is closest.
        inside = [t for t in self._terms.get(self.likelihood_scale, {}) if re.search(rf"\b{re.escape(t)}\b", key)]
        hint = (did_you_mean(max(inside, key=len), choices) if inside
                else did_you_mean(key, choices) or did_you_mean(value.upper(), self._ratings))
        expected = (
            f"expected a number in (0, 1), an ACH rating ({', '.join(self._ratings)}) or a term of the "
            f"{self.likelihood_scale} scale ({', '.join(self._terms.get(self.likelihood_scale, {}))})"
        )
        return f"unknown verbal term {value!r}{hint} ({expected})"

    def reliability(self, value: str | float | BetaSpec) -> Reliability:
        """A source's reliability from its Admiralty grade, number or Beta prior."""
        if isinstance(value, str):
            alpha, beta = self._grades[value]
            return Reliability(alpha / (alpha + beta), alpha, beta, value, grade=value)
        if isinstance(value, float | int):
            return Reliability(float(value), label=f"{value:g}")
        return Reliability(value.alpha / (value.alpha + value.beta), value.alpha, value.beta,
                           f"Beta({value.alpha:g}, {value.beta:g})")

    def credibility_factor(self, credibility: int | None) -> float:
        """The factor by which information credibility 1–6 scales reliability (1 when absent)."""
        return 1.0 if credibility is None else self._credibility[str(credibility)]

    def describe(self, probability: float) -> str | None:
        """The term of the likelihood scale whose band holds ``probability`` (:func:`name_band`'s edge rule).

        Examples
        --------
        >>> spec = ModelSpec()
        >>> spec.describe(0.68), spec.describe(0.55), spec.describe(0.80), spec.describe(0.2)
        ('likely', 'roughly even chance', 'likely', 'unlikely')
        >>> spec.describe(0.1 + 0.7)  # 0.8000000000000002: float noise stays on the edge
        'likely'
        """
        entries = self.scales[self.likelihood_scale]
        return name_band([(entry.terms[0], entry.band) for entry in entries], probability, clamp=True)

    def rating_for(self, probability: float) -> str:
        """The ACH rating whose band holds ``probability``, by the same edge rule as :meth:`describe`.

        Examples
        --------
        >>> spec = ModelSpec()
        >>> spec.rating_for(0.80), spec.rating_for(0.81), spec.rating_for(0.55), spec.rating_for(0.3)
        ('C', 'CC', 'N', 'I')
        """
        bands = [(rating, judged.band) for rating, judged in self._ratings.items() if judged.band is not None]
        found = name_band(bands, probability, clamp=True)
        assert found is not None  # with clamp, only a deliberate gap has no name; ACH bands are contiguous
        return found

    def ladder(self, written: str, judgment: Judgment) -> tuple[tuple[tuple[str, Judgment], ...], int] | None:
        """The scale a written judgment steps along, lowest first, and the judgment's place on it.

        A step moves a judgment to the adjacent term of the scale it was written in: the next ACH rating
        (II, I, N, C, CC) or the next term of the likelihood scale. A number is placed in the ICD 203 band
        that holds it (by :func:`name_band`'s edge rule, outermost bands beyond the ends) and steps to the
        adjacent ICD 203 terms' Beta means. ``NA`` does not step (None).

        Parameters
        ----------
        written : str
            The text the analyst wrote (``Item.ratings``).
        judgment : Judgment
            Its resolved judgment.

        Returns
        -------
        tuple or None
            ``(rungs, place)``: ``rungs`` are ``(label, judgment)`` pairs from the lowest term up, the written
            judgment itself (with its text) at index ``place``; None for NA.

        Examples
        --------
        >>> spec = ModelSpec()
        >>> rungs, place = spec.ladder("C", spec.judgment("C"))
        >>> [label for label, _ in rungs], place
        (['II', 'I', 'N', 'C', 'CC'], 3)
        >>> rungs, place = spec.ladder("0.5", spec.judgment(0.5))
        >>> [label for label, _ in rungs][2:5], place
        (['unlikely', '0.5', 'likely'], 3)
        """
        if judgment.not_applicable:
            return None
        text = written.strip()
        order = [r.value for r in reversed(AchRating) if r is not AchRating.NA]
        if text.upper() in order:
            return tuple((r, self._ratings[r]) for r in order), order.index(text.upper())
        entries = self.scales.get(self.likelihood_scale, ())
        key = normalise_term(text)
        for place, entry in enumerate(entries):
            if key in {normalise_term(t) for t in entry.terms}:
                return tuple(
                    (text, judgment) if e is entry else (e.terms[0], self._scale_term(self.likelihood_scale, e))
                    for e in entries
                ), place
        scale = "icd203" if "icd203" in self.scales else self.likelihood_scale
        entries = self.scales[scale]
        found = name_band([(str(i), e.band) for i, e in enumerate(entries)], judgment.mean, clamp=True)
        place = 0 if found is None else int(found)
        return tuple(
            (text, judgment) if i == place else (e.terms[0], self._scale_term(scale, e))
            for i, e in enumerate(entries)
        ), place

    def complement(self, judgment: Judgment) -> str | None:
        """The rating or term that names the complement of a banded judgment: the band ``[1 - high, 1 - low]``.

        A rating's complement is sought among the ACH ratings, a term's among the likelihood scale's terms (its
        main term). None for a number, for NA, and where no rating or term names that band (an asymmetric scale):
        then only the number ``1 - p`` says it. The Beta of a mirrored band is the mirrored Beta, so the named
        complement reads as ``1 - p`` at every quantile.

        Examples
        --------
        >>> spec = ModelSpec()
        >>> spec.complement(spec.judgment("very likely")), spec.complement(spec.judgment("C"))
        ('very unlikely', 'I')
        >>> spec.complement(spec.judgment("roughly even chance")), spec.complement(spec.judgment(0.3))
        ('roughly even chance', None)
        """
        if judgment.band is None or judgment.not_applicable:
            return None
        low, high = 1.0 - judgment.band[1], 1.0 - judgment.band[0]
        if self._ratings.get(judgment.label.strip().upper()) == judgment:
            named = [(r, j.band) for r, j in self._ratings.items() if j.band is not None]
        else:
            named = [(e.terms[0], e.band) for e in self.scales.get(self.likelihood_scale, ())]
        return next((name for name, band in named
                     if abs(band[0] - low) <= EDGE_TOLERANCE and abs(band[1] - high) <= EDGE_TOLERANCE), None)

    def _scale_term(self, scale: str, entry: ScaleBand) -> Judgment:
        return self._terms[scale][normalise_term(entry.terms[0])]

    def band_of(self, term: str) -> tuple[float, float]:
        """The band ``[low, high]`` of a term of the likelihood scale."""
        for entry in self.scales[self.likelihood_scale]:
            if normalise_term(term) in {normalise_term(t) for t in entry.terms}:
                return (float(entry.band[0]), float(entry.band[1]))
        raise ValueError(f"unknown term {term!r}")


EDGE_TOLERANCE = 1e-9
"""A number this close to a band edge is on the edge (so float noise such as 0.1 + 0.7 changes no word)."""


def name_band(bands: list[tuple[str, tuple[float, float]]], probability: float, *, clamp: bool = False) -> str | None:
    """The name of the band that holds ``probability``: the one documented rule for numbers put into words.

    On a shared edge the **less extreme** band wins (0.55 is "roughly even chance", 0.80 is "likely"), so that
    words never overstate a number; a number within :data:`EDGE_TOLERANCE` of an edge is on it. In a
    deliberate gap (PHIA) there is no name (None). With ``clamp``, a number beyond the outermost bands takes
    the outermost name.

    Examples
    --------
    >>> bands = [("low", (0.0, 0.5)), ("high", (0.5, 1.0))]
    >>> name_band(bands, 0.5), name_band(bands, 0.7)
    ('low', 'high')
    """
    best: tuple[float, str] | None = None
    for name, (low, high) in bands:
        if low - EDGE_TOLERANCE <= probability <= high + EDGE_TOLERANCE:
            extremeness = abs((low + high) / 2.0 - 0.5)
            if best is None or extremeness < best[0]:
                best = (extremeness, name)
    if best is not None:
        return best[1]
    if clamp and bands:
        ordered = sorted(bands, key=lambda band: band[1])
        if probability < ordered[0][1][0]:
            return ordered[0][0]
        if probability > ordered[-1][1][1]:
            return ordered[-1][0]
    return None


@cache
def _fit(low: float, high: float, mass: float) -> tuple[float, float]:
    return fit_beta_to_band(low, high, mass)
