"""Schemas of a forecasting exercise's files: one pydantic model per kind of YAML document.

``exercises/<name>/exercise.yaml`` (the questions), ``exercises/<name>/forecasts/<who>.yaml`` (one forecaster's
dated forecasts; CSV files ``forecasts/*.csv`` may hold them instead, see :mod:`plausible.forecasting.csvfiles`)
and ``exercises/<name>/resolutions.yaml`` (what happened). Checks that need more than one
file (known questions and options, sums, dates) live in :mod:`plausible.forecasting.loading`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from plausible.io.yamlresolve import written_text
from plausible.model.schema import json_schemas_of
from plausible.model.schema.fields import Date, Identifier, StrictModel, Text, describe_value

__all__ = [
    "EXERCISE_FILE_KINDS",
    "ExerciseFile",
    "ForecastSpec",
    "ForecasterKind",
    "ForecastsFile",
    "Option",
    "Probability",
    "QuestionKind",
    "QuestionSpec",
    "ResolutionSpec",
    "ResolutionsFile",
    "json_schemas",
    "parse_probability",
]


class QuestionKind(StrEnum):
    """What kind of answer a question has."""

    BINARY = "binary"
    """Yes or no; forecasts give ``probability`` (of yes)."""
    CATEGORICAL = "categorical"
    """One of several unordered options; forecasts give ``probabilities``."""
    ORDERED = "ordered"
    """One of several options on a scale, listed in order; scored also by the ranked probability score."""


class ForecasterKind(StrEnum):
    """What kind of forecaster a forecasts file holds (``kind:`` in YAML, a ``kind`` column in CSV)."""

    HUMAN = "human"
    """A person (the default); pooled."""
    MODEL = "model"
    """A statistical or machine-learning model (plausible's own model is one too); pooled."""
    MARKET = "market"
    """A prediction market's price, as a probability; scored, not pooled (it already aggregates)."""
    BASELINE = "baseline"
    """A reference such as a coin (0.5) or a base rate; scored, never pooled."""


def _option(value: Any) -> str:
    # Options are the text written, even where YAML 1.1 would read a number or a boolean.
    if isinstance(value, bool):
        return "true" if value else "false"
    written = written_text(value)  # 0x1F, 1_000, 2015-06-01: as written (see plausible.io.yamlresolve)
    if written is not None:
        return written
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected an option (text such as 'more-than-3'), got {describe_value(value)}")
    return value.strip()


Option = Annotated[str, BeforeValidator(_option), WithJsonSchema({"type": "string", "minLength": 1})]
"""An answer option: any text (numbers and booleans are read as their text)."""


def parse_probability(value: Any) -> float:
    """A probability as written in an exercise file: a number in [0, 1] or a percentage such as ``'70%'``.

    Raises
    ------
    ValueError
        Saying what was received and what is expected.

    Examples
    --------
    >>> parse_probability("70%"), parse_probability(0.25)
    (0.7, 0.25)
    """
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            number = None
    if number is None:
        received = describe_value(value)
        raise ValueError(f"expected a probability: a number in [0, 1] such as 0.7 or '70%', got {received}")
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise ValueError(f"{describe_value(value)} is not a probability in [0, 1]")
    return number


Probability = Annotated[
    float, BeforeValidator(parse_probability), WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1})
]
"""A forecast probability in [0, 1] (0 and 1 are allowed; the log score clips them, see ``scores``)."""


class QuestionSpec(StrictModel):
    """One question of an exercise."""

    id: Identifier = Field(description="Unique within the exercise, kebab-case.")
    text: Text = Field(description="The question, stated so that it can be resolved unambiguously.")
    kind: QuestionKind = Field(description="binary | categorical | ordered.")
    options: list[Option] | None = Field(
        None,
        description="The possible answers (categorical, ordered: in scale order). Not for binary questions, "
        "whose options are yes and no. For a question on a hypothesis set, the set's hypothesis ids "
        "(default: all of them, in file order).",
    )
    closes: Date = Field(description="Last day on which forecasts may be made.")
    set: Identifier | None = Field(
        None,
        description="A hypothesis set this question asks about: its options are the set's hypothesis ids "
        "and its outcome is one of them. With `indicator`: the set the indicator belongs to.",
    )
    indicator: Identifier | None = Field(
        None, description="An indicator id of a hypothesis set: the question is whether it happens (binary)."
    )
    description: str | None = Field(None, description="Resolution criteria and background.")
    source: Text | None = Field(None, description="Where the question comes from (e.g. 'polymarket').")
    source_id: Text | None = Field(
        None, description="The question's id at its source, as written there (text, e.g. a hex id)."
    )


class ExerciseFile(StrictModel):
    """``exercise.yaml``: the questions of a forecasting exercise."""

    title: Text = Field(description="Title of the exercise.")
    description: str | None = Field(None, description="What the exercise is for, and how it is run.")
    questions: list[QuestionSpec] = Field(description="The questions (at least one).")


class ForecastSpec(StrictModel):
    """One dated forecast of one question; later forecasts of the same question update it."""

    question: Identifier = Field(description="Id of a question of the exercise.")
    made: Date = Field(description="The day the forecast was made; it stands until the next one.")
    probability: Probability | None = Field(None, description="Binary questions: the probability of yes.")
    probabilities: dict[Option, Probability] | None = Field(
        None, description="Categorical and ordered questions: a probability for every option, summing to 1."
    )
    rationale: str | None = Field(None, description="Why (one or two lines).")


class ForecastsFile(StrictModel):
    """``forecasts/<who>.yaml``: one forecaster's forecasts."""

    forecaster: Identifier = Field(description="Who forecasts (an id, e.g. 'analyst-a').")
    kind: ForecasterKind = Field(
        ForecasterKind.HUMAN,
        description="human | model | market | baseline (default human). Markets and baselines are scored but "
        "left out of the pooled forecasts.",
    )
    forecasts: list[ForecastSpec] = Field(description="The forecasts, in any order.")


class ResolutionSpec(StrictModel):
    """How one question resolved."""

    question: Identifier = Field(description="Id of a question of the exercise.")
    outcome: Option = Field(description="The option that happened (binary: yes or no).")
    resolved: Date = Field(description="The day the outcome became known; scoring stops there.")
    note: str | None = Field(None, description="How it was resolved (source, judgement).")


class ResolutionsFile(StrictModel):
    """``resolutions.yaml``: the outcomes of resolved questions."""

    resolutions: list[ResolutionSpec] = Field(description="One entry per resolved question.")


EXERCISE_FILE_KINDS: dict[str, type[StrictModel]] = {
    "exercise": ExerciseFile,
    "forecasts": ForecastsFile,
    "resolutions": ResolutionsFile,
}
"""Each kind of exercise file and its model."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """Return the JSON Schema of every kind of exercise file, keyed by kind.

    Examples
    --------
    >>> sorted(json_schemas())
    ['exercise', 'forecasts', 'resolutions']
    >>> json_schemas()["forecasts"]["additionalProperties"]
    False
    """
    return json_schemas_of(EXERCISE_FILE_KINDS)


