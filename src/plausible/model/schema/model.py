"""Schema of ``models/<name>.yaml``: scales, grade priors, credibility factors, inference settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError

from plausible.core.errors import UsageError
from plausible.core.types import AchRating, AdmiraltyGrade
from plausible.model.schema.fields import BetaSpec, Identifier, StrictModel, Text

__all__ = ["InferenceSettings", "ModelFile", "ScaleEntry"]


def _band(value: tuple[float, float]) -> tuple[float, float]:
    low, high = value
    if not (0.0 <= low < high <= 1.0) or (low == 0.0 and high == 1.0):
        raise ValueError(f"band [{low}, {high}] must satisfy 0 <= low < high <= 1 and not be [0, 1]")
    return value


Band = Annotated[tuple[float, float], AfterValidator(_band)]
Factor = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class ScaleEntry(StrictModel):
    """One band of a verbal probability scale and the terms that name it."""

    terms: list[Text] = Field(min_length=1, description="The term and its synonyms.")
    band: Band = Field(description="[low, high] probabilities the terms stand for.")


class InferenceSettings(StrictModel):
    """Settings of the MCMC engine."""

    draws: int = Field(1000, ge=1, description="Posterior draws per chain.")
    tune: int = Field(1000, ge=0, description="Tuning steps per chain.")
    chains: int = Field(4, ge=1, description="Independent chains.")
    target_accept: float = Field(0.9, gt=0, lt=1, description="NUTS target acceptance rate.")
    seed: int = Field(20150428, ge=0, description="Random seed; the same seed gives the same numbers.")
    sampler: Literal["pymc", "nutpie"] = Field("pymc", description="pymc (PyMC's NUTS) or nutpie.")
    interval: float = Field(0.9, gt=0, lt=1, description="Credible interval level.")
    cores: int | None = Field(
        None, ge=1,
        description=("Processes that run chains, and threads that summarise them "
                     "(default: one per chain, up to the CPU count)."),
    )
    analyst_noise: bool = Field(
        True, description="With several analysts, model each judgment as a noisy reading of a latent likelihood, "
        "with a noise scale per analyst (docs/model.md, 'Several analysts in the MCMC engine'); off: the analysts' "
        "judgments are pooled per cell (log pool), as in the exact engine, which samples faster."
    )
    noise_blocks: Literal["auto", "on", "off"] = Field(
        "auto", description="With the noise model, sample the reliabilities and the analysts' noise scales in two "
        "blocks, each by NUTS (docs/model.md, 'Sampling in two blocks'): faster with many readings. auto: for sets "
        "with at least 30,000 readings; on; off: one NUTS step moves every variable (also with on, when the set "
        "has no free reliability, with sampler nutpie, or on an untested PyMC release)."
    )

    def with_options(self, options: Mapping[str, Any]) -> InferenceSettings:
        """These settings with ``options`` (a caller's overrides) applied and validated; None keeps a value.

        Raises
        ------
        UsageError
            For an unknown option or a value out of range, in words a user of the command line understands.

        Examples
        --------
        >>> InferenceSettings().with_options({"draws": 200, "seed": None}).draws
        200
        >>> InferenceSettings().with_options({"interval": 1.5})
        Traceback (most recent call last):
        ...
        plausible.core.errors.UsageError: MCMC option interval=1.5: must be less than 1
        """
        given = {key: value for key, value in options.items() if value is not None}
        unknown = sorted(set(given) - set(type(self).model_fields))
        if unknown:
            raise UsageError(f"unknown MCMC option(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(type(self).model_fields))}")
        try:
            return type(self).model_validate({**self.model_dump(), **given})
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(part) for part in first["loc"])
            message = str(first["msg"])
            if message.startswith("Input should be "):
                message = "must be " + message.removeprefix("Input should be ")
            raise UsageError(f"MCMC option {key}={given.get(key, first.get('input'))!r}: {message}") from None


class ModelFile(StrictModel):
    """A model specification; keys left out take the built-in default's values, tables given merge over its."""

    description: str | None = Field(None, description="What this model is for.")
    likelihood_scale: Identifier | None = Field(
        None, description="Scale in which bare verbal terms are read (a key of 'scales')."
    )
    band_mass: float | None = Field(
        None, gt=0.5, lt=1, description="Mass of a term's Beta distribution inside its band."
    )
    scales: dict[Identifier, list[ScaleEntry]] | None = Field(
        None, description="Verbal probability scales: name -> bands with their terms (merged by name over the "
        "built-in scales; a scale given replaces that scale whole)."
    )
    ach_ratings: dict[AchRating, Band | None] | None = Field(
        None, description="Band of each ACH rating as P(evidence | hypothesis); null = no weight (merged over the "
        "built-in bands)."
    )
    reliability: dict[AdmiraltyGrade, BetaSpec] | None = Field(
        None, description="Beta prior on a source's reliability for each Admiralty grade A–F (merged over the "
        "built-in priors)."
    )
    credibility: dict[Literal["1", "2", "3", "4", "5", "6"], Factor] | None = Field(
        None, description="Factor (0–1) multiplying reliability for each information credibility 1–6 (merged over "
        "the built-in factors)."
    )
    inference: InferenceSettings | None = Field(
        None, description="MCMC settings (merged over the built-in settings)."
    )
