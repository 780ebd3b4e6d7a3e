"""Forecasts stored as CSV: the same scores as YAML, every problem located as path:line, kinds and pools."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible.cli.forecasting  # noqa: F401 - registers the commands
from plausible.cli import app
from plausible.core.errors import InputError
from plausible.forecasting import load_exercise, score_exercise

DATA = Path(__file__).parent / "data" / "exercises" / "design-section5"
LOCATED = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<message>.+)$")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


@pytest.fixture
def quiz(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(DATA, root)
    return root


ALICE_AND_BOB = """forecaster,question,date,probability,option
alice,rain,2024-04-21,0.6,
alice,rain,2024-04-26,80%,yes
alice,winner,2024-04-21,0.5,red
alice,winner,2024-04-21,0.3,green
alice,winner,2024-04-21,0.2,blue
alice,size,2024-04-21,0.2,small
alice,size,2024-04-21,0.5,medium
alice,size,2024-04-21,0.3,large
bob,rain,2024-04-29,0.3,
bob,winner,2024-04-25,0.2,red
bob,winner,2024-04-25,0.6,green
bob,winner,2024-04-25,0.2,blue
"""


def test_csv_and_yaml_storage_give_the_same_scores(quiz: Path, tmp_path: Path) -> None:
    expected = score_exercise("quiz", quiz).to_dict()
    (tmp_path / "in.csv").write_text(ALICE_AND_BOB, encoding="utf-8")
    result = invoke("forecasts", "import", str(tmp_path / "in.csv"), "-e", "quiz", "-w", str(quiz), "--replace",
                    "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["forecasts"] == 6 and set(report["replaced"]) == {"alice", "bob"}
    folder = quiz / "exercises" / "quiz" / "forecasts"
    assert sorted(p.name for p in folder.iterdir()) == ["alice.csv", "bob.csv"]
    assert score_exercise("quiz", quiz).to_dict() == expected
    ex = load_exercise("quiz", quiz)
    assert len(ex.forecasts) == 6 and ex.kinds == {"alice": "human", "bob": "human"}


BAD = """forecaster,question,date,probability,option,kind
carl,rain,2024-04-21,0.6,,market
carl,rian,2024-04-21,0.6,,market
carl,rain,2024-04-31,0.6,,market
carl,rain,2024-04-22,1.6,,market
carl,winner,2024-04-22,0.5,red,market
carl,winner,2024-04-22,0.6,green,market
carl,winner,2024-04-22,0.1,blue,market
carl,size,2024-04-22,0.5,small,market
carl,rain,2024-04-21,0.7,,market
carl,rain,2024-04-23,0.7,,human
mean,rain,2024-04-23,0.7,,
dan,winner,2024-04-22,0.5,purple,
dan,rain,2024-04-22,0.5,,markt

