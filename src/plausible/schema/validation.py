"""Validate a parsed YAML document against its file model, turning pydantic errors into located problems."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from plausible.errors import Problem
from plausible.yamlio import Location, YamlDocument

__all__ = ["did_you_mean", "validate_document"]

M = TypeVar("M", bound=BaseModel)


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close.

    Examples
    --------
    >>> did_you_mean("kcan", ["kcna", "nk-news"])
    "; did you mean 'kcna'?"
    >>> did_you_mean("zzz", ["kcna"])
    ''
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean {close[0]!r}?" if close else ""


def validate_document[M: BaseModel](doc: YamlDocument, model: type[M], what: str) -> tuple[M | None, list[Problem]]:
    """Validate ``doc`` as a ``model``, returning the object or every problem found.

    Parameters
    ----------
    doc : YamlDocument
        The parsed file.
    model : type
        The pydantic model of this kind of file.
    what : str
        How to name the kind of file in messages ("an evidence file").

    Returns
    -------
    tuple
        ``(object, [])`` when valid, else ``(None, problems)``.
    """
    if doc.data is None:
        return None, [doc.problem((), f"file is empty; expected {what} (see `plausible init` for an example)")]
    if not isinstance(doc.data, dict):
        return None, [doc.problem((), f"expected {what}: a mapping of keys, got a {type(doc.data).__name__}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, [_problem(doc, model, error) for error in exc.errors()]


def _problem(doc: YamlDocument, model: type[BaseModel], error: Any) -> Problem:
    loc: Location = tuple(part for part in error["loc"] if not _is_union_tag(part))
    kind = error["type"]
    where = _describe(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(key, allowed) or (f"; allowed keys: {', '.join(sorted(allowed))}" if allowed else "")
        return doc.problem(loc, f"unknown key {key!r}{' in ' + _describe(loc[:-1]) if loc[:-1] else ''}{hint}")
    if kind == "missing":
        inside = f" in {_describe(loc[:-1])}" if loc[:-1] else ""
        return doc.problem(loc[:-1], f"missing required key {str(loc[-1])!r}{inside}")
    message = error["msg"].removeprefix("Value error, ")
    if kind not in {"value_error", "assertion_error"} and "input" in error:
        message += f" (got {_short(error['input'])})"
    return doc.problem(loc, f"{where}: {message}" if where else message)


def _is_union_tag(part: str | int) -> bool:
    # pydantic puts the union member's name into the location ("float", "str", "function-before[...]").
    return isinstance(part, str) and ("[" in part or part in {"float", "str", "int", "bool", "BetaSpec"})


def _describe(loc: Location) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]" if parts else f"entry {part + 1}")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], loc: Location) -> list[str]:
    """Names of the fields allowed at ``loc`` (walking the model's annotations), or []."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    inner = _model_in(annotation)
    return list(inner.model_fields) if inner is not None else []


def _step(annotation: Any, part: str | int) -> Any:
    model = _model_in(annotation)
    if model is not None and isinstance(part, str):
        field = model.model_fields.get(part)
        return field.annotation if field is not None else None
    for arg in _args(annotation):
        origin = typing.get_origin(arg)
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arg in _args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _args(annotation: Any) -> list[Any]:
    """The members of a union (or the annotation itself), with Annotated unwrapped."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for member in typing.get_args(annotation) for a in _args(member)]
    return [annotation]
