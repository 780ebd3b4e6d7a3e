"""plausible: Bayesian analysis of competing hypotheses.

Encode explanations as hypotheses, facts and claims as evidence items with graded sources, and let the
evidence update each hypothesis' plausibility.

>>> import plausible
>>> ws = plausible.load_workspace("path/to/workspace")            # doctest: +SKIP
>>> ws.posterior("dprk-driver", method="exact").probabilities    # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the public surface, grouped in __all__ below
    from plausible.core.errors import InputError, PlausibleError, Problem, UsageError
    from plausible.core.types import Method
    from plausible.engines.posterior import Diagnostics, Posterior, SourceReliability
    from plausible.engines.progress import Progress
    from plausible.model.entities import Analyst, Hypothesis, HypothesisSet, Indicator, Item, Source
    from plausible.model.scales import Judgment, ModelSpec, Reliability
    from plausible.model.schema import json_schemas
    from plausible.model.schema.model import InferenceSettings
    from plausible.workspace import Workspace, load_workspace

# The public names are imported on first use (PEP 562): `python -m plausible` imports this package first, and
# a command should pay only for the modules it uses (the file schemas cost ~200 ms, NumPy ~100 ms).
_HOMES = {
    **dict.fromkeys(("Workspace", "load_workspace"), "plausible.workspace"),
    **dict.fromkeys(("Analyst", "Hypothesis", "HypothesisSet", "Indicator", "Item", "Source"),
                   "plausible.model.entities"),
    **dict.fromkeys(("Judgment", "ModelSpec", "Reliability"), "plausible.model.scales"),
    "Method": "plausible.core.types",
    "InferenceSettings": "plausible.model.schema.model",
    "Progress": "plausible.engines.progress",
    **dict.fromkeys(("Diagnostics", "Posterior", "SourceReliability"), "plausible.engines.posterior"),
    **dict.fromkeys(("InputError", "PlausibleError", "Problem", "UsageError"), "plausible.core.errors"),
    "json_schemas": "plausible.model.schema",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from plausible.core.version import tool_version

        return tool_version()
    raise AttributeError(f"module 'plausible' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

__all__ = [
    # loading
    "Workspace",
    "load_workspace",
    # engines and their settings
    "InferenceSettings",
    "Method",
    "Progress",
    # entities
    "Analyst",
    "Hypothesis",
    "HypothesisSet",
    "Indicator",
    "Item",
    "Judgment",
    "ModelSpec",
    "Reliability",
    "Source",
    # results
    "Diagnostics",
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
