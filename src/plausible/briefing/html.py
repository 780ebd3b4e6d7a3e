"""The HTML briefing: one self-contained page (inline CSS and SVG figures, no script, nothing fetched)."""

from __future__ import annotations

from plausible.briefing.content import Briefing
from plausible.briefing.plots import FIGURES, render_svg
from plausible.briefing.templating import environment

__all__ = ["render_html"]


def render_html(briefing: Briefing) -> str:
    """Render a briefing as one HTML page.

    Parameters
    ----------
    briefing : Briefing

    Returns
    -------
    str
        The page, autoescaped by Jinja2; figures are inline SVG with ``<title>`` and ``<desc>``.
    """
    figures = {
        sb.set_id: {spec.name: render_svg(spec, sb, f"fig-{sb.set_id}-{spec.name}") for spec in FIGURES}
        for sb in briefing.sets
    }
    return environment("html").get_template("briefing.html.j2").render(briefing=briefing, figures=figures)
