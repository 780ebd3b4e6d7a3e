"""Schema of ``hypotheses/<set-id>.yaml``: a question and its mutually exclusive answers."""

from __future__ import annotations

from pydantic import Field

from plausible.model.schema.fields import Identifier, LikelihoodValue, PriorValue, StrictModel, Text

__all__ = ["HypothesisSetFile", "HypothesisSpec", "IndicatorSpec"]


class HypothesisSpec(StrictModel):
    """One answer to the set's question."""

    id: Identifier = Field(description="Unique within the set, kebab-case (e.g. 'food-aid').")
    title: Text = Field(description="Short name shown in tables and briefings.")
    description: str | None = Field(None, description="What the hypothesis claims, in full.")
    prior: PriorValue | None = Field(
        None,
        description="Prior weight: a positive number or verbal term; normalised over the set. "
        "A verbal term is read at its Beta mean. Default: hypotheses without a prior share what the others "
        "leave, the given ones then being probabilities that must sum below 1 (uniform when none has one).",
    )
    rationale: str | None = Field(None, description="Why this prior (one line).")
    catch_all: bool = Field(False, description="True for the 'none of the above' hypothesis.")


class IndicatorSpec(StrictModel):
    """A future observable event that would discriminate between the hypotheses."""

    id: Identifier = Field(description="Unique within the set.")
    text: Text = Field(description="The event, stated so that it can later be resolved yes or no.")
    likelihoods: dict[Identifier, LikelihoodValue] = Field(
        description="P(event | hypothesis) for every hypothesis of the set."
    )
    rationale: str | None = Field(None, description="Why these likelihoods.")


class HypothesisSetFile(StrictModel):
    """A hypothesis set: one question with mutually exclusive answers."""

    question: Text = Field(description="The question the hypotheses answer.")
    description: str | None = Field(None, description="Background and scope of the question.")
    hypotheses: list[HypothesisSpec] = Field(description="The competing answers (at least two).")
    exhaustive: bool = Field(
        False, description="True when the hypotheses cover every possibility without a catch-all."
    )
    model: Identifier | None = Field(None, description="Name of a file in models/ (default: 'default').")
    indicators: list[IndicatorSpec] = Field(
        default_factory=list, description="Future events to watch, with their likelihoods."
    )
