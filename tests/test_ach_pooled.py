"""The ACH matrix reads every cell as the engines do: several analysts' judgments by their log pool.

Truth: each cell recomputed by hand from the texts the analysts wrote (each text's point value from the model,
NA left out, then the weighted geometric mean when two or more analysts judged the cell) and rated by the ACH
band that holds it; PARC's weighted inconsistency recomputed from those ratings with its published weights.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plausible.analysis import analyze
from plausible.cli import app
from plausible.model.scales import ModelSpec
from plausible.workspace import load_workspace

# The lead rates a union statement with letters; Sam judges it, and the operator's statement (the lead wrote
# words), with letters, words, numbers and NA, at weight 2; the lead's own file changes one cell of the forum
# claim to NA, leaving Sam's judgment alone there.
LETTERS = """items:
  - id: union-statement
    summary: The union says maintenance staff were cut last year.
    source: local-news
    reported: 2024-03-05
    likelihoods:
      plant-outage: {equipment-failure: C, cyber-attack: I, sabotage: II, other: N}
"""
SAM = {
    "name": "Sam Okafor", "weight": 2,
    "likelihoods": {
        "union-statement": {"plant-outage": {"equipment-failure": "unlikely", "cyber-attack": "I", "sabotage": 0.5,
                                             "other": "NA"}},
        "operator-pump-statement": {"plant-outage": {"equipment-failure": "I", "cyber-attack": "likely",
                                                     "sabotage": 0.3, "other": "NA"}},
        "forum-claim": {"plant-outage": {"equipment-failure": 0.1, "cyber-attack": "II", "sabotage": 0.1,
                                         "other": 0.1}},
        "gazette-hmi-screens": {"plant-outage": {"equipment-failure": 0.15, "cyber-attack": 0.8, "sabotage": "NA",
                                                 "other": "NA"}},
    },
}
LEAD = {"name": "Lead", "likelihoods": {"forum-claim": {"plant-outage": {"other": "NA"}}}}
PARC = {"low": 1 / math.sqrt(2), "medium": 1.0, "high": math.sqrt(2)}
ADMIRALTY = {1: "high", 2: "high", 3: "medium", 4: "low", 5: "low", 6: "medium", None: "medium"}


@pytest.fixture
def two_analysts(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    (root / "evidence" / "2024-03-05-letters.yaml").write_text(LETTERS, encoding="utf-8")
    (root / "analysts" / "sam.yaml").write_text(yaml.safe_dump(SAM), encoding="utf-8")
    (root / "analysts" / "lead.yaml").write_text(yaml.safe_dump(LEAD), encoding="utf-8")
    return root


def written(root: Path) -> dict[str, dict[str, dict[str, object]]]:
    """Each item's cells as each analyst wrote them: {item: {hypothesis: {analyst: text}}}."""
    cells: dict[str, dict[str, dict[str, object]]] = {}
    evidence = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((root / "evidence").glob("2*.yaml"))]
    for doc in evidence:
        for item in doc["items"]:
            for h, text in item.get("likelihoods", {}).get("plant-outage", {}).items():
                cells.setdefault(item["id"], {}).setdefault(h, {})["lead"] = text
    for analyst, doc in (("sam", SAM), ("lead", LEAD)):
        for item_id, per_set in doc["likelihoods"].items():  # type: ignore[union-attr]
            for h, text in per_set["plant-outage"].items():
                cells.setdefault(item_id, {}).setdefault(h, {})[analyst] = text
    return cells