carl,size,2024-05-22,0.5,small,market
"""

BAD_MESSAGES = [
    "3: unknown question 'rian'; did you mean 'rain'?",
    "4: invalid date '2024-04-31'",
    "5: '1.6' is not a probability in [0, 1]",
    "6: probabilities of 'winner' on 2024-04-22 sum to 1.2, not 1",
    "9: probabilities missing for 'medium', 'large' of question 'size' on 2024-04-22",
    "10: duplicate row: 'carl' already gave 'yes' of 'rain' a probability on 2024-04-21 (line 2)",
    "11: forecaster 'carl' is declared of kind market on its first row and of another kind here",
    "12: forecaster id 'mean' is reserved",
    "13: 'purple' is not an option of question 'winner'",
    "14: unknown kind 'markt': choose human, model, market, baseline; did you mean 'market'?",
    "16: forecast of 'size' made on 2024-05-22, after the question closed on 2024-04-30",
]


def test_every_problem_of_an_imported_csv_is_located_and_nothing_is_written(quiz: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in (quiz / "exercises" / "quiz" / "forecasts").iterdir()}
    (tmp_path / "bad.csv").write_text(BAD, encoding="utf-8")
    result = invoke("forecasts", "import", str(tmp_path / "bad.csv"), "-e", "quiz", "-w", str(quiz))
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.splitlines()[:-1]
    assert all(LOCATED.match(line) for line in lines), lines
    assert len(lines) == len(BAD_MESSAGES)
    for line, message in zip(lines, BAD_MESSAGES, strict=True):
        assert line.startswith(f"{tmp_path / 'bad.csv'}:") and message in line, (line, message)
    assert {p.name: p.read_bytes() for p in (quiz / "exercises" / "quiz" / "forecasts").iterdir()} == before


def test_validate_checks_csv_files_of_an_exercise(quiz: Path) -> None:
    (quiz / "exercises" / "quiz" / "forecasts" / "bad.csv").write_text(BAD, encoding="utf-8")
    result = invoke("validate", "-w", str(quiz))
    assert result.exit_code == 2
    assert "exercises/quiz/forecasts/bad.csv:3: unknown question 'rian'" in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("forecaster,question,date,probability,when\n", "1: unknown column 'when'"),
    ("forecaster,question,probability\n", "1: missing column date"),
    ("forecaster,question,date,probability\nann,rain,2024-04-21,0.5,extra\n", "2: expected 4 values"),
    ("forecaster,question,date,probability\nann,winner,2024-04-21,0.5\n",
     "2: question 'winner' is categorical: add an `option` column"),
    ("forecaster,question,date,probability\nalice,rain,2024-04-22,0.5\n",
     "2: forecaster 'alice' also has the file exercises/quiz/forecasts/alice.yaml"),
])
def test_header_shape_and_ownership_problems(quiz: Path, text: str, message: str) -> None:
    (quiz / "exercises" / "quiz" / "forecasts" / "more.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_exercise("quiz", quiz)
    assert len(caught.value.problems) == 1, caught.value
    assert f"exercises/quiz/forecasts/more.csv:{message}" in str(caught.value)


def test_markets_and_baselines_are_scored_but_not_pooled(quiz: Path) -> None:
    bob = quiz / "exercises" / "quiz" / "forecasts" / "bob.yaml"
    humans = score_exercise("quiz", quiz)
    bob.write_text(bob.read_text(encoding="utf-8").replace("forecaster: bob\n", "forecaster: bob\nkind: market\n"),
                   encoding="utf-8")
    with_market = score_exercise("quiz", quiz)
    ids = {f.id: f for f in with_market.forecasters}
    assert ids["bob"].kind == "market" and ids["bob"] == humans.forecasters[
        [f.id for f in humans.forecasters].index("bob")].__class__(**{**ids["bob"].__dict__})
    # with bob out of the pools, every pool is alice's own forecast on alice's days
    frame = with_market.forecasts_frame()
    alice = frame[frame.forecaster == "alice"].reset_index(drop=True)
    for pool in ("mean", "median", "logit-mean"):
        pooled = frame[frame.forecaster == pool].reset_index(drop=True)
        assert list(pooled.made) == list(alice.made) and list(pooled.option) == list(alice.option)
        expected = alice.probability if pool != "logit-mean" else pooled.probability
        np.testing.assert_allclose(pooled.probability, expected, rtol=0, atol=1e-12)
    assert ids["mean"].brier == pytest.approx(ids["alice"].brier, rel=0, abs=1e-12)
    bob.write_text(bob.read_text(encoding="utf-8").replace("kind: market", "kind: bot"), encoding="utf-8")
    with pytest.raises(InputError, match=r"bob.yaml:2: .*'human', 'model', 'market' or 'baseline'"):
        load_exercise("quiz", quiz)


def test_row_order_and_file_layout_change_nothing(quiz: Path) -> None:
    expected = score_exercise("quiz", quiz).to_dict()
    folder = quiz / "exercises" / "quiz" / "forecasts"
    for path in folder.iterdir():
        path.unlink()
    header, *rows = ALICE_AND_BOB.splitlines()
    shuffled = [rows[i] for i in np.random.default_rng(5).permutation(len(rows))]
    (folder / "everyone.csv").write_text("\n".join([header, *shuffled]) + "\n", encoding="utf-8")
    assert score_exercise("quiz", quiz).to_dict() == expected


@pytest.mark.parametrize("rows", [["bob,rain,2024-04-29,0.3,"], ["bob,rain,2024-04-29,0.3,yes"],
                                  ["bob,rain,2024-04-29,0.3,yes", "bob,rain,2024-04-29,0.7,no"]])
def test_a_binary_forecast_is_its_yes_row_or_both_rows(quiz: Path, rows: list[str]) -> None:
    bob = quiz / "exercises" / "quiz" / "forecasts" / "bob.yaml"
    bob.write_text(bob.read_text(encoding="utf-8").split("  - question: winner")[0].replace(
        "  - question: rain\n    made: 2024-04-29\n    probability: 0.3\n", "  []\n"), encoding="utf-8")
    (bob.parent / "bob-rain.csv").write_text("forecaster,question,date,probability,option\n" + "\n".join(
        r.replace("bob,", "bobby,", 1) for r in rows) + "\n", encoding="utf-8")
    ex = load_exercise("quiz", quiz)
    (forecast,) = ex.forecasts_for("rain", "bobby")
    assert forecast.probabilities.tolist() == [0.3, 0.7]
