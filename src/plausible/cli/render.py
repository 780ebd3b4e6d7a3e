"""Terminal rendering with rich (imported only by commands that print tables).

Every table is offered in layouts from the widest to the most compact, and the first that fits the terminal
is printed (:mod:`plausible.cli.layout`): no number, id or header is ever cut, and every number is shown at
the precision of :mod:`plausible.core.display`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from plausible.analysis.analysts import AnalystsReport
from plausible.analysis.report import Analysis
from plausible.analysis.trajectory import Trajectory
from plausible.cli.layout import Col, Layout, Row, console, fit, title
from plausible.core.display import bits, decibans, noise_scale, percent, reliability
from plausible.engines.posterior import Posterior
from plausible.workspace import Workspace

__all__ = ["analysis_report", "analysts_tables", "fragility_report", "history_table", "posterior_table", "sets_table"]


def _boxed_then_compact(cols: list[Col], rows: list[Row], notes: tuple[str, ...] = ()) -> list[Layout]:
    return [Layout(tuple(cols), tuple(rows), True, notes), Layout(tuple(cols), tuple(rows), False, notes)]


def _without(layout: Layout, header: str) -> Layout:
    """The layout without one column (a wrapped text column that a narrow terminal cannot afford)."""
    j = [c.header for c in layout.cols].index(header)
    rows = tuple(Row(r.cells[:j] + r.cells[j + 1:], r.style) for r in layout.rows)
    return Layout(layout.cols[:j] + layout.cols[j + 1:], rows, layout.boxed, layout.notes)


def _interval(low: float, high: float) -> str:
    return f"{percent(low)}–{percent(high)}"


def posterior_table(ws: Workspace, post: Posterior) -> None:
    """Print a posterior as a table, most probable first (with a bar chart where the terminal is wide)."""
    hs = ws.hypothesis_set(post.set_id)
    titles = {h.id: h.title for h in hs.hypotheses}
    out = console()
    title(out, f"{post.set_id}: {hs.question}")
    pooled_from = ws.prior_from(post.set_id)
    lead_prior = hs.priors_by_analyst.get("lead") if pooled_from != ("lead",) else None
    prior_name = "pooled prior" if len(pooled_from) > 1 else f"{pooled_from[0]}'s prior" if lead_prior else "prior"
    cols = [Col("hypothesis", "id"), Col("title", "text", wrap_to=14), Col(prior_name), Col("posterior")]
    if lead_prior is not None:
        cols.insert(2, Col("lead's prior"))
    if post.interval is not None:
        cols.append(Col(f"{post.interval_level:.0%} interval"))
    leads = post.leader_probability
    if leads is not None:
        cols.append(Col("leads"))
    order = sorted(range(len(post.hypothesis_ids)), key=lambda k: -post.probability[k])
    rows = []
    for k in order:
        hid = post.hypothesis_ids[k]
        cells = [hid, titles[hid], percent(post.prior[k]), percent(post.probability[k])]
        if lead_prior is not None:
            cells.insert(2, percent(lead_prior[k]))
        if post.interval is not None:
            cells.append(_interval(post.interval[k, 0], post.interval[k, 1]))
        if leads is not None:
            cells.append(percent(leads[k]))
        rows.append(Row((*cells, "█" * round(16 * post.probability[k]))))
    charted = [Layout((*cols, Col("chart", "id")), tuple(rows))]
    plain = [Row(r.cells[:-1]) for r in rows]
    layouts = [*charted, *_boxed_then_compact(cols, plain)]
    fit(out, [*layouts, _without(layouts[-1], "title")])
    if post.sources:
        _sources_table(out, ws, post)
    if post.analysts:
        _analysts_table(out, post)
    cut = "" if post.as_of is None else f" reported by {post.as_of} (--as-of)"
    footer = f"{len(post.item_ids)} evidence items{cut} · {post.method} engine · inputs {post.inputs_hash[:12]}"
    if leads is not None:
        footer += " · leads: share of the draws in which the hypothesis is the most probable"
    d = post.diagnostics
    if d is not None and d.note is None:
        footer += (f" · R-hat {d.r_hat:.3f}, ESS bulk {d.ess_bulk:.0f}, tail {d.ess_tail:.0f}, "
                   f"{d.divergences} divergences")
    out.print(footer, style="dim", overflow="fold")
    if lead_prior is not None:
        what = (f"the log pool of the priors of {', '.join(pooled_from)}" if len(pooled_from) > 1
                else f"{pooled_from[0]}'s own")
        out.print(f"{prior_name}: {what} (the engines use it); lead's prior: {hs.path}'s, normalised",
                  style="dim", overflow="fold")


def _sources_table(out: Console, ws: Workspace, post: Posterior) -> None:
    title(out, "Source reliability: graded (prior) vs learned (posterior)")
    cols = [Col("source", "id"), Col("grade", "id"), Col("prior mean"), Col("posterior mean"),
            Col(f"{post.interval_level:.0%} interval"), Col("note", "text", wrap_to=12)]
    rows = []
    for s in post.sources:
        source = ws.sources.get(s.source)
        change = s.posterior_mean - s.prior_mean
        note = "trusted less than graded" if change < -0.05 else "trusted more than graded" if change > 0.05 else ""
        interval = "" if s.interval is None else f"{reliability(s.interval[0])}–{reliability(s.interval[1])}"
        rows.append(Row((s.source, source.reliability.label if source else "", reliability(s.prior_mean),
                         reliability(s.posterior_mean), interval, note)))
    fit(out, _boxed_then_compact(cols, rows))


def _analysts_table(out: Console, post: Posterior) -> None:
    """The analysts' learned noise scales (probit scale; docs/model.md, "Several analysts in the MCMC engine")."""
    title(out, "Analyst noise: learned scale of each analyst's readings (probit scale)")
    cols = [Col("analyst", "id"), Col("posterior mean"), Col(f"{post.interval_level:.0%} interval")]
    rows = [Row((a.analyst, noise_scale(a.posterior_mean),
                 f"{noise_scale(a.interval[0])}–{noise_scale(a.interval[1])}")) for a in post.analysts]
    fit(out, _boxed_then_compact(cols, rows))


