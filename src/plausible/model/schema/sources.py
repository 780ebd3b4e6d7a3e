"""Schema of ``evidence/sources.yaml``: the source registry."""

from __future__ import annotations

from pydantic import Field

from plausible.model.schema.fields import Identifier, ReliabilityValue, StrictModel, Text

__all__ = ["SourceSpec", "SourcesFile"]


class SourceSpec(StrictModel):
    """A source of reports, with a prior judgement of its reliability."""

    id: Identifier = Field(description="Unique source id, referred to by evidence items.")
    name: Text = Field(description="Full name.")
    kind: str | None = Field(None, description="Free text: state-media, news-outlet, analyst, ...")
    reliability: ReliabilityValue = Field(
        description="Admiralty grade A–F, a number in [0, 1], or a Beta prior {alpha, beta}: the "
        "probability that a report of this source is truthful rather than noise."
    )
    rationale: str | None = Field(None, description="Why this grade (one line).")
    url: str | None = Field(None, description="Where the source can be found.")


class SourcesFile(StrictModel):
    """The source registry of a workspace."""

    sources: list[SourceSpec] = Field(description="Every source that evidence items cite.")
