"""The briefing's figures (matplotlib, Agg backend, imported only when a figure is drawn).

Four figures per set: probabilities with intervals, the trajectory by reporting date, per-report weights of
evidence for the leading hypothesis, and the ACH matrix as a heat map. Each comes as an inline SVG string
(with ``<title>``, ``<desc>`` and ``role="img"``, text drawn as paths so no font is fetched or assumed) for
HTML, or as PNG bytes for Markdown. Every figure has a text description for alt text and screen readers.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from plausible.briefing.formatting import decibans, truncate
from plausible.core.display import percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from plausible.briefing.content import SetBriefing

__all__ = ["FIGURES", "FigureSpec", "colours", "describe", "greyed", "render_png", "render_svg"]

MAX_DATE_LABELS = 16
"""The trajectory labels at most this many reporting dates (evenly spaced) so that they never overlap."""

MAX_WEIGHT_BARS = 20
"""The weights figure shows at most this many reports, the largest weights (either sign)."""

# Colour-blind-safe palette (Okabe–Ito): one colour each for the most probable hypotheses, the rest in one grey
# that the legend and the caption name (a colour is never reused for a second hypothesis).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D00", "#000000")
OTHERS = "#b3b3b3"
MAX_LEGEND = len(PALETTE)
"""Hypotheses drawn in a colour of their own (and named in the trajectory's legend), most probable first."""
FOR, AGAINST = "#0072B2", "#D55E00"
ACH_LABELS, ACH_COLUMN, ACH_UPRIGHT = 3.2, 0.17, 0.42
"""ACH figure: inches for the row labels, the least width of a column, and the width below which the footer's
numbers and the column titles stand upright."""
INK, MUTED, GRID = "#1a1a1a", "#555555", "#d9d9d9"
RATING_COLOURS = {"CC": "#2166ac", "C": "#92c5de", "N": "#f2f2f2", "I": "#f4a582", "II": "#b2182b", "NA": "#ffffff"}
ICD_EDGES = (0.05, 0.20, 0.45, 0.55, 0.80, 0.95)

_SVG_HEAD = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def _text(label: str, limit: int = 42) -> str:
    """Analyst text for a figure: folded, truncated, and with ``$`` escaped (no mathtext)."""
    return truncate(label, limit).replace("$", r"\$")


def colours(sb: SetBriefing) -> dict[str, str]:
    """A colour per hypothesis: the palette's for the :data:`MAX_LEGEND` most probable, :data:`OTHERS` after."""
    return {row.id: PALETTE[k] if k < len(PALETTE) else OTHERS for k, row in enumerate(sb.hypotheses)}


def greyed(sb: SetBriefing) -> int:
    """How many hypotheses share the grey of :data:`OTHERS`."""
    return max(len(sb.hypotheses) - len(PALETTE), 0)


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=9)


def probabilities_figure(sb: SetBriefing) -> Figure:
    """Horizontal bars of each hypothesis' posterior (most probable on top), interval whiskers, prior marks."""
    rows = sb.hypotheses
    fig = _new_figure(8.0, 0.42 * len(rows) + 1.2)
    ax = fig.subplots()
    _style(ax)
    colour = colours(sb)
    y = list(range(len(rows)))[::-1]
    for edge in ICD_EDGES:
        ax.axvline(100 * edge, color=GRID, linewidth=0.8, zorder=0)
    ax.barh(y, [100 * r.probability for r in rows], color=[colour[r.id] for r in rows], height=0.62, zorder=2)
    for yi, r in zip(y, rows, strict=True):
        if r.interval is not None:
            lo, hi = 100 * r.interval[0], 100 * r.interval[1]
            ax.plot([lo, hi], [yi, yi], color=INK, linewidth=1.4, zorder=3)
            ax.plot([lo, lo], [yi - 0.15, yi + 0.15], color=INK, linewidth=1.4, zorder=3)
            ax.plot([hi, hi], [yi - 0.15, yi + 0.15], color=INK, linewidth=1.4, zorder=3)
        end = 100 * max(r.probability, r.interval[1] if r.interval is not None else 0.0)
        if end - 1.0 <= 100 * r.prior <= end + 9.0:  # the label would cover the prior's mark: go past it
            end = 100 * r.prior + 1.0
        ax.text(end + 1.5, yi, percent(r.probability), va="center", fontsize=9, color=INK, zorder=4)
    ax.scatter([100 * r.prior for r in rows], y, marker="D", s=24, facecolor="white", edgecolor=INK, zorder=4,
               label="prior")
    ax.set_yticks(y, [_text(r.title, 48) for r in rows])
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    whiskers = "" if rows[0].interval is None else f"; whiskers: {round(100 * (sb.interval_level or 0.9))}% interval"
    ax.set_xlabel(f"probability (%){whiskers}", fontsize=9, color=INK)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    top = ax.secondary_xaxis("top")
    top.set_xticks([100 * e for e in ICD_EDGES], [f"{round(100 * e)}" for e in ICD_EDGES])
    top.tick_params(labelsize=7, colors=MUTED, length=2)
    top.set_xlabel("ICD 203 band edges (%)", fontsize=7, color=MUTED, loc="right")
    return fig


