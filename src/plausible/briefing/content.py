"""Everything a briefing says, as plain data: every number is taken from the toolkit's API as it is.

The renderers (:mod:`plausible.briefing.markdown`, :mod:`plausible.briefing.html`) only format what is here;
the tests parse their output back and compare it with these numbers and with the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from plausible.analysis import analyze, indicator_values, trajectory
from plausible.analysis.ach import AchMatrix
from plausible.analysis.analysts import AnalystLine, AnalystsReport, Disagreement, analysts_report, rationale
from plausible.analysis.double_counting import DoubleCount
from plausible.analysis.fragility import Change, FlipDistance, LeaderStability
from plausible.analysis.sensitivity import LINCHPIN_SHIFT
from plausible.analysis.trajectory import Trajectory
from plausible.briefing.confidence import (
    GOOD_GRADES,
    Confidence,
    ConfidenceInputs,
    analyst_facts,
    assess_confidence,
    judgment_facts,
)
from plausible.briefing.forecasts import Forecasts, forecast_scores
from plausible.briefing.formatting import grade_text, truncate
from plausible.core.clock import today
from plausible.core.display import likelihood
from plausible.core.errors import Problem, UsageError
from plausible.core.types import Method
from plausible.core.version import tool_version
from plausible.engines.posterior import Posterior
from plausible.model.entities import Item, Source
from plausible.model.scales import ModelSpec
from plausible.tracking.briefings import read_history
from plausible.tracking.ledger import LedgerRead, Move, Record, SetState, diff_set
from plausible.tracking.updating import Driver, ledger_entry, rank_drivers

if TYPE_CHECKING:
    from plausible.model.schema.workspace import WorkspaceFile
    from plausible.workspace import Workspace

__all__ = [
    "MOVE_THRESHOLD",
    "AnalystsSection",
    "Basis",
    "Briefing",
    "DisagreementRow",
    "Changes",
    "EvidenceRow",
    "HypothesisRow",
    "IndicatorRow",
    "LinchpinRow",
    "MethodNote",
    "SetBriefing",
    "SourceRow",
    "briefing_entry",
    "describe_change",
    "build_briefing",
]

Basis = Literal["latest-day", "date", "last"]
"""What "what changed" compares with: the state before the latest reporting day (default), before a given date,
or the previous briefing written with ``brief -o`` (the ledger's last briefing entry covering the set)."""

MOVE_THRESHOLD = 1.0
"""A hypothesis whose probability moved less than this many percentage points is not listed as a move."""

MAX_MOVES = 4
MAX_DRIVERS = 5

KEY_EVIDENCE = 5
"""Reports shown for and against the leading hypothesis."""

SHOWN_WEIGHT = 0.05
"""The smallest weight of evidence (dB) that counts as for or against: smaller ones are shown as 0.0 dB."""

NEAREST_LINCHPINS = 3
"""When no report is a linchpin, the reports closest to being one that are shown."""

TOP_DISAGREEMENTS = 3
"""Items shown under "Where the analysts disagree", those whose disagreement moves the leader most first."""


@dataclass(frozen=True)
class DisagreementRow:
    """An item the analysts read differently (``plausible analysts``), with its summary and each analyst's reason."""

    found: Disagreement
    summary: str
    readings: tuple[tuple[str, float, str | None], ...]
    """Per analyst: the pooled leader's posterior when this item takes their judgment, and their rationale."""


@dataclass(frozen=True)
class AnalystsSection:
    """"Where the analysts disagree": shown when more than one analyst judged the set (exact engine)."""

    leader: str
    lines: tuple[AnalystLine, ...]
    """Each analyst's bottom line: their posterior in their own view, and their leader."""
    disagreements: tuple[DisagreementRow, ...]
    """The top :data:`TOP_DISAGREEMENTS` items by the range of the leader's posterior."""
    total: int
    """How many items more than one analyst judged."""


@dataclass(frozen=True)
class HypothesisRow:
    """A hypothesis with its prior, posterior, interval and the ICD 203 term of its posterior."""

    id: str
    title: str
    prior: float
    probability: float
    interval: tuple[float, float] | None
    term: str | None
    band: tuple[float, float] | None


@dataclass(frozen=True)
class EvidenceRow:
    """A report and its weight of evidence (decibans, centred per item) for one hypothesis.

    ``grade`` is the source's reliability in plain words ("usually reliable (B)").
    """

    item: str
    summary: str
    source: str
    source_name: str
    grade: str
    credibility: int | None
    reported: dt.date
    weight: float
    quote: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class LinchpinRow:
    """A report with the leader's probability (exact engine) when it is left out, and the leader then."""

    evidence: EvidenceRow
    without: float
    leader_without: str


@dataclass(frozen=True)
class IndicatorRow:
    """A future event: its predicted probability and value of information (bits) for the current posterior."""

    id: str
    text: str
    probability: float
    term: str | None
    value_of_information: float


@dataclass(frozen=True)
class SourceRow:
    """A source: grade (in plain words) and reliability before and (MCMC) after the evidence, and its stress test."""

    id: str
    name: str
    grade: str
    reports: int
    prior_mean: float
    learned_mean: float | None
    learned_interval: tuple[float, float] | None
    stressed: float
    stressed_leader: str


@dataclass(frozen=True)
class MethodNote:
    """How the numbers were computed, for reproducibility."""

    model: str
    scale: str
    engine: Method
    reports: int
    settings: dict[str, Any]
    diagnostics: dict[str, Any]
    inputs_hash: str
    version: str


@dataclass(frozen=True)
class Changes:
    """The "what changed" section of one set: its move since a baseline state, as ``plausible update`` sees moves.

    Attributes
    ----------
    basis : {"latest-day", "date", "last"}
    since : datetime.date or None
        For ``latest-day`` and ``date``: the baseline is the posterior on the reports dated before it.
    available : bool
        False when there is nothing to compare with; ``note`` says why.
    note : str or None
    written : datetime or None
        For ``last``: when the previous briefing was written.
    baseline_method : str or None
        The engine of the baseline's probabilities.
    baseline_as_of : datetime.date or None
        For ``last``: the latest reporting date of the previous briefing's evidence.
    leader_before : str or None
        The baseline's leading hypothesis (None when the baseline rested on no report, except for ``last``).
    moves : tuple of Move
        The moves of :func:`plausible.tracking.ledger.diff_set` of at least :data:`MOVE_THRESHOLD` points,
        largest first, at most four.
    new_items, removed_items : tuple of str
        Reports used now but not in the baseline, and in the baseline but no longer (superseded, removed).
    drivers : tuple of Driver
        The new reports ranked by their weight of evidence toward the move
        (:func:`plausible.tracking.updating.rank_drivers`, the ranking of ``plausible update``), at most five.
    """

    basis: Basis
    since: dt.date | None
    available: bool
    note: str | None
    written: dt.datetime | None = None
    baseline_method: str | None = None
    baseline_as_of: dt.date | None = None
    leader_before: str | None = None
    moves: tuple[Move, ...] = ()
    new_items: tuple[str, ...] = ()
    removed_items: tuple[str, ...] = ()
    drivers: tuple[Driver, ...] = ()


@dataclass(frozen=True)
class SetBriefing:
    """The briefing of one hypothesis set; ``hypotheses`` are ordered most probable first."""

    set_id: str
    question: str
    as_of: dt.date | None
    spec: ModelSpec
    posterior: Posterior
    interval_level: float | None
    hypotheses: tuple[HypothesisRow, ...]
    confidence: Confidence
    changes: Changes
    evidence_for: tuple[EvidenceRow, ...]
    evidence_against: tuple[EvidenceRow, ...]
    linchpins: tuple[LinchpinRow, ...]
    nearest: tuple[LinchpinRow, ...]
    uniform_prior: tuple[float, str]
    indicators: tuple[IndicatorRow, ...]
    sources: tuple[SourceRow, ...]
    trajectory: Trajectory
    weights: tuple[EvidenceRow, ...]
    ach: AchMatrix
    method: MethodNote
    flip: FlipDistance
    """The exact engine's flip distance: the fewest judgment steps that change its leader."""
    stability: LeaderStability
    """The exact engine's leader stability under the judgments' and reliabilities' stated imprecision."""
    double_counting: tuple[DoubleCount, ...] = ()
    """Evidence that may be counted twice (warnings of ``analyze``)."""
    analysts: AnalystsSection | None = None
    """Where the analysts disagree (None when at most one analyst judged the set)."""

    @property
    def stability_rows(self) -> tuple[tuple[str, float, tuple[float, float]], ...]:
        """``(hypothesis, share of draws led, interval of its probability)``, in the order of ``hypotheses``."""
        index = {h: k for k, h in enumerate(self.stability.hypothesis_ids)}
        return tuple((row.id, float(self.stability.share[index[row.id]]),
                      (float(self.stability.interval[index[row.id], 0]),
                       float(self.stability.interval[index[row.id], 1]))) for row in self.hypotheses)

    @property
    def leader(self) -> HypothesisRow:
        """The most probable hypothesis."""
        return self.hypotheses[0]

    @property
    def what_if_leader(self) -> HypothesisRow:
        """The exact engine's leader, of which the what-ifs speak (linchpins, source stress, the uniform prior).

        The leader itself, unless an MCMC briefing leads with another answer.
        """
        return next(h for h in self.hypotheses if h.id == self.flip.leader)

    @property
    def runner_up(self) -> HypothesisRow | None:
        """The second most probable hypothesis, if any."""
        return self.hypotheses[1] if len(self.hypotheses) > 1 else None

    @property
    def tied(self) -> bool:
        """Whether the two most probable hypotheses are exactly as probable (no single leader)."""
        runner = self.runner_up
        return runner is not None and abs(runner.probability - self.leader.probability) < 1e-12

    @property
    def titles(self) -> dict[str, str]:
        """Hypothesis titles by id."""
        return {h.id: h.title for h in self.hypotheses}

    def title(self, hypothesis: str) -> str:
        """A hypothesis' title (the id of one no longer in the set)."""
        return self.titles.get(hypothesis, hypothesis)

    @property
    def reports(self) -> tuple[EvidenceRow, ...]:
        """Every report bearing on the set, in order of arrival (for the appendix of identifiers)."""
        return self.weights

    def describe(self, change: Change) -> str:
        """A judgment change, naming the report by its short summary and the hypothesis by its title."""
        return describe_change(change, {e.item: e.summary for e in self.weights}, self.titles)


@dataclass(frozen=True)
class Briefing:
    """A whole briefing: one section per set, then the forecast scores.

    ``warnings`` are about the history read for ``since_last`` (unreadable ledger lines, an old state file).
    ``metadata`` is the workspace's ``workspace.yaml`` (title, author, organisation, classification, handling
    caveats), None without one; ``produced`` is the day the briefing was made.
    """

    sets: tuple[SetBriefing, ...]
    forecasts: Forecasts
    version: str
    inputs_hash: str
    warnings: tuple[Problem, ...] = ()
    metadata: WorkspaceFile | None = None
    produced: dt.date | None = None

    @property
    def banner(self) -> str | None:
        """The classification banner: the classification and its handling caveats (None without either)."""
        meta = self.metadata
        if meta is None or (meta.classification is None and not meta.handling):
            return None
        return " // ".join([*([meta.classification] if meta.classification else []), *meta.handling])


def is_good_source(source: Source) -> bool:
    """A source graded A or B, or given a reliability whose mean is at least B's (0.8)."""
    label = source.reliability.label
    if label in GOOD_GRADES:
        return True
    return label not in ("C", "D", "E", "F") and source.reliability.mean >= 0.8 - 1e-12


def _evidence(item: Item, sources: dict[str, Source], weight: float) -> EvidenceRow:
    source = sources[item.source]
    return EvidenceRow(item.id, item.summary, item.source, source.name,
                       grade_text(source.reliability.label, source.reliability.mean), item.credibility,
                       item.reported, weight, item.quote, item.url)


SHORT_SUMMARY = 80
"""Characters of a report's summary where the briefing names a report in a sentence or on an axis."""


def describe_change(change: Change, summaries: dict[str, str], titles: dict[str, str]) -> str:
    """A judgment change in words, naming the report by its short summary and the hypothesis by its title.

    Examples
    --------
    >>> from plausible.analysis.fragility import Change
    >>> describe_change(Change("k1", "h1", "likely", "very likely", 0.68, 0.88, 1, False),
    ...                 {"k1": "KCNA reports the visit"}, {"h1": "New allies"})
    '“KCNA reports the visit” for New allies: likely → very likely'
    >>> describe_change(Change("k1", "h1", "0.5", "almost no chance", 0.5, 0.02678, 3, True), {}, {})
    '“k1” for h1: 0.5 → 0.027 (almost no chance)'
    """
    after = f"{likelihood(change.value_after)} ({change.after})" if change.numeric else change.after
    who = "" if change.analyst is None else f" ({change.analyst}'s judgment)"
    summary = truncate(summaries.get(change.item, change.item), SHORT_SUMMARY)
    return f"“{summary}” for {titles.get(change.hypothesis, change.hypothesis)}{who}: {change.before} → {after}"


def _settings(ws: Workspace, set_id: str, method: Method, options: dict[str, Any]) -> dict[str, Any]:
    if method != Method.MCMC:
        return {}
    chosen = ws.settings(set_id, **options)
    out = chosen.model_dump(include={"draws", "tune", "chains", "sampler", "target_accept", "seed", "interval",
                                    "analyst_noise"})
    # the noise model applies only where several analysts judged the set; say so only there
    out["analyst_noise"] = chosen.analyst_noise and len(ws.compiled(set_id, by_analyst=True).analyst_ids) > 1
    return out


def build_set(
    ws: Workspace,
    set_id: str,
    *,
    method: Method = Method.EXACT,
    basis: Basis = "latest-day",
    since: dt.date | None = None,
    history: LedgerRead | None = None,
    mcmc_options: dict[str, Any] | None = None,
    version: str = "",
) -> SetBriefing:
    """The briefing of one set (see :func:`build_briefing`)."""
    hs = ws.hypothesis_set(set_id)
    spec = hs.model
    options: dict[str, Any] = dict(mcmc_options or {})
    if method != Method.MCMC and options:
        raise UsageError(f"{', '.join(sorted(options))} only apply with method mcmc")
    post = ws.posterior(set_id, method, **options)
    analysis = analyze(ws, set_id)
    items = {item.id: item for item in ws.items_for(set_id)}
    hids = post.hypothesis_ids
    titles = {h.id: h.title for h in hs.hypotheses}
    intervals = post.intervals

    rows = []
    for k in np.argsort(-post.probability, kind="stable"):
        h = hids[int(k)]
        p = float(post.probability[k])
        term = spec.describe(p)
        rows.append(HypothesisRow(h, titles[h], float(post.prior[k]), p, intervals[h], term,
                                  spec.band_of(term) if term else None))
    lead = hids.index(rows[0].id)
    as_of = max((item.reported for item in items.values()), default=None)

    weights = tuple(_evidence(items[i], ws.sources, float(post.weights[j, lead])) for j, i in enumerate(post.item_ids))
    by_weight = sorted(weights, key=lambda e: -e.weight)
    evidence_for = tuple(e for e in by_weight if e.weight >= SHOWN_WEIGHT)[:KEY_EVIDENCE]
    evidence_against = tuple(e for e in reversed(by_weight) if e.weight <= -SHOWN_WEIGHT)[:KEY_EVIDENCE]

    # The what-ifs (linchpins, source stress, the uniform prior) come from the exact engine, so they speak of its
    # leader; with MCMC that can be another answer than the headline's, and the briefing then says so.
    sens = analysis.sensitivity
    what_if = hids.index(analysis.flip.leader)
    what_if_leader = hids[what_if]
    exact_lead = float(analysis.posterior.probability[what_if])
    loo = sens.leave_one_out
    index = {item: j for j, item in enumerate(analysis.posterior.item_ids)}

    def linchpin_row(item: str) -> LinchpinRow:
        row = loo[index[item]]
        return LinchpinRow(weights[post.item_ids.index(item)], float(row[what_if]), hids[int(np.argmax(row))])

    linchpins = tuple(linchpin_row(i) for i in sens.linchpins)
    nearest: tuple[LinchpinRow, ...] = ()
    if not linchpins and len(loo):
        order = np.argsort(-np.abs(loo[:, what_if] - exact_lead), kind="stable")[:NEAREST_LINCHPINS]
        nearest = tuple(linchpin_row(analysis.posterior.item_ids[int(j)]) for j in order)

    learned = {s.source: s for s in post.sources}
    counts: dict[str, int] = {}
    for item in items.values():
        counts[item.source] = counts.get(item.source, 0) + 1
    source_rows = []
    for sid, stressed in sens.source_stress.items():
        source = ws.sources[sid]
        got = learned.get(sid)
        source_rows.append(SourceRow(sid, source.name, grade_text(source.reliability.label, source.reliability.mean),
                                     counts.get(sid, 0),
                                     source.reliability.mean, got.posterior_mean if got else None,
                                     got.interval if got else None, float(stressed[what_if]),
                                     hids[int(np.argmax(stressed))]))

    interval = intervals[rows[0].id]
    summaries = {item.id: item.summary for item in items.values()}
    judged = judgment_facts(analysis.flip, rows[0].id, lambda c: describe_change(c, summaries, titles),
                            lambda h: titles.get(h, h))
    share = analysis.stability.share[list(hids).index(rows[0].id)]
    report = analysts_report(ws, set_id)
    section = _analysts_section(ws, report, items)
    changing = [r for r in linchpins if r.leader_without != what_if_leader]
    named_reports = tuple(truncate(r.evidence.summary, SHORT_SUMMARY) for r in (changing or linchpins))
    sources_changing = [r for r in source_rows if r.stressed_leader != what_if_leader]
    sources_moving = [r for r in source_rows if r.stressed_leader == what_if_leader
                      and abs(r.stressed - exact_lead) >= LINCHPIN_SHIFT - 1e-12]
    confidence = assess_confidence(ConfidenceInputs(
        reports=len(post.item_ids),
        good_reports=sum(is_good_source(ws.sources[items[i].source]) for i in post.item_ids),
        linchpins=len(linchpins),
        linchpins_changing_leader=len(changing),
        sources_moving_leader=len(sources_moving),
        sources_changing_leader=len(sources_changing),
        interval_width=None if interval is None else interval[1] - interval[0],
        leader_share=float(share),
        linchpin_names=named_reports,
        source_names=tuple(r.name for r in (sources_changing or sources_moving)),
        what_if_leader=None if what_if_leader == rows[0].id else titles[what_if_leader],
        **judged, **analyst_facts(report, lambda h: titles.get(h, h)),
    ))

    paths = {item.id: item.path for item in items.values()}
    if basis == "last":
        changes = _since_last_briefing(post, paths, history or LedgerRead())
    else:
        day = as_of if basis == "latest-day" else since
        if day is None:
            changes = Changes(basis, None, False, "No reports bear on this set yet: the probabilities are the prior.")
        else:
            before = ws.posterior(set_id, method, as_of=day - dt.timedelta(days=1), **options)
            changes = _changes(post, SetState(probabilities=before.probabilities, items=before.item_ids,
                                              method=before.method), paths, basis, since=day)

    uniform = sens.uniform_prior
    indicators = tuple(IndicatorRow(v.id, v.text, v.probability, spec.describe(v.probability),
                                    v.value_of_information) for v in indicator_values(hs, post.probability))
    diagnostics = {} if post.diagnostics is None else post.diagnostics.to_dict()
    method_note = MethodNote(spec.name, spec.likelihood_scale, post.method, len(post.item_ids),
                             _settings(ws, set_id, method, options), diagnostics,
                             post.inputs_hash or ws.inputs_hash, version)
    return SetBriefing(
        set_id, hs.question, as_of, spec, post, post.interval_level, tuple(rows), confidence, changes, evidence_for,
        evidence_against, linchpins, nearest, (float(uniform[what_if]), hids[int(np.argmax(uniform))]), indicators,
        tuple(source_rows), trajectory(ws, set_id, by="date"), weights, analysis.ach, method_note,
        analysis.flip, analysis.stability, tuple(analysis.double_counting), section,
    )


def _analysts_section(ws: Workspace, report: AnalystsReport, items: dict[str, Item]) -> AnalystsSection | None:
    """Where the analysts disagree (exact engine), or None when at most one analyst judged the set."""
    if len(report.analysts) < 2:
        return None
    rows = []
    for d in report.disagreements[:TOP_DISAGREEMENTS]:
        item = items[d.item]
        readings = tuple((a, p, rationale(ws, a, item)) for a, p in d.leader_probability.items())
        rows.append(DisagreementRow(d, item.summary, readings))
    return AnalystsSection(report.leader, report.analysts, tuple(rows), len(report.disagreements))


def _changes(post: Posterior, before: SetState, paths: dict[str, str], basis: Basis, *,
             since: dt.date | None = None, written: dt.datetime | None = None) -> Changes:
    """The set's move from ``before`` to ``post``: the ledger's diff of the two states and its ranked drivers."""
    change = diff_set(post.set_id, before, SetState(probabilities=post.probabilities, items=post.item_ids))
    moves = tuple(m for m in change.moves if abs(m.points) >= MOVE_THRESHOLD - 1e-10)[:MAX_MOVES]
    probabilities = before.probabilities
    leader_before = (max(probabilities, key=lambda h: probabilities[h])
                     if probabilities and (before.items or basis == "last") else None)
    return Changes(basis, since, True, None, written, before.method, before.as_of, leader_before, moves,
                   change.new_items, change.removed_items, rank_drivers(post, change, paths)[:MAX_DRIVERS])


def _since_last_briefing(post: Posterior, paths: dict[str, str], history: LedgerRead) -> Changes:
    previous = history.last_briefing(post.set_id)
    if previous is not None:
        return _changes(post, previous.sets[post.set_id], paths, "last", written=previous.time)
    if any(r.kind == "briefing" for r in history.records):
        note = (f"No previous briefing written with -o covered the set {post.set_id}, so there is nothing to compare "
                "with.")
    else:
        note = ("No previous briefing is recorded in this workspace (a briefing written with -o records its state "
                "in the ledger, .plausible/ledger.jsonl), so there is nothing to compare with.")
    return Changes("last", None, False, note)


def build_briefing(
    ws: Workspace,
    set_ids: Sequence[str] | None = None,
    *,
    method: Method = Method.EXACT,
    since: dt.date | None = None,
    since_last: bool = False,
    mcmc_options: dict[str, Any] | None = None,
    forecasts: bool = True,
) -> Briefing:
    """Gather everything a briefing says about some hypothesis sets of a workspace.

    Parameters
    ----------
    ws : Workspace
    set_ids : sequence of str, optional
        The sets to brief (default: every set, in file order).
    method : {"exact", "mcmc"}
        The engine of the probabilities (and intervals, learned reliabilities, diagnostics with MCMC).
        Weights, linchpins, source stress and the ACH matrix come from :func:`plausible.analysis.analyze`.
    since : datetime.date, optional
        Compare with the posterior on the reports dated before this day. Default: before the latest
        reporting day (what the latest reports changed).
    since_last : bool
        Compare with the state of the previous briefing written with ``brief -o``: the ledger's last briefing
        entry covering each set (:func:`plausible.tracking.briefings.read_history`).
    mcmc_options : dict, optional
        MCMC options (draws, tune, chains, seed, ...); only with ``method="mcmc"``.
    forecasts : bool
        Include the scores of the workspace's forecasting exercises on these sets.

    Returns
    -------
    Briefing

    Raises
    ------
    InputError
        When ``workspace.yaml`` or a forecasting exercise is invalid: a briefing does not go out without them.
    """
    if since is not None and since_last:
        raise UsageError("--since and --since-last are alternatives: give one of them")
    chosen = list(set_ids) if set_ids else list(ws.sets)
    for set_id in chosen:
        ws.hypothesis_set(set_id)  # unknown sets fail before any work
    metadata = ws.metadata()  # and so does a broken workspace.yaml
    basis: Basis = "last" if since_last else "date" if since is not None else "latest-day"
    history = read_history(ws.root) if since_last else None
    version = tool_version()
    sets = tuple(build_set(ws, s, method=method, basis=basis, since=since, history=history,
                           mcmc_options=mcmc_options, version=version) for s in dict.fromkeys(chosen))
    board = forecast_scores(ws, [s.set_id for s in sets]) if forecasts else Forecasts((), None)
    return Briefing(sets, board, version, ws.inputs_hash, history.problems if history is not None else (),
                    metadata, today())


def briefing_entry(ws: Workspace, briefing: Briefing, time: dt.datetime | None = None) -> Record:
    """The ledger entry of a briefing written with ``brief -o``: the state of each set it covers.

    Append it with :func:`plausible.tracking.briefings.record_briefing`; ``brief --since-last`` compares with it.
    """
    return ledger_entry(ws, {s.set_id: SetState(probabilities=s.posterior.probabilities, items=s.posterior.item_ids,
                                                method=s.posterior.method, as_of=s.as_of)
                             for s in briefing.sets}, "briefing", time)
