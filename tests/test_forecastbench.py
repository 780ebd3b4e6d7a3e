"""Real questions: an exercise imported from ForecastBench, scored against scikit-learn and scoringrules.

The data (tests/data/forecastbench/, CC BY-SA 4.0, see its README) are read here a second time, independently of
the importer, so that the outcomes and probabilities the reference libraries see are not the importer's.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import scoringrules as sr
from sklearn.metrics import brier_score_loss, log_loss
from typer.testing import CliRunner

import plausible.cli.forecasting  # noqa: F401 - registers the commands
from plausible.cli import app
from plausible.forecasting import load_exercise
from plausible.forecasting.schema import json_schemas

DATA = Path(__file__).parent / "data" / "forecastbench"
QUESTIONS = DATA / "2024-07-21-human.json"
RESOLUTIONS = DATA / "2024-07-21_resolution_set.json"
NAME = "forecastbench-2024-07-21"
TOLERANCE = 1e-12


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


def independent_truth() -> dict[str, tuple[float, int]]:
    """(market probability, outcome) of every kept question, by exercise id, read straight from the JSON."""
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    entries = json.loads(RESOLUTIONS.read_text(encoding="utf-8"))["resolutions"]
    resolved = {(e["source"], e["id"]): e for e in entries if isinstance(e["id"], str)}
    out = {}
    for q in questions:
        e = resolved.get((q["source"], q["id"]))
        if q["source"] in {"manifold", "metaculus", "polymarket", "infer"} and e and e["resolved"] \
                and e["resolved_to"] in (0.0, 1.0):
            out[f"{q['source']}-{q['id']}"] = (float(q["freeze_datetime_value"]), int(e["resolved_to"]))
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, described_json_keys) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("fb")
    result = invoke("exercise", "import-forecastbench", str(QUESTIONS), str(RESOLUTIONS), "-w", str(root), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == described_json_keys("exercise import-forecastbench")  # as docs/cli.md says
    assert report["exercise"] == NAME and report["questions"] == 57
    assert report["skipped"] == {"dataset question (not a market or platform question)": 10,
                                 "not resolved (resolved: false)": 18, "no resolution entry": 15}
    return root


def scores(root: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    result = invoke("score", NAME, "-w", str(root), "--json")
    assert result.exit_code == 0, result.output
    return {f["id"]: f for f in json.loads(result.stdout)["forecasters"]}


def test_the_import_keeps_ids_exactly_and_makes_source_id_pairs_unique(imported: Path) -> None:
    ex = load_exercise(NAME, imported)
    truth = independent_truth()
    assert set(ex.questions) == set(truth) and len(ex.questions) == 57
    hex_ids = [q for q in ex.questions.values() if q.source == "polymarket"]
    assert hex_ids and all(q.source_id is not None and q.source_id.startswith("0x") and len(q.source_id) == 66
                           and q.id == f"polymarket-{q.source_id}" for q in hex_ids)
    # the id 1348 exists under two sources in the question set; each pair is its own question (if kept)
    assert {q.id for q in ex.questions.values() if q.source_id == "1348"} <= {"metaculus-1348", "infer-1348"}
    assert ex.kinds == {"market": "market"} and ex.forecasters == ["market"]
    for q in ex.questions.values():
        assert ex.resolutions[q.id].outcome == ("yes" if truth[q.id][1] == 1 else "no")
        (forecast,) = ex.forecasts_for(q.id)
        assert forecast.probabilities[0] == truth[q.id][0]   # exactly the published value


def test_the_market_scores_agree_with_scikit_learn_and_scoringrules(imported: Path) -> None:
    truth = independent_truth()
    p = np.array([v[0] for v in truth.values()])
    y = np.array([v[1] for v in truth.values()])
    market = scores(imported)["market"]
    assert market["kind"] == "market" and market["questions"] == 57
    assert market["half_brier"] == pytest.approx(brier_score_loss(y, p), rel=0, abs=TOLERANCE)
    assert market["brier"] == pytest.approx(2 * brier_score_loss(y, p), rel=0, abs=TOLERANCE)
    assert market["log"] == pytest.approx(log_loss(y, p, labels=[0, 1]), rel=0, abs=TOLERANCE)
    assert market["half_brier"] == pytest.approx(float(np.mean(sr.brier_score(y, p))), rel=0, abs=TOLERANCE)
    assert market["log"] == pytest.approx(float(np.mean(sr.log_score(y, p))), rel=0, abs=TOLERANCE)
    assert market["brier_time_averaged"] == pytest.approx(market["brier"], rel=0, abs=TOLERANCE)  # one forecast


def test_baselines_imported_from_csv_are_scored_and_never_pooled(imported: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(imported, root)
    truth = independent_truth()
    y = np.array([v[1] for v in truth.values()])
    # An explicit in-sample base rate: it knows the outcomes (look-ahead), so it is a reference, not a rival.
    base_rate = float(y.mean())
    rows = ["forecaster,question,date,probability,kind"]
    rows += [f"coin,{q},2024-07-12,0.5,baseline" for q in truth]
    rows += [f"base-rate,{q},2024-07-12,{base_rate!r},baseline" for q in truth]
    (tmp_path / "baselines.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = scores(root)["market"]
    result = invoke("forecasts", "import", str(tmp_path / "baselines.csv"), "--exercise", NAME, "-w", str(root))
    assert result.exit_code == 0, result.output
    assert (root / "exercises" / NAME / "forecasts" / "coin.csv").is_file()
    after = scores(root)
    assert after["market"] == before
    assert set(after) == {"market", "coin", "base-rate"}  # no human or model forecaster: nothing to pool
    coin, rate = after["coin"], after["base-rate"]
    assert coin["kind"] == rate["kind"] == "baseline"
    assert coin["brier"] == pytest.approx(0.5, rel=0, abs=TOLERANCE)
    assert coin["log"] == pytest.approx(math.log(2), rel=0, abs=TOLERANCE)
    assert coin["half_brier"] == pytest.approx(brier_score_loss(y, np.full(y.size, 0.5)), rel=0, abs=TOLERANCE)
    b = np.full(y.size, base_rate)
    assert rate["half_brier"] == pytest.approx(brier_score_loss(y, b), rel=0, abs=TOLERANCE)
    assert rate["half_brier"] == pytest.approx(base_rate * (1 - base_rate), rel=0, abs=TOLERANCE)
    assert rate["log"] == pytest.approx(log_loss(y, b, labels=[0, 1]), rel=0, abs=TOLERANCE)
    assert rate["log"] == pytest.approx(float(np.mean(sr.log_score(y, b))), rel=0, abs=TOLERANCE)
    table = invoke("score", NAME, "-w", str(root))
    assert "market and baseline are scored but not pooled" in table.stdout
    again = invoke("forecasts", "import", str(tmp_path / "baselines.csv"), "--exercise", NAME, "-w", str(root))
    assert again.exit_code == 2 and "--replace" in again.stderr and "coin (coin.csv)" in again.stderr
    replaced = invoke("forecasts", "import", str(tmp_path / "baselines.csv"), "--exercise", NAME, "-w", str(root),
                      "--replace")
    assert replaced.exit_code == 0 and "replacing" in replaced.stdout
    assert scores(root)["coin"] == coin


def test_an_existing_exercise_is_never_overwritten(imported: Path) -> None:
    before = (imported / "exercises" / NAME / "forecasts" / "market.csv").read_bytes()
    result = invoke("exercise", "import-forecastbench", str(QUESTIONS), str(RESOLUTIONS), "-w", str(imported))
    assert result.exit_code == 2 and "exists already" in result.stderr
    assert (imported / "exercises" / NAME / "forecasts" / "market.csv").read_bytes() == before


def test_a_file_that_is_not_a_question_set_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "q.json").write_text('{"questions": [\n  {"id": 1,}\n]}\n', encoding="utf-8")
    result = invoke("exercise", "import-forecastbench", str(tmp_path / "q.json"), str(RESOLUTIONS), "-w",
                    str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{tmp_path / 'q.json'}:2: not valid JSON" in result.stderr


def test_the_schema_declares_the_kinds_of_forecaster() -> None:
    kind = json_schemas()["forecasts"]["properties"]["kind"]
    text = json.dumps(kind)
    assert all(k in text for k in ("human", "model", "market", "baseline"))
