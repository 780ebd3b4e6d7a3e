"""Terminal rendering with rich (imported only by commands that print tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from plausible.analysis.analysts import AnalystsReport
from plausible.analysis.report import Analysis
from plausible.analysis.trajectory import Trajectory
from plausible.core.display import percent
from plausible.engines.posterior import Posterior
from plausible.workspace import Workspace

__all__ = ["analysis_report", "analysts_tables", "fragility_report", "history_table", "posterior_table", "sets_table"]


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
    console = Console()
    bars = console.width >= 100  # a bar chart only where it fits beside the numbers
    if bars:
        table.add_column("", no_wrap=True)
    order = sorted(range(len(post.hypothesis_ids)), key=lambda k: -post.probability[k])
    for k in order:
        hid = post.hypothesis_ids[k]
        cells = [hid, titles[hid], percent(post.prior[k]), percent(post.probability[k])]
        if post.interval is not None:
            cells.append(f"{percent(post.interval[k, 0])}–{percent(post.interval[k, 1])}")
        if bars:
            cells.append("█" * round(16 * post.probability[k]))
        table.add_row(*cells)
    console.print(table)
    if post.sources:
        console.print(_sources_table(ws, post))
    if post.analysts:
        console.print(_analysts_table(post))
    cut = "" if post.as_of is None else f" reported by {post.as_of} (--as-of)"
    footer = f"{len(post.item_ids)} evidence items{cut} · {post.method} engine · inputs {post.inputs_hash[:12]}"
    d = post.diagnostics
    if d is not None and d.note is None:
        footer += (f" · R-hat {d.r_hat:.3f}, ESS bulk {d.ess_bulk:.0f}, tail {d.ess_tail:.0f}, "
                   f"{d.divergences} divergences")
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


def _analysts_table(post: Posterior) -> Table:
    """The analysts' learned noise scales (probit scale; docs/model.md, "Several analysts in the MCMC engine")."""
    table = Table(title="Analyst noise: learned scale of each analyst's readings (probit scale)",
                  title_justify="left")
    for name in ("analyst", "posterior mean", f"{post.interval_level:.0%} interval"):
        table.add_column(name, justify="left" if name == "analyst" else "right")
    for a in post.analysts:
        table.add_row(a.analyst, f"{a.posterior_mean:.2f}", f"{a.interval[0]:.2f}–{a.interval[1]:.2f}")
    return table


def sets_table(rows: list[dict[str, Any]]) -> None:
    """Print the list of sets."""
    table = Table()
    for name in ("set", "question", "evidence", "leading", "probability"):
        table.add_column(name, justify="right" if name in {"evidence", "probability"} else "left")
    for row in rows:
        table.add_row(row["set"], row["question"], str(row["evidence"]), row["leading"], percent(row["probability"]))
    Console().print(table)


def history_table(ws: Workspace, traj: Trajectory) -> None:
    """Print the trajectory: one row per step, a column per hypothesis (most probable at the end first)."""
    last = traj.steps[-1].probability if traj.steps else traj.prior
    order = sorted(range(len(traj.hypothesis_ids)), key=lambda k: -last[k])
    hs = ws.hypothesis_set(traj.set_id)
    table = Table(title=f"{hs.question} — by {traj.by}", title_justify="left")
    table.add_column(traj.by, overflow="ellipsis", no_wrap=True, max_width=34)
    table.add_column("reported", no_wrap=True)
    for k in order:
        table.add_column(traj.hypothesis_ids[k], justify="right", no_wrap=True)
    table.add_row("(prior)", "", *(percent(traj.prior[k]) for k in order), style="dim")
    for step in traj.steps:
        table.add_row(step.label, step.reported.isoformat(), *(percent(step.probability[k]) for k in order))
    Console().print(table)


def analysis_report(ws: Workspace, analysis: Analysis) -> None:
    """Print the analyst's diagnostics: strongest items, linchpins, stress tests, indicators, ACH scores."""
    post = analysis.posterior
    hids = post.hypothesis_ids
    lead = int(post.probability.argmax())
    console = Console()
    items = {item.id: item for item in ws.items}
    top = sorted(range(len(post.item_ids)), key=lambda j: -abs(post.weights[j, lead]))[:10]
    table = Table(title=f"Evidence for and against the leading hypothesis, {hids[lead]} (decibans)",
                  title_justify="left")
    for name in ("item", "source", "weight", "spread", "info (bits)"):
        table.add_column(name, justify="left" if name in {"item", "source"} else "right", no_wrap=name != "item",
                         overflow="ellipsis", max_width=40)
    for j in top:
        item = items[post.item_ids[j]]
        table.add_row(item.id, item.source, f"{post.weights[j, lead]:+.1f}", f"{analysis.spread[j]:.1f}",
                      f"{analysis.information[j]:.3f}")
    console.print(table)
    links = analysis.sensitivity.linchpins
    console.print(f"Linchpins (removal changes the leader or moves it ≥ 10 points): {', '.join(links) or 'none'}")
    stress = Table(title="Source stress: each source at reliability 0", title_justify="left")
    stress.add_column("source")
    stress.add_column(f"P({hids[lead]})", justify="right")
    stress.add_column("leader", no_wrap=True)
    for source, p in analysis.sensitivity.source_stress.items():
        stress.add_row(source, percent(p[lead]), hids[int(p.argmax())])
    console.print(stress)
    uniform = analysis.sensitivity.uniform_prior
    console.print(f"Prior sensitivity: P({hids[lead]}) {percent(post.probability[lead])} with the given prior, "
                  f"{percent(uniform[lead])} with a uniform one (leader: {hids[int(uniform.argmax())]})")
    fragility_report(console, analysis)
    if analysis.indicators:
        ind = Table(title="What to collect next (indicators by value of information)", title_justify="left")
        for name in ("indicator", "P(event)", "value (bits)"):
            ind.add_column(name, justify="left" if name == "indicator" else "right")
        for v in analysis.indicators:
            ind.add_row(v.id, percent(v.probability), f"{v.value_of_information:.3f}")
        console.print(ind)
    ach = Table(title="ACH inconsistency (PARC): weighted (negative) and count", title_justify="left")
    ach.add_column("hypothesis")
    ach.add_column("weighted", justify="right")
    ach.add_column("count", justify="right")
    for h in sorted(hids, key=lambda h: analysis.ach.weighted[h], reverse=True):
        ach.add_row(h, f"{analysis.ach.weighted[h]:.2f}", str(analysis.ach.unweighted[h]))
    console.print(ach)


