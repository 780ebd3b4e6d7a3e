"""File schemas: one pydantic model per kind of YAML document, and their JSON Schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from plausible.model.schema.analysts import AnalystFile
from plausible.model.schema.evidence import EvidenceFile, EvidenceItem
from plausible.model.schema.hypotheses import HypothesisSetFile, HypothesisSpec, IndicatorSpec
from plausible.model.schema.model import InferenceSettings, ModelFile, ScaleEntry
from plausible.model.schema.sources import SourcesFile, SourceSpec
from plausible.model.schema.validation import did_you_mean, validate_document
from plausible.model.schema.workspace import WorkspaceFile

__all__ = [
    # file models
    "AnalystFile",
    "EvidenceFile",
    "HypothesisSetFile",
    "ModelFile",
    "SourcesFile",
    "WorkspaceFile",
    # parts
    "EvidenceItem",
    "HypothesisSpec",
    "IndicatorSpec",
    "InferenceSettings",
    "ScaleEntry",
    "SourceSpec",
    # helpers
    "FILE_KINDS",
    "did_you_mean",
    "json_schemas",
    "json_schemas_of",
    "validate_document",
]

FILE_KINDS: dict[str, type[BaseModel]] = {
    "hypotheses": HypothesisSetFile,
    "sources": SourcesFile,
    "evidence": EvidenceFile,
    "model": ModelFile,
    "analyst": AnalystFile,
    "workspace": WorkspaceFile,
}
"""Each kind of workspace file and its model."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """Return the JSON Schema of every kind of workspace file, keyed by kind.

    Examples
    --------
    >>> sorted(json_schemas())
    ['analyst', 'evidence', 'hypotheses', 'model', 'sources', 'workspace']
    >>> json_schemas()["sources"]["additionalProperties"]
    False
    """
    return json_schemas_of(FILE_KINDS)


def json_schemas_of(kinds: Mapping[str, type[BaseModel]]) -> dict[str, dict[str, Any]]:
    """JSON Schema (draft 2020-12) of each model in ``kinds``, keyed like ``kinds``."""
    out = {}
    for kind, model in kinds.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[kind] = schema
    return out
