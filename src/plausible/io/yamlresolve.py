"""Which type a plain (unquoted) YAML value has, under YAML 1.2's booleans; memoised.

Both YAML readers (:mod:`plausible.io.yamlio`, :mod:`plausible.io.yamlblock`) resolve through here, so they
cannot disagree about a value's type.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["TAG", "Loader", "resolve_plain"]

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