def test_the_matrix_shows_the_pool_of_every_cell_several_analysts_judged(two_analysts: Path) -> None:
    spec, weights = ModelSpec(), {"lead": 1.0, "sam": 2.0}
    done = CliRunner().invoke(app, ["analyze", "plant-outage", "--json", "-w", str(two_analysts)])
    assert done.exit_code == 0, done.output
    ach = json.loads(done.stdout)["ach"]
    rows = {row["item"]: row for row in ach["rows"]}
    cells = written(two_analysts)
    cells["operator-staff-account"] = cells["gazette-hmi-screens"]  # one event: the carrier's judgments
    items = {i.id: i for i in load_workspace(two_analysts).items}
    expected_weighted = dict.fromkeys(ach["hypotheses"], 0.0)
    n_pooled = 0
    for item_id, row in rows.items():
        for h in ach["hypotheses"]:
            given = {a: spec.judgment(t) for a, t in cells[item_id][h].items()}  # type: ignore[arg-type]
            given = {a: j for a, j in given.items() if not j.not_applicable}
            if len(given) >= 2:
                pooled = math.exp(sum(weights[a] * math.log(j.mean) for a, j in given.items())
                                  / sum(weights[a] for a in given))
                want, pooled_cell = spec.rating_for(pooled), True
                n_pooled += 1
            else:
                [text] = [t for a, t in cells[item_id][h].items() if a in given] or ["NA"]
                want = text if text in ("CC", "C", "N", "I", "II", "NA") else spec.rating_for(spec.judgment(text).mean)  # type: ignore[arg-type]
                pooled_cell = False
            assert row["ratings"][h] == want, (item_id, h, cells[item_id][h])
            assert (h in row["pooled"]) == pooled_cell, (item_id, h)
            if pooled_cell:
                assert h in row["derived"]
            cred = PARC[ADMIRALTY[items[item_id].credibility]]
            expected_weighted[h] -= {"I": 1, "II": 2}.get(want, 0) * cred * PARC["medium"]
    assert n_pooled >= 8
    assert ach["weighted_inconsistency"] == pytest.approx(expected_weighted, abs=1e-12)


def test_a_letter_the_lead_wrote_is_pooled_too(two_analysts: Path) -> None:
    """The newcomer's case: the lead wrote a letter, another analyst a word; the matrix showed the lead's letter."""
    ach = analyze(load_workspace(two_analysts), "plant-outage").ach
    row = next(r for r in ach.rows if r["item"] == "union-statement")
    # lead C (0.68) and Sam "unlikely" (0.32, weight 2): (0.68 * 0.32^2)^(1/3) = 0.41, I: not the lead's C
    assert row["ratings"] == {"equipment-failure": "I", "cyber-attack": "I", "sabotage": "I", "other": "N"}
    assert row["pooled"] == ["equipment-failure", "cyber-attack", "sabotage"]
    assert row["derived"] == ["equipment-failure", "cyber-attack", "sabotage"]  # "other" is the lead's N as written


def test_the_csv_export_says_which_cells_are_pooled(two_analysts: Path, tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "a.csv"
    done = CliRunner().invoke(app, ["analyze", "plant-outage", "--csv", str(out), "-w", str(two_analysts)])
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(out)
    pooled = frame[frame.rating_pooled]
    assert {(r.item, r.hypothesis) for r in pooled.itertuples()} >= {
        ("operator-pump-statement", "equipment-failure"), ("forum-claim", "cyber-attack")}
    assert pooled.rating_derived.all()


def test_one_analyst_matrix_is_unchanged(repo_root: Path, tmp_path: Path) -> None:
    """With one analyst no cell is pooled and ratings the lead wrote stay as written (the DPRK case, lead only)."""
    root = tmp_path / "lead-only"
    shutil.copytree(repo_root, root, ignore=shutil.ignore_patterns(".plausible", ".git", ".venv", "src", "tests",
                                                                    "docs", "benchmarks", "kai.yaml"))
    ws = load_workspace(root)
    assert list(ws.analysts) == ["lead"]
    ach = analyze(ws, "dprk-driver").ach
    items = {i.id: i for i in ws.items}
    for row in ach.rows:
        assert row["pooled"] == []
        for h, rating in row["ratings"].items():  # type: ignore[union-attr]
            text = items[str(row["item"])].ratings["dprk-driver"][h].strip()
            if text in ("CC", "C", "N", "I", "II", "NA"):
                assert rating == text and h not in row["derived"]  # type: ignore[operator]
