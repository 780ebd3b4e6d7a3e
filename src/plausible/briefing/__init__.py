"""Generated briefings: the assessment of one or more hypothesis sets, in Markdown or self-contained HTML.

Data flow: workspace → :func:`build_briefing` (a plain :class:`Briefing`, every number from the API) →
:func:`render_markdown` | :func:`render_html` (Jinja2 templates, escaping on; figures from :mod:`.plots`).

>>> import plausible
>>> from plausible.briefing import build_briefing, render_markdown
>>> ws = plausible.load_workspace(".")                          # doctest: +SKIP
>>> print(render_markdown(build_briefing(ws, ["dprk-driver"])).text)  # doctest: +SKIP
"""

from __future__ import annotations

# Assessing confidence
from plausible.briefing.confidence import Confidence, Criterion, assess_confidence

# What a briefing says
from plausible.briefing.content import Briefing, Changes, SetBriefing, briefing_entry, build_briefing

# Rendering
from plausible.briefing.html import render_html
from plausible.briefing.markdown import MarkdownBriefing, render_markdown

__all__ = [
    # content
    "Briefing",
    "Changes",
    "SetBriefing",
    "build_briefing",
    # the ledger entry of a briefing written with -o (for --since-last)
    "briefing_entry",
    # confidence
    "Confidence",
    "Criterion",
    "assess_confidence",
    # rendering
    "MarkdownBriefing",
    "render_html",
    "render_markdown",
]
