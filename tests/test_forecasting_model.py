"""The model as a forecaster (no look-ahead) and closing the loop with `plausible resolve`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
import plausible.cli.forecasting  # registers score and resolve
from plausible.analysis.indicators import indicator_likelihoods, indicator_probability
from plausible.cli import app
from plausible.forecasting import load_exercise, model_forecasts

REPO = Path(__file__).parents[1]
SOURCE_LINE = "  - {id: exercise-resolution, name: Resolved forecasting questions, reliability: A}\n"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


def copy_workspace(target: Path) -> Path:
    """A copy of the repository's workspace whose registry lacks `exercise-resolution` (tests add it)."""
    for folder in ("hypotheses", "evidence", "models", "exercises", "analysts"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, target / folder)
    registry = target / "evidence" / "sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").split("  - id: exercise-resolution")[0], encoding="utf-8")
    return target


def hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# --- the model as a forecaster -----------------------------------------------------------------------------------


def test_model_forecasts_match_the_posterior_before_each_day() -> None:
    ws = plausible.load_workspace(REPO)
    ex = load_exercise("dprk-2015", ws)
    forecasts = model_forecasts(ex, ws)
    assert {f.forecaster for f in forecasts} == {"plausible"}
    for question in ex.questions.values():
        assert [f.made for f in forecasts if f.question == question.id] == ex.forecast_dates(question.id)
    driver = next(f for f in forecasts if f.question == "dprk-driver")
    post = ws.posterior("dprk-driver", as_of=driver.made - dt.timedelta(days=1))
    np.testing.assert_allclose(driver.probabilities, [post.probabilities[o] for o in ex.questions["dprk-driver"].options])
    deal = next(f for f in forecasts if f.question == "russia-aid-deal")
    hs = ws.sets["dprk-driver"]
    indicator = next(i for i in hs.indicators if i.id == "russia-aid-deal")
    expected = indicator_probability(ws.posterior("dprk-driver", as_of=deal.made - dt.timedelta(days=1)).probability, indicator_likelihoods(hs, indicator))
    assert deal.probabilities[0] == pytest.approx(expected)
    assert deal.probabilities.sum() == pytest.approx(1.0)


def test_no_look_ahead_evidence_reported_later_never_changes_an_earlier_forecast(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "ws")
    ws = plausible.load_workspace(root)
    ex = load_exercise("dprk-2015", ws)
    before = {(f.question, f.made): f.probabilities for f in model_forecasts(ex, ws)}
    cutoff = dt.date(2015, 7, 1)
    (root / "evidence" / "2015-07-01-late-news.yaml").write_text(
        "items:\n"
        "  - id: late-news\n"
        "    summary: A decisive report arrives on 1 July.\n"
        "    source: federation-council\n"
        "    reported: 2015-07-01\n"
        "    likelihoods:\n"
        "      dprk-driver: {new-allies: 0.02, food-aid: 0.02, un-office: 0.02, arms-deals: 0.9,\n"
        "                    russia-sanctions: 0.02, separate-purposes: 0.02, business-as-usual: 0.02,\n"
        "                    other: 0.02}\n"
        "      dprk-openness: {genuine-opening: 0.9, tactical-outreach: 0.05, no-change: 0.05}\n",
        encoding="utf-8")
    ws2 = plausible.load_workspace(root)
    after = {(f.question, f.made): f.probabilities for f in model_forecasts(load_exercise("dprk-2015", ws2), ws2)}
    assert before.keys() == after.keys()
    changed = 0
    for key, probabilities in before.items():
        if key[1] <= cutoff:  # evidence reported on the forecast day itself is not yet known that day
            np.testing.assert_array_equal(after[key], probabilities)
        else:
            changed += not np.allclose(after[key], probabilities)
    assert changed >= 3  # the later forecasts did see it: the test can fail


# --- resolve ---------------------------------------------------------------------------------------------------------


def _trial_exercise(root: Path) -> None:
    """An unresolved exercise with one indicator question and one set question."""
    folder = root / "exercises" / "trial"
    (folder / "forecasts").mkdir(parents=True)
    (folder / "exercise.yaml").write_text(
        "title: Trial\nquestions:\n"
        "  - {id: deal, text: Deal by end of 2015?, kind: binary, indicator: russia-aid-deal, closes: 2015-12-31}\n"
        "  - {id: driver, text: Why?, kind: categorical, set: dprk-driver, closes: 2015-12-31}\n",
        encoding="utf-8")
    (folder / "forecasts" / "ann.yaml").write_text(
        "forecaster: ann\nforecasts:\n  - {question: deal, made: 2015-06-20, probability: 0.4}\n", encoding="utf-8")


def _with_source(root: Path) -> None:
    with (root / "evidence" / "sources.yaml").open("a", encoding="utf-8") as handle:
        handle.write(SOURCE_LINE)


