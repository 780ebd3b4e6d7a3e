"""`plausible resolve` on an indicator question: the evidence it writes keeps the indicator's words and the note.

Truth: the indicator's judgments read by the model (`indicator_likelihoods`), their complements 1 - p, and the
mirrored Beta (alpha and beta swapped) for a term or rating whose mirrored band has a name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import plausible
import plausible.cli.forecasting  # registers score and resolve
from plausible.analysis.indicators import indicator_likelihoods
from plausible.briefing import build_briefing
from plausible.cli import app
from plausible.forecasting.resolve import _resolved_cell
from plausible.model.scales import ModelSpec
from plausible.model.schema import ModelFile

INDICATOR = """  - id: outage-report
    text: The regulator's report blames the control system.
    likelihoods: {equipment-failure: very unlikely, cyber-attack: C, sabotage: NA, other: 0.3}
"""
EXERCISE = ("title: Plant\nquestions:\n"
            "  - {id: report, text: Does the report blame the control system?, kind: binary, indicator: outage-report,"
            " closes: 2024-06-30}\n")
NOTE = "Regulator's report of 2024-06-20, section 4 (read by the lead)."


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    hyp = root / "hypotheses" / "plant-outage.yaml"
    hyp.write_text(hyp.read_text(encoding="utf-8") + INDICATOR, encoding="utf-8")
    with (root / "evidence" / "sources.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - {id: exercise-resolution, name: Resolved forecasting questions, reliability: A}\n")
    (root / "exercises" / "plant").mkdir(parents=True)
    (root / "exercises" / "plant" / "exercise.yaml").write_text(EXERCISE, encoding="utf-8")
    return root


@pytest.mark.parametrize(("outcome", "written"), [
    ("yes", {"equipment-failure": "very unlikely", "cyber-attack": "C", "sabotage": "NA", "other": 0.3}),
    ("no", {"equipment-failure": "very likely", "cyber-attack": "I", "sabotage": "NA", "other": 0.7}),
])
def test_the_evidence_keeps_the_indicators_words_and_the_note(workspace: Path, outcome: str,
                                                               written: dict[str, object]) -> None:
    ws = plausible.load_workspace(workspace)
    hs = ws.sets["plant-outage"]
    indicator = next(i for i in hs.indicators if i.id == "outage-report")
    lam = indicator_likelihoods(hs, indicator)
    done = CliRunner().invoke(app, ["resolve", "plant", "report", outcome, "--date", "2024-06-20", "--note", NOTE,
                                    "-w", str(workspace)])
    assert done.exit_code == 0, done.output
    path = workspace / "evidence" / "resolutions" / "2024-06-20-plant-report.yaml"
    [item] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    assert item["likelihoods"]["plant-outage"] == written
    assert item["rationale"] == f"Resolution of exercise question report (Plant): {NOTE}"
    resolved = next(i for i in plausible.load_workspace(workspace).items if i.path.startswith("evidence/resolutions"))
    assert resolved.reported == dt.date(2024, 6, 20) and resolved.rationale is not None and NOTE in resolved.rationale
    cells = resolved.likelihoods["plant-outage"]
    assert cells["sabotage"].not_applicable
    for k, h in enumerate(hs.hypothesis_ids):
        if h == "sabotage":
            continue
        assert cells[h].mean == pytest.approx(lam[k] if outcome == "yes" else 1 - lam[k], abs=1e-12), h
        if indicator.likelihoods[h].band is not None:  # the band is kept, mirrored when it did not happen
            mine, theirs = cells[h], indicator.likelihoods[h]
            assert (mine.alpha, mine.beta) == pytest.approx(
                (theirs.alpha, theirs.beta) if outcome == "yes" else (theirs.beta, theirs.alpha), abs=1e-9)


def test_a_band_no_term_mirrors_becomes_its_complemented_mean_and_says_why() -> None:
    lopsided = ModelFile.model_validate({"ach_ratings": {"CC": [0.8, 0.99], "C": [0.55, 0.8], "N": [0.45, 0.55],
                                                         "I": [0.2, 0.45], "II": [0.05, 0.2], "NA": None}})
    spec = ModelSpec(lopsided, "lopsided")
    cc = spec.judgment("CC")
    assert spec.complement(cc) is None and spec.complement(spec.judgment("C")) == "I"
    text, band_lost = _resolved_cell(spec, cc, happened=False)
    assert band_lost and float(text) == pytest.approx(1 - cc.mean, abs=1e-12)
    assert _resolved_cell(spec, cc, happened=True) == ('"CC"', False)
    assert _resolved_cell(spec, spec.judgment(0.25), happened=False) == ("0.75", False)


def test_the_resolution_counts_in_the_briefings_source_quality_as_documented(workspace: Path) -> None:
    """A resolution cites `exercise-resolution` (graded A): it counts among the reports from good sources."""
    def quality(root: Path) -> str:
        criteria = build_briefing(plausible.load_workspace(root), ["plant-outage"]).sets[0].confidence.criteria
        return next(c.detail for c in criteria if c.name == "quality of sources")

    assert quality(workspace) == "50% of reports from sources graded A or B"  # 2 operator (B) reports of 4
    done = CliRunner().invoke(app, ["resolve", "plant", "report", "yes", "--date", "2024-06-20", "-w", str(workspace)])
    assert done.exit_code == 0, done.output
    assert quality(workspace) == "60% of reports from sources graded A or B"  # and the resolution (A) of 5
    docs = (Path(__file__).parents[1] / "docs" / "briefing.md").read_text(encoding="utf-8")
    assert "a resolution written by `plausible resolve` counts" in " ".join(docs.lower().split())


def test_resolutions_keep_the_same_posterior_as_the_numbers_did(workspace: Path) -> None:
    """Writing the term instead of its mean changes nothing for the exact engine."""
    ws = plausible.load_workspace(workspace)
    hs = ws.sets["plant-outage"]
    lam = indicator_likelihoods(hs, next(i for i in hs.indicators if i.id == "outage-report"))
    prior = ws.posterior("plant-outage").probability
    assert CliRunner().invoke(app, ["resolve", "plant", "report", "yes", "--date", "2024-06-20", "-w",
                                    str(workspace)]).exit_code == 0
    after = plausible.load_workspace(workspace).posterior("plant-outage").probability
    # one more report of its own event: P(report | H) = rho lam + (1 - rho) a, a = sum_k prior_k lam_k (docs/model.md)
    rho = plausible.load_workspace(workspace).sources["exercise-resolution"].reliability.mean
    a = float(np.array([h.prior for h in hs.hypotheses]) @ lam)
    expected = prior * (rho * lam + (1 - rho) * a)
    np.testing.assert_allclose(after, expected / expected.sum(), atol=1e-12)
