"""Validate a parsed YAML document against its file model, turning pydantic errors into located problems."""

from __future__ import annotations

import copy
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from plausible.core.errors import Problem
from plausible.core.names import did_you_mean
from plausible.io.yamlio import Location, YamlDocument
from plausible.io.yamlresolve import written_text

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
    pruned : frozenset of Location
        With ``prune``: the locations left out of ``model`` for their problems (later checks treat them as
        broken: they are reported already).
    """

    model: M | None
    problems: list[Problem]
    kept: tuple[int, ...] = ()
    dropped: tuple[tuple[int, dict[str, Any]], ...] = ()
    pruned: frozenset[Location] = frozenset()


def validate_document[M: BaseModel](
    doc: YamlDocument, model: type[M], what: str, *, entries: str | None = None, prune: bool = False
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
    prune : bool
        Leave out each value with a problem (the key holding it; a whole list for a problem inside a list; a
        mapping missing a required key) instead of giving up on the file, so that the cross-file checks still
        see the rest (all problems in one run). ``Validated.pruned`` lists what was left out; an entry of
        ``entries`` whose required key is left out is dropped.

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
        failed = exc
        errors = [e for e in exc.errors() if not _under(_clean(e["loc"]), doc.broken)]
    else:
        kept = tuple(range(len(getattr(result, entries)))) if entries else ()
        return Validated(result, problems, kept)
    problems.extend(_problems(doc, model, errors))
    if prune:
        return _pruned(doc, model, problems, failed, entries)
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


_PRUNE_ROUNDS = 8
"""Leaving out a required value makes its mapping invalid in turn: a few rounds climb to a removable one."""


def _pruned[M: BaseModel](doc: YamlDocument, model: type[M], problems: list[Problem], exc: ValidationError,
                          entries: str | None) -> Validated[M]:
    """Validate what is left once every value with a problem is left out (see ``prune``); None if nothing is."""
    data = copy.deepcopy(doc.data)
    raw = data.get(entries) if entries else None
    entry_list = raw if isinstance(raw, list) else None
    bad: set[int] = set()  # entries dropped whole
    pruned: set[Location] = set()
    error: ValidationError | None = exc
    positions = list(range(len(entry_list))) if entry_list is not None else []  # the validated list's, in the file
    for _ in range(_PRUNE_ROUNDS):
        assert error is not None
        for e in error.errors():
            loc = _prune_target(_clean(e["loc"]), e["type"], entries)
            if loc is None:
                return Validated(None, problems)
            if entry_list is not None and len(loc) >= 2 and loc[0] == entries and isinstance(loc[1], int):
                loc = (entries, positions[loc[1]], *loc[2:])
                if len(loc) == 2:
                    bad.add(int(loc[1]))
                    continue
            if _remove(data, loc):
                pruned.add(loc)
        if entry_list is not None:
            positions = [i for i in range(len(entry_list)) if i not in bad]
        view = data if entry_list is None else {**data, entries: [entry_list[i] for i in positions]}
        try:
            result = model.model_validate(view)
        except ValidationError as again:
            error = again
            continue
        if entries is None or entry_list is None:
            return Validated(result, problems, pruned=frozenset(pruned))
        kept = tuple(i for i in range(len(entry_list)) if i not in bad)
        dropped = tuple((i, entry_list[i]) for i in sorted(bad) if isinstance(entry_list[i], dict))
        return Validated(result, problems, kept, dropped, frozenset(pruned))
    return Validated(None, problems)  # pragma: no cover - each round removes something, and nesting is shallow


def _prune_target(loc: Location, kind: str, entries: str | None) -> Location | None:
    """The location to leave out for an error at ``loc``: None when it is the whole file.

    A missing key invalidates its mapping; an element of a list other than ``entries`` takes the whole list
    (leaving out one element would move the others' positions, and so their lines).

    Examples
    --------
    >>> _prune_target(("weight",), "greater_than", None), _prune_target(("name",), "missing", None)
    (('weight',), None)
    >>> _prune_target(("items", 2, "supersedes", 0), "string_type", "items")
    ('items', 2, 'supersedes')
    >>> _prune_target(("hypotheses", 1, "id"), "missing", None), _prune_target(("hypotheses", 1, "prior"), "x", None)
    (('hypotheses',), ('hypotheses', 1, 'prior'))
    """
    if kind == "missing":
        loc = loc[:-1]
    while loc and isinstance(loc[-1], int) and not (len(loc) == 2 and loc[0] == entries):
        loc = loc[:-1]  # not one element of a list: the others would move
    return loc or None


def _remove(data: Any, loc: Location) -> bool:
    """Delete the key at ``loc`` (a path of keys, one entry index at most) from nested data."""
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(parent, dict) and loc[-1] in parent:
        del parent[loc[-1]]
        return True
    return False


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
    where = _describe(loc, doc.data)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(key, allowed) or (f"; allowed keys: {', '.join(sorted(allowed))}" if allowed else "")
        inside = f" in {_describe(loc[:-1], doc.data)}" if loc[:-1] else ""
        return doc.problem(loc, f"unknown key {key!r}{inside}{hint}")
    if kind == "missing":
        inside = f" in {_describe(loc[:-1], doc.data)}" if loc[:-1] else ""
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


_SINGULAR = {"items": "item", "hypotheses": "hypothesis", "sources": "source", "indicators": "indicator",
             "forecasts": "forecast", "questions": "question", "resolutions": "resolution", "terms": "term"}
"""How an entry of each list is called in messages."""


def _describe(loc: Location, data: Any = None) -> str:
    """Where ``loc`` is, in words: an entry by its id when it has one, else by its place counted from 1.

    Examples
    --------
    >>> data = {"items": [{"id": "a", "credibility": 7}, {"summary": 1}], "scales": {"s": [{"band": 1}]}}
    >>> _describe(("items", 0, "credibility"), data), _describe(("items", 1, "summary"), data)
    ("item 'a', credibility", 'the 2nd item, summary')
    >>> _describe(("scales", "s", 0, "band"), data), _describe(("weight",), data)
    ('the 1st entry of scales.s, band', 'weight')
    """
    head, path = "", []
    value = data
    for at, part in enumerate(loc):
        value = _child(value, part)
        if isinstance(part, str):
            path.append(part)
            continue
        key = path[-1] if path else None
        name = _SINGULAR.get(key or "")
        entry_id = None if loc[at + 1 : at + 2] == ("id",) else _readable_id(value)  # a wrong id names nothing
        if name is not None and entry_id is not None:
            head, path = f"{name} {entry_id!r}", []
            continue
        where = f"the {_ordinal(part + 1)} {name}" if name is not None else f"the {_ordinal(part + 1)} entry"
        inside = path[:-1] if name is not None else path
        if inside:
            where += f" of {'.'.join(inside)}"
        head, path = (f"{head}, {where}" if head else where), []
    tail = ".".join(path)
    return f"{head}, {tail}" if head and tail else head or tail


def _child(value: Any, part: str | int) -> Any:
    try:
        return value[part]
    except (KeyError, IndexError, TypeError):
        return None


def _readable_id(entry: Any) -> str | None:
    value = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return written_text(value)


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ..., ``11th``, ``12th``, ``13th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
