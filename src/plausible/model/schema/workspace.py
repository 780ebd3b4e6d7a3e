"""Schema of ``workspace.yaml``: what a briefing says about who wrote it and how it must be handled (optional)."""

from __future__ import annotations

from pydantic import Field

from plausible.model.schema.fields import StrictModel, Text

__all__ = ["WorkspaceFile"]


class WorkspaceFile(StrictModel):
    """The workspace's own description, shown at the top of every briefing (all fields optional).

    Examples
    --------
    >>> WorkspaceFile(title="DPRK watch", classification="UNCLASSIFIED").classification
    'UNCLASSIFIED'
    """

    title: Text | None = Field(None, description="Title of the briefings of this workspace, printed above the "
                                                 "question (default: none).")
    author: Text | None = Field(None, description="Who wrote the assessment (a person or a team).")
    organisation: Text | None = Field(None, description="The organisation the briefing is issued by.")
    classification: Text | None = Field(
        None, description="Classification or sensitivity marking, e.g. 'UNCLASSIFIED', 'OFFICIAL', 'TLP:AMBER': "
        "printed as a banner at the top and bottom of the briefing and of every printed page.")
    handling: list[Text] = Field(
        default_factory=list, description="Handling caveats printed with the classification, e.g. 'NOFORN', "
        "'For internal use only'.")
