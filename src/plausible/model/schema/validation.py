"""Validate a parsed YAML document against its file model, turning pydantic errors into located problems."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from plausible.core.errors import Problem
from plausible.core.names import did_you_mean
from plausible.io.yamlio import Location, YamlDocument

__all__ = ["Validated", "did_you_mean", "validate_document"]


@dataclass(frozen=True)
class Validated[M: BaseModel]:
    """The outcome of validating one document.

    Attributes
    ----------
    model : BaseModel or None
        The validated file, or None when it is unusable.
    problems : list of Problem
        Everything wrong with the file.
    kept : tuple of int
        For partial validation: the original positions of the list entries kept in ``model``.
    dropped : tuple of (int, dict)
        The entries dropped for their own problems, with their positions: their ids stay known, so that
        other files are not told they do not exist, and their readable references can still be checked.
    """

    model: M | None
    problems: list[Problem]
    kept: tuple[int, ...] = ()
    dropped: tuple[tuple[int, dict[str, Any]], ...] = ()


def validate_document[M: BaseModel](
    doc: YamlDocument, model: type[M], what: str, *, entries: str | None = None
) -> Validated[M]:
    """Validate ``doc`` as a ``model``, reporting every problem with its line.

    Parameters
    ----------
    doc : YamlDocument
        The parsed file (its own reading problems are reported too).
    model : type
        The pydantic model of this kind of file.
    what : str
        How to name the kind of file in messages ("an evidence file").
    entries : str, optional
        A list field whose entries stand on their own (``items``, ``sources``): entries with problems are
        dropped and the rest kept, so that one bad entry does not hide the checks of the others.

    Returns
    -------
    Validated
    """
    problems = list(doc.problems)
    if doc.data is None:
        if problems:
            return Validated(None, problems)
        empty = f"file is empty; expected {what} (see `plausible init` for an example)"
        return Validated(None, [doc.problem((), empty)])
    if not isinstance(doc.data, dict):
        wrong = f"expected {what}: a mapping of keys, got a {_kind(doc.data)}"
        return Validated(None, [*problems, doc.problem((), wrong)])
    try:
        result = model.model_validate(doc.data)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not _under(_clean(e["loc"]), doc.broken)]
    else:
        kept = tuple(range(len(getattr(result, entries)))) if entries else ()
        return Validated(result, problems, kept)
    problems.extend(_problems(doc, model, errors))
    raw = doc.data.get(entries) if entries else None
    if not isinstance(raw, list):
        return Validated(None, problems)
    locs = [_clean(e["loc"]) for e in errors]
    if any(len(loc) < 2 or loc[0] != entries or not isinstance(loc[1], int) for loc in locs):
        return Validated(None, problems)  # a problem outside the entries: the file is unusable
    bad = {int(loc[1]) for loc in locs} | {
        loc[1] for loc in doc.broken if len(loc) > 1 and loc[0] == entries and isinstance(loc[1], int)
    }
    kept = tuple(i for i in range(len(raw)) if i not in bad)
    try:
        partial = model.model_validate({**doc.data, entries: [raw[i] for i in kept]})
    except ValidationError:  # pragma: no cover - the kept entries validated above
        return Validated(None, problems)
    dropped = tuple((i, raw[i]) for i in sorted(bad) if i < len(raw) and isinstance(raw[i], dict))
    return Validated(partial, problems, kept, dropped)


def _kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "text" if isinstance(value, str) else type(value).__name__


def _under(loc: Location, broken: frozenset[Location]) -> bool:
    return any(loc[: len(b)] == b for b in broken)


def _clean(loc: Any) -> Location:
    return tuple(part for part in loc if not _is_union_tag(part))


def _problems(doc: YamlDocument, model: type[BaseModel], errors: list[Any]) -> list[Problem]:
    """Turn pydantic errors into problems, without the noise of union members and of typo'd keys."""
    typo_targets: set[Location] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = _clean(error["loc"])
            close = did_you_mean(str(loc[-1]), _fields_at(model, loc[:-1]))
            if close:
                typo_targets.add((*loc[:-1], close.split("'")[1]))
    out = []
    for error in errors:
        loc = _clean(error["loc"])
        if error["type"] == "missing" and loc in typo_targets:
            continue  # the unknown key beside it already says "did you mean"
        if error["type"].endswith(("_type", "_parsing")) and isinstance(error.get("input"), dict | list) and any(
            other is not error and _clean(other["loc"])[: len(loc)] == loc and _clean(other["loc"]) != loc
            for other in errors
        ):
            continue  # a union member that does not take a mapping: the member that does says what is wrong
        out.append(_problem(doc, model, error))
    return out


def _problem(doc: YamlDocument, model: type[BaseModel], error: Any) -> Problem:
    loc: Location = _clean(error["loc"])
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
    message = _in_our_words(kind, error["msg"].removeprefix("Value error, "))
    if kind not in {"value_error", "assertion_error"} and "input" in error:
        message += f" (got {_short(error['input'])})"
    return doc.problem(loc, f"{where}: {message}" if where else message)


_WORDS = {
    "list_type": "expected a list (lines starting with '- ', or [a, b])",
    "dict_type": "expected a mapping (lines of 'key: value')",
    "model_type": "expected a mapping (lines of 'key: value')",
    "model_attributes_type": "expected a mapping (lines of 'key: value')",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}


def _in_our_words(kind: str, message: str) -> str:
    """The message of a pydantic error, said as the tool says things ("expected ...", "must be ...").

    Examples
    --------
    >>> _in_our_words("list_type", "Input should be a valid list")
    "expected a list (lines starting with '- ', or [a, b])"
    >>> _in_our_words("greater_than", "Input should be greater than 0")
    'must be greater than 0'
    >>> _in_our_words("too_short", "List should have at least 1 item after validation, not 0")
    'needs at least 1 entry'
    """
    if kind in _WORDS:
        return _WORDS[kind]
    if kind == "too_short" and "at least" in message:
        count = message.split("at least ")[1].split(" ")[0]
        return f"needs at least {count} {'entry' if count == '1' else 'entries'}"
    if message.startswith("Input should be "):
        return "must be " + message.removeprefix("Input should be ")
    return message


def _is_union_tag(part: str | int) -> bool:
    # pydantic puts the union member's name into the location ("float", "str", "function-before[...]").
    return isinstance(part, str) and ("[" in part or part in {"float", "str", "int", "bool", "BetaSpec",
                                                               "constrained-str", "constrained-float"})


def _describe(loc: Location) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]" if parts else f"entry {part + 1}")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def _short(value: Any) -> str:
    if value is None:
        return "nothing: the key has no value"
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
