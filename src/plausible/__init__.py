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

if TYPE_CHECKING:
    # What a workspace holds
    # Errors
    from plausible.core.errors import InputError, PlausibleError, Problem, UsageError

    # Results
    from plausible.engines.posterior import Posterior, SourceReliability
    from plausible.model.entities import Hypothesis, HypothesisSet, Indicator, Item, Source
    from plausible.model.scales import Judgment, ModelSpec, Reliability

    # File schemas
    from plausible.model.schema import json_schemas

    # Loading and validating workspaces
    from plausible.workspace import Workspace, load_workspace

# The public names are imported on first use (PEP 562): `python -m plausible` imports this package first, and
# a command should pay only for the modules it uses (the file schemas cost ~200 ms, NumPy ~100 ms).
_HOMES = {
    **dict.fromkeys(("Hypothesis", "HypothesisSet", "Indicator", "Item", "Source"), "plausible.model.entities"),
    **dict.fromkeys(("InputError", "PlausibleError", "Problem", "UsageError"), "plausible.core.errors"),
    **dict.fromkeys(("Posterior", "SourceReliability"), "plausible.engines.posterior"),
    **dict.fromkeys(("Judgment", "ModelSpec", "Reliability"), "plausible.model.scales"),
    "json_schemas": "plausible.model.schema",
    **dict.fromkeys(("Workspace", "load_workspace"), "plausible.workspace"),
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
