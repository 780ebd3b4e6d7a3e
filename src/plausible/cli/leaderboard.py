"""Terminal output of ``plausible score``: the leaderboard, the per-question breakdown and a paired comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from plausible.cli.layout import Col, Layout, Row, console, fit, title
from plausible.core.display import score

if TYPE_CHECKING:
    from plausible.forecasting.comparison import Comparison
    from plausible.forecasting.results import ExerciseScores

__all__ = ["comparison_lines", "leaderboard", "question_breakdown"]


def leaderboard(scores: ExerciseScores) -> None:
    """Print the leaderboard under the scores' ranking convention, with coverage, Murphy terms and skill."""
    ex = scores.exercise
    ranking = scores.ranking
    assert ranking is not None
    out = console()
    title(out, f"{ex.title} — {len(ex.resolutions)} of {len(ex.questions)} questions resolved")
    with_rps = any(f.rps is not None for f in ranking.rows)
    skill = scores.skill
    cols = [Col("#"), Col("forecaster", "id"), Col("kind", "id"), Col("answered"), Col("Brier"), Col("log"),
            Col("Brier t-avg"), Col("½-Brier")]
    cols += [Col("RPS")] if with_rps else []
    cols += [Col("REL"), Col("RES"), Col("UNC")]
    cols += [Col("Brier skill"), Col("log skill")] if skill is not None else []
    rows = []
    rank = 0
    for f in ranking.rows:
        if f.brier is not None:
            rank += 1
        binned = scores.calibration[f.id].binned if f.id in scores.calibration else None
        answered = f"{ranking.answered.get(f.id, 0)}/{ranking.resolved}"
        cells = [str(rank) if f.brier is not None else "", f.id, f.kind, answered, score(f.brier),
                 score(f.log), score(f.brier_time_averaged), score(f.half_brier)]
        cells += [score(f.rps)] if with_rps else []
        cells += [score(None if binned is None else getattr(binned, term))
                  for term in ("reliability", "resolution", "uncertainty")]
        if skill is not None:
            mine = skill.get(f.id)
            cells += ["ref" if f.id == scores.reference else score(mine.brier if mine else None),
                      "ref" if f.id == scores.reference else score(mine.log if mine else None)]
        rows.append(Row(tuple(cells), style="bold" if f.kind == "model" else None))
    fit(out, [Layout(tuple(cols), tuple(rows), boxed, tuple(_notes(scores))) for boxed in (True, False)], keys=2)


def _notes(scores: ExerciseScores) -> list[str]:
    ranking = scores.ranking
    assert ranking is not None
    n = len(ranking.questions)
    if ranking.on == "common":
        on = (f"Ranked on the {n} resolved question{'s' if n != 1 else ''} every forecaster answered "
              "(--rank-on common): Brier, log, t-avg, ½-Brier and RPS are means over them."
              if n else "No resolved question was answered by every forecaster: nothing to rank on in common "
                        "(use --rank-on all, each forecaster on their own questions, or --reference ID).")
    else:
        on = ("Ranked on each forecaster's own questions (--rank-on all): the means are over different questions "
              "when the coverage differs, so compare forecasters of equal coverage, or use --rank-on common.")
    notes = [
        on + " answered: resolved questions the forecaster answered / resolved questions scored.",
        "Lower is better. Brier: Brier's original sum over options (0–2) of the final forecast; log: −ln "
        "p(outcome), p clipped at 1e-15; t-avg: Good Judgment daily average of the Brier score from each "
        "forecaster's first forecast; ½-Brier: binary questions (0–1); RPS: ordered questions, unnormalised.",
        f"REL, RES, UNC: Murphy's reliability (lower is better), resolution (higher is better) and uncertainty "
        f"of the forecaster's final forecasts on all the questions they answered, as binary events in "
        f"{scores.bins} probability bins (--bins); JSON adds the within-bin terms and the exact decomposition.",
    ]
    if scores.skill is not None:
        notes.append(f"Skill: 1 − score / score of {scores.reference}, both averaged over the questions the "
                     "forecaster and the reference both answered (positive: better than the reference).")
    kinds = {f.kind for f in ranking.rows}
    if "model" in kinds and any(f.id == "plausible" for f in ranking.rows):
        notes.append("plausible: the model, forecasting from the evidence reported strictly before each forecast day.")
    left_out = [k for k in ("human", "model", "market", "baseline") if k in kinds and k not in scores.pool_kinds]
    if left_out:
        notes.append(f"Forecasters of kind {' and '.join(left_out)} are scored but not pooled (--pool-kinds "
                     f"{','.join(scores.pool_kinds)}).")
    if "pool" not in kinds and scores.pools:
        notes.append(f"No pooled forecasts: no forecaster of a pooled kind ({', '.join(scores.pool_kinds)}) to "
                     "combine.")
    if any(f.id == "bayes-pool" for f in ranking.rows):
        notes.append("bayes-pool: the forecaster-skill model (PyMC), binary questions only: compare its ½-Brier.")
    notes += _extremizing_notes(scores)
    return notes


