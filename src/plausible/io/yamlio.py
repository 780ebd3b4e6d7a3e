"""Safe YAML reading that keeps line numbers and never surprises an analyst.

Every file is read with a safe loader (libyaml's when available) and converted by hand from the node tree,
so that we can

* remember the line of every key and list entry (for ``path:line: message`` errors),
* read ``yes``/``no``/``on``/``off`` as strings (YAML 1.2 booleans only), since a hypothesis may be called
  ``no``, and keep every mapping key as the text the analyst typed (``2015`` stays ``"2015"``),
* refuse tags that construct objects (``!!python/...``), duplicate keys and merge keys,
* bound the work an alias bomb or deep nesting can cause.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plausible.core.errors import InputError, Problem
from plausible.core.limits import DEFAULT_MAX_BYTES
from plausible.io.yamlblock import read_block_yaml
from plausible.io.yamlresolve import TAG as _TAG
from plausible.io.yamlresolve import Loader as _Loader
from plausible.io.yamlresolve import as_written

__all__ = ["DEFAULT_MAX_BYTES", "YamlDocument", "parse_yaml", "read_yaml"]


MAX_NODES = 2_000_000
"""Upper bound on converted nodes, counting alias expansions (stops alias bombs)."""

MAX_DEPTH = 64
"""Upper bound on nesting depth."""

Location = tuple[str | int, ...]

@dataclass(frozen=True)
class YamlDocument:
    """The data of one YAML file and the line of every location in it.

    Parameters
    ----------
    path : str
        The file as shown in messages (relative to the workspace where possible).
    data : object
        Plain Python data: dicts with string keys, lists, str, int, float, bool, None, dates.
    lines : dict
        Maps a location (tuple of keys and indices from the root) to its 1-based line.
    sha256 : str
        Hash of the file's bytes (empty for parsed text).
    problems : tuple of Problem
        Values that could not be read (an invalid date, a refused tag, a duplicate key); each is left out
        of ``data`` (as None) so the rest of the file can still be checked.
    broken : frozenset
        Locations of those values (later checks skip them, to avoid a second message for one mistake).
    """

    path: str
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    sha256: str = ""
    problems: tuple[Problem, ...] = ()
    broken: frozenset[Location] = frozenset()

    def line_of(self, loc: Location) -> int | None:
        r"""Return the line of ``loc`` or of its nearest enclosing location that has one.

        Examples
        --------
        >>> doc = parse_yaml("items:\n  - id: a\n    x: 1\n", "f.yaml")
        >>> doc.line_of(("items", 0, "x")), doc.line_of(("items", 0, "x", "deeper"))
        (3, 3)
        """
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def problem(self, loc: Location, message: str) -> Problem:
        """Build a :class:`Problem` located at ``loc`` in this document."""
        return Problem(self.path, self.line_of(loc), message)


def read_yaml(path: Path, shown_as: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> YamlDocument:
    """Read and parse one YAML file.

    Parameters
    ----------
    path : Path
        The file to read.
    shown_as : str
        How the file is named in messages.
    max_bytes : int
        Refuse files larger than this.

    Returns
    -------
    YamlDocument

    Raises
    ------
    InputError
        When the file cannot be read, is too large, is not UTF-8 or is not valid YAML.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                [Problem(shown_as, None, f"file is {size:,} bytes, over the limit of {max_bytes:,}; split it into "
                         "smaller files or raise the limit (--max-file-size)")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(shown_as, None, f"cannot read file: {exc.strerror or exc}")]) from None
    if len(raw) > max_bytes:  # the file grew between stat and read
        raise InputError([Problem(shown_as, None, f"file is over the limit of {max_bytes:,} bytes")])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(shown_as, None, "file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                  "save the file as UTF-8")])
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte-order mark is harmless and dropped
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(shown_as, line, f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")]
        ) from None
    doc = parse_yaml(text, shown_as)
    return YamlDocument(doc.path, doc.data, doc.lines, hashlib.sha256(raw).hexdigest(), doc.problems, doc.broken)


def parse_yaml(text: str, shown_as: str, *, fast: bool = True) -> YamlDocument:
    r"""Parse YAML text into a :class:`YamlDocument`; see :func:`read_yaml`.

    Text in the plain block style is read by the fast reader (:mod:`plausible.io.yamlblock`); anything
    else, and every text with a problem, by the full one. ``fast=False`` always uses the full reader.

    Examples
    --------
    >>> parse_yaml("answer: no\nyear: 2015\n2015: x\n", "f.yaml").data
    {'answer': 'no', 'year': 2015, '2015': 'x'}
    """
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError([Problem(shown_as, line, "file contains a NUL character; is it a binary file?")])
    quick = read_block_yaml(text) if fast else None
    if quick is not None:
        return YamlDocument(shown_as, quick[0], quick[1])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(shown_as, None, {})
        converter = _Converter(loader, shown_as)
        data = converter.convert(node, (), 0)
        if converter.fatal:
            raise InputError(converter.problems)
        return YamlDocument(shown_as, data, converter.lines, "", tuple(converter.problems),
                            frozenset(converter.broken))
    except yaml.MarkedYAMLError as exc:
        raise InputError([_syntax_problem(exc, shown_as, text)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(shown_as, None, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError([Problem(shown_as, None, "nesting is too deep to be a workspace file")]) from None
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.MarkedYAMLError, shown_as: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context or "syntax error"
    context = exc.context or ""
    if "quoted scalar" in context and exc.context_mark is not None:
        return Problem(shown_as, exc.context_mark.line + 1, "not valid YAML: the quoted value that starts on this "
                       "line is never closed; add the closing quote")
    line = mark.line + 1 if mark is not None else None
    unclosed = _unclosed_quote_line(text, line)
    if unclosed is not None:
        return Problem(shown_as, unclosed, "not valid YAML: the quoted value that starts on this line is not "
                       "closed on it; add the closing quote")
    hint = "check the indentation and quoting on this line or the one before"
    at_mark = text[mark.index : mark.index + 1] if mark is not None and mark.index is not None else ""
    if at_mark == "\t" or "'\\t'" in what:
        hint = "YAML does not allow tabs for indentation; indent with spaces"
    elif "mapping values are not allowed" in what:
        hint = ("either this line is indented deeper than the key above it (align it with that key) or a value "
                "containing ': ' needs quotes")
    elif "found character '%'" in what or "found character '@'" in what or "'`'" in what:
        hint = "values starting with this character must be quoted"
    elif "found duplicate anchor" in what or "found undefined alias" in what:
        hint = "check the anchors (&name) and aliases (*name)"
    return Problem(shown_as, line, f"not valid YAML: {what}; {hint}")


_QUOTED_START = re.compile(r"""^\s*(?:-\s+)?(?:[^\s#:'"][^#:]*:\s+|-\s+)?(["'])(.*)$""")


def _unclosed_quote_line(text: str, error_line: int | None) -> int | None:
    """The first line up to the error whose value opens a quote it does not close (a likely cause).

    A quoted value may legally run over several lines, but in workspace files that is almost always a
    forgotten closing quote, which YAML reports only where the next quote confuses it.
    """
    if error_line is None:
        return None
    for number, line in enumerate(text.splitlines()[:error_line], start=1):
        match = _QUOTED_START.match(line)
        if match is None:
            continue
        quote, rest = match.group(1), match.group(2)
        body = rest.replace("\\\\", "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
        if quote not in body:
            return number
    return None


class _Converter:
    """Turns a composed node tree into plain data, recording lines and problems."""

    def __init__(self, loader: yaml.SafeLoader, shown_as: str) -> None:
        self.loader = loader
        self.shown_as = shown_as
        self.lines: dict[Location, int] = {}
        self.problems: list[Problem] = []
        self.broken: set[Location] = set()
        self.fatal = False
        self.budget = MAX_NODES
        self.sizes: dict[int, tuple[Any, int]] = {}  # collections already converted: (value, node count)

    def _problem(self, node: yaml.Node, message: str, loc: Location | None = None) -> None:
        self.problems.append(Problem(self.shown_as, node.start_mark.line + 1, message))
        if loc is None:
            self.fatal = True
        else:
            self.broken.add(loc)

    def convert(self, node: yaml.Node, loc: Location, depth: int) -> Any:
        if self.fatal:
            return None
        if depth > MAX_DEPTH:
            self._problem(node, f"nesting deeper than {MAX_DEPTH} levels is not a workspace file")
            return None
        known = self.sizes.get(id(node))
        if known is not None:
            # An alias of a collection converted before: share it, but count what it would expand to.
            self.budget -= known[1]
            if self.budget < 0:
                self._problem(node, "too many values: aliases expand beyond the limit (is this an alias bomb?); "
                              "write the values out")
                return None
            return known[0]
        self.budget -= 1
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc)
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            before = self.budget
            if node.tag not in (_TAG + "seq", _TAG + "map"):
                self._problem(node, f"unsupported YAML tag {node.tag!r}; only plain values, lists and mappings "
                              "are read (nothing is executed)", loc)
                return None
            value: Any = (
                [self.convert(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
                if isinstance(node, yaml.SequenceNode) else self._mapping(node, loc, depth)
            )
            self.sizes[id(node)] = (value, before - self.budget + 1)
            return value
        self._problem(node, "unsupported YAML node")  # pragma: no cover - the composer makes no others
        return None

    def _mapping(self, node: yaml.MappingNode, loc: Location, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_KEY_TAGS:
                self._problem(key_node, "keys must be plain text", loc)
                continue
            if key_node.tag == _TAG + "merge":
                self._problem(key_node, "merge keys ('<<') are not supported; write the keys out", loc)
                continue
            key = key_node.value
            if key in out:
                self._problem(key_node, f"duplicate key {key!r}; each key may appear once per mapping", (*loc, key))
                continue
            self.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, (*loc, key), depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, loc: Location) -> Any:
        tag = node.tag
        if tag == _TAG + "str":
            return node.value
        constructor = _SCALAR_CONSTRUCTORS.get(tag)
        if constructor is None:
            self._problem(node, f"unsupported YAML tag {tag!r}; only plain values, lists and mappings are read "
                          "(nothing is executed)", loc)
            return None
        try:
            return as_written(constructor(self.loader, node), node.value)
        except (ValueError, OverflowError) as exc:
            kind = tag.removeprefix(_TAG)
            if kind == "timestamp":
                self._problem(node, f"invalid date {node.value!r}: {exc}; write dates as YYYY-MM-DD", loc)
            else:
                self._problem(node, f"invalid {kind} {node.value!r}", loc)
            return None


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return bool(node.value.lower() == "true")


_SCALAR_CONSTRUCTORS: dict[str, Any] = {
    _TAG + "null": lambda loader, node: None,
    _TAG + "bool": _construct_bool,
    _TAG + "int": lambda loader, node: loader.construct_yaml_int(node),
    _TAG + "float": lambda loader, node: loader.construct_yaml_float(node),
    _TAG + "timestamp": lambda loader, node: loader.construct_yaml_timestamp(node),
}
_PLAIN_KEY_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "merge")}