def sets_table(rows: list[dict[str, Any]]) -> None:
    """Print the list of sets; on a narrow terminal the questions follow the table, one line each."""
    out = console()
    cols = [Col("set", "id"), Col("question", "text", wrap_to=36), Col("hypotheses"), Col("evidence"),
            Col("leading", "id"), Col("probability")]
    table = [Row((row["set"], row["question"], str(row["hypotheses"]), str(row["evidence"]), row["leading"],
                  percent(row["probability"]))) for row in rows]
    questions = tuple(f"{row['set']}: {row['question']}" for row in rows)
    short = _without(Layout(tuple(cols), tuple(table)), "question")
    fit(out, [*_boxed_then_compact(cols, table), *_boxed_then_compact(list(short.cols), list(short.rows), questions)])


def history_table(ws: Workspace, traj: Trajectory) -> None:
    """Print the trajectory: one row per step, a column per hypothesis (most probable at the end first).

    Steps by item or by file are grouped under their reporting date (a dim row), so no date is printed
    twice. A step whose correction takes out an item that counted until then is named below the table.
    Where the hypothesis ids do not fit as headers, the columns are numbered H1, H2, ... with a
    legend; where even that does not fit, the columns are split over tables (a step label, an item id or a
    file path, is never cut).
    """
    last = traj.steps[-1].probability if traj.steps else traj.prior
    order = sorted(range(len(traj.hypothesis_ids)), key=lambda k: -last[k])
    hs = ws.hypothesis_set(traj.set_id)
    out = console()
    title(out, f"{traj.set_id}: {hs.question} — by {traj.by}")
    blank = ("",) * len(order)
    pooled = len(ws.prior_from(traj.set_id)) > 1
    rows = [Row(("(pooled prior)" if pooled else "(prior)", *(percent(traj.prior[k]) for k in order)), style="dim")]
    day = None
    for step in traj.steps:
        if traj.by != "date" and step.reported != day:
            day = step.reported
            rows.append(Row((day.isoformat(), *blank), style="bold"))
        rows.append(Row((step.label, *(percent(step.probability[k]) for k in order))))
    label = traj.by
    named = [Col(label, "id"), *(Col(traj.hypothesis_ids[k]) for k in order)]
    numbered = [Col(label, "id"), *(Col(f"H{n}") for n in range(1, len(order) + 1))]
    legend = (" · ".join(f"H{n}={traj.hypothesis_ids[k]}" for n, k in enumerate(order, start=1)),)
    fit(out, [*_boxed_then_compact(named, rows), *_boxed_then_compact(numbered, rows, legend)])
    for step in traj.steps:
        if step.superseded:
            out.print(f"{step.label}: {', '.join(step.superseded)} superseded from this step on (counted until "
                      "then)", overflow="fold")


