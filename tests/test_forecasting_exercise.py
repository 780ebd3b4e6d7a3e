"""Exercise files: validation, an exercise written from the format's description alone scored by hand, the CLI."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import plausible.cli.forecasting  # noqa: F401 - registers score and resolve
from plausible.cli import app
from plausible.core.errors import InputError
from plausible.forecasting import load_exercise, score_exercise

DATA = Path(__file__).parent / "data" / "exercises"
REPO = Path(__file__).parents[1]
LOCATED = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<message>.+)$")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


# --- validation --------------------------------------------------------------------------------------------------


def test_a_broken_exercise_reports_every_problem_as_path_line_message() -> None:
    result = invoke("score", "bad", "-w", str(DATA / "broken"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    expected = (DATA / "broken" / "expected.txt").read_text(encoding="utf-8")
    assert result.stderr == expected
    problems = result.stderr.splitlines()[:-1]
    assert len(problems) == 18
    assert all(LOCATED.match(line) for line in problems), problems


@pytest.mark.parametrize(("edit", "message"), [
    (("forecasts/bob.yaml", "made: 2024-04-29", "made: 2024-05-01"),
     "forecasts/bob.yaml:4: forecast of 'rain' made on 2024-05-01, after the question closed on 2024-04-30"),
    (("resolutions.yaml", "resolved: 2024-04-28", "resolved: 2024-04-24"),
     "forecasts/bob.yaml:7: forecast of 'winner' made on 2024-04-25, after the question resolved on 2024-04-24"),
    (("forecasts/bob.yaml", "forecaster: bob", "forecaster: alice"),
     "forecasts/bob.yaml:1: forecaster 'alice' also has the file exercises/quiz/forecasts/alice.yaml"),
    (("forecasts/bob.yaml", "  - question: winner", "  - question: rain\n    made: 2024-04-29\n    probability: 0.4\n"
      "  - question: winner"), "bob.yaml:7: a second forecast of 'rain' made on 2024-04-29 (first at line 4); keep one per day"),
    (("forecasts/bob.yaml", "green: 0.6", "green: 0.6000001"), None),   # within the 1e-6 tolerance
    (("forecasts/bob.yaml", "green: 0.6", "green: 0.61"), "probabilities sum to 1.01, not 1"),
    (("forecasts/bob.yaml", "      blue: 0.2\n", ""), "probabilities missing for 'blue'"),
    (("exercise.yaml", "closes: 2024-04-30\n  - id: winner", "closes: 2024-04-31\n  - id: winner"),
     "exercise.yaml:7: invalid date '2024-04-31'"),
])
def test_one_mistake_one_located_message(tmp_path: Path, edit: tuple[str, str, str], message: str | None) -> None:
    root = tmp_path / "ws"
    shutil.copytree(DATA / "design-section5", root)
    path = root / "exercises" / "quiz" / edit[0]
    text = path.read_text(encoding="utf-8")
    assert edit[1] in text
    path.write_text(text.replace(edit[1], edit[2], 1), encoding="utf-8")
    if message is None:
        load_exercise("quiz", root)
        return
    with pytest.raises(InputError) as caught:
        load_exercise("quiz", root)
    assert len(caught.value.problems) == 1, caught.value
    assert message in str(caught.value)


def test_yes_and_no_stay_text_in_options_outcomes_and_ids(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "exercises" / "x" / "forecasts").mkdir(parents=True)
    (root / "exercises" / "x" / "exercise.yaml").write_text(
        "title: Booleans\nquestions:\n"
        "  - {id: on, text: Which?, kind: categorical, options: [yes, no, off], closes: 2024-01-31}\n"
        "  - {id: 2015, text: Binary?, kind: binary, closes: 2024-01-31}\n", encoding="utf-8")
    (root / "exercises" / "x" / "forecasts" / "a.yaml").write_text(
        "forecaster: no\nforecasts:\n"
        "  - {question: on, made: 2024-01-02, probabilities: {yes: 0.2, no: 0.5, off: 0.3}}\n"
        "  - {question: 2015, made: 2024-01-02, probability: 70%}\n", encoding="utf-8")
    (root / "exercises" / "x" / "resolutions.yaml").write_text(
        "resolutions:\n  - {question: on, outcome: no, resolved: 2024-01-31}\n"
        "  - {question: 2015, outcome: yes, resolved: 2024-01-31}\n", encoding="utf-8")
    ex = load_exercise("x", root)
    assert list(ex.questions) == ["on", "2015"]
    assert ex.questions["on"].options == ("yes", "no", "off")
    assert ex.resolutions["on"].outcome == "no" and ex.forecasters == ["no"]
    scores = score_exercise(ex, root)
    human = next(f for f in scores.forecasters if f.id == "no")
    assert human.log == pytest.approx((-math.log(0.5) - math.log(0.7)) / 2)


def test_unknown_exercise_names_the_ones_there_are() -> None:
    result = invoke("score", "dprk-2016", "-w", str(REPO))
    assert result.exit_code == 2
    assert "did you mean 'dprk-2015'?" in result.stderr


# --- an exercise written from the format's description alone, scored by hand ----------------------------------------


def test_design_section5_exercise_is_scored_as_computed_by_hand() -> None:
    result = invoke("score", "quiz", "-w", str(DATA / "design-section5"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exercise"] == "quiz"
    by_id = {f["id"]: f for f in data["forecasters"]}
    assert set(by_id) == {"alice", "bob", "mean", "median", "logit-mean"}   # no hypothesis sets: no model
    alice, bob = by_id["alice"], by_id["bob"]
    # rain (resolved yes 05-01, closes 04-30 -> scored to 04-30): alice 0.6 on 04-21, 0.8 on 04-26
    #   final Brier 2(0.2)^2 = 0.08, log -ln 0.8; time-average (5 x 0.32 + 5 x 0.08) / 10 = 0.2
    # winner (green, resolved 04-28): alice [.5, .3, .2] -> Brier .25 + .49 + .04 = .78, log -ln .3
    # size (large; ordered): alice [.2, .5, .3] -> Brier .04 + .25 + .49 = .78, log -ln .3, RPS .2^2 + .7^2 = .53
    assert alice["questions"] == 3
    assert alice["brier"] == pytest.approx((0.08 + 0.78 + 0.78) / 3)
    assert alice["log"] == pytest.approx((-math.log(0.8) - 2 * math.log(0.3)) / 3)
    assert alice["brier_time_averaged"] == pytest.approx((0.2 + 0.78 + 0.78) / 3)
    assert alice["half_brier"] == pytest.approx(0.04)
    assert alice["rps"] == pytest.approx(0.53) and alice["rps_normalised"] == pytest.approx(0.265)
    # bob: rain 0.3 on 04-29 -> Brier 2(0.7)^2 = 0.98; winner [.2, .6, .2] on 04-25 -> .04 + .16 + .04 = .24
    assert bob["questions"] == 2
    assert bob["brier"] == pytest.approx((0.98 + 0.24) / 2)
    assert bob["log"] == pytest.approx((-math.log(0.3) - math.log(0.6)) / 2)
    assert bob["brier_time_averaged"] == pytest.approx((0.98 + 0.24) / 2)
    assert bob["half_brier"] == pytest.approx(0.49) and bob["rps"] is None
    # mean pool on rain: 04-21..25 alice's 0.6 (5 days), 04-26..28 her 0.8 (3), 04-29..30 (0.8 + 0.3) / 2 (2)
    rain = next(q for q in data["questions"] if q["id"] == "rain")
    mean = next(s for s in rain["scores"] if s["forecaster"] == "mean")
    assert mean["final"] == pytest.approx({"yes": 0.55, "no": 0.45})
    assert mean["days"] == 10
    assert mean["brier_time_averaged"] == pytest.approx((5 * 0.32 + 3 * 0.08 + 2 * 2 * 0.45**2) / 10)
    assert rain["outcome"] == "yes"
    for forecaster in data["forecasters"]:
        assert {"id", "questions", "brier", "log"} <= set(forecaster)


def test_the_scores_frame_and_calibration() -> None:
    scores = score_exercise("quiz", DATA / "design-section5")
    frame = scores.to_frame()
    assert frame.loc["alice", "brier"] == pytest.approx((0.08 + 0.78 + 0.78) / 3)
    assert list(frame.index) == sorted(frame.index, key=lambda who: frame.loc[who, "brier"])
    per_question = scores.questions_frame()
    assert per_question.loc[("winner", "bob"), "brier"] == pytest.approx(0.24)
    assert set(scores.forecasts_frame()["forecaster"]) == {"alice", "bob", "mean", "median", "logit-mean"}
    alice = scores.calibration["alice"]
    # events: rain yes 0.8 (1); winner .5/.3/.2 (0, 1, 0); size .2/.5/.3 (0, 0, 1): 7 events
    assert sum(row.count for row in alice.table) == 7
    assert alice.exact.brier == pytest.approx((0.04 + 0.78 + 0.78) / 7)
    d = alice.binned
    assert d.brier == pytest.approx(d.reliability - d.resolution + d.uncertainty + d.within_bin_variance
                                    - d.within_bin_covariance)


# --- the repository's DPRK exercise ----------------------------------------------------------------------------------


def test_dprk_exercise_scores_humans_model_and_pools() -> None:
    result = invoke("score", "dprk-2015", "-w", str(REPO), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = {f["id"]: f for f in data["forecasters"]}
    assert {"ana", "ben", "chloe", "plausible", "mean", "median", "logit-mean"} == set(ids)
    # Only the question the public record settles is resolved (the Gwangju Universiade); the others stay open.
    assert ids["plausible"]["kind"] == "model" and ids["plausible"]["questions"] == 1
    for f in data["forecasters"]:
        assert 0.0 <= f["brier"] <= 2.0 and f["log"] >= 0.0
    assert set(data["calibration"]["forecasters"]) == set(ids)
    assert 0.25 <= data["extremizing"]["a"] <= 4.0


def test_dprk_leaderboard_table() -> None:
    result = invoke("score", "dprk-2015", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    for name in ("plausible", "logit-mean", "median", "mean", "ana", "ben", "chloe", "Brier t-avg"):
        assert name in result.stdout


def test_dprk_exercise_says_it_is_illustrative() -> None:
    text = (REPO / "exercises" / "dprk-2015" / "exercise.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ILLUSTRATIVE")
    ex = load_exercise("dprk-2015", REPO)
    assert "illustrative" in ex.title.lower() and "invented" in (ex.description or "")
    for path in sorted((REPO / "exercises" / "dprk-2015" / "forecasts").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith("# ILLUSTRATIVE forecaster (INVENTED)"), path.name
    # The resolutions come from the public record, each citing its report.
    resolutions = yaml.safe_load((REPO / "exercises" / "dprk-2015" / "resolutions.yaml").read_text(encoding="utf-8"))
    assert [(r["question"], r["outcome"]) for r in resolutions["resolutions"]] == [("gwangju-return", "no")]
    assert all("https://" in r["note"] for r in resolutions["resolutions"])


def test_an_exercise_with_nothing_resolved_yet_scores_nobody(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(DATA / "design-section5", root)
    (root / "exercises" / "quiz" / "resolutions.yaml").unlink()
    result = invoke("score", "quiz", "-w", str(root), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(f["questions"] == 0 and f["brier"] is None for f in data["forecasters"])
    assert data["calibration"]["forecasters"] == {} and data["extremizing"]["a"] is None
    table = invoke("score", "quiz", "-w", str(root))
    assert table.exit_code == 0 and "0 of 3 questions resolved" in table.stdout


# --- choosing the pools ------------------------------------------------------------------------------------------


def _ids(*args: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = invoke("score", "quiz", "-w", str(DATA / "design-section5"), "--json", *args)
    assert result.exit_code == 0, result.output
    return {f["id"]: f for f in json.loads(result.stdout)["forecasters"]}


def test_pools_none_skips_pooling_and_leaves_the_other_scores_alone() -> None:
    everything, none = _ids(), _ids("--pools", "none")
    assert {"mean", "median", "logit-mean"} <= set(everything)
    assert set(none) == set(everything) - {"mean", "median", "logit-mean"} and none
    for who, scores in none.items():
        assert scores == everything[who]


def test_pools_a_comma_list_scores_exactly_those_pools_as_by_default() -> None:
    everything = _ids()
    some = _ids("--pools", "logit-mean,mean")
    assert {"mean", "logit-mean"} <= set(some) and "median" not in some
    assert some["logit-mean"] == everything["logit-mean"] and some["mean"] == everything["mean"]
    result = invoke("score", "quiz", "-w", str(DATA / "design-section5"), "--json", "--pools", "median")
    data = json.loads(result.stdout)
    assert data["extremizing"]["a"] is None and "median" in {f["id"] for f in data["forecasters"]}


@pytest.mark.parametrize("given", ["average", "mean,avg", "none,mean", ""])
def test_an_unknown_pool_is_a_usage_error_listing_the_choices(given: str) -> None:
    result = invoke("score", "quiz", "-w", str(DATA / "design-section5"), "--pools", given)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "none or a comma list of mean, median, logit-mean, bayes" in result.stderr


def test_pools_are_in_the_help() -> None:
    result = invoke("score", "--help")
    assert "--pools" in result.output and "none|mean,median,logit-mean,bayes" in result.output
