"""plausible: Bayesian analysis of competing hypotheses.

Encode explanations as hypotheses, facts and claims as evidence items with graded sources, and let the
evidence update each hypothesis' plausibility.

>>> import plausible
>>> ws = plausible.load_workspace("path/to/workspace")            # doctest: +SKIP
>>> ws.posterior("dprk-driver", method="exact").probabilities    # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# What a workspace holds
from plausible.entities import Hypothesis, HypothesisSet, Indicator, Item, Source

# Errors
from plausible.errors import InputError, PlausibleError, Problem, UsageError

# Results
from plausible.posterior import Posterior, SourceReliability
from plausible.scales import Judgment, ModelSpec, Reliability

# File schemas
from plausible.schema import json_schemas

# Loading and validating workspaces
from plausible.workspace import Workspace, load_workspace

try:
    __version__ = version("plausible")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    # loading
    "Workspace",
    "load_workspace",
    # entities
    "Hypothesis",
    "HypothesisSet",
    "Indicator",
    "Item",
    "Judgment",
    "ModelSpec",
    "Reliability",
    "Source",
    # results
    "Posterior",
    "SourceReliability",
    # errors
    "InputError",
    "PlausibleError",
    "Problem",
    "UsageError",
    # schemas
    "json_schemas",
    "__version__",
]