def analysis_report(ws: Workspace, analysis: Analysis) -> None:
    """Print the analyst's diagnostics: strongest items, linchpins, stress tests, indicators, ACH scores."""
    post = analysis.posterior
    hids = post.hypothesis_ids
    lead = int(post.probability.argmax())
    out = console()
    items = {item.id: item for item in ws.items}
    top = sorted(range(len(post.item_ids)), key=lambda j: -abs(post.weights[j, lead]))[:10]
    title(out, f"{post.set_id}: evidence for and against the leading hypothesis, {hids[lead]} (weights of evidence in "
          "decibans, dB)")
    cols = [Col("item", "id"), Col("source", "id"), Col("weight (dB)"), Col("spread (dB)"), Col("info (bits)")]
    rows = [Row((items[post.item_ids[j]].id, items[post.item_ids[j]].source, decibans(post.weights[j, lead]),
                 f"{analysis.spread[j]:.1f}", bits(analysis.information[j]))) for j in top]
    stacked = [Col("item (source)", "id"), *cols[2:]]
    fit(out, [*_boxed_then_compact(cols, rows),
              *_boxed_then_compact(stacked, [Row((f"{r.cells[0]}\n  ({r.cells[1]})", *r.cells[2:])) for r in rows])])
    links = analysis.sensitivity.linchpins
    out.print(f"Linchpins (removal changes the leader or moves it ≥ 10 points): {', '.join(links) or 'none'}")
    title(out, "Source stress: each source at reliability 0")
    cols = [Col("source", "id"), Col(f"P({hids[lead]})"), Col("leader", "id")]
    rows = [Row((source, percent(p[lead]), hids[int(p.argmax())]))
            for source, p in analysis.sensitivity.source_stress.items()]
    fit(out, _boxed_then_compact(cols, rows))
    uniform = analysis.sensitivity.uniform_prior
    out.print(f"Prior sensitivity: P({hids[lead]}) {percent(post.probability[lead])} with the given prior, "
              f"{percent(uniform[lead])} with a uniform one (leader: {hids[int(uniform.argmax())]})",
              overflow="fold")
    fragility_report(out, analysis)
    if analysis.indicators:
        title(out, "What to collect next (indicators by value of information)")
        cols = [Col("indicator", "id"), Col("P(event)"), Col("value (bits)")]
        rows = [Row((v.id, percent(v.probability), bits(v.value_of_information))) for v in analysis.indicators]
        fit(out, _boxed_then_compact(cols, rows))
    title(out, "ACH inconsistency (PARC): weighted (negative) and count")
    cols = [Col("hypothesis", "id"), Col("weighted"), Col("count")]
    rows = [Row((h, f"{analysis.ach.weighted[h]:.2f}", str(analysis.ach.unweighted[h])))
            for h in sorted(hids, key=lambda h: analysis.ach.weighted[h], reverse=True)]
    fit(out, _boxed_then_compact(cols, rows))


