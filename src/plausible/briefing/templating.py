"""The Jinja2 environments of the two formats, with escaping on by default in both.

HTML: Jinja2's autoescaping (markupsafe). Markdown: every ``{{ … }}`` value passes through
:func:`~plausible.briefing.formatting.md_escape` unless it is :class:`MdText`, which only the number
formatters here produce. Analyst-supplied text is therefore escaped unless a template goes out of its way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Literal

import jinja2
from markupsafe import Markup, escape

from plausible.briefing import formatting as fmt
from plausible.core.display import percent
from plausible.model.scales import ModelSpec
from plausible.tracking.ledger import iso_time

__all__ = ["MdText", "environment"]

Format = Literal["md", "html"]
_PLAIN_ID = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")


class MdText(str):
    """Markdown the briefing wrote itself (numbers, dates): not escaped again."""

    __slots__ = ()


def _md_finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, MdText):
        return str(value)
    return fmt.md_escape(str(value))


def environment(kind: Format) -> jinja2.Environment:
    r"""A Jinja2 environment for ``kind`` with the briefing's filters and globals.

    Examples
    --------
    >>> env = environment("md")
    >>> env.from_string("{{ t }} {{ p | pct }}").render(t="<b>|", p=0.4449)
    '&lt;b&gt;\\| 44%'
    >>> environment("html").from_string("{{ t }} {{ p | pct }}").render(t="<b>", p=0.4449)
    '&lt;b&gt; 44%'
    """
    loader = jinja2.PackageLoader("plausible.briefing", "templates")
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                 trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        safe: Callable[[str], Any] = Markup
        esc: Callable[[str], str] = lambda s: str(escape(s))  # noqa: E731
    else:
        env = jinja2.Environment(loader=loader, autoescape=False, finalize=_md_finalize,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
        safe, esc = MdText, fmt.md_escape

    def phrase(spec: ModelSpec, p: float, interval: tuple[float, float] | None = None,
               level: float | None = None) -> Any:
        term = spec.describe(p)
        text = fmt.likelihood_phrase(spec, p, interval, level)
        if term:  # the term comes from the model file: analyst text
            text = esc(term) + text[len(term):]
        return safe(text)

    def code(text: str) -> Any:
        if kind == "md" and _PLAIN_ID.fullmatch(text):
            return MdText(f"`{text}`")
        if kind == "html":
            return Markup("<code>{}</code>").format(text)
        return esc(text)

    env.filters.update({
        "pct": lambda p: safe(percent(p)),
        "pctw": lambda p, spec: safe(fmt.percent_in_words(spec, p)),
        "interval": lambda iv: safe("–" if iv is None else fmt.interval_text(iv)),
        "db": lambda w: safe(fmt.decibans(w)),
        "pts": lambda d: safe(fmt.points(d)),
        "band": lambda b: safe("" if b is None else fmt.band_text(b)),
        "iso": lambda d: safe(iso_time(d) if isinstance(d, dt.datetime) else d.isoformat() if isinstance(d, dt.date)
                              else "–"),
        "num": lambda x, spec="{:.2f}": safe("–" if x is None else spec.format(x).replace("-", fmt.MINUS)),
        "bar": lambda share: safe(fmt.share_bar(share)),
        "trunc": fmt.truncate,
        "credibility": fmt.credibility_text,
        "css_string": lambda t: safe(fmt.css_string(t)),
        "code": code,
        "url": fmt.safe_url,
    })
    from plausible.briefing.plots import greyed

    env.globals.update({"greyed": greyed, "phrase": phrase, "level_text": lambda lv: safe(fmt.level_text(lv)),
                        "safe": safe})
    return env
