"""Field types shared by the file schemas: identifiers, probability values, dates, reliability."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from plausible.core.names import ID_PATTERN
from plausible.io.yamlresolve import written_text

__all__ = [
    "BetaSpec",
    "describe_value",
    "Credibility",
    "Date",
    "Identifier",
    "LikelihoodValue",
    "PriorValue",
    "ReliabilityValue",
    "StrictModel",
    "Text",
]


class StrictModel(BaseModel):
    """Base of every file model: unknown keys are errors, values are not silently coerced to text."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _identifier(value: Any) -> str:
    if type(value) is str:  # the common case, memoised: the same ids recur thousands of times
        return _text_identifier(value)
    return _any_identifier(value)


@functools.lru_cache(maxsize=65536)
def _text_identifier(value: str) -> str:
    return _any_identifier(value)


def _any_identifier(value: Any) -> str:
    # YAML reads an unquoted id such as 0x1F, 0123, 1_000 or 2015-06-16 as a number or a date; an id is the
    # text as it was written (the readers keep it, see plausible.io.yamlresolve).
    if isinstance(value, bool):
        value = "true" if value else "false"
    else:
        value = written_text(value) or value
    if not isinstance(value, str):
        raise ValueError(f"expected an id (text such as 'food-aid'), got {describe_value(value)}")
    text: str = value.strip()
    if not ID_PATTERN.match(text):
        raise ValueError(
            f"{text!r} is not a valid id: use letters, digits and single '-', '_' or '.' between them "
            "(kebab-case such as 'food-aid')"
        )
    return text


Identifier = Annotated[
    str,
    BeforeValidator(_identifier),
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN.pattern}),
]
"""An id: kebab-case recommended; numbers and booleans are read as their text."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | dt.date):
        return written_text(value) or str(value)  # a title such as 2015 is still a title, as written
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected non-empty text, got {describe_value(value)}")
    return value.strip()


Text = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string", "minLength": 1})]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a date written YYYY-MM-DD, got {describe_value(value)}")


Date = Annotated[dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


def _number(value: Any) -> float | None:
    """Return ``value`` as a float when it is a number or numeric text ("0.7", "70%"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            return None
    return None


def _likelihood(value: Any) -> float | str:
    if type(value) is float and 0.0 < value < 1.0:
        return value  # the common case: a number in range
    if type(value) is str:
        return _text_likelihood(value)
    return _any_likelihood(value)


@functools.lru_cache(maxsize=65536)
def _text_likelihood(value: str) -> float | str:
    return _any_likelihood(value)


def _certainty_hint(number: float) -> str:
    """What to write instead of a certainty or an impossible number, pointing the way the analyst meant.

    Examples
    --------
    >>> _certainty_hint(1.0)
    "(0 and 1 claim certainty; for near-certain use e.g. 0.99 or 'almost certain')"
    >>> _certainty_hint(-0.2)
    "(0 and 1 claim certainty; for near-impossible use e.g. 0.01 or 'almost no chance')"
    >>> _certainty_hint(70.0)
    '(a percentage is written with its sign: 70%)'
    """
    if not math.isfinite(number):
        return "(write a number such as 0.3, or a verbal term such as 'likely')"
    if 1.0 < number <= 100.0 and number.is_integer():  # 70 meant as 70 %
        return f"(a percentage is written with its sign: {number:g}%)"
    if number >= 1.0:
        return "(0 and 1 claim certainty; for near-certain use e.g. 0.99 or 'almost certain')"
    return "(0 and 1 claim certainty; for near-impossible use e.g. 0.01 or 'almost no chance')"


def _any_likelihood(value: Any) -> float | str:
    number = _number(value)
    if number is not None:
        if not math.isfinite(number) or not 0.0 < number < 1.0:
            raise ValueError(f"{describe_value(value)} is not a probability strictly between 0 and 1 "
                             f"{_certainty_hint(number)}")
        return number
    if isinstance(value, str) and value.strip():
        return value.strip()  # a verbal term or ACH rating, checked against the model's scales later
    raise ValueError(
        f"expected a probability in (0, 1), a verbal term such as 'likely' or an ACH rating such as 'C', "
        f"got {describe_value(value)}"
    )


_VALUE_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        {"type": "string", "description": "a verbal term (e.g. 'likely') or ACH rating (CC, C, N, I, II, NA)"},
    ]
}
LikelihoodValue = Annotated[float | str, BeforeValidator(_likelihood), WithJsonSchema(_VALUE_SCHEMA)]
"""P(event | hypothesis): a number in (0, 1), a verbal term or an ACH rating."""


def _prior(value: Any) -> float | str:
    number = _number(value)
    if number is not None:
        if not math.isfinite(number) or number <= 0.0:
            raise ValueError(
                f"{describe_value(value)} is not a valid prior: priors are positive weights (normalised to sum to 1); "
                "a hypothesis you rule out should be removed instead"
            )
        return number
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"expected a positive number or a verbal term, got {describe_value(value)}")


PriorValue = Annotated[
    float | str,
    BeforeValidator(_prior),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}]}),
]


class BetaSpec(StrictModel):
    """A Beta(alpha, beta) distribution given by its two shape parameters."""

    alpha: float = Field(gt=0, allow_inf_nan=False, description="First shape parameter (> 0).")
    beta: float = Field(gt=0, allow_inf_nan=False, description="Second shape parameter (> 0).")


def _reliability(value: Any) -> str | float | dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().upper() in set("ABCDEF"):
        return value.strip().upper()
    number = _number(value)
    if number is not None:
        if not math.isfinite(number) or not 0.0 <= number <= 1.0:
            raise ValueError(f"reliability {describe_value(value)} is not a number in [0, 1]")
        return number
    raise ValueError(
        f"expected an Admiralty grade A–F, a number in [0, 1] or {{alpha: 8, beta: 2}}, got {describe_value(value)}"
    )


ReliabilityValue = Annotated[
    str | float | BetaSpec,
    BeforeValidator(_reliability),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list("ABCDEF")},
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "object", "properties": {"alpha": {"type": "number"}, "beta": {"type": "number"}}},
            ]
        }
    ),
]


def _credibility(value: Any) -> int:
    number = _number(value)
    if number is None or number != int(number) or not 1 <= number <= 6:
        raise ValueError(f"credibility must be an Admiralty grade 1–6, got {describe_value(value)}")
    return int(number)


Credibility = Annotated[
    int, BeforeValidator(_credibility), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 6})
]


def describe_value(value: Any) -> str:
    """How a received value is named in an error message ("nothing", "a list", or its short repr)."""
    if value is None:
        return "nothing"
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
