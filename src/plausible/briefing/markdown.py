"""The Markdown briefing: text (every analyst-supplied string escaped) and, on request, PNG figures beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from plausible.briefing.content import Briefing
from plausible.briefing.plots import FIGURES, describe, render_png
from plausible.briefing.templating import MdText, environment

__all__ = ["MarkdownBriefing", "render_markdown"]


@dataclass(frozen=True)
class MarkdownBriefing:
    """The Markdown text and the figure files it links to (relative path → PNG bytes)."""

    text: str
    files: dict[str, bytes] = field(default_factory=dict)


def render_markdown(briefing: Briefing, figures: str | None = None) -> MarkdownBriefing:
    """Render a briefing as Markdown.

    Parameters
    ----------
    briefing : Briefing
    figures : str, optional
        Folder, relative to the Markdown file, for the PNG figures (e.g. ``"briefing-figures"``). Without
        it the Markdown has no figures (as when printed to a terminal).

    Returns
    -------
    MarkdownBriefing
    """
    links: dict[str, dict[str, dict[str, str]]] = {}
    files: dict[str, bytes] = {}
    if figures is not None:
        for sb in briefing.sets:
            links[sb.set_id] = {}
            for spec in FIGURES:
                relative = f"{figures}/{sb.set_id}-{spec.name}.png"
                files[relative] = render_png(spec, sb)
                links[sb.set_id][spec.name] = {"alt": f"{spec.title}. {describe(spec.name, sb)}",
                                               "path": MdText(quote(relative))}
    text = environment("md").get_template("briefing.md.j2").render(briefing=briefing, figures=links)
    return MarkdownBriefing(_tidy(text), files)


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one final newline."""
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() and lines and not lines[-1].strip():
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"
