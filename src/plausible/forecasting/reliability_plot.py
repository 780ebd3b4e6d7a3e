"""The reliability diagram of a scored exercise (matplotlib, Agg backend; imported only when a figure is drawn).

Top panel: for each plotted forecaster, the observed frequency of the event against the mean forecast in each
non-empty probability bin (the calibration table of :mod:`plausible.forecasting.calibration`), on the diagonal
when perfectly calibrated; each point is labelled with its count. Bottom panel: the counts per bin.
"""

from __future__ import annotations

import io
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plausible.core.errors import UsageError
from plausible.io.atomic import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from plausible.forecasting.results import ExerciseScores

__all__ = ["MAX_PLOTTED", "plotted_forecasters", "reliability_figure", "reliability_image",
           "write_reliability_diagram"]

MAX_PLOTTED = 6
"""At most this many forecasters are drawn (the best ranked, with the reference and plausible's model)."""


def plotted_forecasters(scores: ExerciseScores) -> list[str]:
    """The forecasters drawn: the reference and the model first, then the best ranked, up to :data:`MAX_PLOTTED`."""
    ranked = [f.id for f in (scores.ranking.rows if scores.ranking is not None else scores.forecasters)
              if f.id in scores.calibration]
    first = [w for w in (scores.reference, "plausible") if w is not None and w in scores.calibration]
    return list(dict.fromkeys([*first, *ranked]))[:MAX_PLOTTED]


def reliability_figure(scores: ExerciseScores, forecasters: list[str] | None = None) -> Figure:
    """The reliability diagram with counts per bin (see the module docstring).

    Parameters
    ----------
    scores : ExerciseScores
    forecasters : list of str, optional
        Default :func:`plotted_forecasters`.
    """
    _matplotlib()
    from matplotlib.figure import Figure

    who = plotted_forecasters(scores) if forecasters is None else forecasters
    fig = Figure(figsize=(6.4, 6.4), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    top.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfectly calibrated")
    width = 1.0 / scores.bins / max(len(who), 1)
    for n, forecaster in enumerate(who):
        rows = scores.calibration[forecaster].table
        x = [r.mean_forecast for r in rows]
        y = [r.observed_frequency for r in rows]
        line = top.plot(x, y, marker="o", linewidth=1.2, label=forecaster)[0]
        for r in rows:
            top.annotate(str(r.count), (r.mean_forecast, r.observed_frequency), textcoords="offset points",
                         xytext=(3, 3), fontsize=7, color=line.get_color())
        bottom.bar([r.lower + (n + 0.5) * width for r in rows], [r.count for r in rows], width=width,
                   color=line.get_color())
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel("observed frequency")
    heading = f"{scores.exercise.title}: reliability of the final forecasts ({scores.bins} bins, counts beside points)"
    top.set_title(textwrap.fill(heading, 72))
    top.legend(loc="upper left", fontsize=8)
    bottom.set_xlabel("forecast probability (binary events; one per option of a wider question)")
    bottom.set_ylabel("forecasts per bin")
    return fig


def reliability_image(scores: ExerciseScores, kind: str, forecasters: list[str] | None = None, *,
                      salt: str = "plausible") -> bytes:
    """The diagram as SVG or PNG bytes (SVG without dates, so the same scores give the same file).

    ``salt`` seeds the SVG's element ids: give each diagram of one page its own.
    """
    matplotlib = _matplotlib()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path", "font.size": 9}):
        fig = reliability_figure(scores, forecasters)
        metadata = {"Date": None} if kind == "svg" else {"Software": None}
        fig.savefig(buffer, format=kind, metadata=metadata, dpi=150)
    return buffer.getvalue()


def write_reliability_diagram(scores: ExerciseScores, path: str | os.PathLike[str]) -> Path:
    """Write the diagram to ``path`` (``.svg`` or ``.png``), atomically.

    Raises
    ------
    UsageError
        On another suffix, or a folder that does not exist.
    """
    target = Path(path)
    kind = target.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise UsageError(f"--plot {target}: the file must end in .svg or .png")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    return write_atomic(target, reliability_image(scores, kind))


def _matplotlib() -> Any:
    """matplotlib, on the Agg backend unless pyplot already chose one."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    return matplotlib