def trajectory_figure(sb: SetBriefing) -> Figure:
    """Each hypothesis' probability after each reporting date, from the prior; the comparison day marked."""
    traj = sb.trajectory
    labels = ["prior", *(s.label for s in traj.steps)]
    x = list(range(len(labels)))
    named = min(len(sb.hypotheses), MAX_LEGEND) + (1 if greyed(sb) else 0)
    fig = _new_figure(8.0, 3.6 + 0.22 * ((named + 1) // 2))
    ax = fig.subplots()
    _style(ax)
    colour = colours(sb)
    index = {h: k for k, h in enumerate(traj.hypothesis_ids)}
    order = [row.id for row in sb.hypotheses if row.id in index]
    for rank, h in reversed(list(enumerate(order))):  # the most probable drawn last, on top
        k = index[h]
        values = [100 * traj.prior[k], *(100 * s.probability[k] for s in traj.steps)]
        if colour[h] == OTHERS:
            label = f"the other {greyed(sb)} hypotheses" if rank == len(PALETTE) else None
            ax.plot(x, values, color=OTHERS, linewidth=1.0, label=label, zorder=1)
        else:
            ax.plot(x, values, color=colour[h], linewidth=2.0, marker="o", markersize=3.5,
                    label=_text(sb.title(h), 44), zorder=2)
    since = sb.changes.since
    if since is not None:
        first_new = next((i + 1 for i, s in enumerate(traj.steps) if s.reported >= since), None)
        if first_new is not None:
            ax.axvline(first_new - 0.5, color=MUTED, linestyle="--", linewidth=1)
            ax.text(first_new - 0.45, 1.0, f" since {since.isoformat()}", transform=ax.get_xaxis_transform(),
                    fontsize=8, color=MUTED, va="top")
    every = max(1, -(-len(labels) // MAX_DATE_LABELS))  # at most MAX_DATE_LABELS dates, evenly spaced
    ax.set_xticks(x[::every], labels[::every], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("probability (%)", fontsize=9, color=INK)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    handles, names = ax.get_legend_handles_labels()
    order_of = {name: i for i, name in enumerate(names)}  # most probable first, the grey entry last
    pairs = sorted(zip(handles, names, strict=True), key=lambda hn: (hn[1].startswith("the other "), -order_of[hn[1]]))
    fig.legend([h for h, _ in pairs], [n for _, n in pairs], loc="outside lower center", ncols=2, fontsize=8,
               frameon=False)
    return fig


def _top_weights(sb: SetBriefing) -> list[Any]:
    chosen = sorted(sb.weights, key=lambda e: -abs(e.weight))[:MAX_WEIGHT_BARS]
    return sorted(chosen, key=lambda e: e.weight)


def weights_figure(sb: SetBriefing) -> Figure:
    """Each report's weight of evidence (decibans) for the leading hypothesis, largest magnitudes."""
    rows = _top_weights(sb)
    fig = _new_figure(8.0, 0.28 * max(len(rows), 1) + 1.2)
    ax = fig.subplots()
    _style(ax)
    y = list(range(len(rows)))
    ax.barh(y, [e.weight for e in rows], color=[FOR if e.weight > 0 else AGAINST for e in rows], height=0.7)
    ax.axvline(0, color=INK, linewidth=0.8)
    ax.set_yticks(y, [_text(e.summary, 56) for e in rows], fontsize=8)
    ax.set_xlabel(f"weight of evidence for {_text(sb.leader.title, 44)} (decibans; right: for, left: against)",
                  fontsize=9, color=INK)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def ach_figure(sb: SetBriefing) -> Figure:
    """The ACH consistency matrix: reports (rows, in order of arrival) by hypotheses (columns).

    The last row gives each hypothesis' PARC weighted inconsistency. Ratings the analysts wrote are bold;
    ratings derived from a number or a verbal term are regular.
    """
    ach = sb.ach
    hids = list(ach.hypothesis_ids)
    n = len(ach.rows)
    # Columns at least ACH_COLUMN inches wide: the footer's numbers turn upright below ACH_UPRIGHT, so that no
    # two labels overlap whatever the number of hypotheses.
    width = max(8.0, ACH_LABELS + ACH_COLUMN * len(hids))
    column = (width - ACH_LABELS) / max(len(hids), 1)
    upright = column < ACH_UPRIGHT
    label_height = 1.9 if not upright else 2.6
    fig = _new_figure(width, 0.24 * (n + 1) + label_height + (0.35 if upright else 0.0))
    ax = fig.subplots()
    from matplotlib.patches import Rectangle

    for i, row in enumerate(ach.rows):
        ratings = row["ratings"]
        derived = row["derived"]
        assert isinstance(ratings, dict) and isinstance(derived, list)
        for k, h in enumerate(hids):
            rating = str(ratings[h])
            ax.add_patch(Rectangle((k, i), 1, 1, facecolor=RATING_COLOURS.get(rating, "#ffffff"),
                                   edgecolor="white", linewidth=1))
            ax.text(k + 0.5, i + 0.5, rating, ha="center", va="center", fontsize=7 if not upright else 6,
                    color="white" if rating in ("CC", "II") else INK,
                    fontweight="normal" if h in derived else "bold")
    for k, h in enumerate(hids):
        ax.text(k + 0.5, n + (0.15 if upright else 0.6), f"{ach.weighted[h]:.1f}".replace("-", "\u2212"),
                ha="center", va="top" if upright else "center", rotation=90 if upright else 0,
                fontsize=7 if upright else 8, fontweight="bold", color=INK)
    ax.set_xlim(0, len(hids))
    ax.set_ylim(n + (1.9 if upright else 1.1), 0)
    ax.xaxis.tick_top()
    titles = sb.titles
    ax.set_xticks([k + 0.5 for k in range(len(hids))], [_text(titles.get(h, h), 28) for h in hids],
                  rotation=90 if upright else 35, ha="center" if upright else "left",
                  rotation_mode="default" if upright else "anchor", fontsize=8 if not upright else 7)
    summaries = {e.item: e.summary for e in sb.weights}
    ax.set_yticks([i + 0.5 for i in range(n)] + [n + (0.9 if upright else 0.6)],
                  [_text(summaries.get(str(r["item"]), str(r["item"])), 48) for r in ach.rows]
                  + ["weighted inconsistency"], fontsize=7)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.tick_params(length=0, colors=INK)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("CC very consistent · C consistent · N neutral · I inconsistent · II very inconsistent · NA not "
                  "applicable\nbold: rated by the analysts; regular: derived from a number or a verbal term",
                  fontsize=7.5, color=MUTED)
    return fig


@dataclass(frozen=True)
class FigureSpec:
    """A figure: its name (file stem), short title, description builder and drawing function."""

    name: str
    title: str
    draw: Callable[[SetBriefing], Figure]


FIGURES = (
    FigureSpec("probabilities", "Probability of each hypothesis", probabilities_figure),
    FigureSpec("trajectory", "How the probabilities moved as reports arrived", trajectory_figure),
    FigureSpec("weights", "Weight of each report for the leading hypothesis", weights_figure),
    FigureSpec("ach", "ACH consistency matrix", ach_figure),
)


def describe(name: str, sb: SetBriefing) -> str:
    """A text description of a figure's content (alt text; the SVG's ``<desc>``)."""
    if name == "probabilities":
        parts = [f"{truncate(r.title, 60)} {percent(r.probability)} (prior {percent(r.prior)})"
                 for r in sb.hypotheses]
        return "Bar chart of the posterior probability of each hypothesis, most probable first: " + "; ".join(parts)
    if name == "trajectory":
        steps = sb.trajectory.steps
        end = steps[-1].label if steps else "the prior"
        prior = dict(zip(sb.posterior.hypothesis_ids, sb.trajectory.prior, strict=True))
        moves = "; ".join(f"{truncate(r.title, 60)} {percent(prior[r.id])} to {percent(r.probability)}"
                          for r in sb.hypotheses[:3])
        others = greyed(sb)
        grey = f" The {others} least probable hypotheses are drawn in one grey." if others else ""
        return (f"Line chart of each hypothesis' probability from the prior through each reporting date to {end}. "
                f"Leading hypotheses from prior to now: {moves}.{grey}")
    if name == "weights":
        rows = sorted(sb.weights, key=lambda e: -e.weight)
        best = "; ".join(f"{truncate(e.summary, 60)} {decibans(e.weight)}" for e in rows[:3] if e.weight > 0) or "none"
        worst = "; ".join(f"{truncate(e.summary, 60)} {decibans(e.weight)}" for e in rows[::-1][:3]
                          if e.weight < 0) or "none"
        return (f"Bar chart of each report's weight of evidence for {truncate(sb.leader.title, 60)} in decibans. "
                f"Strongest for: {best}. Strongest against: {worst}.")
    ach = sb.ach
    least = max(ach.hypothesis_ids, key=lambda h: ach.weighted[h]) if ach.hypothesis_ids else "none"
    return (f"Heat map of ACH consistency ratings of {len(ach.rows)} reports against {len(ach.hypothesis_ids)} "
            f"hypotheses. Least contradicted (PARC weighted inconsistency closest to 0): "
            f"{truncate(sb.title(least), 60)}.")


def _matplotlib() -> Any:
    """matplotlib, on the Agg backend unless pyplot already chose one (switching would close its figures)."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    return matplotlib


def _rc(salt: str) -> dict[str, Any]:
    return {"svg.fonttype": "path", "svg.hashsalt": salt, "font.size": 9, "axes.titlesize": 10,
            "text.color": INK, "axes.labelcolor": INK}


def render_svg(spec: FigureSpec, sb: SetBriefing, element_id: str) -> Markup:
    """The figure as an inline, accessible SVG element (deterministic output, ids unique per figure)."""
    matplotlib = _matplotlib()
    with matplotlib.rc_context(_rc(element_id)):
        fig = spec.draw(sb)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _SVG_METADATA.sub("", _SVG_COMMENT.sub("", _SVG_HEAD.sub("", buffer.getvalue())))
    match = _SVG_SIZE.search(svg)
    width = match.group(2) if match else "576"
    svg = _SVG_SIZE.sub(
        rf'<svg\1 role="img" aria-labelledby="{element_id}-title {element_id}-desc" '
        rf'width="100%" style="max-width:{float(width) * 4 / 3:.0f}px;height:auto"', svg, count=1)
    head = (f'<title id="{element_id}-title">{escape(spec.title)}</title>'
            f'<desc id="{element_id}-desc">{escape(describe(spec.name, sb))}</desc>')
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, svg, count=1)
    return Markup(svg.strip())  # matplotlib escapes its text; ours is escaped above


def render_png(spec: FigureSpec, sb: SetBriefing, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (for Markdown briefings)."""
    matplotlib = _matplotlib()
    with matplotlib.rc_context(_rc(spec.name)):
        fig = spec.draw(sb)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()
