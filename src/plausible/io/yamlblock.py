"""A fast reader for the plain block-style subset of YAML that workspace files are written in.

PyYAML builds a Python node, two marks and a resolution for every value even under libyaml, which made
reading dominate loading (about 20 µs a value). Workspace files are almost always written in one narrow
style: block mappings and sequences, one ``key: value`` per line, plain or simply quoted one-line values,
one-line flow collections (``{a: 1, b: [x, y]}``), folded or literal block scalars whose lines share one
indentation, comments. This module reads exactly that style line by line and gives up (returns None) at
the first thing outside it: anchors, aliases, tags, multi-line plain, quoted or flow values, escapes,
indentation indicators, blank lines inside block scalars, tabs, unusual indentation, duplicate keys,
anything a mistake could produce. The caller then reads the file with the full reader
(:mod:`plausible.io.yamlio`), which also reports every problem with its line.

So this reader never has to report an error, and where it returns data it must agree exactly with the
full reader: the same values of the same types, and the same line for every location. The tests check
that agreement on every YAML file in the repository and on generated documents.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from plausible.io.yamlresolve import TAG as _TAG
from plausible.io.yamlresolve import as_written, resolve_plain

__all__ = ["read_block_yaml"]

Location = tuple[str | int, ...]

_MAX_DEPTH = 60
_MAX_KEY = 1000

# Characters libyaml accepts in a document, minus tab and carriage return (left to the full reader), the
# C1 controls, the Unicode line and paragraph separators (line breaks to YAML 1.1) and the byte-order mark.
_OUTSIDE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SINGLE = re.compile(r"'((?:[^']|'')*)' *(?:#.*)?")
_DOUBLE = re.compile(r'"([^"\\]*)" *(?:#.*)?')
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _GiveUp(Exception):
    """The text is outside the subset; the full reader must read it."""


def read_block_yaml(text: str) -> tuple[Any, dict[Location, int]] | None:
    r"""Read ``text`` if it is in the block-style subset; return ``(data, lines)`` or None.

    Parameters
    ----------
    text : str
        A whole YAML document (already decoded, no byte-order mark).

    Returns
    -------
    tuple or None
        The data (as :func:`plausible.io.yamlio.parse_yaml` would give it) and the 1-based line of every
        location, or None when the full reader must be used.

    Examples
    --------
    >>> read_block_yaml("a: 1\nb:\n- x   # note\n- 'y'\n")
    ({'a': 1, 'b': ['x', 'y']}, {(): 1, ('a',): 1, ('b',): 2, ('b', 0): 3, ('b', 1): 4})
    >>> read_block_yaml("a: [1, {b: 2}]\n")[0]
    {'a': [1, {'b': 2}]}
    >>> read_block_yaml("a: &x 1\nb: *x\n") is None
    True
    """
    if _OUTSIDE.search(text) is not None:
        return None
    try:
        return _read(text)
    except _GiveUp:
        return None


_LINE = re.compile(
    r"( *)(?:(-)( +))?(?:([A-Za-z0-9_][A-Za-z0-9_.\-/]*)|\"([A-Za-z0-9_.\-/ ]*)\"|'([A-Za-z0-9_.\-/ ]*)'):(?: +(.*))?"
)
_BLOCK_HEADERS = frozenset((">", ">-", "|", "|-"))
_MISSING = object()


def _read(text: str) -> tuple[Any, dict[Location, int]] | None:
    """Read the block structure, keeping a stack of open collections ``(column, value, location)``."""
    lines: dict[Location, int] = {}
    stack: list[tuple[int, Any, Location]] = []
    pending: tuple[dict[str, Any], str, int, Location] | None = None  # key whose value is on later lines
    root: Any = None
    cache = _RAW
    started = False
    all_lines = text.split("\n")
    index = 0
    while index < len(all_lines):
        line = all_lines[index]
        index += 1
        number = index
        match = _LINE.fullmatch(line)
        if match is None:
            body = line.lstrip(" ")
            if not body or body[0] == "#":
                continue
            if not started and line == "---":
                started = True
                continue
            if body[0] != "-" or not (len(body) == 1 or body[1] == " "):
                raise _GiveUp
            rest = body[1:].lstrip(" ")  # "- value": a scalar entry
            if not rest or rest[0] in "#-":
                raise _GiveUp
            column, dash, key, raw = len(line) - len(body), True, None, rest
        else:
            spaces, dash_mark, after, key, double_quoted, single_quoted, raw = match.groups()
            if key is None:
                key = double_quoted if double_quoted is not None else single_quoted
            column, dash = len(spaces), dash_mark is not None
            if dash:
                inner = column + 1 + len(after)
        started = True

        if dash:
            # Find (or open) the sequence this entry belongs to.
            if root is None:
                if column:
                    raise _GiveUp
                root = []
                lines[()] = number
                stack.append((column, root, ()))
            elif pending is not None and column >= pending[2]:
                parent, pkey, _, ploc = pending
                pending = None
                seq: list[Any] = []
                parent[pkey] = seq
                if len(stack) >= _MAX_DEPTH:
                    raise _GiveUp
                stack.append((column, seq, (*ploc, pkey)))
            else:
                pending = None  # a pending key's value is null (already stored)
                while stack and (stack[-1][0] > column or (stack[-1][0] == column and type(stack[-1][1]) is dict)):
                    stack.pop()
                if not stack or stack[-1][0] != column or type(stack[-1][1]) is not list:
                    raise _GiveUp
            _, seq, seq_loc = stack[-1]
            loc = (*seq_loc, len(seq))
            lines[loc] = number
            if key is None:
                value = cache.get(raw, _MISSING)
                if value is _MISSING:
                    value, index = _compound(raw, loc, column, lines, number, all_lines, index)
                seq.append(value)
                continue
            mapping: dict[str, Any] = {}
            seq.append(mapping)
            if len(stack) >= _MAX_DEPTH:
                raise _GiveUp
            stack.append((inner, mapping, loc))
            column = inner
        else:
            # Find (or open) the mapping this key belongs to.
            top = stack[-1] if stack else None
            if top is not None and pending is None and top[0] == column and type(top[1]) is dict:
                pass
            elif root is None:
                if column:
                    raise _GiveUp
                root = {}
                lines[()] = number
                stack.append((column, root, ()))
            elif pending is not None and column > pending[2]:
                parent, pkey, _, ploc = pending
                pending = None
                mapping = {}
                parent[pkey] = mapping
                if len(stack) >= _MAX_DEPTH:
                    raise _GiveUp
                stack.append((column, mapping, (*ploc, pkey)))
            else:
                pending = None
                while stack and (stack[-1][0] > column or (stack[-1][0] == column and type(stack[-1][1]) is list)):
                    stack.pop()
                if not stack or stack[-1][0] != column or type(stack[-1][1]) is not dict:
                    raise _GiveUp
        assert key is not None  # scalar entries were handled above
        _, mapping, map_loc = stack[-1]
        if key in mapping or key == "<<" or len(key) > _MAX_KEY:
            raise _GiveUp
        loc = (*map_loc, key)
        lines[loc] = number
        if raw is None or not raw or raw[0] == "#":
            mapping[key] = None  # keeps the key's place; replaced if a nested value follows
            pending = (mapping, key, column, map_loc)
            continue
        value = cache.get(raw, _MISSING)
        if value is _MISSING:
            value, index = _compound(raw, loc, column, lines, number, all_lines, index)
        mapping[key] = value
    if root is None:
        return None
    return root, lines


def _compound(
    raw: str, loc: Location, column: int, lines: dict[Location, int], number: int, all_lines: list[str], index: int
) -> tuple[Any, int]:
    """A value that is not memoised: a one-line flow collection, a block scalar, or a new scalar.

    Returns the value and the index of the next line to read.
    """
    first = raw[0]
    if first in "[{":
        value, end = _flow(raw, 0, loc, lines, number, 0)
        tail = raw[end:]
        if tail.strip(" ") and not (tail[0] == " " and tail.lstrip(" ")[0] == "#"):
            raise _GiveUp
        return value, index
    if raw in _BLOCK_HEADERS:
        return _block_scalar(raw, column, all_lines, index)
    return _value(raw), index


def _block_scalar(header: str, column: int, all_lines: list[str], index: int) -> tuple[str, int]:
    """A literal (``|``) or folded (``>``) scalar whose lines all share one indentation, no blank lines inside."""
    content: list[str] = []
    indent = -1
    blank_seen = False
    while index < len(all_lines):
        line = all_lines[index]
        body = line.lstrip(" ")
        if not body:
            blank_seen = True
            index += 1
            continue
        here = len(line) - len(body)
        if indent < 0:
            if here <= column:
                break
            indent = here
        if here < indent:
            break
        if here > indent or blank_seen:
            raise _GiveUp  # more-indented lines and blank lines inside are left to the full reader
        content.append(body)
        index += 1
    if not content:
        raise _GiveUp
    joined = (" " if header[0] == ">" else "\n").join(content)
    return (joined if header.endswith("-") else joined + "\n"), index


_FLOW_DEPTH = 20
# In a flow collection "?" always starts an explicit key (libyaml), so no plain scalar there starts with it.
_FLOW_PLAIN = re.compile(r"[^,\[\]{}#:?'\"\s][^,\[\]{}#:'\"]*")
_FLOW_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.\-/]*): +")
_FLOW_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_FLOW_DOUBLE = re.compile(r'"([^"\\]*)"')


def _skip(raw: str, at: int) -> int:
    while at < len(raw) and raw[at] == " ":
        at += 1
    return at


def _flow(raw: str, at: int, loc: Location, lines: dict[Location, int], number: int, depth: int) -> tuple[Any, int]:
    """A flow value starting at ``raw[at]``, all on one line; returns it and the position after it."""
    if depth > _FLOW_DEPTH or at >= len(raw):
        raise _GiveUp
    first = raw[at]
    if first == "[":
        seq: list[Any] = []
        at = _skip(raw, at + 1)
        if at < len(raw) and raw[at] == "]":
            return seq, at + 1
        while True:
            item_loc = (*loc, len(seq))
            lines[item_loc] = number
            item, at = _flow(raw, at, item_loc, lines, number, depth + 1)
            seq.append(item)
            at = _skip(raw, at)
            if at < len(raw) and raw[at] == ",":
                at = _skip(raw, at + 1)
                if at < len(raw) and raw[at] == "]":
                    raise _GiveUp  # a trailing comma
                continue
            if at < len(raw) and raw[at] == "]":
                return seq, at + 1
            raise _GiveUp
    if first == "{":
        mapping: dict[str, Any] = {}
        at = _skip(raw, at + 1)
        if at < len(raw) and raw[at] == "}":
            return mapping, at + 1
        while True:
            match = _FLOW_KEY.match(raw, at)
            if match is None:
                raise _GiveUp
            key = match.group(1)
            if key in mapping or key == "<<" or len(key) > _MAX_KEY:
                raise _GiveUp
            key_loc = (*loc, key)
            lines[key_loc] = number
            mapping[key], at = _flow(raw, match.end(), key_loc, lines, number, depth + 1)
            at = _skip(raw, at)
            if at < len(raw) and raw[at] == ",":
                at = _skip(raw, at + 1)
                if at < len(raw) and raw[at] == "}":
                    raise _GiveUp
                continue
            if at < len(raw) and raw[at] == "}":
                return mapping, at + 1
            raise _GiveUp
    if first == "'":
        match = _FLOW_SINGLE.match(raw, at)
        if match is None:
            raise _GiveUp
        return match.group(1).replace("''", "'"), match.end()
    if first == '"':
        match = _FLOW_DOUBLE.match(raw, at)
        if match is None:
            raise _GiveUp
        return match.group(1), match.end()
    match = _FLOW_PLAIN.match(raw, at)
    if match is None:
        raise _GiveUp
    text = match.group(0).rstrip(" ")
    return _value(text), at + len(match.group(0))


_RAW: dict[str, Any] = {}


def _value(raw: str) -> Any:
    """The value of a one-line scalar (a plain or simply quoted value, maybe followed by a comment)."""
    value = _scalar(raw)
    if len(_RAW) > 200_000:
        _RAW.clear()
    _RAW[raw] = value
    return value


def _scalar(raw: str) -> Any:
    first = raw[0]
    if first == "'":
        match = _SINGLE.fullmatch(raw)
        if match is None:
            raise _GiveUp
        return match.group(1).replace("''", "'")
    if first == '"':
        match = _DOUBLE.fullmatch(raw)
        if match is None:
            raise _GiveUp
        return match.group(1)
    text = raw.split(" #", 1)[0].rstrip(" ")
    if first in _INDICATORS and (first not in "-?:" or len(text) == 1 or text[1] == " "):
        raise _GiveUp
    if ": " in text or text.endswith(":"):
        raise _GiveUp
    known = _PLAIN.get(text, _PLAIN)
    if known is _PLAIN:
        known = _plain(text)
    return known


_PLAIN: dict[str, Any] = {}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _plain(text: str) -> Any:
    """Resolve and construct a plain scalar exactly as the full reader does (memoised)."""
    tag = resolve_plain(text)
    if tag == _TAG + "str":
        value: Any = text
    elif tag == _TAG + "null":
        value = None
    elif tag == _TAG + "bool":
        value = text.lower() == "true"
    else:
        node = yaml.ScalarNode(tag, text)
        try:
            if tag == _TAG + "int":
                value = _CONSTRUCTOR.construct_yaml_int(node)
            elif tag == _TAG + "float":
                value = _CONSTRUCTOR.construct_yaml_float(node)
            elif tag == _TAG + "timestamp":
                value = _CONSTRUCTOR.construct_yaml_timestamp(node)
            else:
                raise _GiveUp
        except (ValueError, OverflowError):
            raise _GiveUp from None
        value = as_written(value, text)
    if len(_PLAIN) > 200_000:
        _PLAIN.clear()
    _PLAIN[text] = value
    return value
