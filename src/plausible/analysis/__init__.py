"""Analysis on top of the engines: trajectory, weights and diagnosticity, sensitivity, ACH scores, indicators."""

from __future__ import annotations

from plausible.analysis.ach import AchMatrix, ach_matrix, inconsistency_scores
from plausible.analysis.double_counting import DoubleCount, double_counting
from plausible.analysis.fragility import (
    Change,
    Flip,
    FlipDistance,
    LeaderStability,
    flip_distance,
    leader_stability,
)
from plausible.analysis.indicators import (
    IndicatorValue,
    indicator_probability,
    indicator_values,
    value_of_information,
)
from plausible.analysis.report import Analysis, analyze, diagnosticity
from plausible.analysis.sensitivity import Sensitivity, leave_one_out, linchpins, sensitivity
from plausible.analysis.trajectory import Step, Trajectory, trajectory

__all__ = [
    # trajectory
    "Step",
    "Trajectory",
    "trajectory",
    # weights, sensitivity
    "Analysis",
    "Sensitivity",
    "analyze",
    "diagnosticity",
    "leave_one_out",
    "linchpins",
    "sensitivity",
    # fragility
    "Change",
    "Flip",
    "FlipDistance",
    "LeaderStability",
    "flip_distance",
    "leader_stability",
    # evidence counted twice
    "DoubleCount",
    "double_counting",
    # classic ACH
    "AchMatrix",
    "ach_matrix",
    "inconsistency_scores",
    # indicators
    "IndicatorValue",
    "indicator_probability",
    "indicator_values",
    "value_of_information",
]
