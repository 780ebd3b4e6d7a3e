"""The briefing's bottom line on the judgments agrees with ``analyze --json``'s flip (steps, exact, changes), states
a greedy flip's distance as the lower bound it is, counts the changes as listed, names whose judgment with several
analysts, and names the judgments only when they limit the confidence (docs/briefing.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from plausible.briefing.confidence import FLIP_STRONG
from plausible.cli import app

REPO = Path(__file__).resolve().parents[1]


def write(root: Path, files: dict[str, Any]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def workspace(root: Path, priors: dict[str, float], rows: list[dict[str, Any]],
              second: dict[str, dict[str, Any]] | None = None) -> Path:
    """One set ``q``, one item per row from one fully reliable source; ``second``: an analyst bo's rows."""
    files: dict[str, Any] = {
        "hypotheses/q.yaml": {"question": "Which?", "hypotheses": [{"id": h, "title": f"Answer {h}", "prior": p}
                                                                    for h, p in priors.items()]},
        "evidence/sources.yaml": {"sources": [{"id": "s", "name": "S", "reliability": 1.0}]},
        "evidence/items.yaml": {"items": [{"id": f"i{j}", "summary": f"report number {j}", "source": "s",
                                           "reported": "2020-01-01", "likelihoods": {"q": row}}
                                          for j, row in enumerate(rows)]},
    }
    if second is not None:
        files["analysts/bo.yaml"] = {"name": "Bo", "weight": 1.0,
                                     "likelihoods": {item: {"q": row} for item, row in second.items()}}
    return write(root, files)


def run(*args: str) -> str:
    out = CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return out.stdout


def flip_json(root: Path) -> dict[str, Any]:
    flip: dict[str, Any] = json.loads(run("analyze", "q", "-w", str(root), "--json"))["flip"]
    return flip


def judgments_sentence(root: Path) -> str:
    """The bottom line's clause on the judgments (from the Markdown briefing)."""
    bottom = run("brief", "q", "-w", str(root)).split("## Bottom line\n")[1].split("\n## ")[0]
    rests = next(line for line in bottom.splitlines() if line.startswith("It rests on "))
    start = min(i for i in (rests.find(m) for m in ("; changing ", "; more than ", "; no change of ")) if i >= 0)
    return rests[start + 2:rests.index("; the leading answer leads in ")]  # the imprecision clause follows


def count_phrase(changes: list[dict[str, Any]]) -> str:
    total = sum(c["steps"] for c in changes)
    if len(changes) == 1:
        return f"one judgment by {'one step' if total == 1 else f'{total} steps'}"
    return f"{len(changes)} judgments, {total} steps in all"


def test_a_flip_beyond_the_exact_search_is_a_lower_bound(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a": 0.5, "b": 0.5}, [{"a": "CC", "b": "II"}] * 2)
    flip = flip_json(root)
    assert flip["exact"] is False and flip["steps"] > flip["search_depth"]  # the case: only the greedy search flips
    clause = judgments_sentence(root)
    depth = flip["search_depth"]
    assert clause.startswith(f"more than {depth} steps of the likelihood judgments would be needed")
    # the greedy flip's count is the count of the changes it lists, and never stated as the distance
    assert sum(c["steps"] for c in flip["changes"]) == flip["steps"]
    assert f"the smallest change found, {count_phrase(flip['changes'])}, would put Answer b in the lead" in clause
    assert not re.search(rf"\b{flip['steps']} (one-step changes|steps would put)", clause)
    assert "→" not in clause  # more than 4 steps: strong, so the judgments are not what limits confidence
    page = run("brief", "q", "-w", str(root))
    assert f"{flip['steps']} steps on the judgments' scales at most (the exact search covers up to {depth})" in page


def test_a_lower_bound_that_limits_confidence_names_the_changes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import plausible.analysis.fragility as fragility

    root = workspace(tmp_path, {"a": 0.5, "b": 0.5}, [{"a": "C", "b": "I"}])
    monkeypatch.setattr(fragility, "FLIP_CANDIDATE_BUDGET", 3)  # the exact search stops after one step
    flip = flip_json(root)
    assert (flip["exact"], flip["search_depth"]) == (False, 1)
    clause = judgments_sentence(root)
    assert clause.startswith("more than 1 step of the likelihood judgments would be needed")
    for change in flip["changes"]:  # 2 steps at least: adequate, so the changes are named, each with its steps
        steps = "" if change["steps"] == 1 else f", {change['steps']} steps"
        assert f"for Answer {change['hypothesis']}: {change['from']} → {change['to']}{steps}" in clause


@pytest.mark.parametrize(("priors", "rows"), [
    ({"a": 0.5, "b": 0.5}, [{"a": "C", "b": "I"}]),                       # 3 steps, exact
    ({"a": 0.51, "b": 0.49}, [{"a": "N", "b": "N"}]),                     # 1 step
    ({"a": 0.5, "b": 0.5}, [{"a": "CC", "b": "II"}, {"a": "N", "b": "N"}]),  # 3 steps on 2 judgments
    ({"a": 0.5, "b": 0.5}, [{"a": "C", "b": "II"}]),                      # 4 steps: strong, not named
])
def test_an_exact_flip_is_stated_as_the_changes_count(tmp_path: Path, priors: dict[str, float],
                                                      rows: list[dict[str, Any]]) -> None:
    root = workspace(tmp_path, priors, rows)
    flip = flip_json(root)
    if not flip["exact"]:
        pytest.skip("the exact search did not reach this flip")  # pragma: no cover - depends on the search depth
    assert sum(c["steps"] for c in flip["changes"]) == flip["steps"]
    clause = judgments_sentence(root)
    comma = "," if len(flip["changes"]) > 1 else ""
    assert clause.startswith(f"changing {count_phrase(flip['changes'])}{comma} would put Answer b in the lead")
    named = "→" in clause
    assert named == (flip["steps"] < FLIP_STRONG)  # named exactly when the criterion is not strong
    if named:
        for change in flip["changes"]:
            assert f"“report number {change['item'][1:]}” for Answer {change['hypothesis']}: " in clause


def test_with_several_analysts_the_change_says_whose_judgment(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"a": 0.51, "b": 0.49}, [{"a": "N", "b": "N"}], {"i0": {"a": "N", "b": "N"}})
    flip = flip_json(root)
    assert flip["exact"] and flip["steps"] == 1 and len(flip["changes"]) == 1
    change = flip["changes"][0]
    clause = judgments_sentence(root)
    assert clause.startswith("changing one judgment by one step would put Answer b in the lead")
    assert f"(“report number 0” for Answer {change['hypothesis']} ({change['analyst']}'s judgment): " in clause


def test_the_doc_says_when_the_judgments_are_named() -> None:
    doc = " ".join((REPO / "docs" / "briefing.md").read_text(encoding="utf-8").split())
    assert "names the judgments only when that criterion is not strong" in doc
    assert '"more than N steps"' in doc
