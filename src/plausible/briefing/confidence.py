"""Analytic confidence (high / moderate / low) in the leading judgment, from documented criteria.

ICD 203 asks analysts to state their confidence in a judgment separately from its likelihood: how much
the judgment rests on, how good that is, and how easily it would fall. The criteria here are facts the
toolkit computes; docs/briefing.md explains them.

=====================  =========================  ==================================  =====================
criterion              strong                     adequate                            weak
=====================  =========================  ==================================  =====================
amount of evidence     >= 10 reports              5-9 reports                         < 5 reports
quality of sources     >= 50% of reports from     25-50%                              < 25%
                       sources graded A or B
single reports         no linchpin                linchpins, none changes the leader  one changes the leader
single sources         each source disbelieved    one moves the leader >= 10 points   one changes the leader
                       moves the leader < 10 pts
interval (MCMC only)   width <= 20 points         20-40 points                        > 40 points
judgments              >= 4 steps to flip         2-3 steps                           1 step flips it
                       (or no flip found)
imprecision            leader leads in >= 95%     75-95% of the draws                 < 75%
                       of the draws
analysts (when more    every analyst's leader is  same leader, but one item's          an analyst's own
than one judged)       the pooled one; no item's  disagreement moves it >= 10 points   view leads with
                       disagreement moves it                                           another answer
                       >= 10 points
=====================  =========================  ==================================  =====================

*Judgments*: the flip distance (:mod:`plausible.analysis.fragility`), the fewest one-term steps of likelihood
judgments after which another answer leads; when only the greedy search found a flip, the distance is rated as
one more than the exact search's depth (the least it can be) and stated as a lower bound ("more than N
steps"). The statement names the judgments to change only when this criterion is not strong, that is when
they limit the confidence; it always counts them as the change lists them (one judgment moved k steps is
"one judgment by k steps"). *Imprecision*: the leader's ``leader_stability``, its share of
draws of the banded judgments and graded reliabilities in which it leads. *Analysts*: each analyst's view
(``posterior --analyst``) and the range of the pooled leader's posterior when one item takes each analyst's
judgment (``plausible analysts``).

**High** when every criterion assessed is strong; **low** when the amount of evidence is weak or two or
more criteria are weak; **moderate** otherwise. The exact engine computes no interval, so that criterion is
then not assessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from plausible.analysis.analysts import AnalystsReport
    from plausible.analysis.fragility import Change, FlipDistance

__all__ = [
    "GOOD_GRADES",
    "named",
    "Confidence",
    "ConfidenceInputs",
    "Criterion",
    "analyst_facts",
    "assess_confidence",
    "judgment_facts",
]

Rating = Literal["strong", "adequate", "weak"]
Level = Literal["high", "moderate", "low"]

GOOD_GRADES = ("A", "B")
"""Admiralty grades counted as good sources (a numeric reliability counts when its mean is >= 0.8, B's mean)."""

AMOUNT_STRONG, AMOUNT_ADEQUATE = 10, 5
QUALITY_STRONG, QUALITY_ADEQUATE = 0.5, 0.25
WIDTH_STRONG, WIDTH_ADEQUATE = 0.20, 0.40
FLIP_STRONG, FLIP_ADEQUATE = 4, 2
STABILITY_STRONG, STABILITY_ADEQUATE = 0.95, 0.75
AGREEMENT_SHIFT = 0.10
"""A disagreement on one report that moves the pooled leader's posterior this much makes the criterion adequate."""


@dataclass(frozen=True)
class Criterion:
    """One criterion's rating and the fact it rests on, in words."""

    name: str
    rating: Rating
    detail: str


@dataclass(frozen=True)
class Confidence:
    """The confidence level and the criteria that decided it."""

    level: Level
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class ConfidenceInputs:
    """The facts the criteria read (all computed by the toolkit).

    Attributes
    ----------
    reports : int
        Reports bearing on the set.
    good_reports : int
        Of those, reports from sources graded A or B (or of reliability >= 0.8).
    linchpins : int
        Reports whose removal changes the leader or moves it by >= 10 points.
    linchpins_changing_leader : int
        Of those, reports whose removal changes the leader.
    sources_moving_leader : int
        Sources that, disbelieved (reliability 0), move the leader by >= 10 points but leave it leading.
    sources_changing_leader : int
        Sources that, disbelieved, change the leader.
    interval_width : float or None
        Width of the leader's credible interval (MCMC), None for the exact engine.
    flip_steps : int or None
        The flip distance (the least it can be when only the greedy search found a flip); None when no flip
        was found or it was not computed (see ``flip_found``).
    flip_found : bool or None
        Whether a flip was found; None when the flip distance was not computed (criterion not assessed).
    flip_changes : tuple of str
        The judgment changes of the smallest flip found, in words, and ``flip_leader`` the answer that then leads.
    flip_leader : str or None
    flip_change_steps : tuple of int
        The steps of each of ``flip_changes`` (empty: one step each).
    flip_exact : bool
        Whether ``flip_steps`` is the exact distance; False: the exact search (to ``flip_depth`` steps) found
        no flip, ``flip_steps`` is its lower bound and ``flip_changes`` are a greedy search's larger flip.
    flip_depth : int or None
        The exact search's depth (stated when no flip was found).
    leader_share : float or None
        The leader's ``leader_stability``; None when not computed (criterion not assessed).
    analysts : int or None
        How many analysts judged the set; None or 1: the criterion is not assessed.
    analysts_other_leader : tuple of str
        The answers other than the pooled leader that some analyst's own view puts in the lead.
    analysts_widest : float or None
        The widest range of the pooled leader's posterior over the analysts' readings of one item.
    linchpin_names : tuple of str
        How to name the reports counted by ``linchpins_changing_leader`` (or else ``linchpins``) in the
        statement: their short summaries. Empty: they are counted, not named.
    source_names : tuple of str
        How to name the sources counted by ``sources_changing_leader`` (or else ``sources_moving_leader``):
        their names and grades in words.
    what_if_leader : str or None
        The exact engine's leader, in words, when it is not the leader judged (an MCMC briefing whose leader
        differs): the single reports', single sources' and analysts' criteria, computed with the exact engine,
        speak of it.
    """

    reports: int
    good_reports: int
    linchpins: int
    linchpins_changing_leader: int
    sources_moving_leader: int
    sources_changing_leader: int
    interval_width: float | None = None
    flip_steps: int | None = None
    flip_found: bool | None = None
    flip_changes: tuple[str, ...] = ()
    flip_leader: str | None = None
    flip_change_steps: tuple[int, ...] = ()
    flip_exact: bool = True
    flip_depth: int | None = None
    leader_share: float | None = None
    analysts: int | None = None
    analysts_other_leader: tuple[str, ...] = ()
    analysts_widest: float | None = None
    linchpin_names: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    what_if_leader: str | None = None


def named(names: tuple[str, ...], quote: bool = False) -> str:
    """Names joined for a sentence: ``a``, ``either a or b``, ``any one of a, b or c``.

    Examples
    --------
    >>> named(("KCNA",)), named(("KCNA", "Yonhap")), named(("a", "b", "c"), quote=True)
    ('KCNA', 'either KCNA or Yonhap', 'any one of “a”, “b” or “c”')
    """
    shown = [f"“{n}”" if quote else n for n in names]
    if len(shown) == 1:
        return shown[0]
    listed = f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"either {listed}" if len(shown) == 2 else f"any one of {listed}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def assess_confidence(facts: ConfidenceInputs) -> Confidence:
    """Rate each criterion and combine them into high, moderate or low confidence.

    Parameters
    ----------
    facts : ConfidenceInputs

    Returns
    -------
    Confidence

    Examples
    --------
    >>> c = assess_confidence(ConfidenceInputs(29, 11, 0, 0, 0, 2))
    >>> c.level, [k.rating for k in c.criteria]
    ('moderate', ['strong', 'adequate', 'strong', 'weak'])
    >>> assess_confidence(ConfidenceInputs(12, 9, 0, 0, 0, 0, 0.15)).level
    'high'
    >>> assess_confidence(ConfidenceInputs(3, 3, 0, 0, 0, 0)).level
    'low'
    >>> c = assess_confidence(ConfidenceInputs(29, 11, 0, 0, 0, 2, flip_steps=1, flip_found=True,
    ...                                        flip_changes=("kcna-1 / a: C → N",), flip_leader="b",
    ...                                        leader_share=0.8))
    >>> c.level, c.criteria[-2].detail
    ('low', 'changing one judgment by one step would put b in the lead (kcna-1 / a: C → N)')
    """
    criteria: list[Criterion] = []
    n = facts.reports
    amount: Rating = "strong" if n >= AMOUNT_STRONG else "adequate" if n >= AMOUNT_ADEQUATE else "weak"
    criteria.append(Criterion("amount of evidence", amount, _plural(n, "report")))

    share = facts.good_reports / n if n else 0.0
    quality: Rating = "strong" if share >= QUALITY_STRONG else "adequate" if share >= QUALITY_ADEQUATE else "weak"
    criteria.append(Criterion("quality of sources", quality,
                              f"{round(100 * share)}% of reports from sources graded A or B"))

    reports = facts.linchpin_names
    answer = ("the leading answer" if facts.what_if_leader is None
              else f"the exact engine's leading answer ({facts.what_if_leader})")
    if facts.linchpins_changing_leader:
        single: Rating = "weak"
        detail = (f"removing {named(reports, quote=True)} alone would change {answer}" if reports else
                  f"removing {_plural(facts.linchpins_changing_leader, 'single report')} changes {answer}")
    elif facts.linchpins:
        single = "adequate"
        detail = (f"removing {named(reports, quote=True)} alone would move {answer} by 10 points or "
                  "more, but leave it leading" if reports else
                  f"{_plural(facts.linchpins, 'linchpin report')}, none of which changes {answer}")
    else:
        single = "strong"
        detail = "no single report is a linchpin"
    criteria.append(Criterion("single reports", single, detail))

    names = facts.source_names
    if facts.sources_changing_leader:
        sources: Rating = "weak"
        n = facts.sources_changing_leader
        who = named(names) if names else "one source" if n == 1 else f"any one of {n} sources"
        detail = f"disbelieving {who} would change {answer} (see the source notes)"
    elif facts.sources_moving_leader:
        sources = "adequate"
        n = facts.sources_moving_leader
        who = named(names) if names else "one source" if n == 1 else f"any one of {n} sources"
        detail = f"disbelieving {who} would move {answer} by 10 points or more"
    else:
        sources = "strong"
        detail = f"no single source moves {answer} by 10 points"
    criteria.append(Criterion("single sources", sources, detail))

    if facts.interval_width is not None:
        width = facts.interval_width
        precision: Rating = ("strong" if width <= WIDTH_STRONG + 1e-12
                             else "adequate" if width <= WIDTH_ADEQUATE + 1e-12 else "weak")
        criteria.append(Criterion("interval width", precision,
                                  f"the leading answer's interval spans {round(100 * width)} points"))

    if facts.flip_found is not None:
        criteria.append(_judgments(facts))

    if facts.leader_share is not None:
        share = facts.leader_share
        stable: Rating = ("strong" if share >= STABILITY_STRONG - 1e-12
                          else "adequate" if share >= STABILITY_ADEQUATE - 1e-12 else "weak")
        criteria.append(Criterion("imprecision", stable,
                                  f"the leading answer leads in {round(100 * share)}% of draws of the judgments and "
                                  "reliabilities within their stated imprecision"))

    if facts.analysts is not None and facts.analysts > 1:
        criteria.append(_analysts(facts))

    weak = sum(c.rating == "weak" for c in criteria)
    level: Level
    if amount == "weak" or weak >= 2:
        level = "low"
    elif all(c.rating == "strong" for c in criteria):
        level = "high"
    else:
        level = "moderate"
    return Confidence(level, tuple(criteria))


def _judgments(facts: ConfidenceInputs) -> Criterion:
    """The flip-distance criterion; it names the judgments to change only when it is not strong.

    Examples
    --------
    >>> from dataclasses import replace
    >>> one = ConfidenceInputs(9, 9, 0, 0, 0, 0, flip_found=True, flip_leader="b", flip_changes=("x / a: I → C",))
    >>> _judgments(replace(one, flip_steps=2, flip_change_steps=(2,))).detail
    'changing one judgment by 2 steps would put b in the lead (x / a: I → C, 2 steps)'
    >>> print(_judgments(replace(one, flip_steps=5, flip_change_steps=(9,), flip_exact=False)).detail.split(": ")[1])
    the smallest change found, one judgment by 9 steps, would put b in the lead
    """
    steps = facts.flip_steps
    if not facts.flip_found or steps is None:
        depth = "a few" if facts.flip_depth is None else f"up to {facts.flip_depth}"
        return Criterion("judgments", "strong", f"no change of {depth} steps of the likelihood judgments on their "
                                                "scales, nor any the greedy search beyond found, changes the leading "
                                                "answer")
    if steps == 0:
        return Criterion("judgments", "weak", f"at the judgments' point values (exact engine) {facts.flip_leader} "
                                              "leads instead")
    rating: Rating = "strong" if steps >= FLIP_STRONG else "adequate" if steps >= FLIP_ADEQUATE else "weak"
    moved = facts.flip_change_steps or (1,) * len(facts.flip_changes)
    total, cells = sum(moved), len(moved)
    if cells == 1:
        what = f"one judgment by {'one step' if total == 1 else f'{total} steps'}"
    else:
        what = f"{cells} judgments, {total} steps in all,"
    listed = "; ".join(c if k == 1 else f"{c}, {k} steps" for c, k in zip(facts.flip_changes, moved, strict=True))
    named = "" if rating == "strong" else f" ({listed})"
    if facts.flip_exact:
        return Criterion("judgments", rating, f"changing {what} would put {facts.flip_leader} in the lead{named}")
    below = steps - 1
    found = what.removesuffix(",")
    return Criterion("judgments", rating, f"more than {_plural(below, 'step')} of the likelihood judgments would be "
                                          f"needed to put another answer in the lead (none of up to {below} does): "
                                          f"the smallest change found, {found}, would put {facts.flip_leader} in the "
                                          f"lead{named}")


def judgment_facts(flip: FlipDistance, leader: str, describe: Callable[[Change], str],
                   title: Callable[[str], str]) -> dict[str, Any]:
    """The judgments criterion's inputs (``flip_*`` of :class:`ConfidenceInputs`) from a flip distance.

    Parameters
    ----------
    flip : FlipDistance
        Of the exact engine.
    leader : str
        The leading hypothesis of the engine judged (another than the exact engine's: distance 0).
    describe, title : callable
        A change and a hypothesis in words.

    Returns
    -------
    dict
        Keyword arguments of :class:`ConfidenceInputs`.
    """
    if flip.leader != leader:  # the chosen engine leads with another answer than the judgments' point values
        return {"flip_steps": 0, "flip_found": True, "flip_leader": title(flip.leader), "flip_depth": flip.depth}
    smallest = flip.smallest
    if smallest.steps is None:
        return {"flip_steps": None, "flip_found": False, "flip_depth": flip.depth}
    return {
        "flip_steps": smallest.steps if smallest.exact else min(smallest.steps, flip.depth + 1),
        "flip_found": True, "flip_exact": smallest.exact, "flip_depth": flip.depth,
        "flip_changes": tuple(describe(c) for c in smallest.changes),
        "flip_change_steps": tuple(c.steps for c in smallest.changes),
        "flip_leader": None if smallest.new_leader is None else title(smallest.new_leader),
    }


def analyst_facts(report: AnalystsReport, title: Callable[[str], str]) -> dict[str, Any]:
    """The analysts criterion's inputs (``analysts*`` of :class:`ConfidenceInputs`); empty with one analyst.

    Parameters
    ----------
    report : AnalystsReport
        :func:`plausible.analysis.analysts.analysts_report` of the set.
    title : callable
        A hypothesis in words.

    Returns
    -------
    dict
        Keyword arguments of :class:`ConfidenceInputs`.
    """
    if len(report.analysts) < 2:
        return {}
    top = report.disagreements[0].leader_range if report.disagreements else None
    return {
        "analysts": len(report.analysts),
        "analysts_other_leader": tuple(sorted({title(a.leader) for a in report.analysts
                                               if a.leader != report.leader})),
        "analysts_widest": None if top is None else top[1] - top[0],
    }


def _analysts(facts: ConfidenceInputs) -> Criterion:
    """Whether the analysts agree on the leader, and how far their disagreement on one item moves it.

    Examples
    --------
    >>> _analysts(ConfidenceInputs(9, 9, 0, 0, 0, 0, analysts=3, analysts_widest=0.04)).rating
    'strong'
    >>> _analysts(ConfidenceInputs(9, 9, 0, 0, 0, 0, analysts=2, analysts_other_leader=("b",))).detail
    "2 analysts judged this set, and one analyst's own judgments put b in the lead"
    >>> print(_analysts(ConfidenceInputs(9, 9, 0, 0, 0, 0, analysts=2, analysts_other_leader=("a",),
    ...                                  what_if_leader="b")).detail.split(", and ")[1])
    one analyst's own judgments put a in the lead instead of the exact engine's leading answer (b)
    """
    n = facts.analysts or 0
    # The analysts' views come from the exact engine: when an MCMC answer leads with another, name the pooled one.
    answer = ("the leading answer" if facts.what_if_leader is None
              else f"the exact engine's leading answer ({facts.what_if_leader})")
    if facts.analysts_other_leader:
        others = " or ".join(facts.analysts_other_leader)
        instead = "" if facts.what_if_leader is None else f" instead of {answer}"
        return Criterion("analysts", "weak", f"{n} analysts judged this set, and one analyst's own judgments put "
                                             f"{others} in the lead{instead}")
    widest = facts.analysts_widest or 0.0
    if widest >= AGREEMENT_SHIFT - 1e-12:
        return Criterion("analysts", "adequate", f"{n} analysts judged this set and agree on {answer}, "
                                                 f"but their readings of one report move it by {round(100 * widest)} "
                                                 "points")
    return Criterion("analysts", "strong", f"{n} analysts judged this set and agree on {answer}; no "
                                           "single report's disagreement moves it by 10 points")
