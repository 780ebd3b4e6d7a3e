"""Terminal rendering with rich (imported only by commands that print tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from plausible.posterior import Posterior
from plausible.workspace import Workspace

__all__ = ["percent", "posterior_table", "sets_table"]


def percent(p: float) -> str:
    """A probability as a percentage for display: one decimal below 10%, none above."""
    value = 100.0 * p
    return f"{value:.1f}%" if value < 9.95 else f"{value:.0f}%"


def posterior_table(ws: Workspace, post: Posterior) -> None:
    """Print a posterior as a table, most probable first."""
    hs = ws.hypothesis_set(post.set_id)
    titles = {h.id: h.title for h in hs.hypotheses}
    table = Table(title=hs.question, title_justify="left")
    table.add_column("hypothesis", no_wrap=True, min_width=max(len(h) for h in post.hypothesis_ids))
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=34, ratio=1)
    table.add_column("prior", justify="right", no_wrap=True, min_width=5)
    table.add_column("posterior", justify="right", no_wrap=True, min_width=9)
    if post.interval is not None:
        table.add_column(f"{post.interval_level:.0%} interval", justify="right", no_wrap=True, min_width=11)
    table.add_column("", no_wrap=True)
    order = sorted(range(len(post.hypothesis_ids)), key=lambda k: -post.probability[k])
    for k in order:
        hid = post.hypothesis_ids[k]
        cells = [hid, titles[hid], percent(post.prior[k]), percent(post.probability[k])]
        if post.interval is not None:
            cells.append(f"{percent(post.interval[k, 0])}–{percent(post.interval[k, 1])}")
        cells.append("█" * round(16 * post.probability[k]))
        table.add_row(*cells)
    console = Console()
    console.print(table)
    if post.sources:
        console.print(_sources_table(ws, post))
    footer = f"{len(post.item_ids)} evidence items · {post.method} engine · inputs {post.inputs_hash[:12]}"
    if post.method == "mcmc" and "r_hat" in post.diagnostics:
        d = post.diagnostics
        footer += (f" · R-hat {d['r_hat']:.3f}, ESS bulk {d['ess_bulk']:.0f}, tail {d['ess_tail']:.0f}, "
                   f"{d['divergences']} divergences")
    console.print(footer, style="dim")


def _sources_table(ws: Workspace, post: Posterior) -> Table:
    table = Table(title="Source reliability: graded (prior) vs learned (posterior)", title_justify="left")
    for name in ("source", "grade", "prior mean", "posterior mean", f"{post.interval_level:.0%} interval", ""):
        table.add_column(name, justify="left" if name in {"source", "grade", ""} else "right")
    for s in post.sources:
        source = ws.sources.get(s.source)
        change = s.posterior_mean - s.prior_mean
        note = "trusted less than graded" if change < -0.05 else "trusted more than graded" if change > 0.05 else ""
        interval = "" if s.interval is None else f"{s.interval[0]:.2f}–{s.interval[1]:.2f}"
        table.add_row(s.source, source.reliability.label if source else "", f"{s.prior_mean:.2f}",
                      f"{s.posterior_mean:.2f}", interval, note)
    return table


def sets_table(rows: list[dict[str, Any]]) -> None:
    """Print the list of sets."""
    table = Table()
    for name in ("set", "question", "evidence", "leading", "probability"):
        table.add_column(name, justify="right" if name in {"evidence", "probability"} else "left")
    for row in rows:
        table.add_row(row["set"], row["question"], str(row["evidence"]), row["leading"], percent(row["probability"]))
    Console().print(table)