def fragility_report(out: Console, analysis: Analysis) -> None:
    """Print how fragile the answer is: the smallest flip, each challenger's distance, the leader shares."""
    flip, stability = analysis.flip, analysis.stability
    smallest = flip.smallest
    if smallest.steps is None:
        out.print(f"Flip distance: no change of up to {flip.depth} judgment steps, and none the greedy search "
                  f"found, puts another hypothesis above {flip.leader}", overflow="fold")
    else:
        how = "exact" if smallest.exact else f"upper bound: the exact search covers up to {flip.depth} steps"
        steps = "1 judgment step makes" if smallest.steps == 1 else f"{smallest.steps} judgment steps make"
        out.print(f"Flip distance: {steps} {smallest.new_leader} lead instead of {flip.leader} ({how}):",
                  overflow="fold")
        for change in smallest.changes:
            out.print(f"  {change.describe()}", overflow="fold")
    title(out, "How fragile is the answer: posterior (and with a uniform prior), steps to overtake the leader, "
          "share of imprecision draws led")
    cols = [Col("hypothesis", "id"), Col("posterior"), Col("uniform prior"), Col("steps", "id"), Col("leads"),
            Col(f"{stability.level:.0%} interval")]
    hids = flip.hypothesis_ids
    post = analysis.posterior.probability
    uniform = analysis.sensitivity.uniform_prior
    by_target = {f.target: f for f in flip.challengers}
    rows = []
    for k in sorted(range(len(hids)), key=lambda k: -post[k]):
        h = hids[k]
        found = by_target.get(h)
        if found is None:
            steps = "(leader)"
        elif found.steps is None:
            steps = "none found"
        else:
            steps = f"{found.steps}{'' if found.exact else '+'}" + ("" if found.leads else f" ({found.new_leader})")
        low, high = stability.interval[k]
        rows.append(Row((h, percent(post[k]), percent(uniform[k]), steps, percent(stability.share[k]),
                         _interval(low, high))))
    note = (f"steps: fewest judgment steps after which the hypothesis is above {flip.leader} (exact up to "
            f"{flip.depth}; '+' an upper bound; in brackets the hypothesis that then leads, if another). "
            f"leads: share of {stability.draws:,} draws of the banded judgments and graded reliabilities "
            f"(seed {stability.seed}) in which it leads.")
    fit(out, _boxed_then_compact(cols, rows, (note,)))


def analysts_tables(ws: Workspace, report: AnalystsReport) -> None:
    """Print each analyst's posterior beside the pool, then the disagreements ranked by what they change."""
    hs = ws.hypothesis_set(report.set_id)
    out = console()
    title(out, f"{report.set_id}: {hs.question}")
    cols = [Col("hypothesis", "id")]
    cols += [Col(f"{line.id} (w {line.weight:g})") for line in report.analysts]
    cols.append(Col("pooled", style="bold"))
    rows = [Row((hid, *(percent(line.probabilities[hid]) + (" *" if line.leader == hid else "")
                        for line in report.analysts), percent(report.pooled[hid])))
            for hid in sorted(report.pooled, key=lambda h: -report.pooled[h])]
    fit(out, _boxed_then_compact(cols, rows))
    if not report.disagreements:
        out.print("No item was judged by more than one analyst.", style="dim")
        return
    title(out, f"Disagreements, by what they change for the pooled leader {report.leader}")
    cols = [Col("item", "id"), Col("spread (dB)"), Col(f"P({report.leader}) range"), Col("by analyst", "text")]
    rows = [Row((d.item, f"{d.spread_db:.1f}", _interval(*d.leader_range),
                 ", ".join(f"{a} {percent(p)}" for a, p in d.leader_probability.items())))
            for d in report.disagreements]
    fit(out, _boxed_then_compact(cols, rows, ("* the analyst's leader · range: the leader's posterior when that "
                                              "item alone takes each analyst's judgment",)))
