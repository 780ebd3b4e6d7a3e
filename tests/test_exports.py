"""The --csv and --parquet exports of posterior, history and analyze, read back with pandas and compared with
the command's --json (an independent path to the same numbers), and what they import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from plausible.cli import app
from plausible.cli.exports import ANALYSIS_COLUMNS, HISTORY_COLUMNS, POSTERIOR_COLUMNS

REPO = Path(__file__).parents[1]
FORMATS = ("csv", "parquet")


def export(tmp_path: Path, kind: str, *args: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run a command with --json and an export; the table read back by pandas, and the JSON."""
    target = tmp_path / f"out.{kind}"
    result = CliRunner().invoke(app, [*args, "--json", f"--{kind}", str(target), "-w", str(REPO)])
    assert result.exit_code == 0, result.output
    assert f"to {target}" in result.stderr
    if kind == "csv":
        frame = pd.read_csv(target, keep_default_na=False, na_values=[""],
                            dtype={"label": str, "items": str, "reported": str})
    else:
        frame = pd.read_parquet(target)
    return frame, json.loads(result.stdout)


@pytest.mark.parametrize("kind", FORMATS)
def test_posterior_export_matches_its_json(kind: str, tmp_path: Path) -> None:
    frame, data = export(tmp_path, kind, "posterior", "dprk-driver")
    assert list(frame.columns) == list(POSTERIOR_COLUMNS)
    assert list(frame["hypothesis"]) == [h["id"] for h in data["hypotheses"]]
    for row, h in zip(frame.itertuples(), data["hypotheses"], strict=True):
        assert row.probability == h["probability"] and row.prior == h["prior"]  # exact: full precision
        assert pd.isna(row.interval_low) and pd.isna(row.interval_high)  # the exact engine has no interval
        assert row.set == data["set"] and row.method == data["method"] and row.evidence == data["evidence"]
        assert row.inputs_hash == data["inputs_hash"]
    titles = {h["id"]: h["title"] for h in yaml.safe_load((REPO / "hypotheses" / "dprk-driver.yaml").read_text())[
        "hypotheses"]}
    assert dict(zip(frame["hypothesis"], frame["title"], strict=True)) == titles


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("by", ["item", "file", "date"])
def test_history_export_matches_its_json(kind: str, by: str, tmp_path: Path) -> None:
    frame, data = export(tmp_path, kind, "history", "dprk-driver", "--by", by)
    assert list(frame.columns) == list(HISTORY_COLUMNS)
    hids = list(data["prior"])
    assert len(frame) == (len(data["steps"]) + 1) * len(hids)
    prior = frame[frame["step"] == 0]
    assert dict(zip(prior["hypothesis"], prior["probability"], strict=True)) == data["prior"]
    assert prior["label"].isna().all() and prior["reported"].isna().all()
    for n, step in enumerate(data["steps"], start=1):
        rows = frame[frame["step"] == n]
        assert dict(zip(rows["hypothesis"], rows["probability"], strict=True)) == step["probabilities"]
        assert set(rows["label"]) == {step[by]}
        assert {str(d) for d in rows["reported"]} == {step["reported"]}
        assert set(rows["items"]) == {" ".join(step["items"])}
    assert set(frame["by"]) == {by} and set(frame["set"]) == {"dprk-driver"}


@pytest.mark.parametrize("kind", FORMATS)
def test_analyze_export_matches_its_json(kind: str, tmp_path: Path) -> None:
    frame, data = export(tmp_path, kind, "analyze", "dprk-driver")
    assert list(frame.columns) == list(ANALYSIS_COLUMNS)
    cells = frame.set_index(["item", "hypothesis"])
    assert len(cells) == len(data["weights"])
    for w in data["weights"]:
        assert cells.loc[(w["item"], w["hypothesis"]), "weight_db"] == w["decibans"]
    for d in data["diagnosticity"]:
        rows = frame[frame["item"] == d["item"]]
        assert set(rows["max_log_ratio_db"]) == {d["max_log_ratio_db"]}
        assert set(rows["expected_information_bits"]) == {d["expected_information_bits"]}
    for loo in data["leave_one_out"]:
        for h, p in loo["probabilities"].items():
            assert cells.loc[(loo["item"], h), "leave_one_out"] == p
    for row in data["ach"]["rows"]:
        for h, rating in row["ratings"].items():
            cell = cells.loc[(row["item"], h)]
            assert cell["rating"] == rating and bool(cell["rating_derived"]) == (h in row["derived"])
            assert cell["credibility"] == row["credibility"] and cell["relevance"] == row["relevance"]
    # the ACH scores follow from the exported cells, as the matrix's own did
    counts = frame.assign(n=frame["rating"].map({"I": 1, "II": 2}).fillna(0)).groupby("hypothesis")["n"].sum()
    assert counts.to_dict() == pytest.approx(data["ach"]["inconsistency"])


def test_csv_and_parquet_hold_the_same_table(tmp_path: Path) -> None:
    csv, _ = export(tmp_path, "csv", "analyze", "dprk-driver")
    parquet, _ = export(tmp_path, "parquet", "analyze", "dprk-driver")
    parquet["reported"] = parquet["reported"].astype(str)
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)


def test_an_export_into_a_missing_folder_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "p.csv"
    result = CliRunner().invoke(app, ["posterior", "dprk-driver", "--csv", str(target), "-w", str(REPO)])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.output
    assert not target.parent.exists()


def test_an_export_replaces_an_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "p.csv"
    target.write_text("old content that is longer than nothing\n" * 100, encoding="utf-8")
    result = CliRunner().invoke(app, ["posterior", "dprk-driver", "--csv", str(target), "-w", str(REPO)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("set,hypothesis,")
    assert "old content" not in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]  # no temporary file left


def _imports(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PLAUSIBLE_DEBUG"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "plausible", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]


def test_pyarrow_is_imported_only_for_a_parquet_export(tmp_path: Path) -> None:
    csv = _imports("posterior", "dprk-driver", "--csv", str(tmp_path / "p.csv"))
    assert "plausible.io.tables" in csv
    assert [m for m in csv if m.split(".")[0] in {"pyarrow", "pymc", "pytensor", "dask", "matplotlib"}] == []
    parquet = _imports("posterior", "dprk-driver", "--parquet", str(tmp_path / "p.parquet"))
    assert "pyarrow" in parquet
    assert [m for m in parquet if m.split(".")[0] in {"pymc", "pytensor", "dask", "matplotlib"}] == []
