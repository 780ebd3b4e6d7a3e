"""Schema of ``analysts/<analyst-id>.yaml``: one analyst's own judgments, written independently."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from plausible.model.schema.fields import Identifier, LikelihoodValue, PriorValue, StrictModel, Text

__all__ = ["AnalystFile"]


class AnalystFile(StrictModel):
    """One analyst's judgments (the analyst's id is the file name); never edited by the other analysts."""

    name: Text = Field(description="The analyst's full name.")
    role: str | None = Field(None, description="Free text: lead, red team, area specialist, ...")
    weight: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = Field(
        1.0, description="Weight of this analyst in the pool (a positive number up to 1e6; default 1)."
    )
    priors: dict[Identifier, dict[Identifier, PriorValue]] = Field(
        default_factory=dict,
        description="The analyst's priors per hypothesis set, for every hypothesis of the set (normalised): "
        "{set-id: {hypothesis-id: value}}. The hypothesis files' priors are the lead's.",
    )
    likelihoods: dict[Identifier, dict[Identifier, dict[Identifier, LikelihoodValue]]] = Field(
        default_factory=dict,
        description="P(item | hypothesis) as this analyst judges it, per item and set: "
        "{item-id: {set-id: {hypothesis-id: value}}}; any cells, NA for no judgment. For an origin group, "
        "judge the item that carries the group's likelihoods.",
    )
    rationales: dict[Identifier, str] = Field(
        default_factory=dict, description="Why the analyst reads an item this way: {item-id: text}."
    )