def fragility_report(console: Console, analysis: Analysis) -> None:
    """Print how fragile the answer is: the smallest flip, each challenger's distance, the leader shares."""
    flip, stability = analysis.flip, analysis.stability
    smallest = flip.smallest
    if smallest.steps is None:
        console.print(f"Flip distance: no change of up to {flip.depth} judgment steps, and none the greedy search "
                      f"found, puts another hypothesis above {flip.leader}")
    else:
        how = "exact" if smallest.exact else f"upper bound: the exact search covers up to {flip.depth} steps"
        steps = "1 judgment step makes" if smallest.steps == 1 else f"{smallest.steps} judgment steps make"
        console.print(f"Flip distance: {steps} {smallest.new_leader} lead instead of {flip.leader} ({how}):")
        for change in smallest.changes:
            console.print(f"  {change.describe()}")
    table = Table(title="How fragile is the answer: steps to overtake the leader, share of imprecision draws "
                  "led", title_justify="left")
    table.add_column("hypothesis", no_wrap=True)
    table.add_column("steps", justify="right")
    table.add_column("leads", justify="right")
    table.add_column(f"{stability.level:.0%} interval", justify="right", no_wrap=True)
    hids = flip.hypothesis_ids
    by_target = {f.target: f for f in flip.challengers}
    for k in sorted(range(len(hids)), key=lambda k: -analysis.posterior.probability[k]):
        h = hids[k]
        found = by_target.get(h)
        if found is None:
            steps = "(leader)"
        elif found.steps is None:
            steps = "none found"
        else:
            steps = f"{found.steps}{'' if found.exact else '+'}" + ("" if found.leads else f" ({found.new_leader})")
        low, high = stability.interval[k]
        table.add_row(h, steps, percent(stability.share[k]), f"{percent(low)}–{percent(high)}")
    console.print(table)
    console.print(f"steps: fewest judgment steps after which the hypothesis is above {flip.leader} (exact up to "
                  f"{flip.depth}; '+' an upper bound; in brackets the hypothesis that then leads, if another). "
                  f"leads: share of {stability.draws:,} draws of the banded judgments and graded reliabilities "
                  f"(seed {stability.seed}) in which it leads.", style="dim")


def analysts_tables(ws: Workspace, report: AnalystsReport) -> None:
    """Print each analyst's posterior beside the pool, then the disagreements ranked by what they change."""
    hs = ws.hypothesis_set(report.set_id)
    console = Console()
    table = Table(title=hs.question, title_justify="left")
    table.add_column("hypothesis", no_wrap=True)
    for line in report.analysts:
        table.add_column(f"{line.id}" + (f" (w {line.weight:g})" if line.weight != 1 else ""), justify="right")
    table.add_column("pooled", justify="right", style="bold")
    for hid in sorted(report.pooled, key=lambda h: -report.pooled[h]):
        table.add_row(hid, *(percent(line.probabilities[hid]) + (" *" if line.leader == hid else "")
                             for line in report.analysts), percent(report.pooled[hid]))
    console.print(table)
    if not report.disagreements:
        console.print("No item was judged by more than one analyst.", style="dim")
        return
    worst = Table(title=f"Disagreements, by what they change for the pooled leader {report.leader}",
                  title_justify="left")
    for name in ("item", "spread (dB)", f"P({report.leader}) range", "by analyst"):
        worst.add_column(name, justify="left" if name in {"item", "by analyst"} else "right")
    for d in report.disagreements:
        by = ", ".join(f"{a} {percent(p)}" for a, p in d.leader_probability.items())
        worst.add_row(d.item, f"{d.spread_db:.1f}", f"{percent(d.leader_range[0])}–{percent(d.leader_range[1])}", by)
    console.print(worst)
    console.print("* the analyst's leader · range: the leader's posterior when that item alone takes each "
                  "analyst's judgment", style="dim")
