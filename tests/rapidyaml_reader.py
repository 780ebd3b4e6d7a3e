"""A candidate YAML reader on rapidyaml (``ryml``), kept for tests and benchmarks only (not adopted).

It tries to give exactly what :func:`plausible.io.yamlio.parse_yaml` gives. rapidyaml parses in place and
hands back each scalar as a view into the buffer with its quoting style; the Python wrapper (0.15.2) exposes
no node locations, so the line of a node is worked out from where its scalar (or its anchor or tag) sits in
the buffer. That fails where a node has no scalar of its own (an empty flow collection, a null sequence
entry), which is one reason the reader was not adopted; ``tests/test_rapidyaml.py`` pins down the others.
Plain scalars are resolved through :mod:`plausible.io.yamlresolve`, as in the other readers.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import ryml
import yaml

from plausible.core.errors import InputError, Problem
from plausible.io.yamlio import YamlDocument, _unclosed_quote_line
from plausible.io.yamlresolve import TAG as _TAG
from plausible.io.yamlresolve import as_written, resolve_plain

__all__ = ["parse_ryml", "parse_yaml_ryml"]

Location = tuple[str | int, ...]

MAX_NODES = 2_000_000
MAX_DEPTH = 64
_NONE = ryml.NONE
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN_KEY_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "merge")}


def _address(view: Any) -> int:
    return int(np.frombuffer(view, dtype=np.uint8).__array_interface__["data"][0])


def parse_yaml_ryml(text: str, shown_as: str) -> YamlDocument:
    """What :func:`plausible.io.yamlio.parse_yaml` gives, read with rapidyaml."""
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError([Problem(shown_as, line, "file contains a NUL character; is it a binary file?")])
    data, lines, problems, broken = parse_ryml(text, shown_as)
    return YamlDocument(shown_as, data, lines, "", tuple(problems), frozenset(broken))


def parse_ryml(text: str, shown_as: str) -> tuple[Any, dict[Location, int], list[Problem], set[Location]]:
    """Parse ``text``; return ``(data, lines, problems, broken)`` or raise :class:`InputError`.

    Parameters
    ----------
    text : str
        A whole YAML document.
    shown_as : str
        The file as named in messages.

    Returns
    -------
    tuple
        The data, the line of every location, the problems found, and their locations.
    """
    src = text.encode("utf-8")
    buf = bytearray(src)
    base = _address(buf) if buf else 0
    try:
        tree = ryml.parse_in_place(buf)
    except ryml.ExceptionParse as exc:
        line = int(exc.errdata_parse.ymlloc.line) or None
        raise InputError([_syntax_problem(str(exc.msg), line, text, shown_as)]) from None
    node = tree.root_id()
    if tree.is_stream(node):
        docs = list(ryml.children(tree, node))
        if len(docs) > 1:
            line = _Reader(tree, src, base, shown_as).line_of_node(docs[1])
            raise InputError([Problem(shown_as, line, "not valid YAML: but found another document")])
        if not docs:
            return None, {}, [], set()
        node = docs[0]
    if not (tree.is_container(node) or tree.has_val(node)):
        return None, {}, [], set()
    reader = _Reader(tree, src, base, shown_as)
    data = reader.convert(node, (), 0)
    if reader.fatal:
        raise InputError(reader.problems)
    return data, reader.lines, reader.problems, reader.broken


class _Reader:
    def __init__(self, tree: Any, src: bytes, base: int, shown_as: str) -> None:
        self.tree = tree
        self.src = src
        self.base = base
        self.shown_as = shown_as
        self.breaks = [i for i, c in enumerate(src) if c == 10]
        self.lines: dict[Location, int] = {}
        self.problems: list[Problem] = []
        self.broken: set[Location] = set()
        self.fatal = False
        self.budget = MAX_NODES
        self.anchors: dict[bytes, tuple[int, bool]] = {}  # anchor -> (node, anchored on the key)
        self.sizes: dict[int, tuple[Any, int]] = {}

    # --- positions ------------------------------------------------------------------------------------------

    def _offset(self, view: Any) -> int | None:
        if view is None:
            return None
        at = _address(view) - self.base
        return at if 0 <= at <= len(self.src) else None

    def _line(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1

    def line_of_key(self, node: int) -> int | None:
        t = self.tree
        offsets = [self._offset(t.key(node))]
        if t.has_key_tag(node):
            offsets.append(self._offset(t.key_tag(node)))
        if t.has_key_anchor(node):
            offsets.append(self._offset(t.key_anchor(node)))
        found = [o for o in offsets if o is not None]
        return self._line(min(found)) if found else None

    def line_of_node(self, node: int) -> int | None:
        """The line of a node's value: its anchor, tag, scalar, or (for a collection) its first child's."""
        t = self.tree
        for _ in range(MAX_DEPTH + 2):  # deeper than that, the file is refused anyway
            offsets: list[int | None] = []
            if t.has_val_tag(node):
                offsets.append(self._offset(t.val_tag(node)))
            if t.has_val_anchor(node):
                offsets.append(self._offset(t.val_anchor(node)))
            if offsets and None not in offsets:
                return self._line(min(o for o in offsets if o is not None))
            if not t.is_container(node):
                break
            child = t.first_child(node)
            if child == _NONE:
                return None
            if t.has_key(child):
                return self.line_of_key(child)
            node = child
        else:
            return None
        if t.has_val(node):
            at = self._offset(t.val(node))
            if at is None:
                return None
            if t.is_val_literal(node) or t.is_val_folded(node):
                return self._line(at) - 1  # the view starts at the content, the line after the header
            return self._line(at)
        return None

    # --- conversion -----------------------------------------------------------------------------------------

    def _problem(self, line: int | None, message: str, loc: Location | None = None) -> None:
        self.problems.append(Problem(self.shown_as, line, message))
        if loc is None:
            self.fatal = True
        else:
            self.broken.add(loc)

    def convert(self, node: int, loc: Location, depth: int) -> Any:
        t = self.tree
        if self.fatal:
            return None
        if t.is_val_ref(node):
            name = bytes(t.val_ref(node))
            target = self.anchors.get(name)
            if target is None:
                self._problem(self.line_of_node(node), "not valid YAML: found undefined alias")
                return None
            known = self.sizes.get(target[0])
            if known is not None:
                self.budget -= known[1]
                if self.budget < 0:
                    self._problem(self.line_of_node(target[0]), "too many values: aliases expand beyond the limit "
                                  "(is this an alias bomb?); write the values out")
                    return None
                return known[0]
            if target[1]:
                return self._key_alias_value(target[0], loc)
            node = target[0]
        elif t.has_val_anchor(node):
            self.anchors[bytes(t.val_anchor(node))] = (node, False)
        if depth > MAX_DEPTH:
            self._problem(self.line_of_node(node), f"nesting deeper than {MAX_DEPTH} levels is not a workspace file")
            return None
        self.budget -= 1
        line = self.line_of_node(node)
        if line is not None:
            self.lines.setdefault(loc, line)
        tag = _tag(t.val_tag(node)) if t.has_val_tag(node) else None
        if t.is_container(node):
            before = self.budget
            if tag is not None and tag not in (_TAG + "seq", _TAG + "map"):
                self._problem(line, f"unsupported YAML tag {tag!r}; only plain values, lists and mappings "
                              "are read (nothing is executed)", loc)
                return None
            if t.is_seq(node):
                value: Any = [self.convert(child, (*loc, i), depth + 1)
                              for i, child in enumerate(ryml.children(t, node))]
            else:
                value = self._mapping(node, loc, depth)
            self.sizes[node] = (value, before - self.budget + 1)
            return value
        view = t.val(node)
        text = "" if view is None else bytes(view).decode("utf-8")
        plain = view is None or t.is_val_plain(node)
        return self._scalar(text, plain, tag, line, loc)

    def _key_alias_value(self, node: int, loc: Location) -> Any:
        t = self.tree
        line = self.line_of_key(node)
        if line is not None:
            self.lines.setdefault(loc, line)
        tag = _tag(t.key_tag(node)) if t.has_key_tag(node) else None
        view = t.key(node)
        text = "" if view is None else bytes(view).decode("utf-8")
        return self._scalar(text, view is None or t.is_key_plain(node), tag, line, loc)

    def _scalar(self, text: str, plain: bool, tag: str | None, line: int | None, loc: Location) -> Any:
        if tag is None or tag == "!":
            tag = resolve_plain(text) if plain and tag is None else _TAG + "str"
        if tag == _TAG + "str":
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() == "true"
        kind = tag.removeprefix(_TAG)
        if kind not in ("int", "float", "timestamp"):
            self._problem(line, f"unsupported YAML tag {tag!r}; only plain values, lists and mappings are read "
                          "(nothing is executed)", loc)
            return None
        node = yaml.ScalarNode(tag, text)
        try:
            if kind == "int":
                return as_written(_CONSTRUCTOR.construct_yaml_int(node), text)
            if kind == "float":
                return as_written(_CONSTRUCTOR.construct_yaml_float(node), text)
            return as_written(_CONSTRUCTOR.construct_yaml_timestamp(node), text)
        except (ValueError, OverflowError) as exc:
            if kind == "timestamp":
                self._problem(line, f"invalid date {text!r}: {exc}; write dates as YYYY-MM-DD", loc)
            else:
                self._problem(line, f"invalid {kind} {text!r}", loc)
            return None

    def _mapping(self, node: int, loc: Location, depth: int) -> dict[str, Any]:
        t = self.tree
        out: dict[str, Any] = {}
        for child in ryml.children(t, node):
            line = self.line_of_key(child)
            if t.is_key_ref(child):
                target = self.anchors.get(bytes(t.key_ref(child)))
                if target is None:
                    self._problem(line, "not valid YAML: found undefined alias")
                    return out
                if not target[1]:
                    self._problem(line, "keys must be plain text", loc)
                    continue
                key_node = target[0]
            else:
                key_node = child
                if t.has_key_anchor(child):
                    self.anchors[bytes(t.key_anchor(child))] = (child, True)
            tag = _tag(t.key_tag(key_node)) if t.has_key_tag(key_node) else None
            view = t.key(key_node)
            key = "" if view is None else bytes(view).decode("utf-8")
            plain = view is None or t.is_key_plain(key_node)
            if tag is None:
                tag = resolve_plain(key) if plain else _TAG + "str"
            elif tag == "!":
                tag = _TAG + "str"
            if tag not in _PLAIN_KEY_TAGS:
                self._problem(line, "keys must be plain text", loc)
                continue
            if tag == _TAG + "merge":
                self._problem(line, "merge keys ('<<') are not supported; write the keys out", loc)
                continue
            if key in out:
                self._problem(line, f"duplicate key {key!r}; each key may appear once per mapping", (*loc, key))
                continue
            if line is not None:
                self.lines[(*loc, key)] = line
            out[key] = self.convert(child, (*loc, key), depth + 1)
        return out


def _syntax_problem(what: str, line: int | None, text: str, shown_as: str) -> Problem:
    unclosed = _unclosed_quote_line(text, line)
    if unclosed is not None:
        return Problem(shown_as, unclosed, "not valid YAML: the quoted value that starts on this line is not "
                       "closed on it; add the closing quote")
    hint = "check the indentation and quoting on this line or the one before"
    lines = text.splitlines()
    here = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    if here[: len(here) - len(here.lstrip(" \t"))].count("\t"):
        hint = "YAML does not allow tabs for indentation; indent with spaces"
    return Problem(shown_as, line, f"not valid YAML: {what}; {hint}")


def _tag(view: Any) -> str:
    text = bytes(view).decode("utf-8")
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if text.startswith("!!"):
        return _TAG + text[2:]
    return text
