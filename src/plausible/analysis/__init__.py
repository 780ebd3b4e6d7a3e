"""Analysis on top of the engines: trajectory, weights and diagnosticity, sensitivity, ACH scores, indicators."""

from __future__ import annotations

from plausible.analysis.indicators import (
    IndicatorValue,
    indicator_probability,
    indicator_values,
    value_of_information,
)

__all__ = [
    "IndicatorValue",
    "indicator_probability",
    "indicator_values",
    "value_of_information",
]
