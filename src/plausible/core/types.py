"""Shared type aliases and vocabularies, in one place."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AchRating", "AdmiraltyGrade", "Method", "Relevance"]

class Method(StrEnum):
    """An inference engine: ``exact`` (closed form at point values) or ``mcmc`` (PyMC)."""

    EXACT = "exact"
    MCMC = "mcmc"


class AdmiraltyGrade(StrEnum):
    """Admiralty (NATO) source reliability grades."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class AchRating(StrEnum):
    """PARC ACH 2.0 consistency ratings."""

    CC = "CC"
    C = "C"
    N = "N"
    I = "I"  # noqa: E741 - the rating's own name
    II = "II"
    NA = "NA"


class Relevance(StrEnum):
    """PARC ACH relevance of an item (weights the inconsistency score)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