@pytest.mark.parametrize("outcome", ["yes", "no"])
def test_resolve_writes_a_new_evidence_file_and_edits_no_other(tmp_path: Path, outcome: str) -> None:
    root = copy_workspace(tmp_path / "ws")
    _trial_exercise(root)
    _with_source(root)
    ws = plausible.load_workspace(root)
    hs = ws.sets["dprk-driver"]
    lam = indicator_likelihoods(hs, next(i for i in hs.indicators if i.id == "russia-aid-deal"))
    prior = ws.posterior("dprk-driver").probability
    before = hashes(root)
    result = invoke("resolve", "trial", "deal", outcome, "--date", "2015-12-31", "-w", str(root), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    new_file = "evidence/resolutions/2015-12-31-trial-deal.yaml"
    assert data["evidence_file"] == str(root / new_file) and data["set"] == "dprk-driver"
    after = hashes(root)
    assert set(after) - set(before) == {new_file, "exercises/trial/resolutions.yaml"}
    assert {k: after[k] for k in before} == before   # nothing that existed was modified
    ex = load_exercise("trial", root)
    assert ex.resolutions["deal"].outcome == outcome and ex.resolutions["deal"].resolved == dt.date(2015, 12, 31)
    ws2 = plausible.load_workspace(root)
    item = next(i for i in ws2.items if i.path == new_file)
    assert item.source == "exercise-resolution" and item.reported == dt.date(2015, 12, 31)
    expected = lam if outcome == "yes" else 1 - lam
    np.testing.assert_allclose([item.likelihoods["dprk-driver"][h].mean for h in hs.hypothesis_ids], expected,
                               atol=1e-6)
    posterior = ws2.posterior("dprk-driver").probability
    # Observing the event raises its predicted probability; observing its absence lowers it.
    q_before, q_after = indicator_probability(prior, lam), indicator_probability(posterior, lam)
    assert (q_after > q_before) if outcome == "yes" else (q_after < q_before)
    top = int(np.argmax(lam))  # russia-sanctions: the hypothesis under which a deal is likeliest
    assert (posterior[top] > prior[top]) if outcome == "yes" else (posterior[top] < prior[top])
    # the model's forecasts before the resolution day did not see it
    assert ws2.posterior("dprk-driver", as_of=dt.date(2015, 12, 31) - dt.timedelta(days=1)).probabilities == pytest.approx(
        ws.posterior("dprk-driver", as_of=dt.date(2015, 12, 31) - dt.timedelta(days=1)).probabilities)


def test_resolve_refuses_without_the_source_and_changes_nothing(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "ws")
    _trial_exercise(root)
    before = hashes(root)
    result = invoke("resolve", "trial", "deal", "yes", "--date", "2015-12-31", "-w", str(root))
    assert result.exit_code == 2
    assert "{id: exercise-resolution, name: Resolved forecasting questions, reliability: A}" in result.stderr
    assert "evidence/sources.yaml" in result.stderr and "Traceback" not in result.output
    assert hashes(root) == before


def test_resolve_a_set_question_writes_no_evidence(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "ws")
    _trial_exercise(root)
    result = invoke("resolve", "trial", "driver", "food-aid", "--date", "2015-12-31", "-w", str(root))
    assert result.exit_code == 0, result.output
    assert not (root / "evidence" / "resolutions").exists()
    assert load_exercise("trial", root).resolutions["driver"].outcome == "food-aid"


def test_resolve_guards_against_mistakes(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "ws")
    _trial_exercise(root)
    _with_source(root)
    args = ["-w", str(root)]
    assert "did you mean 'deal'?" in invoke("resolve", "trial", "dael", "yes", *args).stderr
    wrong = invoke("resolve", "trial", "driver", "food", *args)
    assert wrong.exit_code == 2 and "did you mean 'food-aid'?" in wrong.stderr
    early = invoke("resolve", "trial", "deal", "yes", "--date", "2015-06-19", *args)
    assert early.exit_code == 2 and "made after 2015-06-19" in early.stderr
    assert invoke("resolve", "trial", "deal", "yes", "--date", "2015-12-3x", *args).exit_code == 2

    first = invoke("resolve", "trial", "deal", "Yes", "--date", "2015-11-30", *args)
    assert first.exit_code == 0, first.output
    state = hashes(root)
    again = invoke("resolve", "trial", "deal", "yes", "--date", "2015-11-30", *args)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert hashes(root) == state
    different = invoke("resolve", "trial", "deal", "no", "--date", "2015-11-30", *args)
    assert different.exit_code == 2 and "--force" in different.stderr
    same_day = invoke("resolve", "trial", "deal", "no", "--date", "2015-11-30", "--force", *args)
    assert same_day.exit_code == 2 and "already exists" in same_day.stderr
    assert hashes(root) == state

    forced = invoke("resolve", "trial", "deal", "no", "--date", "2015-12-31", "--force", *args)
    assert forced.exit_code == 0, forced.output
    after = hashes(root)
    old_file = "evidence/resolutions/2015-11-30-trial-deal.yaml"
    assert after[old_file] == state[old_file]           # the old evidence file is untouched...
    ws = plausible.load_workspace(root)
    assert [i.id for i in ws.items if i.id.startswith("trial-deal-resolved-")] == ["trial-deal-resolved-2015-12-31"]
    assert load_exercise("trial", root).resolutions["deal"].outcome == "no"   # ...and superseded


def test_resolve_appends_and_keeps_comments(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "ws")
    _trial_exercise(root)
    path = root / "exercises" / "trial" / "resolutions.yaml"
    path.write_text("# Kept comment.\nresolutions:\n    - question: deal   # indented by four\n"
                    "      outcome: 'no'\n      resolved: 2015-12-31\n", encoding="utf-8")
    _with_source(root)
    result = invoke("resolve", "trial", "driver", "new-allies", "--date", "2015-12-31", "-w", str(root))
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Kept comment.\nresolutions:\n    - question: deal   # indented by four\n")
    resolutions = load_exercise("trial", root).resolutions
    assert resolutions["driver"].outcome == "new-allies" and resolutions["deal"].outcome == "no"