def _extremizing_notes(scores: ExerciseScores) -> list[str]:
    if scores.extremizing is None:
        return []
    used = np.array(list(scores.extremizing_held_out.values()))
    n = used.size
    text = (f"logit-mean: extremizing a = {scores.extremizing:.2f} by maximum likelihood on all {n} resolved "
            f"question{'s' if n != 1 else ''}; each question is scored with a fitted on the others, ")
    if n and float(used.min()) == float(used.max()):
        text += f"a = {float(used[0]):.2f} for {'it' if n == 1 else 'each'}."
    elif n:
        text += (f"a = {float(used.min()):.2f} to {float(used.max()):.2f} (median {float(np.median(used)):.2f}; "
                 "per question in --json: extremizing.used).")
    return [text]  # its small-sample warning goes to stderr with the others (plausible score)


def question_breakdown(scores: ExerciseScores) -> None:
    """Print every (question, forecaster) score: outcome, probability given to it, Brier, log."""
    ex = scores.exercise
    t = scores.table
    out = console()
    title(out, f"{ex.title} — scores per question ({len(t)} rows)")
    questions = list(ex.questions.values())
    outcome = np.array([q.options.index(ex.resolutions[q.id].outcome) if q.id in ex.resolutions else 0
                        for q in questions], np.intp)
    p_outcome = t.final[np.arange(len(t)), outcome[t.question]] if len(t) else np.empty(0)
    order = np.lexsort((t.scores["brier"], t.question))
    brier, log, half = (t.scores[name].tolist() for name in ("brier", "log", "half_brier"))
    cols = [Col("question", "id"), Col("outcome", "id"), Col("forecaster", "id"), Col("kind", "id"),
            Col("p(outcome)"), Col("Brier"), Col("log"), Col("½-Brier")]
    rows = []
    previous = -1
    for i in order.tolist():
        q = int(t.question[i])
        first = q != previous
        previous = q
        rows.append(Row((t.questions[q] if first else "", ex.resolutions[t.questions[q]].outcome if first else "",
                         t.forecasters[int(t.forecaster[i])], t.kinds[int(t.forecaster[i])],
                         f"{float(p_outcome[i]):.3f}", score(brier[i]), score(log[i]),
                         score(None if half[i] != half[i] else half[i]))))
    notes = ("Each resolved question's forecasters, best Brier first: the final forecast's probability of the "
             "outcome and its scores (lower is better).",)
    fit(out, [Layout(tuple(cols), tuple(rows), boxed, notes) for boxed in (True, False)], keys=3)


def comparison_lines(comparisons: list[Comparison]) -> list[str]:
    """A paired comparison in words, one line per score."""
    lines = []
    for c in comparisons:
        lines.append(
            f"{c.a} − {c.b}, {c.score}, on the {c.questions} question{'s' if c.questions != 1 else ''} both "
            f"answered: {c.mean_a:.4f} − {c.mean_b:.4f} = {c.difference:+.4f} ({c.level:.0%} bootstrap interval "
            f"{c.low:+.4f} to {c.high:+.4f}; {c.a} lower in {c.a_better:.1%} of {c.resamples:,} resamples, "
            f"seed {c.seed})")
    if comparisons:
        c = comparisons[0]
        lines.append(f"Negative: {c.a} scored better (lower). An interval that excludes 0 says the difference is "
                     "more than the luck of which questions were asked.")
    return lines
