"""Findings of a newcomer who used plausible from its docs alone: each reproduced on a workspace from `init`.

Every test here failed before its fix (the finding's number in the newcomer's report is in the test's name).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
from plausible import InputError
from plausible.cli import app

TODAY = "2026-01-01"
COMMANDS = [["posterior", "plant-outage"], ["analyze", "plant-outage"], ["sets"], ["history", "plant-outage"]]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"PLAUSIBLE_TODAY": TODAY}).invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The workspace `plausible init` writes (one set, plant-outage; two analysts)."""
    root = tmp_path / "ws"
    code, output = _run("init", str(root))
    assert code == 0, output
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _use_model(root: Path, name: str, text: str) -> None:
    (root / "models" / f"{name}.yaml").write_text(text, encoding="utf-8")
    hypotheses = root / "hypotheses" / "plant-outage.yaml"
    hypotheses.write_text(f"model: {name}\n" + hypotheses.read_text(encoding="utf-8"), encoding="utf-8")


# 1. A table given in part merges over the built-in one, every table key alike; no command fails on it.

def test_1_a_partial_credibility_table_merges_and_every_command_runs(example: Path) -> None:
    _use_model(example, "careful", 'credibility: {"3": 0.7}\n')
    first = example / "evidence" / "2024-03-02-first-reports.yaml"
    first.write_text(first.read_text(encoding="utf-8").replace("credibility: 3", "credibility: 4"), encoding="utf-8")
    code, output = _run("validate", "-w", str(example))
    assert code == 0, output
    for command in COMMANDS:
        code, output = _run(*command, "-w", str(example))
        assert code == 0 and "internal error" not in output, (command, output)
    ws = plausible.load_workspace(example)
    compiled = ws.compiled("plant-outage")
    factor = dict(zip(compiled.item_ids, compiled.factor, strict=True))
    assert factor["operator-pump-statement"] == 0.5  # credibility 4 keeps its built-in factor
    assert ws.sets["plant-outage"].model.credibility_factor(3) == 0.7  # the entry given


def test_1_every_table_key_merges_the_same_way(example: Path) -> None:
    _use_model(example, "careful", (
        "ach_ratings: {N: [0.4, 0.6]}\n"
        "reliability: {C: {alpha: 5, beta: 5}}\n"
        "credibility: {'4': 0.4}\n"
        "inference: {seed: 7}\n"
        "scales:\n  plain:\n    - {terms: [maybe], band: [0.3, 0.7]}\n"))
    model = plausible.load_workspace(example).sets["plant-outage"].model
    builtin = plausible.load_workspace(example).sets["plant-outage"].model.__class__()
    assert model.judgment("N").band == (0.4, 0.6)
    for rating in ("CC", "C", "I", "II"):  # before: left out of a partial table, they silently carried no weight
        assert model.judgment(rating) == builtin.judgment(rating)
    assert model.judgment("NA").not_applicable
    assert model.reliability("C").mean == 0.5 and model.reliability("A") == builtin.reliability("A")
    assert [model.credibility_factor(c) for c in range(1, 7)] == [1.0, 0.9, 0.75, 0.4, 0.25, 1.0]
    assert model.inference.seed == 7 and model.inference.draws == builtin.inference.draws
    assert set(model.scales) == {"icd203", "kent", "phia", "plain"}
    assert model.judgment("likely") == builtin.judgment("likely")


def test_1_a_set_reads_a_sources_grade_in_its_own_model(example: Path) -> None:
    """Before, sources were read in the `default` model only: a set's model's `reliability` table was ignored."""
    before = plausible.load_workspace(example).compiled("plant-outage")
    _use_model(example, "careful", "reliability: {B: {alpha: 1, beta: 3}}\n")
    after = plausible.load_workspace(example).compiled("plant-outage")
    rho = dict(zip(after.source_ids, after.rho, strict=True))
    assert rho["operator"] == pytest.approx(0.25)  # grade B: Beta(1, 3), mean 1/4
    assert (after.rho_alpha[after.source_ids.index("operator")], after.rho_beta[after.source_ids.index("operator")]
            ) == (1.0, 3.0)
    unchanged = [s for s in after.source_ids if s != "operator"]
    np.testing.assert_array_equal([rho[s] for s in unchanged],
                                  [dict(zip(before.source_ids, before.rho, strict=True))[s] for s in unchanged])
