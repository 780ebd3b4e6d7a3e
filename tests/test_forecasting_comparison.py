"""Comparing forecasters: ranking on common questions, skill scores, the paired bootstrap, pool kinds, exports.

Every number is checked against an independent computation: scikit-learn and scoringrules on the real
ForecastBench questions, a brute-force loop, scipy.stats.bootstrap, and NumPy over the raw CSV rows.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scoringrules as sr
from scipy import stats
from sklearn.metrics import brier_score_loss, log_loss
from typer.testing import CliRunner

import plausible.cli.forecasting  # noqa: F401 - registers the commands
from plausible.cli import app
from plausible.forecasting import comparison, score_exercise
from plausible.forecasting.aggregation import fit_extremizing_loo
from plausible.forecasting.comparison import bootstrap_mean_interval, compare, rank, skill_scores

DATA = Path(__file__).parent / "data" / "forecastbench"
REPO = Path(__file__).parent.parent
NAME = "forecastbench-2024-07-21"
TOLERANCE = 1e-12


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


@pytest.fixture(scope="module")
def fb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """The ForecastBench exercise with a coin and an in-sample base rate; (root, market p, outcomes) by question."""
    root = tmp_path_factory.mktemp("fb")
    result = invoke("exercise", "import-forecastbench", str(DATA / "2024-07-21-human.json"),
                    str(DATA / "2024-07-21_resolution_set.json"), "-w", str(root))
    assert result.exit_code == 0, result.output
    market = pd.read_csv(root / "exercises" / NAME / "forecasts" / "market.csv", dtype={"question": str})
    text = (root / "exercises" / NAME / "resolutions.yaml").read_text(encoding="utf-8")
    outcome = {line.split("question: ")[1].split(",")[0]: int("outcome: yes" in line)
               for line in text.splitlines() if "question:" in line}
    y = np.array([outcome[q] for q in market["question"]])
    rate = float(y.mean())
    rows = ["forecaster,question,date,probability,kind"]
    rows += [f"coin,{q},2024-07-12,0.5,baseline" for q in market["question"]]
    rows += [f"base-rate,{q},2024-07-12,{rate!r},baseline" for q in market["question"]]
    (root / "baselines.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert invoke("forecasts", "import", str(root / "baselines.csv"), "-e", NAME, "-w", str(root)).exit_code == 0
    return root, market["probability"].to_numpy(), y


def run_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = invoke("score", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# --- skill against a reference: the real questions, scikit-learn and scoringrules ---------------------------


def test_skill_against_the_coin_agrees_with_scikit_learn_and_scoringrules(fb) -> None:  # type: ignore[no-untyped-def]
    root, p, y = fb
    out = run_json(NAME, "-w", str(root), "--reference", "coin")
    skill = {s["forecaster"]: s for s in out["skill"]}
    coin_brier = brier_score_loss(y, np.full(y.size, 0.5))
    assert skill["market"]["brier_skill"] == pytest.approx(1 - brier_score_loss(y, p) / coin_brier, abs=TOLERANCE)
    assert skill["market"]["log_skill"] == pytest.approx(1 - log_loss(y, p, labels=[0, 1]) / math.log(2),
                                                         abs=TOLERANCE)
    b = np.full(y.size, y.mean())
    assert skill["base-rate"]["brier_skill"] == pytest.approx(
        1 - float(np.mean(sr.brier_score(y, b))) / coin_brier, abs=TOLERANCE)
    assert skill["base-rate"]["log_skill"] == pytest.approx(
        1 - float(np.mean(sr.log_score(y, b))) / math.log(2), abs=TOLERANCE)
    assert skill["coin"] == {"forecaster": "coin", "questions": 57, "brier_skill": 0.0, "log_skill": 0.0}
    text = invoke("score", NAME, "-w", str(root), "--reference", "coin").stdout
    assert "Brier skill" in text and "ref" in text and "score of coin" in text


def test_an_unknown_reference_or_compared_forecaster_is_a_usage_error(fb) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = fb
    result = invoke("score", NAME, "-w", str(root), "--reference", "cion")
    assert result.exit_code == 2 and "--reference: no forecaster 'cion'" in result.stderr
    assert "Traceback" not in result.output
    result = invoke("score", NAME, "-w", str(root), "--compare", "market", "market")
    assert result.exit_code == 2 and "two different forecasters" in result.stderr
    result = invoke("score", NAME, "-w", str(root), "--pool-kinds", "human,robot")
    assert result.exit_code == 2 and "unknown kind 'robot'" in result.stderr
    result = invoke("score", NAME, "-w", str(root), "--rank-on", "own")
    assert result.exit_code == 2 and "--rank-on" in result.stderr


# --- the paired bootstrap -----------------------------------------------------------------------------------


def brute_force_bootstrap(d: np.ndarray, seed: int, resamples: int, level: float) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(resamples):
        sample = rng.integers(0, d.size, size=d.size)
        means.append(sum(d[i] for i in sample) / d.size)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high), sum(m < 0 for m in means) / resamples


@pytest.mark.parametrize("chunk", [4_000_000, 7])
def test_the_vectorised_bootstrap_equals_a_loop(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(comparison, "_CHUNK", chunk)  # 7: one resample per chunk, the stream must not change
    d = np.random.default_rng(3).normal(-0.05, 0.3, size=23)
    got = bootstrap_mean_interval(d, seed=11, resamples=500, level=0.9)
    assert got == pytest.approx(brute_force_bootstrap(d, 11, 500, 0.9), abs=1e-12)


def test_the_bootstrap_interval_agrees_with_scipy() -> None:
    d = np.random.default_rng(8).normal(0.1, 1.0, size=60)
    low, high, _ = bootstrap_mean_interval(d, seed=1, resamples=40_000)
    ref = stats.bootstrap((d,), np.mean, n_resamples=40_000, method="percentile", confidence_level=0.95,
                          random_state=np.random.default_rng(2)).confidence_interval
    spread = d.std() / math.sqrt(d.size)
    # Monte Carlo error of a 2.5% quantile from 40,000 resamples: about 0.013 spread each; allow 4 sd of the gap
    assert abs(low - ref.low) < 0.08 * spread and abs(high - ref.high) < 0.08 * spread
    assert (low, high) != pytest.approx((ref.low, ref.high), abs=1e-12)  # two independent resamplings


def test_compare_on_the_real_questions(fb) -> None:  # type: ignore[no-untyped-def]
    root, p, y = fb
    out = run_json(NAME, "-w", str(root), "--compare", "market", "coin", "--seed", "5", "--resamples", "2000")
    brier, log = out["comparison"]
    d_brier = 2 * (p - y) ** 2 - 0.5
    d_log = -np.log(np.where(y == 1, p, 1 - p)) - math.log(2)
    # the questions in the exercise's order (the market's CSV follows it)
    assert brier["difference"] == pytest.approx(d_brier.mean(), abs=TOLERANCE)
    assert log["difference"] == pytest.approx(d_log.mean(), abs=TOLERANCE)
    assert (brier["low"], brier["high"], brier["a_better"]) == pytest.approx(
        brute_force_bootstrap(d_brier, 5, 2000, 0.95), abs=1e-12)
    assert (log["low"], log["high"]) == pytest.approx(brute_force_bootstrap(d_log, 5, 2000, 0.95)[:2], abs=1e-12)
    assert brier["questions"] == 57 and brier["high"] < 0  # the market beats the coin beyond luck
    again = run_json(NAME, "-w", str(root), "--compare", "market", "coin", "--seed", "5", "--resamples", "2000")
    assert again["comparison"] == out["comparison"]
    other = run_json(NAME, "-w", str(root), "--compare", "market", "coin", "--seed", "6", "--resamples", "2000")
    assert other["comparison"][0]["low"] != brier["low"]
    text = invoke("score", NAME, "-w", str(root), "--compare", "market", "coin").stdout
    assert "market − coin, brier, on the 57 questions both answered" in text and "bootstrap interval" in text


# --- partial coverage: ranking conventions, skill and comparison on shared questions ------------------------


def coverage_workspace(root: Path) -> tuple[Path, pd.DataFrame, dict[str, int]]:
    """Twelve binary questions; 'lucky' answers two easy ones well, 'ana' all of them, 'ben' nine."""
    rng = np.random.default_rng(42)
    questions = [f"q{i:02d}" for i in range(12)]
    outcome = {q: int(rng.random() < 0.5) for q in questions}
    rows = []
    for who, answered in (("ana", questions), ("ben", questions[3:]), ("lucky", questions[:2])):
        for q in answered:
            right = 0.9 if who == "lucky" else rng.uniform(0.3, 0.95)
            if who == "ana" and q in questions[:2]:
                right = 0.97
            p_yes = right if outcome[q] else 1 - right
            rows.append({"forecaster": who, "question": q, "date": "2024-01-05", "probability": p_yes,
                         "kind": "human"})
    folder = root / "exercises" / "cov"
    (folder / "forecasts").mkdir(parents=True)
    (folder / "exercise.yaml").write_text("title: Coverage\nquestions:\n" + "".join(
        f"  - {{id: {q}, text: Q?, kind: binary, closes: 2024-01-31}}\n" for q in questions), encoding="utf-8")
    (folder / "resolutions.yaml").write_text("resolutions:\n" + "".join(
        f"  - {{question: {q}, outcome: {'yes' if outcome[q] else 'no'}, resolved: 2024-02-01}}\n"
        for q in questions), encoding="utf-8")
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / "forecasts" / "all.csv", index=False)
    frame["y"] = frame["question"].map(outcome)
    frame["brier"] = 2 * (frame["probability"] - frame["y"]) ** 2
    frame["log"] = -np.log(np.where(frame["y"] == 1, frame["probability"], 1 - frame["probability"]))
    return root, frame, outcome


def test_rank_on_common_questions_and_coverage(tmp_path: Path) -> None:
    root, frame, _ = coverage_workspace(tmp_path)
    scores = score_exercise("cov", root, pools=())
    common = rank(scores.table, "common")
    # every question answered by every forecaster: none (lucky answered 0-1, ben 3-11)
    assert common.questions == () and all(r.brier is None for r in common.rows)
    text = invoke("score", "cov", "-w", str(root), "--pools", "none").stdout
    assert "No resolved question was answered by every forecaster" in text
    own = rank(scores.table, "all")
    means = frame.groupby("forecaster")[["brier", "log"]].mean()
    for r in own.rows:
        assert r.brier == pytest.approx(means.loc[r.id, "brier"], abs=TOLERANCE)
        assert r.questions == own.answered[r.id] == int((frame["forecaster"] == r.id).sum())
    assert own.rows[0].id == "lucky"  # what --rank-on all shows, labelled as such
    labelled = " ".join(invoke("score", "cov", "-w", str(root), "--pools", "none", "--rank-on", "all").stdout.split())
    assert "Ranked on each forecaster's own questions (--rank-on all)" in labelled
    assert labelled.index("lucky") < labelled.index("ana")
    # ana and lucky share q00 and q01: on them, ana (0.97) is better than lucky (0.9)
    pair = frame[frame["forecaster"].isin(["ana", "lucky"])]
    shared = pair[pair["question"].isin(["q00", "q01"])]
    scores2 = score_exercise(_only(root, frame, ["ana", "lucky"]), root, pools=())
    ranked = rank(scores2.table, "common")
    assert ranked.questions == ("q00", "q01") and [r.id for r in ranked.rows] == ["ana", "lucky"]
    expected = shared.groupby("forecaster")["brier"].mean()
    assert [r.brier for r in ranked.rows] == pytest.approx([expected["ana"], expected["lucky"]], abs=TOLERANCE)
    assert ranked.answered == {"ana": 12, "lucky": 2} and ranked.resolved == 12
    lines = invoke("score", "cov2", "-w", str(root), "--pools", "none").stdout
    assert "12/12" in lines and "2/12" in lines and "Ranked on the 2 resolved questions every forecaster" in lines


def _only(root: Path, frame: pd.DataFrame, who: list[str]) -> str:
    """A copy of the coverage exercise with only some forecasters (exercise cov2)."""
    source, target = root / "exercises" / "cov", root / "exercises" / "cov2"
    (target / "forecasts").mkdir(parents=True, exist_ok=True)
    for name in ("exercise.yaml", "resolutions.yaml"):
        (target / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    kept = frame[frame["forecaster"].isin(who)][["forecaster", "question", "date", "probability", "kind"]]
    kept.to_csv(target / "forecasts" / "all.csv", index=False)
    return "cov2"


def test_skill_and_comparison_use_the_questions_both_answered(tmp_path: Path) -> None:
    root, frame, _ = coverage_workspace(tmp_path)
    table = score_exercise("cov", root, pools=()).table
    skill = skill_scores(table, "ana")
    wide = frame.pivot(index="question", columns="forecaster", values="brier")
    wide_log = frame.pivot(index="question", columns="forecaster", values="log")
    for who in ("ben", "lucky"):
        both = wide[[who, "ana"]].dropna().index
        assert skill[who].questions == len(both)
        assert skill[who].brier == pytest.approx(1 - wide.loc[both, who].mean() / wide.loc[both, "ana"].mean(),
                                                 abs=TOLERANCE)
        assert skill[who].log == pytest.approx(
            1 - wide_log.loc[both, who].mean() / wide_log.loc[both, "ana"].mean(), abs=TOLERANCE)
    brier, _ = compare(table, "ben", "ana", seed=3, resamples=300)
    both = wide[["ben", "ana"]].dropna().index
    d = (wide.loc[both, "ben"] - wide.loc[both, "ana"]).to_numpy()
    assert brier.questions == 9 and brier.difference == pytest.approx(d.mean(), abs=TOLERANCE)
    assert (brier.low, brier.high) == pytest.approx(brute_force_bootstrap(d, 3, 300, 0.95)[:2], abs=1e-12)
    with pytest.raises(Exception, match="answered no resolved question in common"):
        compare(table, "ben", "lucky", seed=1)


# --- pools of other kinds, the extremizing factor actually used ---------------------------------------------


def test_pool_kinds_put_markets_and_baselines_in_the_pools(fb) -> None:  # type: ignore[no-untyped-def]
    root, p, y = fb
    out = run_json(NAME, "-w", str(root), "--pool-kinds", "market,baseline", "--pools", "mean")
    assert out["pool_kinds"] == ["market", "baseline"]
    mean = next(f for f in out["forecasters"] if f["id"] == "mean")
    pooled = (p + 0.5 + y.mean()) / 3
    assert mean["half_brier"] == pytest.approx(brier_score_loss(y, pooled), abs=TOLERANCE)
    default = run_json(NAME, "-w", str(root))
    assert default["pool_kinds"] == ["human", "model"] and "mean" not in {f["id"] for f in default["forecasters"]}


def test_the_extremizing_factors_used_are_shown_with_a_small_sample_warning(fb) -> None:  # type: ignore[no-untyped-def]
    root, p, y = fb
    out = run_json(NAME, "-w", str(root), "--pool-kinds", "market,baseline", "--pools", "logit-mean")
    ext = out["extremizing"]
    # the pool's mean log probabilities, computed here from the three forecasts (clipped as the pools clip)
    stack = np.clip(np.stack([p, np.full(p.size, 0.5), np.full(p.size, y.mean())]), 1e-3, 1 - 1e-3)
    logs = [np.array([np.log(stack[:, i]).mean(), np.log(1 - stack[:, i]).mean()]) for i in range(p.size)]
    loo = fit_extremizing_loo(logs, [0 if v else 1 for v in y])
    assert list(ext["used"].values()) == pytest.approx(loo.tolist(), abs=1e-9)
    assert ext["questions"] == 57 and ext["warning"] is None
    text = invoke("score", NAME, "-w", str(root), "--pool-kinds", "market,baseline").stdout
    assert f"a = {loo.min():.2f} to {loo.max():.2f}" in text
    shown_run = invoke("score", "dprk-2015", "-w", str(REPO))
    dprk = shown_run.stdout
    small = run_json("dprk-2015", "-w", str(REPO))["extremizing"]
    assert small["questions"] < 20 and "fitted on only" in small["warning"]
    assert f"warning: the extremizing factor is {small['warning']}" in shown_run.stderr  # a warning, on stderr
    assert "fitted on only" not in dprk
    shown = [f"{a:.2f}" for a in small["used"].values()]
    assert all(a in dprk for a in shown)


# --- output: per question, Murphy terms, exports, the plot --------------------------------------------------


def test_by_question_and_the_csv_exports_equal_the_json(fb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, p, y = fb
    out = run_json(NAME, "-w", str(root), "--reference", "coin")
    result = invoke("score", NAME, "-w", str(root), "--reference", "coin", "--csv", str(tmp_path / "lb.csv"),
                    "--parquet", str(tmp_path / "lb.parquet"))
    assert result.exit_code == 0 and "wrote the leaderboard (3 rows)" in result.stderr
    board = pd.read_csv(tmp_path / "lb.csv", keep_default_na=False, na_values=[""])
    assert board.equals(pd.read_parquet(tmp_path / "lb.parquet").astype(board.dtypes.to_dict()))
    assert list(board["forecaster"]) == [f["id"] for f in out["ranking"]["forecasters"]]
    assert list(board["rank"]) == [1, 2, 3] and set(board["rank_on"]) == {"common"}
    market = board.set_index("forecaster").loc["market"]
    assert market["brier"] == pytest.approx(2 * brier_score_loss(y, p), abs=TOLERANCE)
    assert market["brier_skill"] == next(s["brier_skill"] for s in out["skill"] if s["forecaster"] == "market")
    # binned Murphy terms, recomputed here bin by bin
    bins = np.minimum((p * 10).astype(int), 9)
    rel = sum((p[bins == k].mean() - y[bins == k].mean()) ** 2 * (bins == k).sum() for k in set(bins)) / p.size
    res = sum((y[bins == k].mean() - y.mean()) ** 2 * (bins == k).sum() for k in set(bins)) / p.size
    assert market["reliability"] == pytest.approx(rel, abs=TOLERANCE)
    assert market["resolution"] == pytest.approx(res, abs=TOLERANCE)
    assert market["uncertainty"] == pytest.approx(y.mean() * (1 - y.mean()), abs=TOLERANCE)
    result = invoke("score", NAME, "-w", str(root), "--by", "question", "--csv", str(tmp_path / "q.csv"))
    assert result.exit_code == 0 and "wrote the scores per question (171 rows)" in result.stderr
    per = pd.read_csv(tmp_path / "q.csv", dtype={"question": str})
    mine = per[per["forecaster"] == "market"]
    assert np.allclose(mine["probability_of_outcome"], np.where(y == 1, p, 1 - p), atol=0, rtol=0)
    assert np.allclose(mine["log"], -np.log(np.where(y == 1, p, 1 - p)), atol=TOLERANCE)
    assert mine["outcome"].tolist() == ["yes" if v else "no" for v in y]
    assert "p(outcome)" in result.stdout
    assert len(re.findall(r"\bmarket[\s│]+market\b", result.stdout)) == 57  # forecaster and kind, per question


def test_plot_writes_svg_or_png_and_matplotlib_is_imported_only_then(fb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = fb
    for name in ("r.svg", "r.png"):
        result = invoke("score", NAME, "-w", str(root), "--plot", str(tmp_path / name))
        assert result.exit_code == 0 and f"wrote the reliability diagram to {tmp_path / name}" in result.stderr
    assert b"<svg" in (tmp_path / "r.svg").read_bytes() and (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    again = invoke("score", NAME, "-w", str(root), "--plot", str(tmp_path / "s.svg"))
    assert again.exit_code == 0 and (tmp_path / "s.svg").read_bytes() == (tmp_path / "r.svg").read_bytes()
    bad = invoke("score", NAME, "-w", str(root), "--plot", str(tmp_path / "r.pdf"))
    assert bad.exit_code == 2 and ".svg or .png" in bad.stderr
    env = {k: v for k, v in os.environ.items() if k != "PLAUSIBLE_DEBUG"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "plausible", "score", NAME, "-w", str(root),
                           "--csv", str(tmp_path / "x.csv"), "--compare", "market", "coin"],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    modules = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    assert not modules & {"matplotlib", "pymc", "dask", "scipy"}  # pyarrow reads the CSV forecasts


def test_score_s_choices_are_case_insensitive_like_every_other_choice(fb) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = fb
    lower = run_json(NAME, "-w", str(root), "--by", "question", "--rank-on", "all", "--pools", "mean,median",
                     "--pool-kinds", "human,baseline")
    upper = run_json(NAME, "-w", str(root), "--by", "Question", "--rank-on", "ALL", "--pools", "MEAN,Median",
                     "--pool-kinds", "Human,BASELINE")
    assert upper == lower
    assert sorted(lower["pool_kinds"]) == ["baseline", "human"]
