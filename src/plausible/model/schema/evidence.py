"""Schema of an evidence file ``evidence/**/*.yaml``: reports and their likelihoods."""

from __future__ import annotations

from pydantic import Field

from plausible.core.types import Relevance
from plausible.model.schema.fields import (
    Credibility,
    Date,
    Identifier,
    LikelihoodValue,
    StrictModel,
    Text,
)

__all__ = ["EvidenceFile", "EvidenceItem"]


class EvidenceItem(StrictModel):
    """One report of an event, by one source."""

    id: Identifier = Field(description="Unique across all evidence files of the workspace.")
    summary: Text = Field(description="What is reported, in one sentence.")
    source: Identifier = Field(description="Id of a source in evidence/sources.yaml.")
    reported: Date = Field(description="When the report arrived; orders the trajectory.")
    observed: Date | None = Field(None, description="When the reported event happened, if known.")
    credibility: Credibility | None = Field(
        None, description="Admiralty information credibility 1–6; scales the source's reliability."
    )
    origin: Identifier | None = Field(
        None, description="Items with the same origin are reports of one underlying event."
    )
    relevance: Relevance | None = Field(None, description="low | medium | high (PARC ACH weighting).")
    quote: str | None = Field(None, description="The words the item rests on.")
    url: str | None = Field(None, description="Where the quote can be found.")
    document: str | None = Field(
        None, description="The report the quote is taken from, when it is not the case's seed text: "
        "title, publisher, date (the URL goes in `url`).",
    )
    rationale: str | None = Field(None, description="Why the likelihoods are what they are.")
    supersedes: list[Identifier] = Field(
        default_factory=list,
        description="Ids of earlier items this one corrects or retracts; they no longer count.",
    )
    independent_of: list[Identifier] = Field(
        default_factory=list,
        description="Ids of items of the same source that were reviewed and report independent events "
        "(silences analyze's warning that the pair may be counted twice).",
    )
    analyst: Identifier | None = Field(
        None, description="Who judged this item's likelihoods (an analyst id; default: the file's, else 'lead')."
    )
    likelihoods: dict[Identifier, dict[Identifier, LikelihoodValue]] = Field(
        default_factory=dict,
        description="P(this event | hypothesis), per hypothesis set the item bears on: "
        "{set-id: {hypothesis-id: value}}.",
    )


class EvidenceFile(StrictModel):
    """An evidence file: items added together; never edited once recorded."""

    analyst: Identifier | None = Field(
        None, description="Who judged the likelihoods of this file's items (an analyst id; default 'lead')."
    )
    items: list[EvidenceItem] = Field(description="The reports in this file.")
