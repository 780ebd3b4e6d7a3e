"""Which type a plain (unquoted) YAML value has, under YAML 1.2's booleans; memoised.

Both YAML readers (:mod:`plausible.io.yamlio`, :mod:`plausible.io.yamlblock`) resolve through here, so they
cannot disagree about a value's type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

__all__ = ["TAG", "Loader", "as_written", "resolve_plain", "written_text"]

TAG = "tag:yaml.org,2002:"
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader whose implicit booleans are YAML 1.2's (``true``/``false`` only).

    The tag of a plain scalar depends only on its text, so resolutions are memoised: workspace files
    repeat the same values (hypothesis ids, terms, dates) thousands of times, and PyYAML resolves each
    in Python even under libyaml.
    """

    _resolved: dict[str, str] = {}  # noqa: RUF012 - a process-wide cache, by design

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag of a node (plain scalars through :func:`resolve_plain`)."""
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._resolved.get(value)
            return tag if tag is not None else resolve_plain(value)
        return super().resolve(kind, value, implicit)

    def resolve_uncached(self, text: str) -> str:
        """The tag of the plain scalar ``text``, worked out by PyYAML's resolver."""
        return str(super().resolve(yaml.ScalarNode, text, (True, False)))

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Do nothing: no path-dependent resolvers are registered, so skip PyYAML's bookkeeping."""
        return None

    def ascend_resolver(self) -> None:
        """Do nothing (see :meth:`descend_resolver`)."""
        return None


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TAG + "bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def resolve_plain(text: str) -> str:
    """The tag of a plain (unquoted) scalar under our YAML 1.2-boolean rules, memoised.

    Examples
    --------
    >>> resolve_plain("no"), resolve_plain("true"), resolve_plain("2015-06-16")
    ('tag:yaml.org,2002:str', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:timestamp')
    """
    resolved = Loader._resolved
    tag = resolved.get(text)
    if tag is None:
        if len(resolved) > 200_000:
            resolved.clear()
        tag = resolved[text] = _RESOLVER.resolve_uncached(text)
    return tag


_RESOLVER = Loader("")


# --- plain scalars keep the characters they were written with -----------------------------------------------
# YAML reads `0x1F` as 31, `0123` as 83, `1_000` as 1000 and `1e3` as 1000.0. Where a number belongs that is
# right; where an id belongs the id is the text as written. So a number or date whose usual rendering would
# not give its text back is a subclass of its type that carries the text (`written_text`); the common values
# (0.45, 2015, 2015-06-16) stay plain, so the fast paths that test `type(value) is float` keep working.


class _WrittenInt(int):
    yaml_text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (_written, (int(self), self.yaml_text))


class _WrittenFloat(float):
    yaml_text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (_written, (float(self), self.yaml_text))


class _WrittenDate(dt.date):
    yaml_text: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (_written, (dt.date(self.year, self.month, self.day), self.yaml_text))


class _WrittenDateTime(dt.datetime):
    yaml_text: str

    def __reduce__(self) -> tuple[Any, ...]:
        plain = dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond,
                            self.tzinfo)
        return (_written, (plain, self.yaml_text))


def _written(value: Any, text: str) -> Any:
    out: Any
    if isinstance(value, dt.datetime):
        out = _WrittenDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                               value.microsecond, value.tzinfo)
    elif isinstance(value, dt.date):
        out = _WrittenDate(value.year, value.month, value.day)
    elif isinstance(value, int):
        out = _WrittenInt(value)
    else:
        out = _WrittenFloat(value)
    out.yaml_text = text
    return out


def _rendered(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def as_written(value: Any, text: str) -> Any:
    """A constructed plain scalar that still says how it was written, where its rendering would not.

    Examples
    --------
    >>> as_written(31, "0x1F").yaml_text, as_written(31, "0x1F") == 31
    ('0x1F', True)
    >>> type(as_written(0.45, "0.45")) is float   # its rendering gives the text back: left as it is
    True
    """
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date) or _rendered(value) == text:
        return value
    return _written(value, text)


def written_text(value: Any) -> str | None:
    """The text a number or date was written with, when YAML read it as a number or date; else None.

    Examples
    --------
    >>> written_text(as_written(83, "0123")), written_text(as_written(2015, "2015")), written_text("x")
    ('0123', '2015', None)
    """
    text = getattr(value, "yaml_text", None)
    if text is not None:
        return str(text)
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return None
    return _rendered(value)
